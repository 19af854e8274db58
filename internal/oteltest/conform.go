package oteltest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aimskit/aimskit/internal/version"
)

// Survey: which published rows does no checked test emit?
//
// The check sees only what tests emit through NewLogs, NewMetrics,
// NewTraces and NewPushed, so a row no test emits is confirmed by nobody.
// A test that fails on such a row would need every package's tests in one
// process; instead, rerun this survey after adding signals or tests:
//
//  1. Temporarily (do not commit) make the check log what it saw: at the
//     top of published.attr, and next to each lookup of an event, span and
//     metric name in logProblems, spanProblems and metricProblems, append
//     a line "kind<TAB>row name<TAB>package" (row name: the table's name,
//     templates such as aims.input.<name> included; package: the scope
//     without the module path) to the file named by $AIMSKIT_SURVEY,
//     and a "scope" line for each aimskit scope seen.
//  2. AIMSKIT_SURVEY=/tmp/survey.log go test -count=1 -p 1 ./...
//  3. Compare sort -u /tmp/survey.log with aims/semconv's Catalog(): each
//     entry's Kind, Name and Package (an AllPackages attribute under any
//     package; a span name made of attributes, such as
//     "{gen_ai.operation.name} {gen_ai.request.model}", by its package).
//     The entries with no line are the rows no checked test emits.
//
// On 2026-12-08 this found 36 of 253 rows; after the tests of drift,
// fairness, explain and oversight went through these providers, two were
// left: aims.ledger.errors and aims.ledger.queue.depth (aims/ledger).

// entry is one row of the published table: a name and, for attributes,
// its value type, for metrics its instrument and unit, for spans their
// kind, and the package that emits it ("all" for an attribute every
// package may emit).
type entry struct {
	typ, unit, pkg string
}

// published is the README's generated table of names (the table
// aims/semconv's catalog renders), by kind ("scope", "attribute",
// "event", "metric", "span") and name. A name two packages emit has a row
// for each, so a name has a list of rows.
type published map[string]map[string][]entry

// The README markers and section titles of the generated table.
const (
	tableBegin = "<!-- semconv-table:begin"
	tableEnd   = "<!-- semconv-table:end -->"
)

// sectionKind is the kind of the names listed under a section title of
// the table.
func sectionKind(line string) (string, bool) {
	switch strings.TrimSpace(line) {
	case "#### Instrumentation scopes":
		return "scope", true
	case "#### Attributes":
		return "attribute", true
	case "#### Events (log records with an event name)":
		return "event", true
	case "#### Metrics":
		return "metric", true
	case "#### Spans":
		return "span", true
	}
	return "", false
}

// readPublished reads the published table from the README.md of the
// module the test runs in (found from the working directory upwards). It
// reads the table, not aims/semconv, because internal packages do not
// import public ones, and because the table is what operators and
// auditors build their queries from.
func readPublished() (published, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			return nil, errors.New("no go.mod above the working directory")
		}
		dir = up
	}
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		return nil, err
	}
	return parsePublished(string(b))
}

// parsePublished reads the generated table of names out of doc, a
// README.
func parsePublished(doc string) (published, error) {
	i, j := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		return nil, errors.New("README.md has no generated telemetry table")
	}
	p := published{}
	kind := ""
	for _, line := range strings.Split(doc[i:j], "\n") {
		if k, ok := sectionKind(line); ok {
			kind = k
			continue
		}
		if kind == "" || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, " | ")
		if want := map[string]int{"scope": 3, "attribute": 4, "event": 3, "metric": 5, "span": 4}[kind]; len(cells) < want {
			return nil, fmt.Errorf("README.md: %s row %q has %d cells, want %d", kind, line, len(cells), want)
		}
		unquote := func(c string) string { return strings.Trim(strings.TrimPrefix(c, "| "), "`") }
		e := entry{}
		switch kind {
		case "attribute":
			e.typ, e.pkg = cells[1], cells[2]
		case "span":
			e.typ, e.pkg = cells[1], cells[2]
		case "metric":
			e.typ, e.unit, e.pkg = cells[1], unquote(cells[2]), cells[3]
		case "event":
			e.pkg = cells[1]
		}
		if p[kind] == nil {
			p[kind] = map[string][]entry{}
		}
		name := unquote(cells[0])
		p[kind][name] = append(p[kind][name], e)
	}
	return p, nil
}

// lookup finds the rows of name in the table, also as an instance of a
// templated name such as aims.input.<name> or aims.management.<type>.
func (p published) lookup(kind, name string) ([]entry, bool) {
	if e, ok := p[kind][name]; ok {
		return e, true
	}
	for n, e := range p[kind] {
		if i := strings.Index(n, "<"); i > 0 && strings.HasSuffix(n, ">") && strings.HasPrefix(name, n[:i]) && len(name) > i {
			return e, true
		}
	}
	return nil, false
}

