package auditreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
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

// ref names a decision: its ID and the instance ledger (index in
// Input.Instances) that holds its decision record. Decision IDs are unique
// by construction, but a broken ID generator or a ledger copied and
// changed can give two decisions one ID; keyed by ref they stay two.
// inst is -1 for a decision whose record is not in the ledgers (pruned,
// or never there): its follow-ups from every ledger share one key.
type ref struct {
	inst int
	id   string
}

// view is the ledger read once: every count of the decisions and oversight
// sections and the summary is computed from it, so the same quantity shown
// twice cannot differ.
type view struct {
	decisions []*aims.Decision          // decision records (not follow-ups or halts)
	final     map[*aims.Decision]string // decision record → final outcome
	inst      map[*aims.Decision]int    // record → index of its instance ledger (0 without Input.Instances)
	tickets   map[ref]*ticket           // held decision (or the decision a follow-up names) → ticket
	held      map[string]ref            // ID → the first held decision of that ID (ticketOf)
	order     []ref                     // ticket keys in order of first appearance
	followups int
	// notApplied holds the decisions a gate recorded as applied and then,
	// in a follow-up with action block, as not applied (their record
	// could not be written when they were to take effect).
	notApplied map[ref]bool
	system     []*aims.Decision // halt and resume records
	halts      int
	resumes    int
	// contests maps a contested decision to the record that resolved its
	// latest resolved contest (a decision may be contested again once a
	// contest is closed, and the last resolution is how it stands, as
	// package oversight's Gate.Decision says); contestActions counts all
	// contest resolutions by action. A contest is a ticket of its own, not
	// a review of a held decision, so its resolution is not an approval,
	// rejection or override of one.
	contests       map[ref]*aims.Decision
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
	// contestVotes counts reviewer votes on contests that did not
	// resolve their contest.
	contestVotes int
	// duplicates names, one line each, the decision IDs that decision
	// records with different content share (the same decision recorded
	// twice, identically, is not one). Each is counted as a decision, and
	// follow-ups are linked to the one in their own instance ledger, else
	// to the first.
	duplicates   []string
	duplicateIDs int // how many IDs (duplicates names at most maxDuplicatesListed)
}

// contestPolicy is the policy name package oversight records on a contest
// and on the reviewer actions that resolve it.
const contestPolicy = "contest"

// maxDuplicatesListed is how many duplicate decision IDs are named.
const maxDuplicatesListed = 5

// isVote reports whether a reviewer's record is a vote that did not resolve
// its ticket (oversight marks it with the aims.oversight.approvals
// attribute, e.g. "1 of 2").
func isVote(d *aims.Decision) bool {
	_, ok := d.Attributes[partialApprovalsAttr]
	return ok
}

// instanceOf returns, for each record of in.Decisions, the index of the
// instance ledger it was read from; all 0 when the input does not say.
func instanceOf(in *Input) []int {
	out := make([]int, len(in.Decisions))
	n := 0
	for _, il := range in.Instances {
		n += il.Decisions
	}
	if n != len(in.Decisions) {
		return out
	}
	next := 0
	for i, il := range in.Instances {
		for range il.Decisions {
			out[next] = i
			next++
		}
	}
	return out
}

