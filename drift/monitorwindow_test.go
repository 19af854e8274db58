package drift

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
)

// TestWindowGaugeHonoursTimeWindow: with WithTimeWindow the window is the
// observations younger than its age. The exported window size
// (aims.drift.window.observations) must count those, as the report of
// the evaluation does, not values that aged out of the window and are
// only still held by the count bound.
func TestWindowGaugeHonoursTimeWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setNow := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp),
		WithTimeWindow(time.Minute), WithClock(clock), WithMinObservations(5))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	for range 100 {
		if err := m.ObserveNumeric("age", 40); err != nil {
			t.Fatal(err)
		}
	}
	setNow(2 * time.Minute)
	for range 7 {
		if err := m.ObserveNumeric("age", 41); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := m.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Features {
		if f.Feature == "age" && f.Observations != 7 {
			t.Fatalf("report: %d observations of age, want 7", f.Observations)
		}
	}
	if got := tel.points(t)[semconv.MetricDriftWindowObservations]["age"]; got != 7 {
		t.Errorf("exported window of age: %v observations, want the 7 the window holds", got)
	}
	// A long idle period: every value ages out.
	setNow(time.Hour)
	if got, ok := tel.points(t)[semconv.MetricDriftWindowObservations]["age"]; !ok || got != 0 {
		t.Errorf("exported window of age after an idle hour: %v (present %v), want 0", got, ok)
	}
}
