package oversight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Approve confirms the model's output. On a ticket that needs two
// approvers, the first approval leaves it pending (Outcome.Pending) until
// a second, distinct reviewer approves.
func (g *Gate) Approve(ctx context.Context, ticketID string, r Reviewer, reason string) (Outcome, error) {
	return g.act(ctx, ticketID, r, aims.ActionApprove, "", reason)
}

// Reject refuses the decision; it is not applied. One rejection resolves
// the ticket, even where approvals need two reviewers (refusing is the
// safe direction).
func (g *Gate) Reject(ctx context.Context, ticketID string, r Reviewer, reason string) (Outcome, error) {
	return g.act(ctx, ticketID, r, aims.ActionReject, "", reason)
}

// Override replaces the model's output with newOutput and applies it. The
// reason is mandatory. Where approvals need two reviewers, so does an
// override: a second reviewer must override to the same output.
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
	if r.ID == "" {
		return Ticket{}, ErrUnauthenticated
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
			_, _ = g.store.Update(ctx, t.ID, func(x *Ticket) error {
				if x.ClaimedBy != r.ID {
					return errNoChange
				}
				x.ClaimedBy, x.LeaseUntil = "", time.Time{}
				return nil
			})
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

// act carries out one reviewer action atomically in the store.
func (g *Gate) act(ctx context.Context, ticketID string, r Reviewer, action aims.OversightAction, newOutput, reason string) (Outcome, error) {
	ctx, span := g.tel.tracer.Start(ctx, "oversight.review", trace.WithAttributes(
		semconv.AimsOversightTicketID.String(ticketID),
		semconv.AimsOversightAction.String(string(action)),
		semconv.AimsOversightReviewer.String(r.ID)))
	defer span.End()
	if g.closed.Load() {
		return Outcome{}, ErrClosed
	}
	reason = strings.TrimSpace(reason)
	newOutput = strings.TrimSpace(newOutput)
	if err := checkAction(r, action, newOutput, reason); err != nil {
		return Outcome{}, g.refuse(ctx, span, ticketID, r, action, err)
	}
	for range 4 {
		now := g.now()
		var resolved bool
		var required int
		t, err := g.store.Update(ctx, ticketID, func(t *Ticket) error {
			var err error
			resolved, required, err = g.applyAction(ctx, t, r, action, newOutput, reason, now)
			return err
		})
		if errors.Is(err, errDeadlinePassed) {
			if _, err := g.expire(ctx, ticketID); err != nil {
				return Outcome{}, g.refuse(ctx, span, ticketID, r, action, err)
			}
			continue
		}
		if err != nil {
			return Outcome{}, g.refuse(ctx, span, ticketID, r, action, err)
		}
		return g.afterAction(ctx, span, &t, r, action, reason, resolved, required, now)
	}
	err := fmt.Errorf("oversight: ticket %s kept moving while acting on it; try again", ticketID)
	return Outcome{}, g.refuse(ctx, span, ticketID, r, action, err)
}

// checkAction rejects malformed actions before the store is touched.
func checkAction(r Reviewer, action aims.OversightAction, newOutput, reason string) error {
	if r.ID == "" {
		return ErrUnauthenticated
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

// applyAction changes t under the store's lock. It reports whether the
// ticket is now resolved and how many approvals it needs.
func (g *Gate) applyAction(ctx context.Context, t *Ticket, r Reviewer, action aims.OversightAction, newOutput, reason string, now time.Time) (bool, int, error) {
	switch t.State {
	case StateResolved:
		return false, 0, fmt.Errorf("%w: ticket %s was resolved by %q (%s)", ErrAlreadyResolved, t.ID, t.Resolution.Reviewer, t.Resolution.Action)
	case StateExpired:
		return false, 0, fmt.Errorf("%w: ticket %s passed its final deadline %s", ErrTicketExpired, t.ID, t.Deadline.Format(time.RFC3339))
	}
	if t.State == StatePending && !now.Before(t.Deadline) {
		return false, 0, errDeadlinePassed
	}
	if t.ClaimedBy != "" && t.ClaimedBy != r.ID && now.Before(t.LeaseUntil) {
		return false, 0, fmt.Errorf("%w: ticket %s is claimed by %q until %s", ErrClaimed, t.ID, t.ClaimedBy, t.LeaseUntil.Format(time.RFC3339))
	}
	if slices.ContainsFunc(t.Votes, func(v Vote) bool { return v.Reviewer == r.ID }) {
		return false, 0, fmt.Errorf("%w: %q on ticket %s", ErrAlreadyActed, r.ID, t.ID)
	}
	if action == aims.ActionOverride && newOutput == t.Decision.Output {
		return false, 0, fmt.Errorf("%w: %q is the model's own output; approve it instead", ErrOutputRequired, newOutput)
	}
	var declared *aims.Outcome
	if oc, ok := g.rec.(OutcomeChecker); ok && action == aims.ActionOverride {
		o, err := oc.CheckOutcome(newOutput)
		if err != nil {
			return false, 0, fmt.Errorf("%w: %v", ErrOutcomeNotDeclared, err)
		}
		declared = &o
	}
	if err := g.cfg.authorizer.Authorize(ctx, r, action, t); err != nil {
		return false, 0, err
	}
	output := newOutput
	if action == aims.ActionApprove {
		output = t.Decision.Output
	}
	t.Votes = append(t.Votes, Vote{Reviewer: r.ID, Action: action, Output: output, Reason: reason, Time: now})
	required := max(1, g.cfg.authorizer.RequiredApprovals(t))
	agree := 0
	for _, v := range t.Votes {
		if v.Action == action && v.Output == output {
			agree++
		}
	}
	if action != aims.ActionReject && agree < required {
		// Wait for another reviewer: release the claim so they can take it.
		t.ClaimedBy, t.LeaseUntil = "", time.Time{}
		return false, required, nil
	}
	id, err := newRecordID()
	if err != nil {
		return false, 0, err
	}
	o := aims.OversightOutcome{
		Action: action, Reviewer: r.ID, Reason: reason, Policy: t.Policy,
		TicketID: t.ID, ReviewLatency: now.Sub(t.CreatedAt),
	}
	final := followUp(&t.Decision, id, now, o)
	if action == aims.ActionOverride {
		final.Oversight.OriginalOutput = t.Decision.Output
		final.Output = newOutput
		if declared != nil {
			final.Adverse = declared.Adverse
		}
	}
	t.State = StateResolved
	t.ClaimedBy, t.LeaseUntil = "", time.Time{}
	t.Resolution = &Resolution{
		Action: action, Reviewer: r.ID, Reason: reason,
		Applied: action != aims.ActionReject, Time: now, Decision: final,
	}
	return true, required, nil
}

// afterAction records and reports an accepted reviewer action.
func (g *Gate) afterAction(ctx context.Context, span trace.Span, t *Ticket, r Reviewer, action aims.OversightAction, reason string, resolved bool, required int, now time.Time) (Outcome, error) {
	var rec aims.Decision
	if resolved {
		rec = t.Resolution.Decision
	} else {
		// An approval that still waits for another reviewer is a state
		// change too; record it, marked as partial.
		id, err := newRecordID()
		if err != nil {
			return Outcome{}, err
		}
		rec = followUp(&t.Decision, id, now, aims.OversightOutcome{
			Action: action, Reviewer: r.ID, Reason: reason, Policy: t.Policy,
			TicketID: t.ID, ReviewLatency: now.Sub(t.CreatedAt),
		})
		if action == aims.ActionOverride {
			rec.Oversight.OriginalOutput = t.Decision.Output
			rec.Output = t.Votes[len(t.Votes)-1].Output
		}
		rec.Attributes = withAttr(rec.Attributes, semconv.AimsOversightApprovals,
			fmt.Sprintf("%d of %d", countVotes(t, action, rec.Output), required))
	}
	latency := now.Sub(t.CreatedAt)
	attrs := append(ticketAttrs(t),
		semconv.AimsOversightAction.String(string(action)),
		semconv.AimsOversightReviewer.String(r.ID),
		semconv.AimsOversightReason.String(reason),
		semconv.AimsOversightLatency.Float64(latency.Seconds()),
		semconv.AimsOversightResolved.Bool(resolved))
	span.SetAttributes(semconv.AimsOversightResolved.Bool(resolved))
	g.tel.emit(ctx, semconv.EventOversightReviewed, semconv.ControlResponsibleUse, otellog.SeverityInfo, attrs...)
	if resolved {
		g.tel.resolved(ctx, action, latency)
	}
	out := outcomeOf(t)
	if !resolved {
		out.Decision = rec
		out.Action = aims.ActionReview
	}
	g.notify(t.ID)
	if resolved && g.cfg.onResolved != nil {
		g.cfg.onResolved(out)
	}
	if err := g.rec.Record(ctx, rec); err != nil {
		span.SetStatus(codes.Error, err.Error())
		return out, fmt.Errorf("oversight: ticket %s: %s accepted but recording it failed: %w", t.ID, action, err)
	}
	return out, nil
}

func countVotes(t *Ticket, action aims.OversightAction, output string) int {
	n := 0
	for _, v := range t.Votes {
		if v.Action == action && v.Output == output {
			n++
		}
	}
	return n
}

func withAttr(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// refuse reports a refused attempt: span error, an event that is evidence
// for A.3.2, and the refused-attempts counter. It returns err.
func (g *Gate) refuse(ctx context.Context, span trace.Span, ticketID string, r Reviewer, action aims.OversightAction, err error) error {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
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
		{ErrReasonRequired, "reason_required"}, {ErrOutputRequired, "output_required"},
		{ErrUnauthenticated, "unauthenticated"}, {ErrForbidden, "forbidden"},
		{ErrClaimed, "claimed"}, {ErrClosed, "closed"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}
