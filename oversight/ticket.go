package oversight

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// TicketState is where a ticket is in its life.
type TicketState string

// Ticket states. Pending and Overdue tickets are open: reviewers can act on
// them. Resolved and Expired tickets are closed for good.
const (
	// StatePending: waiting for a reviewer, deadline not yet passed.
	StatePending TicketState = "pending"
	// StateOverdue: the final deadline passed under the hold fail-safe;
	// the decision stays held until a reviewer acts.
	StateOverdue TicketState = "overdue"
	// StateResolved: the required reviewers agreed to approve, reject or
	// override it (or, for KindRouted, the Gate applied or blocked it).
	StateResolved TicketState = "resolved"
	// StateExpired: the final deadline passed under the deny fail-safe.
	StateExpired TicketState = "expired"
)

// TicketKind says why a ticket was opened.
type TicketKind string

// Ticket kinds.
const (
	// KindReview: a Gate held a candidate decision for review.
	KindReview TicketKind = "review"
	// KindContest: the affected person contested a decision.
	KindContest TicketKind = "contest"
	// KindRouted: a decision the Gate applied or blocked without review,
	// kept (already resolved) so that the Gate can find and contest it by
	// its decision ID (see WithDecisionIndex).
	KindRouted TicketKind = "routed"
	// KindHalt: the halt or resume of a system (Gate.Halt, Gate.Resume),
	// kept closed from the start, to hold the record of the change until
	// the Gate wrote it (see HaltTicketStore). It is no decision: it
	// cannot be contested.
	KindHalt TicketKind = "halt"
)

// Ticket is a decision held for human review.
type Ticket struct {
	// ID is a UUIDv5 derived from the ticket's decision, so that a
	// decision gets one ticket (its review ticket or its routed ticket:
	// both have the same ID, so the routes exclude each other) and one
	// n-th contest whoever writes them.
	ID string `json:"id"`
	// Kind says whether a Gate held the decision or its subject contested it.
	Kind TicketKind `json:"kind"`
	// Decision is the candidate decision under review (for a contest, the
	// contested decision).
	Decision aims.Decision `json:"decision"`
	// Risk is the risk level of the decision's system at submission.
	Risk aims.RiskLevel `json:"risk,omitempty"`
	// Submitter is the identity that submitted the decision; it may never
	// review it (four-eyes).
	Submitter string `json:"submitter,omitempty"`
	// Policy names the policy that held the decision ("contest" for a
	// contest).
	Policy string `json:"policy,omitempty"`
	// Reason is why the policy held it.
	Reason string `json:"reason,omitempty"`
	// Grounds are the affected person's grounds, for a contest.
	Grounds string `json:"grounds,omitempty"`
	// State is where the ticket is in its life; Open tells whether
	// reviewers can still act.
	State TicketState `json:"state"`
	// Level is the escalation level: 0 for the first reviewers, +1 at
	// each missed deadline and at each conflicting vote.
	Level int `json:"level"`
	// CreatedAt is when the ticket was opened; review latency runs from it.
	CreatedAt time.Time `json:"created_at"`
	// Deadline is when the current level's time runs out.
	Deadline time.Time `json:"deadline"`
	// ClaimedBy and LeaseUntil record a reviewer's claim; a claim whose
	// lease has passed is void, so a reviewer (or replica) that dies
	// mid-review loses no ticket.
	ClaimedBy  string    `json:"claimed_by,omitempty"` // the claiming reviewer's ID; empty when unclaimed
	LeaseUntil time.Time `json:"lease_until,omitzero"` // when the claim lapses; zero when unclaimed
	// Votes are the reviewer actions so far (several when a high-risk
	// decision needs two approvers).
	Votes []Vote `json:"votes,omitempty"`
	// Excluded reviewers may not act on this ticket (for a contest, the
	// submitter and the reviewers of the contested decision).
	Excluded []string `json:"excluded,omitempty"`
	// Resolution is set once the ticket is resolved or expired.
	Resolution *Resolution `json:"resolution,omitempty"`
	// ContestOf is, on a contest ticket, the ID of the ticket of the
	// originally contested decision (its review or routed ticket).
	ContestOf string `json:"contest_of,omitempty"`
	// Contests lists, on a review or routed ticket, the contest tickets
	// opened against its decision, oldest first; at most the last is open.
	Contests []string `json:"contests,omitempty"`
	// Unrecorded holds the decision records of the ticket's changes (a
	// vote, a resolution, an escalation, an expiry, the opening of a
	// contest) that are not yet known to be in the Gate's Recorder. The
	// Gate stores them with the change itself, in the same Store.Update
	// or Create, and removes them once they are written; what a failed
	// write or a crash in between leaves here, Sweep writes, with the
	// same record IDs (see Gate.Sweep). A ticket with unrecorded records
	// is never purged.
	Unrecorded []aims.Decision `json:"unrecorded,omitempty"`
	// Emitted lists the IDs of the Unrecorded records that the Recorder
	// emitted as telemetry when it failed to keep them (its error wrapped
	// aims.ErrNotLedgered): Sweep writes those with
	// EmittedRecorder.RecordEmitted, so that a retry does not emit or
	// count a decision twice.
	Emitted []string `json:"emitted,omitempty"`
	// RecordingUntil is the lease of the Gate writing Unrecorded: until
	// then no Sweep writes them. Zero when nobody is writing them.
	RecordingUntil time.Time `json:"recording_until,omitzero"`
}

