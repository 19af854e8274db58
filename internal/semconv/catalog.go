package semconv

import (
	"sort"
	"sync"
)

// Kind says what sort of telemetry name an [Entry] describes.
type Kind string

// The kinds of names in the catalog.
const (
	KindAttribute Kind = "attribute"
	KindEvent     Kind = "event"
	KindMetric    Kind = "metric"
	KindScope     Kind = "scope"
)

// Entry documents one telemetry name the SDK emits.
type Entry struct {
	Name string // the key, event name, metric name or scope name
	Kind Kind
	// Type is the value type for attributes ("string", "int", "double",
	// "bool", "string[]") or the instrument for metrics ("counter",
	// "gauge", "histogram", "updowncounter").
	Type string
	// Unit is the UCUM unit of a metric, empty otherwise.
	Unit string
	// Package is the aimskit package that emits it ("aims", "fairness", …).
	Package string
	// Brief is a one-line description for the README table.
	Brief string
	// GenAI marks keys taken over from the OpenTelemetry GenAI conventions.
	GenAI bool
}

var (
	catalogMu sync.Mutex
	catalog   []Entry
)

// register adds entries to the catalog. It is called only from package-level
// variable initialisers in this package, so the catalog is complete and
// immutable once the package is initialised.
func register(entries ...Entry) struct{} {
	catalogMu.Lock()
	defer catalogMu.Unlock()
	catalog = append(catalog, entries...)
	return struct{}{}
}

// Catalog returns every documented name, sorted by kind and name.
func Catalog() []Entry {
	catalogMu.Lock()
	out := append([]Entry(nil), catalog...)
	catalogMu.Unlock()
	order := map[Kind]int{KindScope: 0, KindAttribute: 1, KindEvent: 2, KindMetric: 3}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return order[out[i].Kind] < order[out[j].Kind]
		}
		return out[i].Name < out[j].Name
	})
	return out
}
