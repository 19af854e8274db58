package tree

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// The tree explainers emit the same aims.explain.duration histogram as
// package explain, in seconds: its buckets must resolve sub-second
// explanations (a tree explanation takes micro- to milliseconds) and agree
// with package explain's, so a Collector can merge the two scopes' points.
func TestExplanationDurationBucketsResolveSeconds(t *testing.T) {
	mt := oteltest.NewMetrics(t)
	e, x, _ := logisticCase(t)
	pd, err := NewPathDependent(e, WithMeterProvider(mt.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pd.ExplainBatch(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	d, ok := mt.Find(t, semconv.MetricExplanationDuration)
	if !ok {
		t.Fatal("no duration histogram")
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
