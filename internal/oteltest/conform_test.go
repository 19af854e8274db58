package oteltest

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/internal/version"
)

// table is a generated table as the README carries it, with an
// attribute, a metric and a span published for two packages (x and x/y),
// one attribute, event, metric and span published for one package only,
// and an attribute published for all packages.
const table = tableBegin + ` (generated) -->

#### Instrumentation scopes

| Scope | Package | What |
|---|---|---|
| ` + "`" + scopePrefix + "/x`" + ` | x | scope of x |
| ` + "`" + scopePrefix + "/x/y`" + ` | x/y | scope of x/y |
| ` + "`" + scopePrefix + "/z`" + ` | z | scope of z |

#### Attributes

| Key | Type | Package | What |
|---|---|---|---|
| ` + "`aims.all.key`" + ` | string | all | put by every package |
| ` + "`aims.x.key`" + ` | string | x | put by x |
| ` + "`aims.x.key`" + ` | string | x/y | put by x/y |
| ` + "`aims.z.key`" + ` | int | z | put by z |

#### Events (log records with an event name)

| Event name | Package | What |
|---|---|---|
| ` + "`aims.z.event`" + ` | z | an event of z |

#### Metrics

| Metric | Instrument | Unit | Package | What |
|---|---|---|---|---|
| ` + "`aims.x.count`" + ` | counter | ` + "`{x}`" + ` | x | counted by x |
| ` + "`aims.x.count`" + ` | counter | ` + "`{x}`" + ` | x/y | counted by x/y |
| ` + "`aims.z.count`" + ` | counter | ` + "`{z}`" + ` | z | counted by z |

#### Spans

| Span name | Span kind | Package | What |
|---|---|---|---|
| ` + "`aims.x`" + ` | internal | x | a span of x |
| ` + "`aims.x`" + ` | internal | x/y | a span of x/y |
| ` + "`aims.z`" + ` | internal | z | a span of z |

` + tableEnd

func scopeOf(pkg string) instrumentation.Scope {
	return instrumentation.Scope{Name: scopePrefix + "/" + pkg, Version: version.Module, SchemaURL: version.SchemaURL}
}

// underWrongScope reports whether problems has exactly one problem, the
// one that says what comes under which scope.
func underWrongScope(t *testing.T, problems []string, what, scope string) {
	t.Helper()
	if len(problems) != 1 || !strings.Contains(problems[0], what+" comes under scope "+scopePrefix+"/"+scope) {
		t.Errorf("%s under scope %s: problems %q, want one saying it comes under the wrong scope", what, scope, problems)
	}
}

// TestEverySignalComesUnderAPublishedPackagesScope checks that spans and
// metrics, not only events, must come under the scope of a package the
// table publishes them for, and that a name published for two packages
// may come under either's.
func TestEverySignalComesUnderAPublishedPackagesScope(t *testing.T) {
	p, err := parsePublished(table)
	if err != nil {
		t.Fatal(err)
	}
	span := func(name, pkg string) []sdktrace.ReadOnlySpan {
		return tracetest.SpanStubs{{Name: name, SpanKind: trace.SpanKindInternal, InstrumentationScope: scopeOf(pkg)}}.Snapshots()
	}
	metric := func(name, unit, pkg string) metricdata.ResourceMetrics {
		return metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope: scopeOf(pkg),
			Metrics: []metricdata.Metrics{{Name: name, Unit: unit, Data: metricdata.Sum[int64]{
				IsMonotonic: true, Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.DataPoint[int64]{{Value: 1}},
			}}},
		}}}
	}
	for _, pkg := range []string{"x", "x/y"} {
		if got := p.spanProblems(span("aims.x", pkg)); len(got) != 0 {
			t.Errorf("span aims.x under scope of %s, published for it: %q", pkg, got)
		}
		if got := p.metricProblems(metric("aims.x.count", "{x}", pkg)); len(got) != 0 {
			t.Errorf("metric aims.x.count under scope of %s, published for it: %q", pkg, got)
		}
	}
	if got := p.spanProblems(span("aims.z", "z")); len(got) != 0 {
		t.Errorf("span aims.z under its own scope: %q", got)
	}
	underWrongScope(t, p.spanProblems(span("aims.z", "x")), `span "aims.z"`, "x")
	underWrongScope(t, p.spanProblems(span("aims.x", "z")), `span "aims.x"`, "z")
	underWrongScope(t, p.metricProblems(metric("aims.z.count", "{z}", "x/y")), "metric aims.z.count", "x/y")
	underWrongScope(t, p.metricProblems(metric("aims.x.count", "{x}", "z")), "metric aims.x.count", "z")

	// Events: through a real logger, as a record's scope is set by it.
	exp := &LogExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	for _, pkg := range []string{"z", "x"} {
		var r log.Record
		r.SetEventName("aims.z.event")
		lp.Logger(scopePrefix+"/"+pkg, log.WithInstrumentationVersion(version.Module), log.WithSchemaURL(version.SchemaURL)).Emit(context.Background(), r)
	}
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := exp.Records()
	if len(recs) != 2 {
		t.Fatalf("%d records exported, want 2", len(recs))
	}
	if got := p.logProblems(recs[:1]); len(got) != 0 {
		t.Errorf("event aims.z.event under its own scope: %q", got)
	}
	underWrongScope(t, p.logProblems(recs[1:]), `log record "aims.z.event"`, "x")
}

