package fairness

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
)

// A report can say "group n=75, selection rate 0.40 [lower, upper]" and
// flag groups below the minimum size: Intervals bootstraps the window, and
// the small-group flag is in the snapshot and the exported gauges.
func TestMonitorIntervalsAndSmallGroups(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"g"}, append(tel.opts(), WithMinGroupDecisions(30))...)
	if err != nil {
		t.Fatal(err)
	}
	id := 0
	add := func(group string, n, pos, labelled int) {
		for i := range n {
			id++
			pred := 0
			if i < pos {
				pred = 1
			}
			if err := m.Observe(strconv.Itoa(id), []string{group}, pred); err != nil {
				t.Fatal(err)
			}
			if i < labelled {
				if err := m.ObserveLabel(strconv.Itoa(id), i%2); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	add("a", 100, 60, 100)
	add("b", 75, 30, 20)
	add("c", 10, 5, 10)

	s := m.Snapshot()
	if s.Groups[0].Small || s.Groups[0].SmallLabeled || s.Groups[1].Small || !s.Groups[1].SmallLabeled || !s.Groups[2].Small {
		t.Errorf("small flags: %+v", s.Groups)
	}
	if sm := tel.gauges(t)[semconv.MetricFairnessGroupSmall]; sm["g=a"] != 0 || sm["g=b"] != 1 || sm["g=c"] != 1 {
		t.Errorf("aims.fairness.group.small exported %v", sm)
	}

	cfg := BootstrapConfig{Replicates: 2000, Seed: 42}
	iv, err := m.Intervals(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := m.Intervals(context.Background(), cfg)
	b := iv.Groups[1]
	if b.Decisions != 75 || b.Labeled != 20 || !b.SmallLabeled || b.SelectionRate.Estimate != 0.4 {
		t.Fatalf("group b %+v", b)
	}
	// Binomial standard error of 0.4 at n=75 is 0.057: a 95% interval
	// about ±0.11.
	if w := b.SelectionRate.Upper - b.SelectionRate.Lower; !(b.SelectionRate.Lower < 0.4 && b.SelectionRate.Upper > 0.4 && w > 0.15 && w < 0.30) {
		t.Errorf("group b selection-rate interval %+v", b.SelectionRate)
	}
	if again.Groups[1].SelectionRate != b.SelectionRate {
		t.Error("the same seed gave a different interval")
	}
	// c is below the minimum: disparities use a and b only, 0.4/0.6.
	dp := iv.Disparities[DemographicParityRatio]
	if math.Abs(dp.Estimate-2.0/3) > 1e-12 || !(dp.Lower < dp.Estimate && dp.Upper > dp.Estimate) || dp.Valid < 1900 {
		t.Errorf("demographic parity ratio %+v", dp)
	}
	if _, err := m.Intervals(context.Background(), BootstrapConfig{Replicates: 1e9}); err == nil {
		t.Error("1e9 replicates accepted")
	}
}