// sameRecord reports whether two records are the same record read twice.
func sameRecord(a, b *aims.Decision) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// newView classifies the ledger's records. A follow-up is linked to its
// decision by RelatedDecisionID, else through its ticket ID: to the
// decision of that ID in the follow-up's own instance ledger, else in the
// first instance ledger that holds one (in a fleet sharing one review
// store, a reviewer on one replica resolves a decision another replica
// held, so the two records are in different ledgers).
func newView(in *Input) *view {
	if in == nil {
		in = &Input{}
	}
	ds := in.Decisions
	v := &view{final: map[*aims.Decision]string{}, inst: map[*aims.Decision]int{}, tickets: map[ref]*ticket{}, held: map[string]ref{},
		contests: map[ref]*aims.Decision{}, contestActions: map[aims.OversightAction]int{},
		contestExpired: map[string]bool{}, contestResolved: map[string]bool{}, notApplied: map[ref]bool{}}
	insts := instanceOf(in)
	instName := func(i int) string {
		if i < len(in.Instances) {
			return in.Instances[i].Name
		}
		return "the ledger"
	}
	// records holds every record by ID, decisions the decision records
	// among them, each in ledger order.
	records := map[string][]*aims.Decision{}
	decisions := map[string][]*aims.Decision{}
	var dupIDs []string // IDs of decision records with different content
	isDup := map[string]bool{}
	for i := range ds {
		d := &ds[i]
		v.inst[d] = insts[i]
		records[d.ID] = append(records[d.ID], d)
		if kindOf(d) != kindDecision {
			continue
		}
		if prev := decisions[d.ID]; len(prev) > 0 && !isDup[d.ID] && !sameRecord(prev[0], d) {
			dupIDs = append(dupIDs, d.ID)
			isDup[d.ID] = true
		}
		decisions[d.ID] = append(decisions[d.ID], d)
	}
	v.duplicateIDs = len(dupIDs)
	for i, id := range dupIDs {
		if i == maxDuplicatesListed {
			v.duplicates = append(v.duplicates, fmt.Sprintf("and %d more", len(dupIDs)-maxDuplicatesListed))
			break
		}
		var where []string
		for _, d := range decisions[id] {
			where = append(where, instName(v.inst[d]))
		}
		v.duplicates = append(v.duplicates, fmt.Sprintf("%s (%d records, in %s)", id, len(decisions[id]), strings.Join(where, ", ")))
	}
	// pick returns the record of list in instance inst, else the first.
	pick := func(list []*aims.Decision, inst int) *aims.Decision {
		for _, d := range list {
			if v.inst[d] == inst {
				return d
			}
		}
		if len(list) == 0 {
			return nil
		}
		return list[0]
	}
	// link names the decision id that a record of instance inst refers
	// to.
	link := func(id string, inst int) ref {
		if d := pick(decisions[id], inst); d != nil {
			return ref{v.inst[d], id}
		}
		return ref{-1, id}
	}
	// root follows a follow-up's RelatedDecisionID back to the decision it
	// is ultimately about (a contest names the decision as it stood,
	// which may be a review's resolution record).
	root := func(id string, inst int) ref {
		for range len(ds) {
			d := pick(records[id], inst)
			if d == nil || d.Oversight == nil || d.Oversight.RelatedDecisionID == "" {
				break
			}
			id, inst = d.Oversight.RelatedDecisionID, v.inst[d]
		}
		return link(id, inst)
	}
	byTicket := map[string][]ref{} // ticket ID → held decisions
	get := func(key ref) *ticket {
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
				k := ref{v.inst[d], d.ID}
				get(k).decision = d
				if _, ok := v.held[d.ID]; !ok {
					v.held[d.ID] = k
				}
				if d.Oversight.TicketID != "" {
					byTicket[d.Oversight.TicketID] = append(byTicket[d.Oversight.TicketID], k)
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
		var key ref
		switch ks := byTicket[o.TicketID]; {
		case o.RelatedDecisionID != "":
			key = link(o.RelatedDecisionID, v.inst[d])
		case len(ks) > 0:
			key = ks[0]
			for _, k := range ks {
				if k.inst == v.inst[d] {
					key = k
				}
			}
		default:
			key = ref{-1, "ticket:" + o.TicketID}
		}
		switch o.Action {
		case aims.ActionBlock:
			// A gate's record that a decision it routed was not applied
			// after all (oversight: its record could not be written).
			if o.RelatedDecisionID != "" {
				v.notApplied[key] = true
			}
		case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
			if o.Policy == contestPolicy {
				if isVote(d) {
					v.contestVotes++
				} else {
					v.contestActions[o.Action]++
					v.contestResolved[o.TicketID] = true
					// A decision has at most one open contest, so its
					// contests are resolved one after another: the
					// latest resolution (by time, then ledger order)
					// is the one that stands.
					k := key
					if o.RelatedDecisionID != "" {
						k = root(o.RelatedDecisionID, v.inst[d])
					}
					if v.contests[k] == nil || !d.Time.Before(v.contests[k].Time) {
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

// ticketOf returns the ticket of the held decision with the given ID (the
// first instance ledger's, should two hold one), nil when there is none.
func (v *view) ticketOf(id string) *ticket {
	if k, ok := v.held[id]; ok {
		return v.tickets[k]
	}
	return v.tickets[ref{-1, id}]
}

// finalOutcome is the decision's outcome after review: the resolving
// record's output when a reviewer resolved its ticket (an override's new
// output, an approval's confirmed one), the model's output only when the
// decision took effect without review.
func (v *view) finalOutcome(d *aims.Decision) string {
	key := ref{v.inst[d], d.ID}
	if c := v.contests[key]; c != nil {
		// The contest's reviewer decided last.
		if c.Oversight.Action == aims.ActionReject {
			return OutcomeRejected
		}
		return c.Output
	}
	if d.Oversight == nil {
		return d.Output
	}
	switch v.route(d) {
	case aims.ActionBlock:
		return OutcomeBlocked
	case aims.ActionReview:
		t := v.tickets[key]
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

// route is the route a gate gave decision record d, as it stands: block
// for a decision recorded as applied and then as not applied
// (notApplied), else its recorded action.
func (v *view) route(d *aims.Decision) aims.OversightAction {
	a := d.Oversight.Action
	if a == aims.ActionApply && v.notApplied[ref{v.inst[d], d.ID}] {
		return aims.ActionBlock
	}
	return a
}

// each calls f for every ticket, in ledger order of the tickets.
func (v *view) each(f func(key ref, t *ticket)) {
	for _, k := range v.order {
		f(k, v.tickets[k])
	}
}

// overrides lists the overridden decisions with their outputs, in time
// order.
func (v *view) overrides() []OverrideRow {
	var out []OverrideRow
	v.each(func(key ref, t *ticket) {
		r := t.resolution
		if r == nil || r.Oversight.Action != aims.ActionOverride || t.decision == nil {
			return
		}
		row := OverrideRow{Decision: r.Oversight.RelatedDecisionID, Ticket: r.Oversight.TicketID, System: r.SystemID,
			Time: r.Time, From: r.Oversight.OriginalOutput, To: r.Output, Reason: r.Oversight.Reason}
		if row.Decision == "" {
			row.Decision = key.id
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
