// Package semconv holds the aimskit semantic conventions: every
// OpenTelemetry attribute key, event name, metric name and instrumentation
// scope that aimskit emits, in the manner of OpenTelemetry's own semconv
// packages.
//
// Services put the same keys on their own spans and logs (for example
// semconv.AimsSystemID.String("credit-scoring") on a resource), and
// auditors build their collector queries from them, so the names are a
// public contract versioned by [ConventionsVersion]: renaming one is a new
// major version. The README's attribute table is generated from [Catalog]
// (go run ./aims/semconv/cmd/semconvtable -w README.md) and a test keeps the
// two in step.
//
// Keys live under the "aims." namespace. Where the OpenTelemetry GenAI
// semantic conventions already name a thing (gen_ai.*), the GenAI key is
// reused instead of inventing a second name; those keys are defined here
// because the newest otel-go semconv packages no longer carry them.
//
// Each package of the SDK keeps its names in its own file (aims.go,
// fairness.go, drift.go, …) and lists them in the catalog with [register].
package semconv
