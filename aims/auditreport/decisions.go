package auditreport

import (
	"time"

	"github.com/aimskit/aimskit/aims"
)

// partialApprovalsAttr is the decision attribute oversight sets on the
// record of a vote that still waits for further reviewers (four-eyes).
const partialApprovalsAttr = "aims.oversight.approvals"

// recordKind classifies a ledger record.
type recordKind int

const (
	kindDecision recordKind = iota // a decision made by the AI system
	kindFollowup                   // an oversight action on an earlier decision
	kindSystem                     // a halt or resume of the whole system
)

func kindOf(d *aims.Decision) recordKind {
	if d.Oversight == nil {
		return kindDecision
	}
	switch d.Oversight.Action {
	case aims.ActionApply, aims.ActionReview, aims.ActionBlock, "":
		if d.Oversight.RelatedDecisionID == "" {
			return kindDecision
		}
		return kindFollowup
	case aims.ActionHalt, aims.ActionResume:
		return kindSystem
	default:
		return kindFollowup
	}
}

// duplicateText explains how duplicate decision IDs are counted.
const duplicateText = "Each of those records is counted as a decision of its own; a review or contest record naming such an ID is linked to the decision in its own instance ledger, else to the first one read."

// bucketWidths are the candidate widths of the decision chart's time
// buckets; the smallest giving at most maxBuckets buckets is used.
var bucketWidths = []time.Duration{
	time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour,
	24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 365 * 24 * time.Hour,
}

const maxBuckets = 48

// chooseBucket picks a bucket width for the span from first to last. A
// span longer than maxBuckets years (a broken clock) gets wider buckets so
// the series stays bounded; time.Time.Sub saturates at about 292 years,
// which bounds the width too.
func chooseBucket(first, last time.Time) time.Duration {
	span := last.Sub(first)
	for _, w := range bucketWidths {
		if span/w < maxBuckets {
			return w
		}
	}
	return span/(maxBuckets-1) + 1
}

func buildDecisions(in *Input, v *view) DecisionSection {
	s := DecisionSection{Available: v != nil}
	if v == nil {
		s.Note = "No decision ledger was available."
		return s
	}
	outcomes := map[string]int{}
	model := map[string]int{}
	systems := map[string]int{}
	var ds []*aims.Decision
	s.Followups, s.Halts = v.followups, len(v.system)
	s.DuplicateIDs, s.Duplicates = v.duplicateIDs, v.duplicates
	s.NotLedgered, s.NotLedgeredIDs = notLedgered(in)
	for _, d := range v.decisions {
		outcomes[v.final[d]]++
		model[d.Output]++
		systems[d.SystemID]++
		if d.Adverse {
			s.Adverse++
		}
		s.Total++
		if d.Time.IsZero() {
			// Not charted: a decision without a time has no bucket.
			s.Untimed++
			continue
		}
		ds = append(ds, d)
		if s.First.IsZero() || d.Time.Before(s.First) {
			s.First = d.Time
		}
		if d.Time.After(s.Last) {
			s.Last = d.Time
		}
	}
	s.Outcomes, s.ModelOutputs, s.Systems = sortCounts(outcomes), sortCounts(model), sortCounts(systems)
	if s.Total == 0 {
		s.Note = "The ledger holds no decision records."
		return s
	}
	if s.Untimed > 0 {
		s.Note = plural(s.Untimed, "decision has", "decisions have") + " no time and are counted but not charted."
	}
	if len(ds) == 0 {
		return s
	}
	s.Bucket = chooseBucket(s.First, s.Last)
	start := s.First.UTC().Truncate(s.Bucket)
	n := min(int(s.Last.UTC().Sub(start)/s.Bucket)+1, 2*maxBuckets)
	idx := map[string]int{}
	for i, o := range s.Outcomes {
		idx[o.Label] = i
	}
	s.Series = make([]Bucket, n)
	for i := range s.Series {
		s.Series[i] = Bucket{Start: start.Add(time.Duration(i) * s.Bucket), Counts: make([]int, len(s.Outcomes))}
	}
	for _, d := range ds {
		// Clamped: with saturated durations (centuries apart) the
		// division is approximate at the edges.
		b := max(0, min(int(d.Time.UTC().Sub(start)/s.Bucket), n-1))
		s.Series[b].Counts[idx[v.final[d]]]++
		s.Series[b].Total++
	}
	s.Chart = decisionChart(&s)
	return s
}