// Vote is one reviewer action on a ticket.
type Vote struct {
	Reviewer string               `json:"reviewer"` // the authenticated identity that acted
	Action   aims.OversightAction `json:"action"`   // approve, reject or override
	// Output is the output the reviewer stands for: the model's for an
	// approval, the new one for an override, empty for a rejection.
	Output string    `json:"output,omitempty"`
	Reason string    `json:"reason,omitempty"` // the reviewer's reason (required for an override)
	Time   time.Time `json:"time"`             // when the reviewer acted
	// Level is the escalation level the vote was cast at. Only votes at
	// the ticket's current level count towards a resolution; a vote that
	// conflicts with another at its level escalates the ticket.
	Level int `json:"level,omitempty"`
}

// Resolution is how a ticket ended. A reject resolution is not applied:
// its Decision carries the Gate's reject output ("referred" unless
// WithRejectOutput says otherwise) and the model's output as
// Oversight.OriginalOutput.
type Resolution struct {
	// Action is approve, reject, override or expire.
	Action aims.OversightAction `json:"action"`
	// Reviewer is the reviewer whose vote completed the agreement.
	Reviewer string `json:"reviewer,omitempty"`
	Reason   string `json:"reason,omitempty"` // the reviewer's reason, or the fail-safe's for an expiry
	// Applied says whether the decision (with Decision.Output) takes effect.
	Applied bool      `json:"applied"`
	Time    time.Time `json:"time"` // when the ticket was resolved or expired
	// Decision is the record written for the resolution: a new ID, the
	// effective output, the oversight outcome and a link to the original.
	Decision aims.Decision `json:"decision"`
}

// Validate checks what every Store needs of a new ticket: an ID, a state,
// a creation time and a deadline. Stores call it in Create.
func (t *Ticket) Validate() error {
	if t.ID == "" {
		return errors.New("oversight: ticket has no ID")
	}
	if t.State == "" {
		return fmt.Errorf("oversight: ticket %s has no state", t.ID)
	}
	if t.CreatedAt.IsZero() || t.Deadline.IsZero() {
		return fmt.Errorf("oversight: ticket %s needs a creation time and a deadline", t.ID)
	}
	return nil
}

// Open reports whether reviewers can still act on the ticket.
func (t *Ticket) Open() bool { return t.State == StatePending || t.State == StateOverdue }

// Ineligible lists the identities that may not act on the ticket: the
// submitter, excluded reviewers and those who already voted, each
// normalised (NormalizeID).
func (t *Ticket) Ineligible() []string {
	out := make([]string, 0, 2+len(t.Excluded)+len(t.Votes))
	add := func(id string) {
		if n := canonID(id); n != "" {
			out = append(out, n)
		} else if id != "" {
			out = append(out, id)
		}
	}
	add(t.Submitter)
	for _, id := range t.Excluded {
		add(id)
	}
	for _, v := range t.Votes {
		add(v.Reviewer)
	}
	return out
}

// claimableBy reports whether reviewer may claim t at now.
func (t *Ticket) claimableBy(reviewer string, now time.Time) bool {
	if !t.Open() || slices.Contains(t.Ineligible(), canonID(reviewer)) {
		return false
	}
	// A live claim, even the reviewer's own, takes the ticket out of the
	// queue: claiming again hands out the next ticket.
	return t.ClaimedBy == "" || !now.Before(t.LeaseUntil)
}

