package oversight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aimskit/aimskit/aims"
)

// reindex handles a Submit whose routed ticket rt found the decision's
// ticket ID taken (Create said ErrTicketExists): a retry, a concurrent
// Submit of the same decision, or a different decision reusing the ID. It
// returns the decision as recorded when the retry is answered from the
// earlier record (nothing is stored or written); nil and no error when rt
// replaced the earlier routed ticket and Submit must record the decision.
//
// Only this path reads the store and the decision finder again: the
// common apply (a new ID) pays for neither.
func (g *Gate) reindex(ctx context.Context, rt Ticket) (*aims.Decision, error) {
	x, err := g.store.Get(ctx, rt.ID)
	if errors.Is(err, ErrTicketNotFound) {
		// Purged or replaced meanwhile: the caller may simply retry.
		return nil, fmt.Errorf("oversight: decision %s refused, nothing stored: its ticket changed while it was submitted; retry", rt.Decision.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("oversight: looking up the ticket of decision %s: %w", rt.Decision.ID, err)
	}
	if err := routeConflict(&x, &rt); err != nil {
		return nil, err
	}
	if !routeRecorded(&x) {
		// Nothing recorded the decision (its write failed, and nothing
		// was emitted): the retry records it.
		return nil, g.replaceRouted(ctx, rt, nil)
	}
	if !sameDecision(&x.Resolution.Decision, &rt.Resolution.Decision) {
		return nil, fmt.Errorf("%w: decision %s was routed already (%s, ticket %s) with other content; a new decision needs a new ID", ErrTicketExists, rt.Decision.ID, routedAction(&x), x.ID)
	}
	f := g.retryFinder()
	if f == nil {
		// Nothing can say whether the first Submit wrote its record. A
		// duplicate record under one ID is visible to an auditor (the
		// audit report flags it); a decision applied with no record at
		// all (the first Submit died before writing it) is not. So the
		// retry records the decision again.
		return nil, g.replaceRouted(ctx, rt, &x)
	}
	d, err := f.FindDecision(ctx, rt.Decision.ID)
	switch {
	case err == nil:
		if d.Oversight == nil || d.Oversight.Action != routedAction(&x) {
			// Something else is recorded under the ID: a second record
			// would make two decisions of one.
			return nil, fmt.Errorf("%w: a decision %s is recorded already, not as routed (%s, ticket %s); a new decision needs a new ID", ErrTicketExists, rt.Decision.ID, routedAction(&x), x.ID)
		}
		return &d, nil
	case !notRecorded(err):
		// It may be recorded: recording it again could make a duplicate,
		// answering from the ticket could announce what no record holds.
		return nil, fmt.Errorf("oversight: decision %s refused, nothing stored: whether its earlier submission was recorded cannot be read: %w", rt.Decision.ID, err)
	}
	if g.now().Before(x.CreatedAt.Add(recordLease)) {
		// The Submit that stored the ticket may still be writing the
		// record (a client that timed out retries while the ledger is
		// slow); recording now would write it twice. Once its lease is
		// over, the record is taken to be lost and a retry writes it.
		return nil, fmt.Errorf("oversight: decision %s refused, nothing stored: its earlier submission (ticket %s, %s) may still be writing its record; retry after %s", rt.Decision.ID, x.ID, routedAction(&x), x.CreatedAt.Add(recordLease).Format("15:04:05Z07:00"))
	}
	return nil, g.replaceRouted(ctx, rt, &x)
}

// retryOutcome is the answer to a retry of the decision recorded as prior
// (nil: no answer).
func retryOutcome(prior *aims.Decision) Outcome {
	if prior == nil || prior.Oversight == nil {
		return Outcome{}
	}
	return Outcome{Action: prior.Oversight.Action, Applied: appliedAction(prior.Oversight.Action), Decision: *prior}
}

// recordedBeforeLoss looks decision d, as the policy routed it, up in the
// durable decision log f, for a decision ID of the window in which the
// store's previous run may have lost routed tickets (lossFinder): the
// retry of a decision whose ticket the crash lost finds no ticket, so
// only the log tells that it was recorded. It returns the record when d
// was recorded on the same route (a routed retry's answer; a held one is
// refused, recordedBeforeLossHeld), nil when d is not
// recorded, and ErrTicketExists when something else is recorded under
// d's ID (another route, other content). A failed lookup refuses d,
// nothing stored; a retry asks again.
func recordedBeforeLoss(ctx context.Context, f DecisionFinder, d *aims.Decision) (*aims.Decision, error) {
	r, err := f.FindDecision(ctx, d.ID)
	switch {
	case notRecorded(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("oversight: decision %s refused, nothing stored: whether it was recorded before the store's last crash cannot be read from the decision log: %w", d.ID, err)
	case r.Oversight == nil || r.Oversight.Action != d.Oversight.Action:
		var was aims.OversightAction
		if r.Oversight != nil {
			was = r.Oversight.Action
		}
		return nil, fmt.Errorf("%w: decision %s was recorded before the store's last crash (as %q); a new decision needs a new ID", ErrTicketExists, d.ID, was)
	case !sameDecision(&r, d):
		return nil, fmt.Errorf("%w: decision %s was recorded before the store's last crash with other content; a new decision needs a new ID", ErrTicketExists, d.ID)
	}
	return &r, nil
}

// retryFinder is where reindex asks whether a decision is recorded: the
// Recorder itself when it finds decisions (its answer is about the
// records Submit writes), else the finder set by WithDecisionFinder;
// nil when there is neither.
func (g *Gate) retryFinder() DecisionFinder {
	if g.recFinder != nil {
		return g.recFinder
	}
	return g.cfg.finder
}

// routeConflict refuses to route again the decision whose ticket is x
// (the retry's routed ticket is rt): a decision held for review (its
// review ticket has the same ID), emitted as applied but not applied
// (emittedNotApplied), contested, or recorded (or on its way to the
// Recorder, routeRecorded) with another route, or with a record waiting
// for Sweep. A blocked decision must not be applied on a retry, nor leave
// a block and an apply record under one ID.
func routeConflict(x, rt *Ticket) error {
	switch {
	case x.Kind == KindReview:
		return heldError(x)
	case emittedNotApplied(x):
		return fmt.Errorf("%w: decision %s was emitted as applied but not applied (its record could not be written); a new decision needs a new ID", ErrTicketExists, rt.Decision.ID)
	case x.Kind != KindRouted || len(x.Contests) > 0:
		return fmt.Errorf("%w: decision %s was already routed and contested; a new decision needs a new ID", ErrTicketExists, rt.Decision.ID)
	case routeRecorded(x) && (routedAction(x) != rt.Resolution.Action || len(x.Unrecorded) > 0):
		return fmt.Errorf("%w: decision %s was routed already (%s, ticket %s) and recorded so; a new decision needs a new ID", ErrTicketExists, rt.Decision.ID, routedAction(x), x.ID)
	}
	return nil
}

// replaceRouted replaces the routed ticket of rt's decision with rt, in
// one atomic Update that checks it again (routeConflict). seen is the
// ticket reindex decided on, nil when it saw no record of the route: if
// the ticket changed since (another Submit of the decision replaced it,
// or its record was noted), the retry is refused, nothing stored, so
// that two retries never both record the decision.
func (g *Gate) replaceRouted(ctx context.Context, rt Ticket, seen *Ticket) error {
	_, err := g.store.Update(ctx, rt.ID, func(x *Ticket) error {
		if err := routeConflict(x, &rt); err != nil {
			return err
		}
		if seen == nil && routeRecorded(x) || seen != nil && !sameTicketVersion(x, seen) {
			return fmt.Errorf("oversight: decision %s refused, nothing stored: it was submitted again meanwhile (ticket %s); retry", rt.Decision.ID, x.ID)
		}
		*x = rt
		return nil
	})
	return err
}

// sameTicketVersion reports whether routed ticket x is still the one seen:
// every replacement of a routed ticket stores a new creation and
// resolution time, and a change of its records shows in Unrecorded.
func sameTicketVersion(x, seen *Ticket) bool {
	return x.CreatedAt.Equal(seen.CreatedAt) && routeRecorded(x) == routeRecorded(seen) &&
		len(x.Unrecorded) == len(seen.Unrecorded) &&
		(x.Resolution == nil) == (seen.Resolution == nil) &&
		(x.Resolution == nil || x.Resolution.Time.Equal(seen.Resolution.Time))
}

// sameDecision reports whether a and b are the same decision: equal in
// everything but their oversight outcome (set by each Submit) and their
// trace context (the span of the request that carried each). They are
// compared as JSON, their stored form, so that a copy read back from a
// store (numbers decoded as float64, times in a fixed zone) equals the
// original.
func sameDecision(a, b *aims.Decision) bool {
	ja, errA := decisionContent(a)
	jb, errB := decisionContent(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// decisionContent is the JSON of d without its oversight outcome and
// trace context.
func decisionContent(d *aims.Decision) ([]byte, error) {
	c := *d
	c.Oversight, c.TraceID, c.SpanID = nil, "", ""
	return json.Marshal(&c)
}
