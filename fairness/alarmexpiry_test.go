package fairness

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// expiryMonitor returns a time-window monitor (one minute, six buckets) on
// a fake clock, with a four-fifths threshold and an alarm log.
func expiryMonitor(t *testing.T) (*Monitor, *telemetry, *alarmLog, func(time.Duration)) {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(d time.Duration) { mu.Lock(); now = t0.Add(d); mu.Unlock() }
	tel := newTelemetry(t)
	var log alarmLog
	m, err := NewMonitor([]string{"g"}, append(tel.opts(), WithClock(clock), WithTimeWindow(time.Minute, 6), WithFinalIntervals(0),
		WithMinGroupDecisions(1), WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8, Hysteresis: -1}),
		WithAlarmHandler(log.handle))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m, tel, &log, set
}

func observeN(t *testing.T, m *Monitor, prefix, group string, n, pred int) {
	t.Helper()
	for i := range n {
		if err := m.Observe(fmt.Sprintf("%s%d", prefix, i), []string{group}, pred); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAlarmWhenWindowExpiresWithoutTraffic: a violation brought about only
// by old buckets leaving the time window is found by the next metric
// collection, not left for a decision that may never come.
func TestAlarmWhenWindowExpiresWithoutTraffic(t *testing.T) {
	m, tel, log, set := expiryMonitor(t)
	// t0: both groups always selected.
	observeN(t, m, "a0-", "a", 10, 1)
	observeN(t, m, "b0-", "b", 10, 1)
	// t0+30s: b refused twice; window rates a 12/12, b 10/12: ratio 0.83.
	set(30 * time.Second)
	observeN(t, m, "a1-", "a", 2, 1)
	observeN(t, m, "b1-", "b", 2, 0)
	if n := len(log.all()); n != 0 {
		t.Fatalf("%d alarms before expiry, want 0", n)
	}
	// t0+65s, no traffic: the t0 bucket left; window rates a 1, b 0.
	set(65 * time.Second)
	g := tel.gauges(t)
	if v := g["aims.fairness.disparity"][string(DemographicParityRatio)]; v != 0 {
		t.Fatalf("exported ratio %v, want 0", v)
	}
	alarms := log.all()
	if len(alarms) != 1 || !alarms[0].Active {
		t.Fatalf("alarms after the collection that exported ratio 0: %+v, want one active", alarms)
	}
	if n := len(tel.logs.Records()); n != 1 {
		t.Fatalf("%d threshold events, want 1", n)
	}
}

// TestRecoveryWhenWindowExpiresWithoutTraffic: a violation that ends only
// because the offending decisions left the window is reported recovered by
// Snapshot, which shows the recovered window.
func TestRecoveryWhenWindowExpiresWithoutTraffic(t *testing.T) {
	m, tel, log, set := expiryMonitor(t)
	// t0: b always refused: violation.
	observeN(t, m, "a0-", "a", 2, 1)
	observeN(t, m, "b0-", "b", 2, 0)
	// t0+30s: both selected; window b 2/4, a 4/4: still violated.
	set(30 * time.Second)
	observeN(t, m, "a1-", "a", 2, 1)
	observeN(t, m, "b1-", "b", 2, 1)
	if a := log.all(); len(a) != 1 || !a[0].Active {
		t.Fatalf("alarms %+v, want one active", a)
	}
	set(65 * time.Second)
	s := m.Snapshot()
	if v := s.Disparities[DemographicParityRatio]; v != 1 {
		t.Fatalf("snapshot ratio %v, want 1", v)
	}
	a := log.all()
	if len(a) != 2 || a[1].Active {
		t.Fatalf("alarms after a snapshot showing ratio 1: %+v, want the violation and its recovery", a)
	}
	if n := len(tel.logs.Records()); n != 2 {
		t.Fatalf("%d threshold events, want 2", n)
	}
}
