package tree

import (
	"context"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/internal/oteltest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestExplainSpans(t *testing.T) {
	ctx := context.Background()
	tr := oteltest.NewTraces(t)
	e, x, bg := logisticCase(t)
	pd, err := NewPathDependent(e, WithTracerProvider(tr.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pd.Explain(ctx, x.Row(0)); err != nil {
		t.Fatal(err)
	}
	iv, err := NewInterventional(e, bg, WithTracerProvider(tr.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iv.ExplainBatch(ctx, x); err != nil {
		t.Fatal(err)
	}
	if _, err := iv.ExplainBatch(ctx, explain.NewMatrix(1, 1)); err == nil {
		t.Fatal("short row accepted")
	}
	spans := tr.Recorder.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	want := []struct {
		method string
		rows   int64
		bg     int64
		failed bool
	}{{"tree_path_dependent", 1, 0, false}, {"tree", int64(x.Rows), int64(bg.Rows), false}, {"tree", 1, int64(bg.Rows), true}}
	for i, s := range spans {
		if s.Name() != semconv.SpanExplain {
			t.Errorf("span %d name %q", i, s.Name())
		}
		if s.InstrumentationScope().Name != semconv.ScopeExplainTree || s.InstrumentationScope().Version != semconv.Version {
			t.Errorf("span %d scope %+v", i, s.InstrumentationScope())
		}
		attrs := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Attributes() {
			attrs[kv.Key] = kv.Value
		}
		w := want[i]
		if got := attrs[semconv.AimsExplanationMethod].AsString(); got != w.method {
			t.Errorf("span %d method %q, want %q", i, got, w.method)
		}
		if got := attrs[semconv.AimsExplanationRows].AsInt64(); got != w.rows {
			t.Errorf("span %d rows %d, want %d", i, got, w.rows)
		}
		if got := attrs[semconv.AimsExplanationBackgroundSize].AsInt64(); got != w.bg {
			t.Errorf("span %d background %d, want %d", i, got, w.bg)
		}
		if got := attrs[semconv.AimsExplanationTrees].AsInt64(); got != int64(e.NumTrees()) {
			t.Errorf("span %d trees %d", i, got)
		}
		if got := attrs[semconv.AimsControlID].AsString(); got != "A.8.2" {
			t.Errorf("span %d control %q", i, got)
		}
		if failed := s.Status().Code == codes.Error; failed != w.failed {
			t.Errorf("span %d status %v", i, s.Status())
		}
	}
	// A single-row explanation names its top features, never values.
	top := map[attribute.Key]attribute.Value{}
	for _, kv := range spans[0].Attributes() {
		top[kv.Key] = kv.Value
	}
	if names := top[semconv.AimsExplanationTopFeatures].AsStringSlice(); len(names) != topK {
		t.Errorf("top features %v", names)
	}
}

func TestExplainMetrics(t *testing.T) {
	ctx := context.Background()
	mt := oteltest.NewMetrics(t)
	e, x, bg := logisticCase(t)
	pd, err := NewPathDependent(e, WithMeterProvider(mt.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pd.ExplainBatch(ctx, x); err != nil {
		t.Fatal(err)
	}
	iv, err := NewInterventional(e, bg, WithMeterProvider(mt.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iv.Explain(ctx, x.Row(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := iv.ExplainBatch(ctx, explain.NewMatrix(1, 1)); err == nil {
		t.Fatal("wrong width accepted")
	}
	m, ok := mt.Find(t, semconv.MetricExplanations)
	if !ok {
		t.Fatal("no explanations counter")
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("explanations counter is %T", m.Data)
	}
	counts := map[string]int64{}
	for _, dp := range sum.DataPoints {
		method, _ := dp.Attributes.Value(semconv.AimsExplanationMethod)
		counts[method.AsString()] += dp.Value
	}
	if counts["tree_path_dependent"] != int64(x.Rows) || counts["tree"] != 1 || len(counts) != 2 {
		t.Errorf("explanation counts %v, want %d path-dependent and 1 interventional (failed calls not counted)", counts, x.Rows)
	}
	d, ok := mt.Find(t, semconv.MetricExplanationDuration)
	if !ok {
		t.Fatal("no duration histogram")
	}
	h, ok := d.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("duration is %T", d.Data)
	}
	var n uint64
	for _, dp := range h.DataPoints {
		n += dp.Count
	}
	if n != 2 || d.Unit != "s" {
		t.Errorf("%d duration observations in %q, want 2 in s (one per successful call)", n, d.Unit)
	}
}
