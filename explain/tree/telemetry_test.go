package tree

import (
	"context"
	"testing"

	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/internal/semconv"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
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
