package auditreport

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// buildOversight counts what gates and reviewers did. The ledger is the
// primary source: gates record each decision with its route, and every
// reviewer action is a follow-up record linked to the decision. Without a
// ledger, the collector's oversight events give the counts instead.
func buildOversight(in *Input) OversightSection {
	s := OversightSection{}
	events := map[string]int{}
	var eventLatencies []time.Duration
	for _, l := range in.Logs {
		if !strings.HasPrefix(l.EventName, "aims.oversight.") {
			continue
		}
		events[l.EventName]++
		if l.EventName == semconv.EventOversightReviewed && resolvedEvent(l) {
			if sec, ok := otlpfile.Float(l.Attributes, string(semconv.AimsOversightLatency)); ok && sec >= 0 && !math.IsInf(sec, 0) {
				eventLatencies = append(eventLatencies, time.Duration(sec*float64(time.Second)))
			}
		}
	}
	s.Events = sortCounts(events)

	switch {
	case in.Decisions != nil:
		s.Available = true
		fromLedger(in.Decisions, &s)
	case in.Logs != nil:
		s.Available = true
		s.Note = "No decision ledger was available; the counts come from the collector's oversight events."
		fromEvents(in.Logs, &s)
		s.ReviewTimes = distribution(eventLatencies, "collector events")
	default:
		s.Note = "Neither a decision ledger nor collector logs were available."
		return s
	}
	if resolved := s.Approved + s.Rejected + s.Overridden; resolved > 0 {
		s.Agreement = float64(s.Approved) / float64(resolved)
		s.AgreementDefined = true
	}
	if s.ReviewTimes.N > 0 {
		s.Chart = reviewTimeChart(&s.ReviewTimes)
	}
	return s
}

// resolvedEvent reports whether a reviewed event resolved its ticket (a
// four-eyes vote waiting for another reviewer does not).
func resolvedEvent(l otlpfile.LogRecord) bool {
	v, ok := l.Attributes["aims.oversight.resolved"]
	if !ok {
		return true
	}
	b, isBool := v.(bool)
	return !isBool || b
}

func fromLedger(ds []aims.Decision, s *OversightSection) {
	held := map[string]bool{}     // ticket or decision ID of held decisions
	resolved := map[string]bool{} // tickets or decisions with a final action
	reviewers := map[string]int{}
	var latencies []time.Duration
	key := func(d *aims.Decision) string {
		if d.Oversight != nil && d.Oversight.TicketID != "" {
			return d.Oversight.TicketID
		}
		if d.Oversight != nil && d.Oversight.RelatedDecisionID != "" {
			return d.Oversight.RelatedDecisionID
		}
		return d.ID
	}
	for i := range ds {
		d := &ds[i]
		o := d.Oversight
		if o == nil {
			s.Ungated++
			continue
		}
		_, partial := d.Attributes[partialApprovalsAttr]
		switch o.Action {
		case aims.ActionApply:
			if o.RelatedDecisionID == "" {
				s.Applied++
			}
		case aims.ActionReview:
			if o.RelatedDecisionID == "" {
				s.Held++
				held[key(d)] = true
			}
		case aims.ActionBlock:
			if o.RelatedDecisionID == "" {
				s.Blocked++
			}
		case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
			if partial {
				s.PartialApprovals++
				continue
			}
			switch o.Action {
			case aims.ActionApprove:
				s.Approved++
			case aims.ActionReject:
				s.Rejected++
			default:
				s.Overridden++
			}
			resolved[key(d)] = true
			if o.Reviewer != "" {
				reviewers[o.Reviewer]++
			}
			if o.ReviewLatency > 0 {
				latencies = append(latencies, o.ReviewLatency)
			}
		case aims.ActionExpire:
			s.Expired++
			resolved[key(d)] = true
		case aims.ActionEscalate:
			s.Escalated++
		case aims.ActionContest:
			s.Contested++
		case aims.ActionHalt:
			s.Halts++
		case aims.ActionResume:
			s.Resumes++
		}
	}
	for k := range held {
		if !resolved[k] {
			s.Open++
		}
	}
	s.Reviewers = sortCounts(reviewers)
	s.ReviewTimes = distribution(latencies, "ledger")
}

func fromEvents(logs []otlpfile.LogRecord, s *OversightSection) {
	reviewers := map[string]int{}
	for _, l := range logs {
		action := otlpfile.String(l.Attributes, string(semconv.AimsOversightAction))
		switch l.EventName {
		case semconv.EventOversightRouted:
			switch otlpfile.String(l.Attributes, string(semconv.AimsOversightRoute)) {
			case "review":
				s.Held++
			case "block":
				s.Blocked++
			}
		case semconv.EventOversightReviewed:
			if !resolvedEvent(l) {
				s.PartialApprovals++
				continue
			}
			switch aims.OversightAction(action) {
			case aims.ActionApprove:
				s.Approved++
			case aims.ActionReject:
				s.Rejected++
			case aims.ActionOverride:
				s.Overridden++
			}
			if r := otlpfile.String(l.Attributes, string(semconv.AimsOversightReviewer)); r != "" {
				reviewers[r]++
			}
		case semconv.EventOversightExpired:
			s.Expired++
		case semconv.EventOversightEscalated:
			s.Escalated++
		case semconv.EventOversightContested:
			s.Contested++
		case semconv.EventOversightHalted:
			s.Halts++
		case semconv.EventOversightResumed:
			s.Resumes++
		}
	}
	s.Open = max(0, s.Held-s.Approved-s.Rejected-s.Overridden-s.Expired)
	s.Reviewers = sortCounts(reviewers)
}

// distribution summarises durations; the median and 90th percentile are
// nearest-rank percentiles (the smallest value with at least p·n values at
// or below it), so they are always observed values.
func distribution(ds []time.Duration, source string) Distribution {
	out := Distribution{N: len(ds), Source: source}
	if len(ds) == 0 {
		return out
	}
	v := append([]time.Duration(nil), ds...)
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	var sum float64
	for _, d := range v {
		sum += float64(d)
	}
	rank := func(p float64) time.Duration {
		k := int(math.Ceil(p*float64(len(v)))) - 1
		return v[max(0, min(k, len(v)-1))]
	}
	out.Min, out.Max = v[0], v[len(v)-1]
	out.Median, out.P90 = rank(0.5), rank(0.9)
	out.Mean = time.Duration(sum / float64(len(v)))
	out.Values = v
	return out
}
