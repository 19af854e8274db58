package explain

import (
	"context"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func TestOptionErrors(t *testing.T) {
	bg := NewMatrix(2, 2)
	f := Func(func(x []float64) float64 { return x[0] + x[1] })
	for _, c := range []struct {
		opt  Option
		want string
	}{
		{WithLink("probit"), `WithLink: unknown link "probit"`},
		{WithWorkers(0), "WithWorkers: 0 workers, need at least 1"},
		{WithSamples(-1), "WithSamples: sample budget -1 is negative"},
		{WithPermutations(0, 10), "WithPermutations: bounds min=0 max=10 are invalid"},
		{WithPermutations(10, 5), "WithPermutations: bounds min=10 max=5 are invalid"},
		{WithTolerance(math.NaN()), "WithTolerance: tolerance NaN is not a finite number >= 0"},
		{WithTolerance(math.Inf(1)), "WithTolerance: tolerance +Inf"},
		{WithTolerance(-0.1), "WithTolerance: tolerance -0.1"},
		{WithTopK(-1), "WithTopK: -1 is negative"},
		{WithMaxExactPlayers(0), "WithMaxExactPlayers: 0, need at least 1"},
		{WithBootstrap(-2), "WithBootstrap: bootstrap count -2 is negative"},
		{WithBootstrap(MaxBootstrap + 1), "WithBootstrap: bootstrap count 10001 exceeds MaxBootstrap (10000)"},
		{WithRowsPerCall(0), "WithRowsPerCall: 0 rows, need at least 1"},
	} {
		for name, ctor := range map[string]func() error{
			"exact":  func() error { _, err := NewExact(f, bg, c.opt); return err },
			"kernel": func() error { _, err := NewKernel(f, bg, c.opt); return err },
			"linear": func() error { _, err := NewLinear([]float64{1, 1}, 0, bg, c.opt); return err },
		} {
			if err := ctor(); err == nil || !strings.HasPrefix(err.Error(), "explain: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", name, err, c.want)
			}
		}
	}
	_, err := NewExact(f, bg, WithWorkers(0), WithTopK(-1))
	if err == nil || !strings.Contains(err.Error(), "WithWorkers") || !strings.Contains(err.Error(), "WithTopK") {
		t.Errorf("two bad options: %v", err)
	}
	if _, err := NewExact(f, bg, nil, WithTracerProvider(nil), WithMeterProvider(nil)); err != nil {
		t.Errorf("nil option and nil providers: %v", err)
	}
	// A counterfactual search takes telemetry options only.
	cons := []FeatureConstraint{{Range: &Range{Min: 0, Max: 10}}, {Range: &Range{Min: 0, Max: 10}}}
	_, err = Counterfactuals(context.Background(), f, []float64{1, 1}, Above(5), CounterfactualOptions{Constraints: cons}, WithSeed(3))
	if err == nil || !strings.Contains(err.Error(), "takes only WithTracerProvider and WithMeterProvider") {
		t.Errorf("search option given to Counterfactuals: %v", err)
	}
	if _, err := Counterfactuals(context.Background(), f, []float64{1, 1}, Above(5), CounterfactualOptions{Constraints: cons},
		nil, WithTracerProvider(nil)); err != nil {
		t.Errorf("nil telemetry options: %v", err)
	}
}

// Without WithTracerProvider/WithMeterProvider, or with nil ones,
// explainers and searches emit through the global providers.
func TestNilProvidersUseGlobal(t *testing.T) {
	tr, ms := oteltest.NewTraces(t), oteltest.NewMetrics(t)
	spans, tp, reader, mp := tr.Recorder, tr.Provider, ms.Reader(), ms.Provider
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetMeterProvider(prevMP) })

	bg := NewMatrix(1, 2)
	ctx := context.Background()
	for name, opts := range map[string][]Option{
		"absent": nil,
		"nil":    {WithTracerProvider(nil), WithMeterProvider(nil)},
	} {
		before := len(spans.Ended())
		l, err := NewLinear([]float64{1, 2}, 0, bg, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Explain(ctx, []float64{1, 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := Counterfactuals(ctx, Func(func(x []float64) float64 { return x[0] + x[1] }), []float64{1, 1}, Above(5),
			CounterfactualOptions{K: 1, Constraints: []FeatureConstraint{{Range: &Range{Min: 0, Max: 10}}, {Range: &Range{Min: 0, Max: 10}}}},
			opts...); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, s := range spans.Ended()[before:] {
			got[s.Name()] = true
		}
		if !got[semconv.SpanExplain] || !got[semconv.SpanCounterfactuals] {
			t.Errorf("%s providers: global tracer saw spans %v", name, got)
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		var count int64
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == semconv.MetricExplanations {
					for _, p := range s.DataPoints {
						count += p.Value
					}
				}
			}
		}
		if count == 0 {
			t.Errorf("%s providers: global meter counted no explanation", name)
		}
	}
}
