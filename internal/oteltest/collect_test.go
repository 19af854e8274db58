package oteltest

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/internal/version"
)

// TestCollectChecksConformance: a gauge whose callback is unregistered
// before the test ends (its component was closed) is in no collection at
// test end; a collection the test made while it was there is checked all
// the same, and a problem two collections repeat is reported once.
func TestCollectChecksConformance(t *testing.T) {
	rt := &recordingTB{TB: t}
	m := NewMetrics(rt)
	meter := m.Provider.Meter(scopePrefix+"/aims", metric.WithInstrumentationVersion(version.Module), metric.WithSchemaURL(version.SchemaURL))
	g, err := meter.Int64ObservableGauge("aims.unpublished.depth", metric.WithUnit("{x}"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(g, 3)
		return nil
	}, g)
	if err != nil {
		t.Fatal(err)
	}
	m.Collect(rt)
	m.Collect(rt)
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	errs := rt.finish()
	n := 0
	for _, e := range errs {
		if strings.Contains(e, "metric aims.unpublished.depth is not published") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("problems reported %q; want the unpublished gauge once", errs)
	}
}
