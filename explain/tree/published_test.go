package tree

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestTelemetryIsPublishedForExplainTree checks that every span and metric
// of a tree explainer comes under this package's scope and that the
// catalog (hence the README table) publishes each of their names for
// explain/tree, with the span kind, instrument and unit emitted: a
// Collector routing on the scope must find these names under explain/tree
// in the table, not only under explain.
func TestTelemetryIsPublishedForExplainTree(t *testing.T) {
	ctx := context.Background()
	tr, mt := oteltest.NewTraces(t), oteltest.NewMetrics(t)
	e, x, bg := logisticCase(t)
	iv, err := NewInterventional(e, bg, WithTracerProvider(tr.Provider), WithMeterProvider(mt.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iv.ExplainBatch(ctx, x); err != nil {
		t.Fatal(err)
	}
	published := func(kind semconv.Kind, name, typ, unit string) {
		t.Helper()
		for _, c := range semconv.Catalog() {
			if c.Kind == kind && c.Name == name && c.Package == "explain/tree" {
				if c.Type != typ || c.Unit != unit {
					t.Errorf("%s %s is published for explain/tree as %s %q, emitted as %s %q", kind, name, c.Type, c.Unit, typ, unit)
				}
				return
			}
		}
		t.Errorf("%s %s, emitted by explain/tree, is not published for explain/tree", kind, name)
	}
	spans := tr.Recorder.Ended()
	if len(spans) == 0 {
		t.Fatal("no span")
	}
	for _, s := range spans {
		if s.InstrumentationScope().Name != semconv.ScopeExplainTree {
			t.Errorf("span %s under scope %s, want %s", s.Name(), s.InstrumentationScope().Name, semconv.ScopeExplainTree)
		}
		published(semconv.KindSpan, s.Name(), s.SpanKind().String(), "")
	}
	rm := mt.Collect(t)
	metrics := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			metrics++
			if sm.Scope.Name != semconv.ScopeExplainTree {
				t.Errorf("metric %s under scope %s, want %s", m.Name, sm.Scope.Name, semconv.ScopeExplainTree)
			}
			typ := ""
			switch m.Data.(type) {
			case metricdata.Sum[int64]:
				typ = "counter"
			case metricdata.Histogram[float64]:
				typ = "histogram"
			default:
				t.Errorf("metric %s is a %T", m.Name, m.Data)
			}
			published(semconv.KindMetric, m.Name, typ, m.Unit)
		}
	}
	if metrics != 2 {
		t.Errorf("%d metrics, want 2 (explanations and duration)", metrics)
	}
}
