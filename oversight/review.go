package oversight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Approve confirms the model's output. On a ticket that needs two
// approvers, the first approval is a vote that leaves the ticket pending
// (Outcome.Pending) until a second, distinct reviewer approves.
//
// Approve, Reject and Override commit the vote (and a resolution it
// completes) in the store together with its decision records, then write
// the records to the Recorder, then wake Await and call OnResolved. If
// the Recorder refuses a record, the action stands (it is in the store),
// the Outcome is returned with the error, waiters are woken all the
// same, and the record stays on the ticket (Ticket.Unrecorded) until a
// Sweep writes it under the same ID (see Gate.Sweep). While the
// decision's system is halted (and halts block, the default of
// WithHaltRoute) a held decision cannot be approved (ErrHalted): it may be
// rejected or overridden, or approved after the resume; the refused
// reviewer's claim on the ticket is given back to the queue.
func (g *Gate) Approve(ctx context.Context, ticketID string, r Reviewer, reason string) (Outcome, error) {
	return g.act(ctx, ticketID, r, aims.ActionApprove, "", reason)
}

// Reject refuses the decision: the model's output is not applied, and the
// record carries the reject output (WithRejectOutput, default
// "referred") with the model's output as Oversight.OriginalOutput. Like
// an approval it resolves the ticket only once the required number of
// distinct reviewers reject; a rejection after another reviewer's
// approval or override conflicts and escalates the ticket.
func (g *Gate) Reject(ctx context.Context, ticketID string, r Reviewer, reason string) (Outcome, error) {
	return g.act(ctx, ticketID, r, aims.ActionReject, "", reason)
}

// Override replaces the model's output with newOutput and applies it. The
// reason is mandatory, and newOutput must be an outcome the system
// declares (OutcomeChecker). Where approvals need two reviewers, so does
// an override: a second reviewer must override to the same output.
func (g *Gate) Override(ctx context.Context, ticketID string, r Reviewer, newOutput, reason string) (Outcome, error) {
	return g.act(ctx, ticketID, r, aims.ActionOverride, newOutput, reason)
}

// Claim hands reviewer the oldest open ticket they may act on, with a
// lease (WithClaimLease) during which no other reviewer gets it. A claim
// whose lease passes without an action is void, so a reviewer or replica
// that dies mid-review loses no ticket. ErrQueueEmpty if nothing is
// claimable.
func (g *Gate) Claim(ctx context.Context, r Reviewer) (Ticket, error) {
	if g.closed.Load() {
		return Ticket{}, ErrClosed
	}
	r, err := normalizeReviewer(r)
	if err != nil {
		return Ticket{}, err
	}
	maxLevel := AnyLevel
	if ll, ok := g.cfg.authorizer.(LevelLimiter); ok {
		maxLevel = ll.MaxLevel(r)
		if maxLevel < AnyLevel {
			return Ticket{}, fmt.Errorf("%w: reviewer %q may not act at any escalation level", ErrForbidden, r.ID)
		}
	}
	now := g.now()
	for range 8 {
		t, err := g.store.Claim(ctx, ClaimRequest{Reviewer: r.ID, Now: now, Lease: g.cfg.lease, MaxLevel: maxLevel})
		if err != nil {
			return Ticket{}, err
		}
		if t.State == StatePending && !now.Before(t.Deadline) {
			// Escalate or expire first, then claim again.
			if _, err := g.expire(ctx, t.ID); err != nil {
				return Ticket{}, err
			}
			continue
		}
		if err := g.cfg.authorizer.Authorize(ctx, r, aims.ActionApprove, &t); err != nil {
			// Give the ticket back so that someone allowed can take it.
			g.releaseClaim(ctx, t.ID, r.ID)
			return Ticket{}, err
		}
		return t, nil
	}
	return Ticket{}, ErrQueueEmpty
}

// Queue lists open tickets, oldest first; limit <= 0 means all.
func (g *Gate) Queue(ctx context.Context, limit int) ([]Ticket, error) {
	if g.closed.Load() {
		return nil, ErrClosed
	}
	return g.store.Open(ctx, limit)
}

// Ticket returns one ticket.
func (g *Gate) Ticket(ctx context.Context, id string) (Ticket, error) {
	if g.closed.Load() {
		return Ticket{}, ErrClosed
	}
	return g.store.Get(ctx, id)
}