// span finds the published rows of s. A name published as a template of
// attributes ("{gen_ai.operation.name} {gen_ai.request.model}") matches
// the span whose name is those attributes' values.
func (p published) span(s sdktrace.ReadOnlySpan) ([]entry, bool) {
	if e, ok := p["span"][s.Name()]; ok {
		return e, true
	}
	attrs := map[string]string{}
	for _, kv := range s.Attributes() {
		attrs[string(kv.Key)] = kv.Value.AsString()
	}
	for n, e := range p["span"] {
		name, ok := n, strings.Contains(n, "{")
		for ok && strings.Contains(name, "{") {
			i := strings.Index(name, "{")
			j := strings.Index(name[i:], "}")
			if j < 0 {
				ok = false
				break
			}
			v, has := attrs[name[i+1:i+j]]
			ok = has
			name = name[:i] + v + name[i+j+1:]
		}
		if ok && name == s.Name() {
			return e, true
		}
	}
	return nil, false
}

// valueType is the catalog's name of an attribute value's type.
func valueType(v attribute.Value) string {
	switch v.Type() {
	case attribute.BOOL:
		return "bool"
	case attribute.INT64:
		return "int"
	case attribute.FLOAT64:
		return "double"
	case attribute.STRING:
		return "string"
	case attribute.BOOLSLICE:
		return "bool[]"
	case attribute.INT64SLICE:
		return "int[]"
	case attribute.FLOAT64SLICE:
		return "double[]"
	case attribute.STRINGSLICE:
		return "string[]"
	}
	return v.Type().String()
}

// scopePrefix starts the name of every aimskit instrumentation scope: the
// module path.
const scopePrefix = "github.com/aimskit/aimskit"

func ours(s instrumentation.Scope) bool {
	return s.Name == scopePrefix || strings.HasPrefix(s.Name, scopePrefix+"/")
}

func (p published) scope(s instrumentation.Scope) []string {
	var out []string
	if _, ok := p["scope"][s.Name]; !ok {
		out = append(out, fmt.Sprintf("scope %s is not published", s.Name))
	}
	if s.Version != version.Module || s.SchemaURL != version.SchemaURL {
		out = append(out, fmt.Sprintf("scope %s has version %q and schema URL %q, want %q and %q", s.Name, s.Version, s.SchemaURL, version.Module, version.SchemaURL))
	}
	return out
}

// underScope picks, from the rows published for one name, the row of the
// package whose scope s is. The scope is the emitting package's import
// path, and a Collector routes and filters on it, so an event, metric or
// span must come under the scope of a package the table publishes it
// for; a name two packages emit is published once for each. Without such
// a row it reports the mismatch and returns the first row, so the other
// checks still run.
func underScope(where string, rows []entry, s instrumentation.Scope) (entry, []string) {
	var pkgs, scopes []string
	for _, e := range rows {
		if s.Name == scopePrefix+"/"+e.pkg {
			return e, nil
		}
		pkgs, scopes = append(pkgs, e.pkg), append(scopes, scopePrefix+"/"+e.pkg)
	}
	return rows[0], []string{fmt.Sprintf("%s comes under scope %s, but the table publishes it only for package %s (scope %s)",
		where, s.Name, strings.Join(pkgs, ", "), strings.Join(scopes, ", "))}
}

// allPackages is the package cell of an attribute every aimskit package
// may put on its signals (aims.system.id, aims.control.id, …).
const allPackages = "all"

// attr checks an attribute of a signal that came under scope s: its key is
// published, for the package whose scope s is (or for all packages), with
// the value type of kv. Attributes are checked per emitting package as
// events, metrics and spans are: an operator's Collector rule that drops
// or redacts a key under one scope (filter and transform processors
// match on the scope) must learn from the table every scope the key
// comes under.
func (p published) attr(where string, kv attribute.KeyValue, s instrumentation.Scope) []string {
	rows, ok := p.lookup("attribute", string(kv.Key))
	if !ok {
		return []string{fmt.Sprintf("%s: attribute %s is not published", where, kv.Key)}
	}
	e := rows[0]
	var out []string
	if len(rows) > 1 || e.pkg != allPackages {
		e, out = underScope(where+": attribute "+string(kv.Key), rows, s)
	}
	if e.typ != "any" && e.typ != valueType(kv.Value) {
		out = append(out, fmt.Sprintf("%s: attribute %s is %s, published as %s", where, kv.Key, valueType(kv.Value), e.typ))
	}
	return out
}

// LogProblems lists where the log records of aimskit's scopes differ from
// the published conventions: event name, the scope of a package the event
// is published for, and attributes.
func LogProblems(recs []sdklog.Record) []string {
	p, err := readPublished()
	if err != nil {
		return []string{"reading the published conventions: " + err.Error()}
	}
	return p.logProblems(recs)
}

