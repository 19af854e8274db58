package auditreport

import (
	"fmt"
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
//
// With a ledger, every count comes from it alone: the collector's event
// counts (which also count votes and are sampled or lost independently)
// are not shown next to them.
func buildOversight(in *Input, v *view) OversightSection {
	s := OversightSection{}
	events := map[string]int{}
	var eventLatencies []time.Duration
	contests := contestTickets(in.Logs)
	for _, l := range in.Logs {
		if !strings.HasPrefix(l.EventName, "aims.oversight.") {
			continue
		}
		events[l.EventName]++
		if l.EventName == semconv.EventOversightReviewed && resolvedEvent(l) && !contests[ticketOfEvent(l)] {
			if sec, ok := otlpfile.Float(l.Attributes, string(semconv.AimsOversightLatency)); ok && sec >= 0 && !math.IsInf(sec, 0) {
				eventLatencies = append(eventLatencies, time.Duration(sec*float64(time.Second)))
			}
		}
	}
	switch {
	case v != nil:
		s.Available = true
		fromLedger(v, &s)
		s.Note = absentNote(s.WithoutDecision, prunedRecords(in))
	case in.Logs != nil:
		s.Available = true
		s.Note = "No decision ledger was available; the counts come from the collector's oversight events."
		s.Events = sortCounts(events)
		fromEvents(in.Logs, contests, &s)
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
	rubberStamping(&s)
	return s
}

// Thresholds of the rubber-stamping indicator: reviews that are both fast
// and almost always agree with the model suggest reviewers confirm
// without examining (automation bias).
const (
	// RubberStampMedian: a median time to review below it is fast.
	RubberStampMedian = 30 * time.Second
	// RubberStampAgreement: agreement above it is near-total.
	RubberStampAgreement = 0.95
	// RubberStampMinReviews: fewer resolved reviews are too few to judge.
	RubberStampMinReviews = 5
)

// rubberStamping sets the indicator and its explanation, thresholds
// included.
func rubberStamping(s *OversightSection) {
	rt := s.ReviewTimes
	thresholds := fmt.Sprintf("warning when the median time to review is below %s and agreement above %.0f%%, over at least %d resolved reviews",
		fmtDur(RubberStampMedian), 100*RubberStampAgreement, RubberStampMinReviews)
	switch {
	case !s.AgreementDefined || rt.N == 0:
		s.RubberStampingText = "Rubber-stamping indicator: not assessed, no resolved reviews with a review time (" + thresholds + ")."
	case rt.N < RubberStampMinReviews:
		s.RubberStampingText = fmt.Sprintf("Rubber-stamping indicator: not assessed, only %d resolved reviews with a review time (%s).", rt.N, thresholds)
	case rt.Median < RubberStampMedian && s.Agreement > RubberStampAgreement:
		s.RubberStamping = true
		s.RubberStampingText = fmt.Sprintf("Possible rubber-stamping: median time to review %s is below %s and reviewers agreed with the model in %.0f%% (above %.0f%%) of %d resolved reviews.",
			fmtDur(rt.Median), fmtDur(RubberStampMedian), 100*s.Agreement, 100*RubberStampAgreement, rt.N)
	default:
		s.RubberStampingText = fmt.Sprintf("Rubber-stamping indicator: median time to review %s, agreement %.0f%% over %d resolved reviews; no warning (%s).",
			fmtDur(rt.Median), 100*s.Agreement, rt.N, thresholds)
	}
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

// fromLedger counts from the ledger view: gate routes from the decision
// records, and per ticket its final state, so that held = approved +
// rejected + overridden + expired + open by construction, and a vote that
// resolved nothing (four-eyes) is never a resolution.
func fromLedger(v *view, s *OversightSection) {
	for _, d := range v.decisions {
		o := d.Oversight
		if o == nil {
			s.Ungated++
			continue
		}
		switch v.route(d) {
		case aims.ActionApply:
			s.Applied++
		case aims.ActionReview:
			s.Held++
		case aims.ActionBlock:
			s.Blocked++
		default:
			s.Ungated++
		}
	}
	reviewers := map[string]int{}
	var latencies []time.Duration
	v.each(func(_ ref, t *ticket) {
		if t.decision == nil {
			// The held decision is not in the ledger (pruned by
			// retention, or never there): its follow-ups are counted
			// apart, so that Held = Approved + Rejected + Overridden +
			// Expired + Open holds and agreement is over held decisions.
			s.WithoutDecision += len(t.votes) + t.escalated
			if t.resolution != nil {
				s.WithoutDecision++
			}
			if t.expiry != nil {
				s.WithoutDecision++
			}
			return
		}
		s.PartialApprovals += len(t.votes)
		s.Escalated += t.escalated
		switch {
		case t.resolution != nil:
			o := t.resolution.Oversight
			switch o.Action {
			case aims.ActionApprove:
				s.Approved++
			case aims.ActionReject:
				s.Rejected++
			default:
				s.Overridden++
			}
			if o.Reviewer != "" {
				reviewers[o.Reviewer]++
			}
			if o.ReviewLatency > 0 {
				latencies = append(latencies, o.ReviewLatency)
			}
		case t.expiry != nil:
			s.Expired++
		default:
			s.Open++
			if len(t.votes) > 0 {
				s.Waiting++
			}
		}
	})
	s.Contested, s.Halts, s.Resumes = len(v.contestRecords), v.halts, v.resumes
	s.ContestsUpheld = v.contestActions[aims.ActionApprove]
	s.ContestsChanged = v.contestActions[aims.ActionOverride] + v.contestActions[aims.ActionReject]
	for id := range v.contestExpired {
		if !v.contestResolved[id] {
			s.ContestsExpired++
		}
	}
	s.ContestsEscalated = v.contestEscalations
	s.ContestVotes = v.contestVotes
	s.Overrides = v.overrides()
	s.Reviewers = sortCounts(reviewers)
	s.ReviewTimes = distribution(latencies, "ledger")
}

// prunedRecords is how many records retention deleted from the verified
// instance ledgers.
func prunedRecords(in *Input) int64 {
	var n int64
	for _, v := range in.Verifications {
		n += v.Pruned
	}
	return n
}

// absentNote explains the review records of decisions not in the ledger
// (n of them), and that retention pruned the ledger (pruned records);
// "" when neither.
func absentNote(n int, pruned int64) string {
	var parts []string
	if pruned > 0 {
		parts = append(parts, fmt.Sprintf("Retention pruned %s from the ledger: the decisions and reviews in them are not counted.", plural(int(pruned), "record", "records")))
	}
	if n > 0 {
		why := "the ledger was not pruned, so they name decisions it never held"
		if pruned > 0 {
			why = "pruned, or never there"
		}
		verb := "are"
		if n == 1 {
			verb = "is"
		}
		parts = append(parts, fmt.Sprintf("%s of held decisions not in the ledger (%s) %s counted apart, not as approvals, rejections, overrides, expiries, votes or escalations, nor in the agreement rate or review times.",
			plural(n, "review record", "review records"), why, verb))
	}
	return strings.Join(parts, " ")
}

// contestTickets returns the ticket IDs of the contests the collector's
// aims.oversight.contested events name: a contest is a ticket of its own,
// and the reviewed, escalated and expired events of its ticket are the
// contest's, not a held decision's review.
func contestTickets(logs []otlpfile.LogRecord) map[string]bool {
	out := map[string]bool{}
	for _, l := range logs {
		if l.EventName == semconv.EventOversightContested {
			if id := ticketOfEvent(l); id != "" {
				out[id] = true
			}
		}
	}
	return out
}

// ticketOfEvent is the aims.oversight.ticket.id of an oversight event.
func ticketOfEvent(l otlpfile.LogRecord) string {
	return otlpfile.String(l.Attributes, string(semconv.AimsOversightTicketID))
}

// fromEvents counts from the collector's oversight events. The events of
// a contest's ticket (contests, from contestTickets) are counted as the
// contest's, as fromLedger counts its records: an upheld or changed
// contest, a contest escalated or expired, never an approval, rejection,
// override, escalation or expiry of a held decision.
func fromEvents(logs []otlpfile.LogRecord, contests map[string]bool, s *OversightSection) {
	reviewers := map[string]int{}
	contestExpired, contestResolved := map[string]bool{}, map[string]bool{}
	// A held decision is counted once, by its final state: an expiry
	// under the fail-safe "hold" that a reviewer resolved since counts as
	// the resolution, as from the ledger. Expiries without a ticket ID
	// are counted as they are.
	expired, resolved := map[string]bool{}, map[string]bool{}
	// voted holds the held decisions' tickets with a vote that resolved
	// nothing: those still open wait for another reviewer (Waiting).
	voted := map[string]bool{}
	for _, l := range logs {
		action := otlpfile.String(l.Attributes, string(semconv.AimsOversightAction))
		contest := contests[ticketOfEvent(l)]
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
				if contest {
					s.ContestVotes++
				} else {
					s.PartialApprovals++
					if id := ticketOfEvent(l); id != "" {
						voted[id] = true
					}
				}
				continue
			}
			if contest {
				switch aims.OversightAction(action) {
				case aims.ActionApprove:
					s.ContestsUpheld++
				case aims.ActionReject, aims.ActionOverride:
					s.ContestsChanged++
				}
				contestResolved[ticketOfEvent(l)] = true
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
			if id := ticketOfEvent(l); id != "" {
				resolved[id] = true
			}
			if r := otlpfile.String(l.Attributes, string(semconv.AimsOversightReviewer)); r != "" {
				reviewers[r]++
			}
		case semconv.EventOversightExpired:
			if contest {
				contestExpired[ticketOfEvent(l)] = true
				continue
			}
			if id := ticketOfEvent(l); id != "" {
				expired[id] = true
			} else {
				s.Expired++
			}
		case semconv.EventOversightEscalated:
			if contest {
				s.ContestsEscalated++
				continue
			}
			s.Escalated++
		case semconv.EventOversightContested:
			s.Contested++
		case semconv.EventOversightHalted:
			s.Halts++
		case semconv.EventOversightResumed:
			s.Resumes++
		}
	}
	for id := range contestExpired {
		if !contestResolved[id] {
			s.ContestsExpired++
		}
	}
	for id := range expired {
		if !resolved[id] {
			s.Expired++
		}
	}
	for id := range voted {
		if !resolved[id] && !expired[id] {
			s.Waiting++
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