// errDeadlinePassed makes act escalate or expire a ticket before trying again.
var errDeadlinePassed = errors.New("oversight: deadline passed")

// actResult is what applyAction did to a ticket.
type actResult struct {
	resolved  bool // the ticket is resolved
	escalated bool // the vote conflicted and the ticket went up a level
	from      int  // the level the vote was cast at
	required  int  // agreeing votes needed to resolve
	agree     int  // agreeing votes at the level, this one included
	// recs are the records of the action, in the order they are written:
	// the vote or resolution, then an escalation's. applyAction holds
	// them on the ticket (Ticket.Unrecorded) in the same update.
	recs []aims.Decision
}

// act carries out one reviewer action atomically in the store.
func (g *Gate) act(ctx context.Context, ticketID string, r Reviewer, action aims.OversightAction, newOutput, reason string) (_ Outcome, err error) {
	ctx, span := g.tel.tracer.Start(ctx, semconv.SpanOversightReview, trace.WithAttributes(
		semconv.AimsOversightTicketID.String(ticketID),
		semconv.AimsOversightAction.String(string(action)),
		semconv.AimsOversightReviewer.String(r.ID)))
	defer func() { endSpan(span, err) }()
	if g.closed.Load() {
		return Outcome{}, ErrClosed
	}
	reason = strings.TrimSpace(reason)
	newOutput = strings.TrimSpace(newOutput)
	nr, err := normalizeReviewer(r)
	if err != nil {
		return Outcome{}, g.refuse(ctx, ticketID, r, action, err)
	}
	r = nr
	if err := checkAction(r, action, newOutput, reason); err != nil {
		return Outcome{}, g.refuse(ctx, ticketID, r, action, err)
	}
	if action == aims.ActionApprove && g.cfg.haltRoute == RouteBlock {
		// An approval of a held decision checks the halts as Submit does.
		if err := g.freshHalts(ctx); err != nil {
			return Outcome{}, g.refuse(ctx, ticketID, r, action, err)
		}
	}
	for range 4 {
		now := g.now()
		leaseNow, err := g.leaseNow(ctx, now)
		if err != nil {
			return Outcome{}, g.refuse(ctx, ticketID, r, action, fmt.Errorf("oversight: reading the store's clock: %w", err))
		}
		var res actResult
		var rec aims.Decision
		t, err := g.store.Update(ctx, ticketID, func(t *Ticket) error {
			var err error
			res, rec, err = g.applyAction(ctx, t, r, action, newOutput, reason, now, leaseNow)
			return err
		})
		if errors.Is(err, errDeadlinePassed) {
			if _, err := g.expire(ctx, ticketID); err != nil {
				return Outcome{}, g.refuse(ctx, ticketID, r, action, err)
			}
			continue
		}
		if errors.Is(err, ErrHalted) {
			// The reviewer's claim would keep the ticket from everyone,
			// them included, for the rest of its lease after the resume.
			g.releaseClaim(ctx, ticketID, r.ID)
		}
		if err != nil {
			return Outcome{}, g.refuse(ctx, ticketID, r, action, err)
		}
		return g.afterAction(ctx, span, &t, r, action, reason, res, rec, now)
	}
	err = fmt.Errorf("oversight: ticket %s kept moving while acting on it; try again", ticketID)
	return Outcome{}, g.refuse(ctx, ticketID, r, action, err)
}

// releaseClaim gives ticketID back to the queue if reviewer holds its
// claim. It is best effort: a claim not given back ends with its lease.
func (g *Gate) releaseClaim(ctx context.Context, ticketID, reviewer string) {
	_, _ = g.store.Update(ctx, ticketID, func(x *Ticket) error {
		if x.ClaimedBy == "" || !sameID(x.ClaimedBy, reviewer) {
			return errNoChange
		}
		x.ClaimedBy, x.LeaseUntil = "", time.Time{}
		return nil
	})
}

// checkAction rejects malformed actions before the store is touched.
func checkAction(r Reviewer, action aims.OversightAction, newOutput, reason string) error {
	if r.ID == "" {
		return ErrUnauthenticated
	}
	if err := checkReasonLength(fmt.Sprintf("the reason of the %s by %q", action, r.ID), reason); err != nil {
		return err
	}
	if action == aims.ActionOverride {
		if reason == "" {
			return fmt.Errorf("%w: override by %q has no reason", ErrReasonRequired, r.ID)
		}
		if newOutput == "" {
			return fmt.Errorf("%w (override by %q)", ErrOutputRequired, r.ID)
		}
	}
	return nil
}

