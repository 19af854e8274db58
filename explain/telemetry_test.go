package explain

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func TestExplanationSpan(t *testing.T) {
	tr := oteltest.NewTraces(t) // checks the spans against the README's table at test end
	rec, tp := tr.Recorder, tr.Provider
	bg := NewMatrix(3, 3)
	copy(bg.Data, []float64{0, 0, 0, 1, 1, 1, 2, 0, 1})
	f := Func(func(x []float64) float64 { return 10*x[0] + x[1]*x[2] })
	ex, err := NewExact(f, bg, WithTracerProvider(tp), WithTopK(2), WithFeatureNames("income", "debt", "age"))
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{123.456, 7.25, 3.5}
	e, err := ex.Explain(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if s.Name() != semconv.SpanExplain || s.InstrumentationScope().Name != semconv.ScopeExplain || s.InstrumentationScope().Version != semconv.Version {
		t.Errorf("span %q scope %+v", s.Name(), s.InstrumentationScope())
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		attrs[kv.Key] = kv.Value
	}
	if attrs[semconv.AimsExplanationMethod].AsString() != "exact" ||
		attrs[semconv.AimsExplanationFeatures].AsInt64() != 3 ||
		attrs[semconv.AimsExplanationBackgroundSize].AsInt64() != 3 ||
		attrs[semconv.AimsExplanationModelEvaluations].AsInt64() != int64(e.ModelEvaluations) ||
		!attrs[semconv.AimsExplanationExact].AsBool() ||
		attrs[semconv.AimsExplanationLink].AsString() != string(LinkIdentity) ||
		attrs[semconv.AimsControlID].AsString() != "A.8.2" {
		t.Errorf("attributes %v", attrs)
	}
	// 3 (base) + 1 (f(x)) + 6 coalitions × 3 rows.
	if e.ModelEvaluations != 3+1+6*3 {
		t.Errorf("model evaluations %d", e.ModelEvaluations)
	}
	if got := attrs[semconv.AimsExplanationTopFeatures].AsStringSlice(); !reflect.DeepEqual(got, []string{"income", "debt"}) {
		t.Errorf("top features %v", got)
	}
	for _, kv := range s.Attributes() {
		for _, v := range x {
			if strings.Contains(kv.Value.String(), fmt.Sprint(v)) {
				t.Errorf("attribute %s carries the raw input value %v", kv.Key, v)
			}
		}
	}
	// A failed explanation ends its span with an error status.
	if _, err := ex.Explain(context.Background(), []float64{1, 2}); err == nil {
		t.Fatal("short row accepted")
	}
	if spans := rec.Ended(); len(spans) != 2 || spans[1].Status().Code.String() != "Error" {
		t.Errorf("error span not recorded: %d spans", len(spans))
	}
}

func TestCounterfactualSpan(t *testing.T) {
	tr := oteltest.NewTraces(t) // checks the spans against the README's table at test end
	rec, tp := tr.Recorder, tr.Provider
	f := Func(func(x []float64) float64 { return x[0] + x[1] })
	res, err := Counterfactuals(context.Background(), f, []float64{1, 1}, Above(5), CounterfactualOptions{
		K: 2, Constraints: []FeatureConstraint{{Range: &Range{Min: 0, Max: 10}}, {Range: &Range{Min: 0, Max: 10}}},
	}, WithTracerProvider(tp))
	if err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != semconv.SpanCounterfactuals {
		t.Fatalf("spans %v", spans)
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range spans[0].Attributes() {
		attrs[kv.Key] = kv.Value
	}
	if attrs[semconv.AimsCounterfactualRequested].AsInt64() != 2 ||
		attrs[semconv.AimsCounterfactualFound].AsInt64() != int64(len(res.Counterfactuals)) ||
		attrs[semconv.AimsExplanationModelEvaluations].AsInt64() != int64(res.ModelEvaluations) ||
		attrs[semconv.AimsExplanationFeatures].AsInt64() != 2 {
		t.Errorf("attributes %v", attrs)
	}
}

func TestExplanationMetrics(t *testing.T) {
	ms := oteltest.NewMetrics(t) // checks the metrics against the README's table at test end
	reader, mp := ms.Reader(), ms.Provider
	bg := NewMatrix(2, 2)
	copy(bg.Data, []float64{0, 0, 1, 1})
	ex, err := NewExact(Func(func(x []float64) float64 { return x[0] * x[1] }), bg, WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := ex.Explain(ctx, []float64{2, 3}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = ex.Explain(ctx, []float64{2}) // failures are not counted
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != semconv.ScopeExplain {
			t.Errorf("scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			found[m.Name] = true
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if m.Name != semconv.MetricExplanations || len(d.DataPoints) != 1 || d.DataPoints[0].Value != 3 {
					t.Errorf("%s: %+v", m.Name, d.DataPoints)
				}
				if v, _ := d.DataPoints[0].Attributes.Value(semconv.AimsExplanationMethod); v.AsString() != "exact" {
					t.Errorf("method attribute %v", v)
				}
			case metricdata.Histogram[float64]:
				if m.Name != semconv.MetricExplanationDuration || d.DataPoints[0].Count != 3 {
					t.Errorf("%s: %+v", m.Name, d.DataPoints)
				}
			}
		}
	}
	if !found[semconv.MetricExplanations] || !found[semconv.MetricExplanationDuration] {
		t.Errorf("metrics %v", found)
	}
}
