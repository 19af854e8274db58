package auditreport

import (
	"context"
	"fmt"
	"math"

	"github.com/aimskit/aimskit/fairness"
)

// Settings of the fairness confidence intervals.
const (
	// MinGroupDecisions is the smallest number of decisions in the
	// monitor's window for which a group's four-fifths verdict is given as
	// PASS or FAIL; a smaller group gets a warning that names its n and
	// interval instead.
	MinGroupDecisions = 30
	// BootstrapReplicates and BootstrapSeed make the impact-ratio
	// intervals reproducible (fairness.Bootstrap, 95 % percentile
	// intervals).
	BootstrapReplicates = 1000
	BootstrapSeed       = 42
)

// impactInterval computes the 95 % bootstrap interval of the selection-rate
// ratio between group g and the reference group (the highest rate) with
// fairness.Bootstrap, on the 0/1 outcomes the exported counts imply
// (round(rate × decisions) selected of decisions). It returns false when
// either count is unknown or zero.
func impactInterval(g, ref *GroupRow) (lo, hi float64, ok bool) {
	if g.Decisions == nil || ref.Decisions == nil || g.SelectionRate == nil || ref.SelectionRate == nil {
		return 0, 0, false
	}
	ng, nr := int(math.Round(*g.Decisions)), int(math.Round(*ref.Decisions))
	if ng <= 0 || nr <= 0 || ng+nr > 10_000_000 {
		return 0, 0, false
	}
	var pred []int
	var groups []string
	add := func(name string, n int, rate float64) {
		k := int(math.Round(rate * float64(n)))
		for i := range n {
			v := 0
			if i < k {
				v = 1
			}
			pred = append(pred, v)
			groups = append(groups, name)
		}
	}
	add("g", ng, *g.SelectionRate)
	add("ref", nr, *ref.SelectionRate)
	// The selection rate uses only the predictions; YTrue is required by
	// fairness.Data and set equal to them.
	d := &fairness.Data{YTrue: pred, YPred: pred, Sensitive: []fairness.Feature{fairness.NewFeature("group", groups)}}
	res, err := fairness.Bootstrap(context.Background(), d, fairness.BootstrapConfig{Replicates: BootstrapReplicates, Seed: BootstrapSeed, Confidence: 0.95},
		fairness.WithMetrics(fairness.SelectionRate))
	if err != nil {
		return 0, 0, false
	}
	iv, ok := res.Ratio(fairness.SelectionRate, fairness.BetweenGroups)
	if !ok || math.IsNaN(iv.Lower) || math.IsNaN(iv.Upper) {
		return 0, 0, false
	}
	return iv.Lower, iv.Upper, true
}

// assessGroups adds intervals and the small-group flag to the four-fifths
// verdicts of one monitor's groups; best is the reference group.
func assessGroups(groups map[string]*GroupRow, best *GroupRow) {
	for _, r := range groups {
		if r.ImpactRatio == nil {
			continue
		}
		if r != best {
			if lo, hi, ok := impactInterval(r, best); ok {
				r.ImpactLow, r.ImpactHigh = &lo, &hi
			}
		}
		switch {
		case r.Decisions == nil:
			r.FourFifthsNote = "number of decisions not exported: no confidence interval"
		case *r.Decisions < MinGroupDecisions:
			r.SmallGroup = true
			r.FourFifthsNote = fmt.Sprintf("small group: n = %.0f < %d", *r.Decisions, MinGroupDecisions)
			if r.FourFifths == VerdictFail {
				// Too few decisions to call it a failure; say so.
				r.FourFifths = VerdictWarn
			}
		}
		if r.ImpactLow != nil {
			ci := fmt.Sprintf("95%% CI %.2f–%.2f", *r.ImpactLow, *r.ImpactHigh)
			if r.FourFifthsNote != "" {
				r.FourFifthsNote += "; "
			}
			r.FourFifthsNote += ci
		}
	}
}