// declaredOutcome checks output against the outcomes the system declares,
// when the Recorder knows them; ok is false when it does not.
func (g *Gate) declaredOutcome(output string) (o aims.Outcome, ok bool, err error) {
	oc, isChecker := g.rec.(OutcomeChecker)
	if !isChecker {
		return aims.Outcome{}, false, nil
	}
	o, err = oc.CheckOutcome(output)
	if err != nil {
		return aims.Outcome{}, false, fmt.Errorf("%w: %v", ErrOutcomeNotDeclared, err)
	}
	return o, true, nil
}

// applyAction changes t under the store's lock: it adds r's vote and then
// resolves the ticket (the required number of distinct reviewers agree on
// the same action and output at the ticket's level), escalates it (the
// vote conflicts with another at that level) or leaves it pending. rec is
// the decision record of the vote or the resolution.
func (g *Gate) applyAction(ctx context.Context, t *Ticket, r Reviewer, action aims.OversightAction, newOutput, reason string, now, leaseNow time.Time) (actResult, aims.Decision, error) {
	var none aims.Decision
	switch t.State {
	case StateResolved:
		return actResult{}, none, fmt.Errorf("%w: ticket %s was resolved by %q (%s)", ErrAlreadyResolved, t.ID, t.Resolution.Reviewer, t.Resolution.Action)
	case StateExpired:
		return actResult{}, none, fmt.Errorf("%w: ticket %s passed its final deadline %s", ErrTicketExpired, t.ID, t.Deadline.Format(time.RFC3339))
	}
	if t.State == StatePending && !now.Before(t.Deadline) {
		return actResult{}, none, errDeadlinePassed
	}
	if t.ClaimedBy != "" && !sameID(t.ClaimedBy, r.ID) && leaseNow.Before(t.LeaseUntil) {
		return actResult{}, none, fmt.Errorf("%w: ticket %s is claimed by %q until %s", ErrClaimed, t.ID, t.ClaimedBy, t.LeaseUntil.Format(time.RFC3339))
	}
	if slices.ContainsFunc(t.Votes, func(v Vote) bool { return sameID(v.Reviewer, r.ID) }) {
		return actResult{}, none, fmt.Errorf("%w: %q on ticket %s", ErrAlreadyActed, r.ID, t.ID)
	}
	if action == aims.ActionApprove && t.Kind == KindReview && g.cfg.haltRoute == RouteBlock {
		// While its system is halted every decision is blocked, also one
		// held before the halt: approving it would release the model's
		// output. Rejecting or overriding it stays a person's decision.
		if h, ok := g.haltedInfo(t.Decision.SystemID); ok {
			return actResult{}, none, fmt.Errorf("%w: %q was halted by %q (%s); the held decision can be approved once it is resumed, or rejected or overridden now",
				ErrHalted, t.Decision.SystemID, h.By, h.Reason)
		}
	}
	if action == aims.ActionOverride && newOutput == t.Decision.Output {
		return actResult{}, none, fmt.Errorf("%w: %q is the model's own output; approve it instead", ErrOutputRequired, newOutput)
	}
	var declared aims.Outcome
	var isDeclared bool
	if action == aims.ActionOverride {
		var err error
		if declared, isDeclared, err = g.declaredOutcome(newOutput); err != nil {
			return actResult{}, none, err
		}
	}
	if err := g.cfg.authorizer.Authorize(ctx, r, action, t); err != nil {
		return actResult{}, none, err
	}
	output := newOutput
	if action == aims.ActionApprove {
		output = t.Decision.Output
	}
	res := actResult{from: t.Level, required: max(1, g.cfg.authorizer.RequiredApprovals(t))}
	conflict := false
	for _, v := range t.Votes {
		if v.Level != t.Level {
			continue // cast before an escalation: history, not agreement
		}
		if v.Action == action && v.Output == output {
			res.agree++
		} else {
			conflict = true
		}
	}
	res.agree++
	t.Votes = append(t.Votes, Vote{Reviewer: r.ID, Action: action, Output: output, Reason: reason, Time: now, Level: t.Level})
	id, err := newRecordID()
	if err != nil {
		return actResult{}, none, err
	}
	o := aims.OversightOutcome{
		Action: action, Reviewer: r.ID, Reason: reason, Policy: t.Policy,
		TicketID: t.ID, ReviewLatency: now.Sub(t.CreatedAt),
	}
	rec := followUp(&t.Decision, id, now, o)
	switch action {
	case aims.ActionOverride:
		rec.Oversight.OriginalOutput = t.Decision.Output
		rec.Output = newOutput
		if isDeclared {
			rec.Adverse = declared.Adverse
		}
	case aims.ActionReject:
		rec.Oversight.OriginalOutput = t.Decision.Output
		rec.Output = g.cfg.rejectOutput
		rec.Adverse = false
		if o, ok, _ := g.declaredOutcome(g.cfg.rejectOutput); ok {
			rec.Adverse = o.Adverse
		}
	}
	t.ClaimedBy, t.LeaseUntil = "", time.Time{}
	if conflict || res.agree < res.required {
		// A vote that did not resolve the ticket is a state change too;
		// it is recorded, marked as partial, so that no reader takes it
		// for a resolution.
		vote := rec
		vote.Attributes = withAttr(rec.Attributes, semconv.AimsOversightApprovals,
			fmt.Sprintf("%d of %d", res.agree, res.required))
		res.recs = append(res.recs, vote)
	}
	if conflict {
		// Reviewers disagree: nobody's vote wins. The ticket goes to the
		// next level with a fresh deadline; the votes so far stay on it
		// (their reviewers may not vote again) but count no more.
		res.escalated = true
		t.Level++
		t.Deadline = now.Add(g.cfg.deadlines[min(t.Level, len(g.cfg.deadlines)-1)])
		t.State = StatePending
		escID, err := newRecordID()
		if err != nil {
			return actResult{}, none, err
		}
		why := fmt.Sprintf("conflicting votes at level %d (%s); escalated to level %d", res.from, describeVotes(t, res.from), t.Level)
		res.recs = append(res.recs, followUp(&t.Decision, escID, now, aims.OversightOutcome{
			Action: aims.ActionEscalate, Policy: t.Policy, TicketID: t.ID, Reason: why,
		}))
		holdRecords(t, now, res.recs...)
		return res, rec, nil
	}
	if res.agree < res.required {
		holdRecords(t, now, res.recs...)
		return res, rec, nil
	}
	res.resolved = true
	res.recs = append(res.recs, rec)
	t.State = StateResolved
	t.Resolution = &Resolution{
		Action: action, Reviewer: r.ID, Reason: reason,
		Applied: action != aims.ActionReject, Time: now, Decision: rec,
	}
	holdRecords(t, now, res.recs...)
	return res, rec, nil
}

