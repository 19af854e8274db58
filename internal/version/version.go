// Package version holds the versions the module reports about itself, on
// the ground floor so that internal packages can use them without
// importing a public package; aims/semconv re-exports them.
package version

// Module is the aimskit module version, the instrumentation scope version
// of every Tracer, Meter and Logger the SDK creates.
const Module = "0.2.0"

// Conventions is the version of the names in aims/semconv.
const Conventions = "3.2.0"

// SchemaURL identifies this version of the conventions: an OpenTelemetry
// schema URL, whose last path segment is the version, at which the
// schema file schemas/conventions/<Conventions> of the repository is
// published (its raw content on main). The file lists every version of
// the conventions and the renames between them; a new Conventions needs
// a new file, and aims/semconv's tests check that the file exists and
// names this URL.
const SchemaURL = schemaURLBase + Conventions

// schemaURLBase is SchemaURL without the version: the directory of the
// schema files, schemas/conventions in the repository.
const schemaURLBase = "https://raw.githubusercontent.com/aimskit/aimskit/main/schemas/conventions/"
