package fairness

import (
	"errors"
	"math"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
)

// TestSumGroupCountsRefusesOverflow: four replicas that each claim 2^62
// decisions of group A (each consistent on its own) and one honest replica
// with 40 decisions, 10 selected. The true total, 2^64+40, is no int64:
// summed with wrapping it reads as 40 decisions, a plausible count that
// FleetStatsOf would accept as the fleet's evidence. The error names the
// group, the count and the replica with the largest count.
func TestSumGroupCountsRefusesOverflow(t *testing.T) {
	huge := []GroupCounts{{Group: "A", Decisions: 1 << 62}}
	bigger := []GroupCounts{{Group: "A", Decisions: 1<<62 + 1}}
	parts := [][]GroupCounts{huge, huge, bigger, huge, {{Group: "A", Decisions: 40, Selected: 10}}}
	fleet, err := SumGroupCounts(parts...)
	var oe *CountOverflowError
	if !errors.As(err, &oe) {
		t.Fatalf("the wrapped sum was accepted as the fleet's counts: %+v (err %v)", fleet, err)
	}
	if oe.Group != "A" || oe.Count != "Decisions" || oe.Replica != 2 || oe.Value != 1<<62+1 {
		t.Errorf("error: %+v", oe)
	}
	// Counts that fit add up.
	if _, err := SumGroupCounts(huge, parts[4]); err != nil {
		t.Errorf("counts that fit: %v", err)
	}
}

// TestAddCountRefusesOverflow: a replica's counts are rebuilt from one
// data point per series; four series of 2^62 and one of 40 must not read
// as 40 decisions, nor may a negative delta wrap below MinInt64.
func TestAddCountRefusesOverflow(t *testing.T) {
	c := GroupCounts{Group: "A"}
	var err error
	for range 4 {
		_, e := c.AddCount(semconv.MetricFairnessCumulativeDecisions, 1<<62)
		err = errors.Join(err, e)
	}
	if err == nil {
		t.Fatalf("the wrapped count was accepted: %+v", c)
	}
	if c.Decisions != 1<<62 { // the second addition already overflows
		t.Errorf("a refused count changed the sum: %d", c.Decisions)
	}
	c = GroupCounts{Group: "A", Selected: math.MinInt64 + 1}
	if ok, err := c.AddCount(semconv.MetricFairnessCumulativeSelected, -2); !ok || err == nil {
		t.Errorf("negative wrap accepted: %+v", c)
	}
}
