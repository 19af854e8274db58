package fairness

import (
	"context"
	"fmt"
	"testing"
)

// TestSimultaneousCrossingsAreAllReported: one decision can take a
// disparity across several thresholds at once. Every crossing is an
// alarm at that decision, with the value it had then; none waits for a
// later call, which may have moved the value back and so would never
// report the violation at all.
func TestSimultaneousCrossingsAreAllReported(t *testing.T) {
	log := &alarmLog{}
	m, err := NewMonitor([]string{"g"}, WithFinalIntervals(0), WithMinGroupDecisions(1), WithCountWindow(100),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8, Hysteresis: -1}),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.9, Hysteresis: -1}),
		WithAlarmHandler(log.handle))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	observe := func(id, g string, pred int) {
		t.Helper()
		if err := m.Observe(id, []string{g}, pred); err != nil {
			t.Fatal(err)
		}
	}
	// a: 2 of 2 selected, b: 2 of 2 selected; ratio 1.
	observe("a1", "a", 1)
	observe("a2", "a", 1)
	observe("b1", "b", 1)
	observe("b2", "b", 1)
	// b3 refused: b's rate 2/3, ratio 2/3, below 0.8 and below 0.9.
	observe("b3", "b", 0)
	// A review overturns the refusal: ratio 1 again, both recover.
	if err := m.ObserveFinal("b3", 1); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range log.all() {
		got = append(got, fmt.Sprintf("%s active=%v value=%.4f", a.Key, a.Active, a.Value))
	}
	want := []string{
		"fairness/g/demographic_parity_ratio active=true value=0.6667",
		"fairness/g/demographic_parity_ratio#2 active=true value=0.6667",
		"fairness/g/demographic_parity_ratio active=false value=1.0000",
		"fairness/g/demographic_parity_ratio#2 active=false value=1.0000",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("alarms\n got %q\nwant %q", got, want)
	}
}
