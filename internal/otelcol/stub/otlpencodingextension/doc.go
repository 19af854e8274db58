// Package otlpencodingextension is an empty stand-in for a module whose
// source archive cannot be downloaded on the CI machines. The file
// exporter imports it only from its own tests, but the collector builder's
// `go mod tidy` still resolves it; this stub satisfies that resolution.
package otlpencodingextension
