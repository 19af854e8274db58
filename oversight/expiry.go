package oversight

import (
	"context"
	"errors"
	"fmt"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Sweep escalates or expires every pending ticket whose deadline has
// passed and returns how many it changed; it also reloads the halts shared
// through a HaltStore. The background sweeper (WithSweepInterval) calls
// it; call it yourself when that is disabled.
//
// Sweep also writes to the Recorder the records that tickets still hold
// (Ticket.Unrecorded): those of a vote, resolution, escalation, expiry or
// contest whose write failed, or was cut short by a crash after the store
// committed the change. It takes them from the store (an
// UnrecordedLister, as the built-in stores are), so a new Gate on the
// same store writes what a stopped one left, once the writer's lease
// (one minute) has run out. It writes each record under the ID it was
// made with, first asking the Recorder whether it has it when the
// Recorder is a DecisionFinder (an aims.System is), so that the decision
// log holds one copy of each; a Recorder that does not find decisions may
// receive a record twice (the same ID) if it accepted a write but
// reported an error. At most 64 tickets are handled per Sweep, oldest
// first; a ticket whose records a Sweep failed to write again waits a
// lease (one minute) before the next attempt, so that records the
// Recorder refuses for good do not starve the ones behind them.
func (g *Gate) Sweep(ctx context.Context) (int, error) {
	if g.closed.Load() {
		return 0, ErrClosed
	}
	var errs []error
	if err := g.refreshHalts(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := g.recordBacklog(ctx); err != nil {
		errs = append(errs, err)
	}
	due, err := g.store.Overdue(ctx, g.now(), 0)
	if err != nil {
		return 0, errors.Join(append(errs, err)...)
	}
	n := 0
	for _, t := range due {
		before := t.Level
		after, err := g.expire(ctx, t.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if after.Level != before || after.State != t.State {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (g *Gate) sweepLoop(every time.Duration) {
	defer close(g.sweepDone)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-g.stopSweep:
			return
		case <-tick.C:
			// Cancelled by a Close that gives up waiting, so that a sweep
			// stuck on the store does not outlive it by an interval.
			ctx, cancel := context.WithTimeout(g.sweepCtx, every)
			_, _ = g.Sweep(ctx)
			cancel()
		}
	}
}

// expire handles a ticket whose deadline passed: escalate to the next
// level, or at the last level apply the fail-safe. It is idempotent: a
// ticket that another Gate already moved on is left alone.
func (g *Gate) expire(ctx context.Context, id string) (_ Ticket, err error) {
	now := g.now()
	var what aims.OversightAction
	var rec aims.Decision
	t, err := g.store.Update(ctx, id, func(t *Ticket) error {
		what = ""
		if t.State != StatePending || now.Before(t.Deadline) {
			return errNoChange
		}
		recID, err := newRecordID()
		if err != nil {
			return err
		}
		from := t.Level
		if t.Level+1 < len(g.cfg.deadlines) {
			t.Level++
			t.Deadline = now.Add(g.cfg.deadlines[t.Level])
			t.ClaimedBy, t.LeaseUntil = "", time.Time{}
			what = aims.ActionEscalate
			rec = followUp(&t.Decision, recID, now, aims.OversightOutcome{
				Action: aims.ActionEscalate, Policy: t.Policy, TicketID: t.ID,
				Reason: fmt.Sprintf("no review before the level-%d deadline; escalated to level %d", from, t.Level),
			})
			holdRecords(t, now, rec)
			return nil
		}
		what = aims.ActionExpire
		o := aims.OversightOutcome{Action: aims.ActionExpire, Policy: t.Policy, TicketID: t.ID}
		if g.cfg.failSafe == FailSafeHold {
			t.State = StateOverdue
			o.Reason = "no review before the final deadline; fail-safe hold: the decision stays held until a reviewer acts"
			rec = followUp(&t.Decision, recID, now, o)
			holdRecords(t, now, rec)
			return nil
		}
		t.State = StateExpired
		t.ClaimedBy, t.LeaseUntil = "", time.Time{}
		o.Reason = "no review before the final deadline; fail-safe deny: the decision is not applied"
		rec = followUp(&t.Decision, recID, now, o)
		t.Resolution = &Resolution{Action: aims.ActionExpire, Reason: o.Reason, Applied: false, Time: now, Decision: rec}
		holdRecords(t, now, rec)
		return nil
	})
	if errors.Is(err, errNoChange) {
		return g.store.Get(ctx, id)
	}
	if err != nil {
		return Ticket{}, err
	}
	name := semconv.SpanOversightExpire
	if what == aims.ActionEscalate {
		name = semconv.SpanOversightEscalate
	}
	ctx, span := g.tel.tracer.Start(ctx, name, trace.WithAttributes(ticketAttrs(&t)...))
	defer func() { endSpan(span, err) }()
	attrs := append(ticketAttrs(&t), semconv.AimsOversightAction.String(string(what)),
		semconv.AimsOversightReason.String(rec.Oversight.Reason))
	if what == aims.ActionEscalate {
		g.tel.escalations.Add(ctx, 1)
		g.tel.emit(ctx, semconv.EventOversightEscalated, semconv.ControlResponsibleUse, otellog.SeverityWarn, attrs...)
	} else {
		g.tel.expired.Add(ctx, 1, metricAttrs(semconv.AimsOversightFailSafe.String(g.cfg.failSafe.String())))
		attrs = append(attrs, semconv.AimsOversightFailSafe.String(g.cfg.failSafe.String()))
		g.tel.emit(ctx, semconv.EventOversightExpired, semconv.ControlResponsibleUse, otellog.SeverityWarn, attrs...)
		span.SetAttributes(semconv.AimsOversightFailSafe.String(g.cfg.failSafe.String()))
	}
	// The record first, as for a reviewer action (afterAction); the
	// waiters are woken whatever it gives.
	recErr := g.record(ctx, t.ID, []aims.Decision{rec})
	g.notify(t.ID)
	if what == aims.ActionExpire && t.State == StateExpired && g.cfg.onResolved != nil {
		g.cfg.onResolved(outcomeOf(&t))
	}
	if recErr != nil {
		return t, fmt.Errorf("oversight: ticket %s: recording %s failed (Sweep retries it): %w", t.ID, what, recErr)
	}
	t.Unrecorded, t.RecordingUntil = nil, time.Time{}
	return t, nil
}
