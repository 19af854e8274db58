// Package version holds the versions the module reports about itself, on
// the ground floor so that internal packages can use them without
// importing a public package; aims/semconv re-exports them.
package version

// Module is the aimskit module version, the instrumentation scope version
// of every Tracer, Meter and Logger the SDK creates.
const Module = "0.2.0"

// Conventions is the version of the names in aims/semconv.
const Conventions = "2.4.0"

// SchemaURL identifies this version of the conventions, in the form of an
// OpenTelemetry schema URL.
const SchemaURL = "https://github.com/aimskit/aimskit/schemas/conventions/" + Conventions
