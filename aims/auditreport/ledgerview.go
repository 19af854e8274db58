package auditreport

import (
	"sort"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// Final outcomes of decisions that did not take effect with an output, as
// DecisionSection.Outcomes labels them.
const (
	OutcomeBlocked  = "(blocked)"            // a gate blocked the decision
	OutcomeRejected = "(rejected)"           // a reviewer rejected it: not applied
	OutcomeExpired  = "(expired, fail-safe)" // the review deadline passed
	OutcomePending  = "(held, no resolution)"
)

// ticket is what the ledger holds about one held decision: the votes that
// did not resolve it, and the record that did.
type ticket struct {
	decision   *aims.Decision   // the held decision; nil when only follow-ups are in the ledger
	votes      []*aims.Decision // reviewer actions that resolved nothing (four-eyes)
	resolution *aims.Decision   // the first approve, reject or override that resolved it
	expiry     *aims.Decision   // the first expiry
	escalated  int
}

// view is the ledger read once: every count of the decisions and oversight
// sections and the summary is computed from it, so the same quantity shown
// twice cannot differ.
type view struct {
	decisions      []*aims.Decision          // decision records (not follow-ups or halts)
	final          map[*aims.Decision]string // decision record → final outcome
	tickets        map[string]*ticket        // decision ID of a held decision (or of the decision a follow-up names) → ticket
	order          []string                  // ticket keys in order of first appearance
	followups      int
	system         []*aims.Decision // halt and resume records
	halts, resumes int
	// contests maps a contested decision's ID to the record that resolved
	// its latest resolved contest (a decision may be contested again once
	// a contest is closed, and the last resolution is how it stands, as
	// package oversight's Gate.Decision says); contestActions counts all
	// contest resolutions by action. A contest is a ticket of its own, not
	// a review of a held decision, so its resolution is not an approval,
	// rejection or override of one.
	contests       map[string]*aims.Decision
	contestActions map[aims.OversightAction]int
	// contestRecords are the contest records.
	contestRecords []*aims.Decision
	// contestExpired and contestResolved hold the ticket IDs of contests
	// whose deadline passed and of contests a reviewer resolved; an
	// expired contest leaves the decision as it was. contestEscalations
	// counts escalations of contests. None of them concerns a held
	// decision's review ticket.
	contestExpired, contestResolved map[string]bool
	contestEscalations              int
}

// contestPolicy is the policy name package oversight records on a contest
// and on the reviewer actions that resolve it.
const contestPolicy = "contest"

// isVote reports whether a reviewer's record is a vote that did not resolve
// its ticket (oversight marks it with the aims.oversight.approvals
// attribute, e.g. "1 of 2").
func isVote(d *aims.Decision) bool {
	_, ok := d.Attributes[partialApprovalsAttr]
	return ok
}

// newView classifies the ledger's records. A follow-up is linked to its
// decision by RelatedDecisionID, else through its ticket ID.
func newView(ds []aims.Decision) *view {
	v := &view{final: map[*aims.Decision]string{}, tickets: map[string]*ticket{},
		contests: map[string]*aims.Decision{}, contestActions: map[aims.OversightAction]int{},
		contestExpired: map[string]bool{}, contestResolved: map[string]bool{}}
	byID := map[string]*aims.Decision{}
	for i := range ds {
		byID[ds[i].ID] = &ds[i]
	}
	// root follows a follow-up's RelatedDecisionID back to the decision it
	// is ultimately about (a contest names the decision as it stood,
	// which may be a review's resolution record).
	root := func(id string) string {
		for range len(ds) {
			d, ok := byID[id]
			if !ok || d.Oversight == nil || d.Oversight.RelatedDecisionID == "" {
				break
			}
			id = d.Oversight.RelatedDecisionID
		}
		return id
	}
	byTicket := map[string]string{} // ticket ID → decision ID
	get := func(key string) *ticket {
		t := v.tickets[key]
		if t == nil {
			t = &ticket{}
			v.tickets[key] = t
			v.order = append(v.order, key)
		}
		return t
	}
	for i := range ds {
		d := &ds[i]
		switch kindOf(d) {
		case kindDecision:
			v.decisions = append(v.decisions, d)
			if d.Oversight != nil && d.Oversight.Action == aims.ActionReview {
				get(d.ID).decision = d
				if d.Oversight.TicketID != "" {
					byTicket[d.Oversight.TicketID] = d.ID
				}
			}
		case kindSystem:
			v.system = append(v.system, d)
			if d.Oversight.Action == aims.ActionHalt {
				v.halts++
			} else {
				v.resumes++
			}
		case kindFollowup:
			v.followups++
		}
	}
	for i := range ds {
		d := &ds[i]
		if kindOf(d) != kindFollowup {
			continue
		}
		o := d.Oversight
		key := o.RelatedDecisionID
		if key == "" {
			key = byTicket[o.TicketID]
		}
		if key == "" {
			key = "ticket:" + o.TicketID
		}
		switch o.Action {
		case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
			if o.Policy == contestPolicy {
				if !isVote(d) {
					v.contestActions[o.Action]++
					v.contestResolved[o.TicketID] = true
					// A decision has at most one open contest, so its
					// contests are resolved one after another: the
					// latest resolution (by time, then ledger order)
					// is the one that stands.
					if k := root(key); v.contests[k] == nil || !d.Time.Before(v.contests[k].Time) {
						v.contests[k] = d
					}
				}
				continue
			}
			t := get(key)
			switch {
			case isVote(d):
				t.votes = append(t.votes, d)
			case t.resolution == nil:
				t.resolution = d
			default:
				// A second resolving record for the same ticket cannot
				// happen with package oversight; it is shown as a vote
				// so it is not counted as a second resolution.
				t.votes = append(t.votes, d)
			}
		case aims.ActionExpire:
			if o.Policy == contestPolicy {
				v.contestExpired[o.TicketID] = true
				continue
			}
			if t := get(key); t.expiry == nil {
				t.expiry = d
			}
		case aims.ActionEscalate:
			if o.Policy == contestPolicy {
				v.contestEscalations++
				continue
			}
			get(key).escalated++
		case aims.ActionContest:
			v.contestRecords = append(v.contestRecords, d)
		}
	}
	for _, d := range v.decisions {
		v.final[d] = v.finalOutcome(d)
	}
	return v
}

// finalOutcome is the decision's outcome after review: the resolving
// record's output when a reviewer resolved its ticket (an override's new
// output, an approval's confirmed one), the model's output only when the
// decision took effect without review.
func (v *view) finalOutcome(d *aims.Decision) string {
	if c := v.contests[d.ID]; c != nil {
		// The contest's reviewer decided last.
		if c.Oversight.Action == aims.ActionReject {
			return OutcomeRejected
		}
		return c.Output
	}
	if d.Oversight == nil {
		return d.Output
	}
	switch d.Oversight.Action {
	case aims.ActionBlock:
		return OutcomeBlocked
	case aims.ActionReview:
		t := v.tickets[d.ID]
		switch {
		case t == nil:
			return OutcomePending
		case t.resolution != nil:
			if t.resolution.Oversight.Action == aims.ActionReject {
				return OutcomeRejected
			}
			return t.resolution.Output
		case t.expiry != nil:
			return OutcomeExpired
		default:
			return OutcomePending
		}
	default:
		return d.Output
	}
}

// resolved returns the tickets' resolving records in ledger order of the
// tickets.
func (v *view) each(f func(key string, t *ticket)) {
	for _, k := range v.order {
		f(k, v.tickets[k])
	}
}

// overrides lists the overridden decisions with their outputs, in time
// order.
func (v *view) overrides() []OverrideRow {
	var out []OverrideRow
	v.each(func(key string, t *ticket) {
		r := t.resolution
		if r == nil || r.Oversight.Action != aims.ActionOverride {
			return
		}
		row := OverrideRow{Decision: r.Oversight.RelatedDecisionID, Ticket: r.Oversight.TicketID, System: r.SystemID,
			Time: r.Time, From: r.Oversight.OriginalOutput, To: r.Output, Reason: r.Oversight.Reason}
		if row.Decision == "" {
			row.Decision = key
		}
		if row.From == "" && t.decision != nil {
			row.From = t.decision.Output
		}
		for _, vote := range t.votes {
			if vote.Oversight.Action == aims.ActionOverride && vote.Output == r.Output && vote.Oversight.Reviewer != "" {
				row.Reviewers = append(row.Reviewers, vote.Oversight.Reviewer)
			}
		}
		if r.Oversight.Reviewer != "" {
			row.Reviewers = append(row.Reviewers, r.Oversight.Reviewer)
		}
		out = append(out, row)
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// OverrideRow is one decision whose output a reviewer replaced.
type OverrideRow struct {
	// Decision is the ID of the overridden decision; Ticket its review
	// ticket.
	Decision, Ticket string
	// System is the AI system that made the decision.
	System string
	// Time is when the override resolved the ticket.
	Time time.Time
	// From is the model's output; To the reviewer's, which took effect.
	From, To string
	// Reviewers are the reviewers whose votes made the override, in
	// order (more than one under four-eyes review).
	Reviewers []string
	// Reason is the reason the resolving reviewer gave.
	Reason string
}
