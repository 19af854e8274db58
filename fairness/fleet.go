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
// start time, whose counts add to the earlier ones). A sum that does not
// fit an int64 is an error and leaves the count unchanged: no monitor can
// have counted it, and wrapped around it would read as a plausible count.
func (c *GroupCounts) AddCount(metric string, v int64) (bool, error) {
	p, name := c.count(metric)
	if p == nil {
		return false, nil
	}
	s, ok := addInt64(*p, v)
	if !ok {
		return true, fmt.Errorf("fairness: group %q: %s %d + %d does not fit an int64", c.Group, name, *p, v)
	}
	*p = s
	return true, nil
}

// count returns the count carried by the cumulative sum named metric, and
// its name in GroupCounts; nil when metric is none of those sums.
func (c *GroupCounts) count(metric string) (*int64, string) {
	switch metric {
	case semconv.MetricFairnessCumulativeDecisions:
		return &c.Decisions, "Decisions"
	case semconv.MetricFairnessCumulativeSelected:
		return &c.Selected, "Selected"
	case semconv.MetricFairnessCumulativeTruePositives:
		return &c.TruePositives, "TruePositives"
	case semconv.MetricFairnessCumulativeFalsePositives:
		return &c.FalsePositives, "FalsePositives"
	case semconv.MetricFairnessCumulativeTrueNegatives:
		return &c.TrueNegatives, "TrueNegatives"
	case semconv.MetricFairnessCumulativeFalseNegatives:
		return &c.FalseNegatives, "FalseNegatives"
	}
	return nil, ""
}

// countMetrics are the cumulative sums that carry GroupCounts.
func countMetrics() [6]string {
	return [6]string{
		semconv.MetricFairnessCumulativeDecisions, semconv.MetricFairnessCumulativeSelected,
		semconv.MetricFairnessCumulativeTruePositives, semconv.MetricFairnessCumulativeFalsePositives,
		semconv.MetricFairnessCumulativeTrueNegatives, semconv.MetricFairnessCumulativeFalseNegatives,
	}
}

// addInt64 returns a+b and whether it fits an int64.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (b >= 0) == (s >= a)
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
// levels depend on the order each replica saw its values in. A sum that
// does not fit an int64 is a *CountOverflowError naming the replica with
// the largest such count; wrapped around, it would read as a plausible
// count.
func SumGroupCounts(replicas ...[]GroupCounts) ([]GroupCounts, error) {
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
			for _, m := range countMetrics() {
				p, name := s.count(m)
				v, _ := c.count(m)
				sum, ok := addInt64(*p, *v)
				if !ok {
					return nil, overflowOf(replicas, c.Group, m, name)
				}
				*p = sum
			}
		}
	}
	return out, nil
}

// CountOverflowError is SumGroupCounts' error when the replicas' counts of
// a group add up to more than an int64 holds: a count no monitor can have
// made, so at least one replica's counts are false.
type CountOverflowError struct {
	// Group is the group whose count overflows, Count the count's name in
	// GroupCounts (e.g. "Decisions").
	Group, Count string
	// Replica is the index, among SumGroupCounts' arguments, of the
	// replica with the largest such count: the first to leave out.
	Replica int
	// Value is that replica's count.
	Value int64
}

// Error names the group, the count and the replica.
func (e *CountOverflowError) Error() string {
	return fmt.Sprintf("fairness: the replicas' %s of group %q add up to more than an int64 holds; replica %d has the largest (%d)",
		e.Count, e.Group, e.Replica, e.Value)
}

func overflowOf(replicas [][]GroupCounts, group, metric, name string) *CountOverflowError {
	e := &CountOverflowError{Group: group, Count: name, Replica: -1}
	for i, r := range replicas {
		for _, c := range r {
			if c.Group != group {
				continue
			}
			if v, _ := c.count(metric); e.Replica < 0 || *v > e.Value {
				e.Replica, e.Value = i, *v
			}
		}
	}
	return e
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
