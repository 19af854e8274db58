package fairness

import (
	"errors"
	"fmt"

	"github.com/aimskit/aimskit/aims/semconv"
)

// GroupCounts are one group's counts since a monitor started, as the
// monitor exports them in the aims.fairness.cumulative.* sums with the
// attribute aims.fairness.group.name. Unlike rates, counts add up: the
// counts of several replicas, summed per group (SumGroupCounts), are the
// counts of the fleet, and FleetStatsOf turns them into the rates and
// disparities a single monitor would compute.
//
// Every decision is counted once, with its final outcome:
//   - Decisions counts it when it is observed (Observe).
//   - Selected counts it while its final outcome is 1: the prediction
//     given to Observe, replaced by each ObserveFinal. A review that turns
//     a selection into a refusal takes it out again, so Selected is
//     exported as a non-monotonic sum (an up-down counter); it never
//     counts a decision twice. Once the label has arrived, or the decision
//     was evicted from the pending set, ObserveFinal is refused and the
//     outcome is fixed.
//   - TruePositives, FalsePositives, TrueNegatives and FalseNegatives
//     count it when ObserveLabel joins its label to the final outcome at
//     that moment; a decision is labelled at most once, so these are
//     monotonic.
//
// The counts are not windowed: a decision that left the monitor's window
// still has its final outcome and its label counted here. They are plain
// counts (the monitor takes no sample weights).
type GroupCounts struct {
	// Group is the group's aims.fairness.group.name, e.g. "sex=F,race=A";
	// decisions beyond the monitor's bounds are counted under a name with
	// OverflowLevel.
	Group string
	// Decisions counts the group's decisions, Selected those whose final
	// outcome is 1.
	Decisions, Selected int64
	// TruePositives, FalsePositives, TrueNegatives and FalseNegatives are
	// the confusion counts of the labelled decisions (final outcome
	// against label).
	TruePositives, FalsePositives, TrueNegatives, FalseNegatives int64
}

// Labeled is the number of labelled decisions: the sum of the confusion
// counts.
func (c GroupCounts) Labeled() int64 {
	return c.TruePositives + c.FalsePositives + c.TrueNegatives + c.FalseNegatives
}

func (c GroupCounts) internal() groupCounts {
	// conf is indexed by label<<1 | outcome: tn, fp, fn, tp.
	return groupCounts{decisions: c.Decisions, predPos: c.Selected,
		conf: [4]int64{c.TrueNegatives, c.FalsePositives, c.FalseNegatives, c.TruePositives}}
}

func (c GroupCounts) check() error {
	switch {
	case c.Group == "":
		return errors.New("fairness: group counts without a group name")
	case c.Decisions < 0 || c.Selected < 0 || c.TruePositives < 0 || c.FalsePositives < 0 || c.TrueNegatives < 0 || c.FalseNegatives < 0:
		return fmt.Errorf("fairness: group %q has a negative count: %+v", c.Group, c)
	case c.Selected > c.Decisions:
		return fmt.Errorf("fairness: group %q has %d selected of %d decisions", c.Group, c.Selected, c.Decisions)
	}
	// Subtract rather than add the confusion counts: their sum can wrap
	// around int64 to a small number.
	left := c.Decisions
	for _, v := range [4]int64{c.TruePositives, c.FalsePositives, c.TrueNegatives, c.FalseNegatives} {
		if v > left {
			return fmt.Errorf("fairness: group %q has more labelled decisions (TP %d, FP %d, TN %d, FN %d) than its %d decisions",
				c.Group, c.TruePositives, c.FalsePositives, c.TrueNegatives, c.FalseNegatives, c.Decisions)
		}
		left -= v
	}
	return nil
}

// AddCount adds v to the count carried by the aims.fairness.cumulative.*
// sum named metric, and reports whether metric is one of those sums: how
// a reader of a Collector's output or a metric backend rebuilds a
// replica's GroupCounts, one data point at a time (the latest point of
// each series; a restarted replica's counters are a new series, with a new
// start time, whose counts add to the earlier ones).
func (c *GroupCounts) AddCount(metric string, v int64) bool {
	var p *int64
	switch metric {
	case semconv.MetricFairnessCumulativeDecisions:
		p = &c.Decisions
	case semconv.MetricFairnessCumulativeSelected:
		p = &c.Selected
	case semconv.MetricFairnessCumulativeTruePositives:
		p = &c.TruePositives
	case semconv.MetricFairnessCumulativeFalsePositives:
		p = &c.FalsePositives
	case semconv.MetricFairnessCumulativeTrueNegatives:
		p = &c.TrueNegatives
	case semconv.MetricFairnessCumulativeFalseNegatives:
		p = &c.FalseNegatives
	default:
		return false
	}
	*p += v
	return true
}

