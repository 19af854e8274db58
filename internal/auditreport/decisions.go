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

// bucketWidths are the candidate widths of the decision chart's time
// buckets; the smallest giving at most maxBuckets buckets is used.
var bucketWidths = []time.Duration{
	time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour,
	24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 365 * 24 * time.Hour,
}

const maxBuckets = 48

// chooseBucket picks a bucket width for the span from first to last.
func chooseBucket(first, last time.Time) time.Duration {
	span := last.Sub(first)
	for _, w := range bucketWidths {
		if span/w < maxBuckets {
			return w
		}
	}
	return bucketWidths[len(bucketWidths)-1]
}

func buildDecisions(in *Input) DecisionSection {
	s := DecisionSection{Available: in.Decisions != nil}
	if in.Decisions == nil {
		s.Note = "No decision ledger was available."
		return s
	}
	outcomes := map[string]int{}
	systems := map[string]int{}
	var ds []*aims.Decision
	for i := range in.Decisions {
		d := &in.Decisions[i]
		switch kindOf(d) {
		case kindFollowup:
			s.Followups++
			continue
		case kindSystem:
			s.Halts++
			continue
		}
		ds = append(ds, d)
		outcomes[d.Output]++
		systems[d.SystemID]++
		if d.Adverse {
			s.Adverse++
		}
		if s.First.IsZero() || d.Time.Before(s.First) {
			s.First = d.Time
		}
		if d.Time.After(s.Last) {
			s.Last = d.Time
		}
	}
	s.Total = len(ds)
	s.Outcomes, s.Systems = sortCounts(outcomes), sortCounts(systems)
	if s.Total == 0 {
		s.Note = "The ledger holds no decision records."
		return s
	}
	s.Bucket = chooseBucket(s.First, s.Last)
	start := s.First.UTC().Truncate(s.Bucket)
	n := int(s.Last.UTC().Sub(start)/s.Bucket) + 1
	idx := map[string]int{}
	for i, o := range s.Outcomes {
		idx[o.Label] = i
	}
	s.Series = make([]Bucket, n)
	for i := range s.Series {
		s.Series[i] = Bucket{Start: start.Add(time.Duration(i) * s.Bucket), Counts: make([]int, len(s.Outcomes))}
	}
	for _, d := range ds {
		b := int(d.Time.UTC().Sub(start) / s.Bucket)
		s.Series[b].Counts[idx[d.Output]]++
		s.Series[b].Total++
	}
	s.Chart = decisionChart(&s)
	return s
}
