package semconv

import "sort"

// Kind says what sort of telemetry name an [Entry] describes.
type Kind string

// The kinds of names in the catalog.
const (
	KindAttribute Kind = "attribute"
	KindEvent     Kind = "event"
	KindMetric    Kind = "metric"
	KindScope     Kind = "scope"
	KindSpan      Kind = "span"
)

// Entry documents one telemetry name the SDK emits.
type Entry struct {
	Name string // the key, event name, metric name, span name or scope name
	Kind Kind   // which of those Name is: attribute, event, metric or scope
	// Type is the value type for attributes ("string", "int", "double",
	// "bool", "string[]"), the instrument for metrics ("counter",
	// "gauge", "histogram", "updowncounter") or the span kind for spans
	// ("internal", "client").
	Type string
	// Unit is the UCUM unit of a metric, empty otherwise.
	Unit string
	// Package is the aimskit package that emits it ("aims", "fairness", …),
	// whose import path is the instrumentation scope it comes under. An
	// attribute, event, metric or span that two packages emit has one
	// entry for each, with the same Type and Unit (and, for an attribute,
	// Brief: a key means the same under every scope), so that the table
	// lists it under each scope a Collector may see it in. An attribute
	// every package may put on its signals (aims.system.id, …) has one
	// entry, for [AllPackages].
	Package string
	// Brief is a one-line description for the README table.
	Brief string
	// GenAI marks keys taken over from the OpenTelemetry GenAI conventions.
	GenAI bool
	// OTel marks keys taken over from the general OpenTelemetry semantic
	// conventions (error.type, http.response.status_code): outside the
	// aims.* and gen_ai.* namespaces, with the meaning and value type
	// OpenTelemetry gives them.
	OTel bool
}

// AllPackages is the Package of an attribute that every aimskit package
// may put on its signals, such as aims.system.id and aims.control.id.
const AllPackages = "all"

// catalog is filled by register during package initialisation, which Go
// runs in one goroutine before anything can read it; afterwards it is only
// read, so it needs no lock.
var catalog []Entry

// register adds entries to the catalog. It is called only from package-level
// variable initialisers in this package.
func register(entries ...Entry) struct{} {
	catalog = append(catalog, entries...)
	return struct{}{}
}

// emittedBy returns e once for each of pkgs, the packages that put it on
// their signals: an attribute key means the same under every scope, so
// its entries differ only in Package, and the table lists it under each
// scope a Collector may see it in.
func emittedBy(e Entry, pkgs ...string) []Entry {
	out := make([]Entry, len(pkgs))
	for i, p := range pkgs {
		out[i] = e
		out[i].Package = p
	}
	return out
}

// Catalog returns a copy of every documented name, sorted by kind, name and
// package.
func Catalog() []Entry {
	out := append([]Entry(nil), catalog...)
	order := map[Kind]int{KindScope: 0, KindAttribute: 1, KindEvent: 2, KindMetric: 3, KindSpan: 4}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return order[out[i].Kind] < order[out[j].Kind]
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		// A name two packages emit has an entry for each: order them too,
		// or the generated table would change from run to run.
		return out[i].Package < out[j].Package
	})
	return out
}
