package fairness

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
)

// hookReservoir is an exemplar reservoir that keeps nothing; its Collect,
// which the SDK calls while it reads a cumulative sum's point, runs the
// hook once: a way to act at a known moment in the middle of an export.
type hookReservoir struct {
	once *sync.Once
	hook func()
}

func (r *hookReservoir) Offer(context.Context, time.Time, exemplar.Value, []attribute.KeyValue) {}

func (r *hookReservoir) Collect(dest *[]exemplar.Exemplar) {
	*dest = (*dest)[:0]
	r.once.Do(r.hook)
}

// TestCumulativeExportIsConsistentUnderLoad: the decisions observed
// while an export reads the cumulative sums must not make that export
// claim more selected or labelled decisions than decisions (which
// FleetStatsOf, and every fleet view, rightly refuse). The first
// cumulative point the export reads triggers two more selected and
// labelled decisions; whatever it read before or after, its counts must
// be counts some moment of the monitor could have had.
func TestCumulativeExportIsConsistentUnderLoad(t *testing.T) {
	var m *Monitor
	once := &sync.Once{}
	hook := func() {
		for _, id := range []string{"late1", "late2"} {
			if err := m.Observe(id, []string{"a"}, 1); err != nil {
				t.Error(err)
			}
			if err := m.ObserveLabel(id, 1); err != nil {
				t.Error(err)
			}
		}
	}
	selector := func(sdkmetric.Aggregation) exemplar.ReservoirProvider {
		return func(attribute.Set) exemplar.Reservoir { return &hookReservoir{once: once, hook: hook} }
	}
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "aims.fairness.cumulative.*"},
		sdkmetric.Stream{ExemplarReservoirProviderSelector: selector})
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(view))
	var err error
	m, err = NewMonitor([]string{"g"}, WithMeterProvider(mp), WithFinalIntervals(0), WithMinGroupDecisions(1))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	for _, id := range []string{"d1", "d2", "d3"} {
		if err := m.Observe(id, []string{"a"}, 1); err != nil {
			t.Fatal(err)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	gc := GroupCounts{Group: "g=a"}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			if s, ok := mt.Data.(metricdata.Sum[int64]); ok {
				for _, p := range s.DataPoints {
					if v, _ := p.Attributes.Value(semconv.AimsFairnessGroup); v.AsString() == "g=a" {
						if _, err := gc.AddCount(mt.Name, p.Value); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
	}
	labeled := gc.TruePositives + gc.FalsePositives + gc.TrueNegatives + gc.FalseNegatives
	if gc.Selected > gc.Decisions || labeled > gc.Decisions {
		t.Errorf("one export: %d decisions, %d selected, %d labelled: more selected or labelled than decided", gc.Decisions, gc.Selected, labeled)
	}
	if _, err := FleetStatsOf([]GroupCounts{gc}, 1); err != nil {
		t.Errorf("FleetStatsOf refuses the export: %v", err)
	}
}
