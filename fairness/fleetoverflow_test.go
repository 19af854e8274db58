package fairness

import (
	"math"
	"testing"
)

// Confusion counts whose sum wraps around int64 are far more labelled
// decisions than decisions: FleetStatsOf must refuse them, not compute
// rates from them.
func TestFleetStatsOfLabelledOverflow(t *testing.T) {
	bad := []GroupCounts{
		{Group: "a", Decisions: 10, Selected: 5, TruePositives: math.MaxInt64, FalsePositives: math.MaxInt64, TrueNegatives: 2},
		{Group: "b", Decisions: 10, Selected: 5, TruePositives: 1, FalsePositives: 1, TrueNegatives: 1, FalseNegatives: 1},
	}
	fs, err := FleetStatsOf(bad, 1)
	if err == nil {
		t.Errorf("FleetStatsOf accepted a group with 2^64 labelled decisions of 10; stats %+v", fs.Groups[0])
	}
}
