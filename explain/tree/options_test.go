package tree

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func TestOptionErrors(t *testing.T) {
	ctx := context.Background()
	e, x, bg := logisticCase(t)
	out := make([]float64, x.Rows*(e.NumFeatures()+1))
	for _, c := range []struct {
		opt  Option
		want string
	}{
		{WithWorkers(0), "tree: WithWorkers: 0 workers, need at least 1"},
		{WithWorkers(-3), "tree: WithWorkers: -3 workers, need at least 1"},
		{WithClass(-1), "tree: WithClass: class -1 is negative"},
	} {
		for name, run := range map[string]func() error{
			"path-dependent": func() error { _, err := NewPathDependent(e, c.opt); return err },
			"interventional": func() error { _, err := NewInterventional(e, bg, c.opt); return err },
			"model":          func() error { _, err := e.Model(c.opt); return err },
			"contributions":  func() error { return e.Contributions(ctx, x, out, c.opt) },
		} {
			if err := run(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", name, err, c.want)
			}
		}
	}
	if _, err := NewPathDependent(e, WithWorkers(0), WithClass(-1)); err == nil ||
		!strings.Contains(err.Error(), "WithWorkers") || !strings.Contains(err.Error(), "WithClass") {
		t.Errorf("two bad options: %v", err)
	}
	if _, err := NewPathDependent(e, nil, WithTracerProvider(nil), WithMeterProvider(nil)); err != nil {
		t.Errorf("nil option and nil providers: %v", err)
	}
}

// Without WithTracerProvider/WithMeterProvider, or with nil ones, the
// explainers emit through the global providers.
func TestNilProvidersUseGlobal(t *testing.T) {
	ctx := context.Background()
	tr := oteltest.NewTraces(t)
	mt := oteltest.NewMetrics(t)
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(tr.Provider)
	otel.SetMeterProvider(mt.Provider)
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetMeterProvider(prevMP) })

	e, x, _ := logisticCase(t)
	var want int64
	for name, opts := range map[string][]Option{
		"absent": nil,
		"nil":    {WithTracerProvider(nil), WithMeterProvider(nil)},
	} {
		before := len(tr.Recorder.Ended())
		pd, err := NewPathDependent(e, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pd.ExplainBatch(ctx, x); err != nil {
			t.Fatal(err)
		}
		want += int64(x.Rows)
		if n := len(tr.Recorder.Ended()) - before; n != 1 {
			t.Errorf("%s providers: global tracer saw %d spans, want 1", name, n)
		}
		m, ok := mt.Find(t, semconv.MetricExplanations)
		if !ok {
			t.Fatalf("%s providers: global meter has no explanation counter", name)
		}
		sum, _ := m.Data.(metricdata.Sum[int64])
		var got int64
		for _, dp := range sum.DataPoints {
			got += dp.Value
		}
		if got != want {
			t.Errorf("%s providers: global meter counted %d explanations, want %d", name, got, want)
		}
	}
}
