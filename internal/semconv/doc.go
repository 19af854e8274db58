// Package semconv is the single place where every OpenTelemetry attribute
// key, event name, metric name and instrumentation scope that aimskit emits
// is defined.
//
// Auditors build their collector queries from these names, so they are a
// public contract even though the package is internal: renaming one is a
// breaking change. The README's attribute table is generated from
// [Catalog] (go run ./internal/semconv/cmd/semconvtable) and a test keeps
// the two in step.
//
// Keys live under the "aims." namespace. Where the OpenTelemetry GenAI
// semantic conventions already name a thing (gen_ai.*), the GenAI key is
// reused instead of inventing a second name; those keys are defined here
// because the newest otel-go semconv packages no longer carry them.
//
// Each package of the SDK keeps its names in its own file (aims.go,
// fairness.go, drift.go, …) and lists them in the catalog with [register].
package semconv
