package fairness

import "math"

// The disparities a Monitor computes over its window: per-group rates from
// the counts, the eligible groups at the extremes, and their ratio or
// difference, the same definitions Frame uses.

// disparityState is the value of one disparity and the groups at its
// extremes.
type disparityState struct {
	value      float64
	minG, maxG int
}

// disparity computes a between-groups disparity over the eligible groups;
// lock held. NaN when fewer than two groups are eligible.
func (m *Monitor) disparity(d Disparity) disparityState {
	return m.disparityIn(m.totals[:len(m.groups)], d)
}

// disparityIn computes a disparity over the given per-group counts with
// the monitor's minimum group size.
func (m *Monitor) disparityIn(tot []groupCounts, d Disparity) disparityState {
	return disparityOf(tot, d, m.cfg.minGroup)
}

// disparityOf computes a between-groups disparity over per-group counts:
// groups with fewer than minGroup decisions (selection rates) or labelled
// decisions (TPR, FPR) are not eligible, nor groups without any. It is the
// one implementation the monitor's window and the fleet counts
// (FleetStatsOf) share.
//
// The group values and their combination are Frame's, and so fairlearn's:
// an eligible group whose TPR (or FPR) has an empty denominator (no
// positive, or no negative, labels in the window) takes part with the
// rate Frame and scikit-learn report for it, 0.0 (zero_division), on both
// sides of equalized odds alike, although its GroupStats rate is NaN; the
// worst case of equalized odds is Frame's (equalizedOddsPicksFPR).
func disparityOf(tot []groupCounts, d Disparity, minGroup int64) disparityState {
	tpr := func(c *groupCounts) (float64, bool) { return c.labeledRate(TruePositiveRate, minGroup) }
	fpr := func(c *groupCounts) (float64, bool) { return c.labeledRate(FalsePositiveRate, minGroup) }
	switch d {
	case DemographicParityRatio, DemographicParityDifference:
		return extremes(tot, d.isRatio(), func(c *groupCounts) (float64, bool) {
			if c.decisions < minGroup || c.decisions == 0 {
				return 0, false
			}
			return float64(c.predPos) / float64(c.decisions), true
		})
	case EqualOpportunityRatio, EqualOpportunityDifference:
		return extremes(tot, d.isRatio(), tpr)
	case EqualizedOddsRatio, EqualizedOddsDifference:
		a := extremes(tot, d.isRatio(), tpr)
		b := extremes(tot, d.isRatio(), fpr)
		if equalizedOddsPicksFPR(a.value, b.value, d.isRatio()) {
			return b
		}
		return a
	}
	return disparityState{value: math.NaN(), minG: -1, maxG: -1}
}

func (c *groupCounts) labeled() int64 {
	return c.conf[0] + c.conf[1] + c.conf[2] + c.conf[3]
}

// counts returns the confusion counts of the labelled decisions.
func (c *groupCounts) counts() Counts {
	return Counts{N: c.labeled(), TN: float64(c.conf[0]), FP: float64(c.conf[1]),
		FN: float64(c.conf[2]), TP: float64(c.conf[3])}
}

// labeledRate is the value a group takes in a disparity of a
// confusion-count metric (TruePositiveRate, FalsePositiveRate): the
// metric's own value, as in Frame, so 0.0 for an empty denominator. The
// group is eligible when it has labelled decisions, at least minGroup.
func (c *groupCounts) labeledRate(m Metric, minGroup int64) (float64, bool) {
	if n := c.labeled(); n == 0 || n < minGroup {
		return 0, false
	}
	v, _ := m.fromCounts(c.counts())
	return v, true
}

func extremes(tot []groupCounts, ratio bool, val func(*groupCounts) (float64, bool)) disparityState {
	st := disparityState{value: math.NaN(), minG: -1, maxG: -1}
	var lo, hi float64
	eligible := 0
	for g := range tot {
		v, ok := val(&tot[g])
		if !ok {
			continue
		}
		eligible++
		if st.minG < 0 || v < lo {
			lo, st.minG = v, g
		}
		if st.maxG < 0 || v > hi {
			hi, st.maxG = v, g
		}
	}
	if eligible < 2 {
		return st
	}
	if ratio {
		st.value = lo / hi
	} else {
		st.value = hi - lo
	}
	return st
}