// afterAction records and reports an accepted reviewer action.
func (g *Gate) afterAction(ctx context.Context, span trace.Span, t *Ticket, r Reviewer, action aims.OversightAction, reason string, res actResult, rec aims.Decision, now time.Time) (Outcome, error) {
	recs := res.recs
	latency := now.Sub(t.CreatedAt)
	attrs := append(ticketAttrs(t),
		semconv.AimsOversightAction.String(string(action)),
		semconv.AimsOversightReviewer.String(r.ID),
		// The reviewer's reason is free text that may hold personal
		// data: it is in the decision log's record (the ledger) only.
		semconv.AimsOversightLatency.Float64(latency.Seconds()),
		semconv.AimsOversightResolved.Bool(res.resolved))
	span.SetAttributes(semconv.AimsOversightResolved.Bool(res.resolved))
	g.tel.emit(ctx, semconv.EventOversightReviewed, semconv.ControlResponsibleUse, otellog.SeverityInfo, attrs...)
	if res.escalated {
		why := recs[len(recs)-1].Oversight.Reason
		g.tel.escalations.Add(ctx, 1)
		g.tel.emit(ctx, semconv.EventOversightEscalated, semconv.ControlResponsibleUse, otellog.SeverityWarn,
			append(ticketAttrs(t), semconv.AimsOversightAction.String(string(aims.ActionEscalate)),
				semconv.AimsOversightReason.String(why))...)
	}
	if res.resolved {
		g.tel.resolved(ctx, action, latency)
	}
	out := outcomeOf(t)
	v := t.Votes[len(t.Votes)-1]
	out.Vote = &v
	out.Escalated = res.escalated
	if !res.resolved {
		out.Decision = recs[0]
		out.Action = aims.ActionReview
	}
	// The evidence first: nothing acts on the resolution (a waiter, the
	// OnResolved callback) before its records were written or at least
	// attempted. The waiters are woken whatever the attempt gives: the
	// resolution stands in the store either way, with the records it
	// could not write (Ticket.Unrecorded), which Sweep writes later.
	var recErr error
	if err := g.recordHeld(ctx, t.ID, recs); err != nil {
		recErr = fmt.Errorf("oversight: ticket %s: %s accepted but recording it failed (Sweep retries it): %w", t.ID, action, err)
	} else if out.Ticket != nil {
		out.Ticket.Unrecorded, out.Ticket.RecordingUntil = nil, time.Time{}
	}
	g.notify(t.ID)
	if res.resolved && g.cfg.onResolved != nil {
		g.cfg.onResolved(out)
	}
	// The resolution stands whatever the write gave, so its incident is
	// opened either way: Sweep writes records, not incidents.
	var incErr error
	if res.resolved && g.cfg.incidents != nil {
		incErr = g.contestIncident(ctx, t, r, action, &rec)
	}
	if err := errors.Join(recErr, incErr); err != nil {
		return out, err
	}
	return out, nil
}

