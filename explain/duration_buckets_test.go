package explain

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// aims.explain.duration is in seconds, and explanations take from well
// under a millisecond (exact Shapley values of a few features) to tens of
// seconds (KernelSHAP of a remote model). Its buckets must resolve that
// range: the SDK's default boundaries (0, 5, 10, 25, … 10000) are meant
// for milliseconds and put every explanation under 5 s in one bucket, so
// no percentile of the histogram says anything.
func TestExplanationDurationBucketsResolveSeconds(t *testing.T) {
	mt := oteltest.NewMetrics(t)
	bg := NewMatrix(2, 2)
	copy(bg.Data, []float64{0, 0, 1, 1})
	ex, err := NewExact(Func(func(x []float64) float64 { return x[0] * x[1] }), bg, WithMeterProvider(mt.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Explain(context.Background(), []float64{2, 3}); err != nil {
		t.Fatal(err)
	}
	d, ok := mt.Find(t, semconv.MetricExplanationDuration)
	if !ok {
		t.Fatal("no duration histogram")
	}
	checkDurationBounds(t, d)
}

// checkDurationBounds fails unless the histogram's bucket boundaries (in
// seconds) put one boundary into each decade from 1 ms to 10 s and go on
// to at least a minute.
func checkDurationBounds(t *testing.T, d metricdata.Metrics) {
	t.Helper()
	if d.Unit != "s" {
		t.Fatalf("unit %q", d.Unit)
	}
	h, ok := d.Data.(metricdata.Histogram[float64])
	if !ok || len(h.DataPoints) == 0 {
		t.Fatalf("duration is %T with no points", d.Data)
	}
	b := h.DataPoints[0].Bounds
	if len(b) == 0 || b[len(b)-1] < 60 {
		t.Fatalf("bucket boundaries %v: want them to reach at least 60 s", b)
	}
	// Each decade from 1 ms to 10 s holds a boundary, so a 2 ms, a 20 ms,
	// a 200 ms and a 2 s explanation fall into different buckets.
	decades := []float64{0.001, 0.01, 0.1, 1, 10}
	for i := 1; i < len(decades); i++ {
		split := false
		for _, x := range b {
			if x >= decades[i-1] && x < decades[i] {
				split = true
			}
		}
		if !split {
			t.Errorf("bucket boundaries %v: none from %g s up to %g s", b, decades[i-1], decades[i])
		}
	}
}