// CumulativeCounts returns each group's counts since the monitor started,
// in the order the groups were first seen: the values the monitor
// exports in the aims.fairness.cumulative.* sums. They are kept after
// Close.
func (m *Monitor) CumulativeCounts() []GroupCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]GroupCounts, len(m.groups))
	for g := range m.groups {
		c := &m.cum[g]
		out[g] = GroupCounts{Group: m.groups[g].name, Decisions: c.decisions, Selected: c.predPos,
			TrueNegatives: c.conf[0], FalsePositives: c.conf[1], FalseNegatives: c.conf[2], TruePositives: c.conf[3]}
	}
	return out
}

// SumGroupCounts adds up the counts of several replicas group by group
// (by GroupCounts.Group). Groups are returned in the order they first
// appear. The sum is exact: the fleet's counts equal those of one monitor
// fed every replica's decisions, provided each decision (with its final
// outcomes and label) reached one replica only, and the replicas agree on
// the groups' names: declare the levels (WithGroupLevels), since learnt
// levels depend on the order each replica saw its values in.
func SumGroupCounts(replicas ...[]GroupCounts) []GroupCounts {
	var out []GroupCounts
	idx := map[string]int{}
	for _, r := range replicas {
		for _, c := range r {
			i, ok := idx[c.Group]
			if !ok {
				idx[c.Group] = len(out)
				out = append(out, GroupCounts{Group: c.Group})
				i = len(out) - 1
			}
			s := &out[i]
			s.Decisions += c.Decisions
			s.Selected += c.Selected
			s.TruePositives += c.TruePositives
			s.FalsePositives += c.FalsePositives
			s.TrueNegatives += c.TrueNegatives
			s.FalseNegatives += c.FalseNegatives
		}
	}
	return out
}

// FleetStats are the group rates and disparities computed from counts
// (FleetStatsOf).
type FleetStats struct {
	// Groups in the order of the counts; GroupStats.Group is nil and
	// Overflow is not set (a name does not tell the levels apart
	// reliably), Name is the group's name.
	Groups []GroupStats
	// Disparities between eligible groups; NaN when fewer than two groups
	// are eligible.
	Disparities map[Disparity]float64
}

// FleetStatsOf computes the group rates (selection rate, TPR, FPR,
// accuracy) and the disparities (demographic parity, equal opportunity,
// equalized odds; ratio and difference) from per-group counts, typically
// the aims.fairness.cumulative.* sums of several replicas added up with
// SumGroupCounts. It runs the monitor's own code on them, so the fleet is
// measured exactly as one monitor measures its window. minGroupDecisions
// plays the part of WithMinGroupDecisions (the monitor's default is 30):
// a group with fewer decisions (selection rate) or labelled decisions
// (TPR, FPR) takes no part in the disparities. Counts that are negative,
// name no group, name a group twice or have more selected or labelled
// decisions than decisions are an error.
func FleetStatsOf(counts []GroupCounts, minGroupDecisions int) (FleetStats, error) {
	if minGroupDecisions < 0 {
		return FleetStats{}, fmt.Errorf("fairness: minimum group size %d is negative", minGroupDecisions)
	}
	tot := make([]groupCounts, len(counts))
	seen := make(map[string]bool, len(counts))
	for i, c := range counts {
		if err := c.check(); err != nil {
			return FleetStats{}, err
		}
		if seen[c.Group] {
			return FleetStats{}, fmt.Errorf("fairness: group %q is given twice (add replicas up with SumGroupCounts)", c.Group)
		}
		seen[c.Group] = true
		tot[i] = c.internal()
	}
	min := int64(minGroupDecisions)
	fs := FleetStats{Groups: make([]GroupStats, len(counts)), Disparities: make(map[Disparity]float64, len(allDisparities))}
	for i := range tot {
		fs.Groups[i] = statsOf(&tot[i], min)
		fs.Groups[i].Name = counts[i].Group
	}
	for _, d := range allDisparities {
		fs.Disparities[d] = disparityOf(tot, d, min).value
	}
	return fs, nil
}