// describeVotes lists the votes cast at level, for an escalation record.
func describeVotes(t *Ticket, level int) string {
	var parts []string
	for _, v := range t.Votes {
		if v.Level != level {
			continue
		}
		p := v.Reviewer + ": " + string(v.Action)
		if v.Output != "" && v.Action == aims.ActionOverride {
			p += " to " + strconv.Quote(v.Output)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func withAttr(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// refuse reports a refused attempt: an event that is evidence for A.3.2,
// the refused-attempts counter and, with an AttemptRecorder, an Attempt.
// It returns err (joined with the AttemptRecorder's error, if any); the
// calling operation's deferred endSpan marks its span with what it returns.
func (g *Gate) refuse(ctx context.Context, ticketID string, r Reviewer, action aims.OversightAction, err error) error {
	kind := refusalKind(err)
	g.tel.emit(ctx, semconv.EventOversightRefused, semconv.ControlRoles, otellog.SeverityWarn,
		semconv.AimsOversightTicketID.String(ticketID),
		semconv.AimsOversightAction.String(string(action)),
		semconv.AimsOversightReviewer.String(r.ID),
		semconv.AimsOversightError.String(err.Error()),
		semconv.AimsOversightRefusal.String(kind))
	g.tel.refused.Add(ctx, 1, metricAttrs(semconv.AimsOversightRefusal.String(kind)))
	if ar, ok := g.rec.(AttemptRecorder); ok {
		a := Attempt{Time: g.now(), TicketID: ticketID, Reviewer: r.ID, Action: action, Refusal: kind, Error: err.Error()}
		if rerr := ar.RecordAttempt(ctx, a); rerr != nil {
			return errors.Join(err, fmt.Errorf("oversight: recording the refused attempt failed: %w", rerr))
		}
	}
	return err
}

// refusalKind classifies a refusal for the metric (bounded cardinality).
func refusalKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{ErrTicketNotFound, "unknown_ticket"}, {ErrAlreadyResolved, "already_resolved"},
		{ErrAlreadyActed, "already_acted"}, {ErrTicketExpired, "expired"},
		{ErrReasonRequired, "reason_required"}, {ErrReasonTooLong, "reason_too_long"}, {ErrOutputRequired, "output_required"},
		{ErrUnauthenticated, "unauthenticated"}, {ErrForbidden, "forbidden"},
		{ErrClaimed, "claimed"}, {ErrClosed, "closed"},
		{ErrInvalidID, "invalid_id"}, {ErrOutcomeNotDeclared, "outcome_not_declared"},
		{ErrAlreadyContested, "already_contested"}, {ErrUnknownSystem, "unknown_system"},
		{ErrHalted, "halted"}, {ErrTooManyContests, "too_many_contests"}, {ErrQueueFull, "queue_full"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}
