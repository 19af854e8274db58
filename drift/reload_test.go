package drift

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// everyWrong signals a change on every wrong outcome.
type everyWrong struct{}

func (everyWrong) Update(x float64) Signal {
	if x == 1 {
		return SignalDrift
	}
	return SignalNone
}
func (everyWrong) Reset() {}

// counterPoints returns the int64 sum points of the drift counters:
// "metric/attribute value" → point.
func counterPoints(t *testing.T, tel *telemetry) map[string]metricdata.DataPoint[int64] {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.DataPoint[int64]{}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			s, ok := mt.Data.(metricdata.Sum[int64])
			if !ok {
				continue
			}
			if s.Temporality != metricdata.CumulativeTemporality || !s.IsMonotonic {
				t.Errorf("%s: temporality %v, monotonic %v", mt.Name, s.Temporality, s.IsMonotonic)
			}
			for _, p := range s.DataPoints {
				v, ok := p.Attributes.Value(semconv.AimsDriftFeature)
				if !ok {
					v, _ = p.Attributes.Value(semconv.AimsDriftDetector)
				}
				out[mt.Name+"/"+v.AsString()] = p
			}
		}
	}
	return out
}

// TestCountersSurviveMonitorReload is a configuration reload: monitor A
// drops 10 non-finite values and signals 10 outcome changes and is
// closed; monitor B, on the same meter provider, drops 1 and signals 1.
// aims.drift.dropped and aims.drift.outcome.changes must read 11 (or
// carry a new start time), never drop back to 1.
func TestCountersSurviveMonitorReload(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	profiles := testProfiles(t, rng)
	tel := newTelemetry(t)
	newMon := func() *Monitor {
		m, err := NewMonitor(profiles, WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp),
			WithOutcomeDetector("every", func() (Detector, error) { return everyWrong{}, nil }))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	feed := func(m *Monitor, n int) {
		for range n {
			if err := m.ObserveNumeric("age", math.NaN()); err != nil {
				t.Fatal(err)
			}
			if _, err := m.ObserveOutcome(true); err != nil {
				t.Fatal(err)
			}
		}
	}
	dropped, changes := semconv.MetricDriftDropped+"/age", semconv.MetricDriftOutcomeChanges+"/every"
	a := newMon()
	feed(a, 10)
	whileA := counterPoints(t, tel)
	if whileA[dropped].Value != 10 || whileA[changes].Value != 10 {
		t.Fatalf("monitor A exports dropped %d, changes %d, want 10 and 10", whileA[dropped].Value, whileA[changes].Value)
	}
	if got := whileA[semconv.MetricDriftDropped+"/income"]; got.Value != 0 {
		t.Errorf("income dropped %d, want a 0 point", got.Value)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The collection after Close exports A's final state, after which A
	// reports nothing more.
	afterA := counterPoints(t, tel)
	for _, k := range []string{dropped, changes} {
		if afterA[k].Value != 10 {
			t.Errorf("%s: %d after closing A, want 10", k, afterA[k].Value)
		}
	}
	b := newMon()
	defer b.Close(ctx)
	feed(b, 1)
	withB := counterPoints(t, tel)
	for _, k := range []string{dropped, changes} {
		before, after := whileA[k], withB[k]
		if after.StartTime.Equal(before.StartTime) && after.Value != 11 {
			t.Errorf("%s: %d after the reload under the old start time, want 11", k, after.Value)
		}
	}
	// The in-process report is still B's own.
	b.mu.Lock()
	n := b.outChanges
	b.mu.Unlock()
	if n != 1 {
		t.Errorf("B's outcome changes %d, want 1", n)
	}
}

// TestMonitorDropDoesNotAllocate: counting a dropped value on the request
// path does not allocate.
func TestMonitorDropDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	num := map[string]float64{"age": math.Inf(1), "income": 50}
	if a := testing.AllocsPerRun(1000, func() {
		_ = m.Observe(num, nil)
		_ = m.ObserveNumeric("age", math.NaN())
	}); a != 0 {
		t.Errorf("dropping allocates %.1f times", a)
	}
}