// TestEveryAttributeComesUnderAPublishedPackagesScope checks that an
// attribute key on a span, metric point or log record must come under
// the scope of a package the table publishes the key for, or be published
// for all packages, and that its value type is still checked.
func TestEveryAttributeComesUnderAPublishedPackagesScope(t *testing.T) {
	p, err := parsePublished(table)
	if err != nil {
		t.Fatal(err)
	}
	span := func(pkg string, kv attribute.KeyValue) []sdktrace.ReadOnlySpan {
		name := "aims.x"
		if pkg == "z" {
			name = "aims.z"
		}
		return tracetest.SpanStubs{{Name: name, SpanKind: trace.SpanKindInternal, InstrumentationScope: scopeOf(pkg), Attributes: []attribute.KeyValue{kv}}}.Snapshots()
	}
	metric := func(pkg string, kv attribute.KeyValue) metricdata.ResourceMetrics {
		name, unit := "aims.x.count", "{x}"
		if pkg == "z" {
			name, unit = "aims.z.count", "{z}"
		}
		return metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope: scopeOf(pkg),
			Metrics: []metricdata.Metrics{{Name: name, Unit: unit, Data: metricdata.Sum[int64]{
				IsMonotonic: true, Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.DataPoint[int64]{{Value: 1, Attributes: attribute.NewSet(kv)}},
			}}},
		}}}
	}
	ok := []struct {
		pkg string
		kv  attribute.KeyValue
	}{
		{"x", attribute.String("aims.x.key", "v")},
		{"x/y", attribute.String("aims.x.key", "v")},
		{"z", attribute.Int("aims.z.key", 1)},
		{"x", attribute.String("aims.all.key", "v")},
		{"z", attribute.String("aims.all.key", "v")},
	}
	for _, c := range ok {
		if got := p.spanProblems(span(c.pkg, c.kv)); len(got) != 0 {
			t.Errorf("span under scope of %s with %s: %q", c.pkg, c.kv.Key, got)
		}
		if got := p.metricProblems(metric(c.pkg, c.kv)); len(got) != 0 {
			t.Errorf("metric under scope of %s with %s: %q", c.pkg, c.kv.Key, got)
		}
	}
	underWrongScope(t, p.spanProblems(span("x/y", attribute.Int("aims.z.key", 1))), `span "aims.x": attribute aims.z.key`, "x/y")
	underWrongScope(t, p.spanProblems(span("z", attribute.String("aims.x.key", "v"))), `span "aims.z": attribute aims.x.key`, "z")
	underWrongScope(t, p.metricProblems(metric("x", attribute.Int("aims.z.key", 1))), "metric aims.x.count: attribute aims.z.key", "x")
	if got := p.spanProblems(span("z", attribute.String("aims.z.key", "v"))); len(got) != 1 || !strings.Contains(got[0], "attribute aims.z.key is string, published as int") {
		t.Errorf("attribute of the wrong type under its package's scope: problems %q, want one about its type", got)
	}

	exp := &LogExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	for _, kv := range []attribute.KeyValue{attribute.Int("aims.z.key", 1), attribute.String("aims.x.key", "v")} {
		var r log.Record
		r.SetEventName("aims.z.event")
		r.AddAttributes(kv)
		lp.Logger(scopePrefix+"/z", log.WithInstrumentationVersion(version.Module), log.WithSchemaURL(version.SchemaURL)).Emit(context.Background(), r)
	}
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := exp.Records()
	if len(recs) != 2 {
		t.Fatalf("%d records exported, want 2", len(recs))
	}
	if got := p.logProblems(recs[:1]); len(got) != 0 {
		t.Errorf("event with its package's attribute: %q", got)
	}
	underWrongScope(t, p.logProblems(recs[1:]), `log record "aims.z.event": attribute aims.x.key`, "z")
}

// TestPublishedTableParses checks that the module's README table reads,
// and that a malformed row is an error, not a panic.
func TestPublishedTableParses(t *testing.T) {
	p, err := readPublished()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"scope", "attribute", "event", "metric", "span"} {
		if len(p[kind]) == 0 {
			t.Errorf("README table has no %s rows", kind)
		}
	}
	bad := strings.Replace(table, "| `aims.z.count` | counter | `{z}` | z | counted by z |", "| `aims.z.count` | counter |", 1)
	if _, err := parsePublished(bad); err == nil || !strings.Contains(err.Error(), "aims.z.count") {
		t.Errorf("malformed metric row: error %v, want one naming the row", err)
	}
}