func (p published) logProblems(recs []sdklog.Record) []string {
	var out []string
	for _, r := range recs {
		if !ours(r.InstrumentationScope()) {
			continue
		}
		out = append(out, p.scope(r.InstrumentationScope())...)
		where := fmt.Sprintf("log record %q", r.EventName())
		if rows, ok := p.lookup("event", r.EventName()); !ok {
			out = append(out, where+" is not a published event")
		} else {
			_, bad := underScope(where, rows, r.InstrumentationScope())
			out = append(out, bad...)
		}
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			out = append(out, p.attr(where, kv, r.InstrumentationScope())...)
			return true
		})
	}
	return out
}

// SpanProblems lists where the spans of aimskit's scopes differ from the
// published conventions: name, the scope of a package the span is
// published for, span kind and attributes.
func SpanProblems(spans []sdktrace.ReadOnlySpan) []string {
	p, err := readPublished()
	if err != nil {
		return []string{"reading the published conventions: " + err.Error()}
	}
	return p.spanProblems(spans)
}

func (p published) spanProblems(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		if !ours(s.InstrumentationScope()) {
			continue
		}
		out = append(out, p.scope(s.InstrumentationScope())...)
		where := fmt.Sprintf("span %q", s.Name())
		if rows, ok := p.span(s); !ok {
			out = append(out, where+" is not a published span")
		} else {
			e, bad := underScope(where, rows, s.InstrumentationScope())
			out = append(out, bad...)
			if e.typ != s.SpanKind().String() {
				out = append(out, fmt.Sprintf("%s is of kind %s, published as %s", where, s.SpanKind(), e.typ))
			}
		}
		for _, kv := range s.Attributes() {
			out = append(out, p.attr(where, kv, s.InstrumentationScope())...)
		}
	}
	return out
}

// instrument is the catalog's name of a metric's instrument kind.
func instrument(d metricdata.Aggregation) string {
	switch d := d.(type) {
	case metricdata.Sum[int64]:
		if d.IsMonotonic {
			return "counter"
		}
		return "updowncounter"
	case metricdata.Sum[float64]:
		if d.IsMonotonic {
			return "counter"
		}
		return "updowncounter"
	case metricdata.Gauge[int64], metricdata.Gauge[float64]:
		return "gauge"
	case metricdata.Histogram[int64], metricdata.Histogram[float64], metricdata.ExponentialHistogram[int64], metricdata.ExponentialHistogram[float64]:
		return "histogram"
	}
	return fmt.Sprintf("%T", d)
}

func pointAttrs(d metricdata.Aggregation) []attribute.Set {
	var out []attribute.Set
	switch d := d.(type) {
	case metricdata.Sum[int64]:
		for _, x := range d.DataPoints {
			out = append(out, x.Attributes)
		}
	case metricdata.Sum[float64]:
		for _, x := range d.DataPoints {
			out = append(out, x.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, x := range d.DataPoints {
			out = append(out, x.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, x := range d.DataPoints {
			out = append(out, x.Attributes)
		}
	case metricdata.Histogram[int64]:
		for _, x := range d.DataPoints {
			out = append(out, x.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, x := range d.DataPoints {
			out = append(out, x.Attributes)
		}
	}
	return out
}

// MetricProblems lists where the metrics of aimskit's scopes differ from
// the published conventions: name, the scope of a package the metric is
// published for, instrument, unit and attributes.
func MetricProblems(rm metricdata.ResourceMetrics) []string {
	p, err := readPublished()
	if err != nil {
		return []string{"reading the published conventions: " + err.Error()}
	}
	return p.metricProblems(rm)
}

func (p published) metricProblems(rm metricdata.ResourceMetrics) []string {
	var out []string
	for _, sm := range rm.ScopeMetrics {
		if !ours(sm.Scope) {
			continue
		}
		out = append(out, p.scope(sm.Scope)...)
		for _, m := range sm.Metrics {
			rows, ok := p.lookup("metric", m.Name)
			if !ok {
				out = append(out, fmt.Sprintf("metric %s is not published", m.Name))
				continue
			}
			e, bad := underScope("metric "+m.Name, rows, sm.Scope)
			out = append(out, bad...)
			if got := instrument(m.Data); got != e.typ {
				out = append(out, fmt.Sprintf("metric %s is a %s, published as a %s", m.Name, got, e.typ))
			}
			if m.Unit != e.unit {
				out = append(out, fmt.Sprintf("metric %s has unit %q, published as %q", m.Name, m.Unit, e.unit))
			}
			for _, s := range pointAttrs(m.Data) {
				for _, kv := range s.ToSlice() {
					out = append(out, p.attr("metric "+m.Name, kv, sm.Scope)...)
				}
			}
		}
	}
	return out
}
