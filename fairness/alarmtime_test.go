package fairness

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestAlarmTimeIsTheCrossing: an Alarm's Time (and its event's
// timestamp) is when the crossing was detected, on the monitor's clock,
// even when the crossing waits in line behind a slow alarm handler.
func TestAlarmTimeIsTheCrossing(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setNow := func(x time.Time) { mu.Lock(); now = x; mu.Unlock() }

	entered, release := make(chan struct{}), make(chan struct{})
	var log alarmLog
	handler := func(ctx context.Context, a Alarm) {
		log.handle(ctx, a)
		if len(log.all()) == 1 {
			close(entered)
			<-release
		}
	}
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"g"}, append(tel.opts(), WithClock(clock), WithFinalIntervals(0), WithMinGroupDecisions(1),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8, Hysteresis: -1}), WithAlarmHandler(handler))...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	for _, d := range []struct {
		id, g string
		p     int
	}{{"a1", "a", 1}, {"b1", "b", 1}} {
		if err := m.Observe(d.id, []string{d.g}, d.p); err != nil {
			t.Fatal(err)
		}
	}
	// b2 refused at t0+1s: ratio 1/2, a violation; the handler blocks.
	setNow(t0.Add(time.Second))
	first := make(chan error, 1)
	go func() { first <- m.Observe("b2", []string{"b"}, 0) }()
	<-entered
	// Overturned at t0+2s: ratio 1, the recovery waits behind the handler.
	setNow(t0.Add(2 * time.Second))
	second := make(chan error, 1)
	go func() { second <- m.ObserveFinal("b2", 1) }()
	for m.Snapshot().Groups[1].SelectionRate != 1 { // the recovery is detected under the same lock
		time.Sleep(time.Millisecond)
	}
	// The handler is released an hour later.
	setNow(t0.Add(time.Hour))
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	alarms := log.all()
	if len(alarms) != 2 {
		t.Fatalf("%d alarms, want 2", len(alarms))
	}
	for i, want := range []time.Time{t0.Add(time.Second), t0.Add(2 * time.Second)} {
		if !alarms[i].Time.Equal(want) {
			t.Errorf("alarm %d (active %v) at %v, want %v, when it was detected", i, alarms[i].Active, alarms[i].Time, want)
		}
	}
	recs := tel.logs.Records()
	if len(recs) != 2 {
		t.Fatalf("%d events, want 2", len(recs))
	}
	for i, want := range []time.Time{t0.Add(time.Second), t0.Add(2 * time.Second)} {
		if got := recs[i].Timestamp(); !got.Equal(want) {
			t.Errorf("event %d at %v, want %v", i, got, want)
		}
	}
}