// Clone returns a deep copy of t, so that stores never share memory with
// their callers. It copies field by field (decision inputs are strings,
// numbers and booleans, which Decision.Validate enforces); a ticket holding
// anything else is copied through its JSON encoding instead. A record
// (Unrecorded, Resolution.Decision) that shares a map or pointer with
// t.Decision, as the Gate's records do, shares the copy's: the copy shares
// within itself what t shares, and nothing with t.
func (t *Ticket) Clone() Ticket {
	if !scalarInputs(t.Decision.Inputs) || (t.Resolution != nil && !scalarInputs(t.Resolution.Decision.Inputs)) {
		return t.cloneJSON()
	}
	for i := range t.Unrecorded {
		if !scalarInputs(t.Unrecorded[i].Inputs) {
			return t.cloneJSON()
		}
	}
	c := *t
	c.Decision = cloneDecision(t.Decision)
	c.Votes = slices.Clone(t.Votes)
	c.Excluded = slices.Clone(t.Excluded)
	c.Contests = slices.Clone(t.Contests)
	c.Emitted = slices.Clone(t.Emitted)
	if t.Unrecorded != nil {
		c.Unrecorded = make([]aims.Decision, len(t.Unrecorded))
		for i := range t.Unrecorded {
			c.Unrecorded[i] = cloneSharing(&t.Unrecorded[i], &t.Decision, &c.Decision)
		}
	}
	if t.Resolution != nil {
		r := *t.Resolution
		r.Decision = cloneSharing(&t.Resolution.Decision, &t.Decision, &c.Decision)
		c.Resolution = &r
	}
	return c
}

// cloneJSON deep-copies t through its JSON encoding.
func (t *Ticket) cloneJSON() Ticket {
	b, err := json.Marshal(t)
	if err != nil {
		// A Ticket holds only JSON-encodable values (Decision.Validate
		// checks inputs); fall back to a shallow copy rather than panic.
		return *t
	}
	var c Ticket
	if err := json.Unmarshal(b, &c); err != nil {
		return *t
	}
	return c
}

// scalarInputs reports whether every input is a string, float64, bool or
// nil: values a map copy copies fully.
func scalarInputs(in map[string]any) bool {
	for _, v := range in {
		switch v.(type) {
		case string, float64, bool, nil:
		default:
			return false
		}
	}
	return true
}

// cloneDecision deep-copies d; its inputs must be scalars (scalarInputs).
func cloneDecision(d aims.Decision) aims.Decision { return cloneSharing(&d, nil, nil) }

// cloneSharing deep-copies d like cloneDecision, except that a map or
// pointer d shares with orig (the ticket's decision) is taken from
// origCopy, orig's deep copy, instead of being copied again. A held
// decision's record is the ticket's decision, and a reviewer's record a
// copy of it (followUp): the copy of the ticket then shares within itself
// what the ticket shared, never anything with the ticket, and costs one
// copy of the decision's maps, not one per record. orig nil copies all.
func cloneSharing(d, orig, origCopy *aims.Decision) aims.Decision {
	c := *d
	if orig == nil {
		orig, origCopy = &aims.Decision{}, &aims.Decision{}
	}
	if sameMap(d.Inputs, orig.Inputs) {
		c.Inputs = origCopy.Inputs
	} else {
		c.Inputs = maps.Clone(d.Inputs)
	}
	if sameMap(d.Attributes, orig.Attributes) {
		c.Attributes = origCopy.Attributes
	} else {
		c.Attributes = maps.Clone(d.Attributes)
	}
	switch {
	case d.Score != nil && d.Score == orig.Score:
		c.Score = origCopy.Score
	case d.Score != nil:
		v := *d.Score
		c.Score = &v
	}
	switch {
	case d.Threshold != nil && d.Threshold == orig.Threshold:
		c.Threshold = origCopy.Threshold
	case d.Threshold != nil:
		v := *d.Threshold
		c.Threshold = &v
	}
	switch {
	case d.Oversight != nil && d.Oversight == orig.Oversight:
		c.Oversight = origCopy.Oversight
	case d.Oversight != nil:
		o := *d.Oversight
		c.Oversight = &o
	}
	if d.Explanation != nil && d.Explanation == orig.Explanation {
		c.Explanation = origCopy.Explanation
	} else if d.Explanation != nil {
		e := *d.Explanation
		e.Attributions = slices.Clone(e.Attributions)
		e.ReasonCodes = slices.Clone(e.ReasonCodes)
		e.Counterfactuals = slices.Clone(e.Counterfactuals)
		for i := range e.Counterfactuals {
			e.Counterfactuals[i].Changes = slices.Clone(e.Counterfactuals[i].Changes)
		}
		c.Explanation = &e
	}
	return c
}

// sameMap reports whether a and b are the same map (not merely equal),
// neither nil.
func sameMap[M ~map[K]V, K comparable, V any](a, b M) bool {
	return a != nil && b != nil && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
