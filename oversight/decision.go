package oversight

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/aimskit/aimskit/aims"
)

// routedNamespace derives the IDs of routed tickets from decision IDs, so
// that a decision has at most one routed ticket whichever Gate writes it.
var routedNamespace = uuid.MustParse("6f1c2a52-8f9e-4c53-9d0e-6a1d3b8f2c41")

// decisionTicketID is the ID of the ticket of decisionID, whichever route
// it took: its review ticket when it was held, its routed ticket when it
// was applied or blocked. Deriving one ID for both makes the routes
// exclude each other in the store: of two Submits of one decision (a
// retry, or two replicas whose policies differ) routed differently, only
// one Create succeeds, whichever Gate makes it, and the loser has written
// nothing, so nothing stays behind to hold the ID.
func decisionTicketID(decisionID string) string {
	return uuid.NewSHA1(routedNamespace, []byte(decisionID)).String()
}

// contestTicketID is the ID of the n-th contest (from 0) of the decision
// whose review or routed ticket is rootID. Deriving it makes opening a
// contest a Create that only one caller can win.
func contestTicketID(rootID string, n int) string {
	return uuid.NewSHA1(routedNamespace, []byte("contest/"+rootID+"/"+strconv.Itoa(n))).String()
}

// routedTicket keeps a decision applied or blocked without review (or
// found through the DecisionFinder) as an already resolved ticket.
func routedTicket(d *aims.Decision, risk aims.RiskLevel, v Verdict, now time.Time) Ticket {
	action := v.Route.action()
	if d.Oversight != nil && d.Oversight.Action != "" {
		action = d.Oversight.Action
	}
	applied := appliedAction(action)
	// The ticket's Decision is a slim copy (what FindByDecision and the
	// console need); the full record is the resolution's, kept once.
	slim := aims.Decision{
		SchemaVersion: d.SchemaVersion, ID: d.ID, Time: d.Time, SystemID: d.SystemID,
		Subject: d.Subject, Output: d.Output, Adverse: d.Adverse, Oversight: d.Oversight,
	}
	return Ticket{
		ID: decisionTicketID(d.ID), Kind: KindRouted, Decision: slim, Risk: risk,
		Policy: v.Policy, Reason: v.Reason, State: StateResolved, CreatedAt: now, Deadline: now,
		Resolution: &Resolution{Action: action, Reason: v.Reason, Applied: applied, Time: now, Decision: *d},
	}
}

// appliedAction reports whether a decision recorded with action takes
// effect.
func appliedAction(action aims.OversightAction) bool {
	return action == aims.ActionApply || action == aims.ActionApprove || action == aims.ActionOverride
}

// index stores the routed ticket rt. A decision submitted again with the
// same ID (a retry) finds its ID taken, and reindex decides: a retry of a
// decision whose record is in the Recorder is answered with that record
// (returned; nothing is stored or written), one whose record is not there
// replaces its routed ticket (nil, and the caller records it), and a
// decision held for review, routed another way, contested, emitted as
// applied but not applied, or different under the same ID is refused
// with ErrTicketExists.
func (g *Gate) index(ctx context.Context, rt Ticket) (*aims.Decision, error) {
	var err error
	if g.deferIndex != nil {
		err = g.deferIndex.CreateDeferred(ctx, rt)
	} else {
		err = g.store.Create(ctx, rt)
	}
	if !errors.Is(err, ErrTicketExists) {
		return nil, err
	}
	return g.reindex(ctx, rt)
}

// heldError is the refusal to route without review a decision held for
// review (ticket t).
func heldError(t *Ticket) error {
	return fmt.Errorf("%w: decision %s was held for review (ticket %s, %s); its reviewers decide it, and a new decision needs a new ID", ErrTicketExists, t.Decision.ID, t.ID, t.State)
}

// hold stores the review ticket t of a decision whose ticket ID is taken
// already (Create said ErrTicketExists). A routed ticket of the decision
// whose record could not be written (and was not emitted), so that
// nothing recorded the decision, is replaced, as a retry replaces it; a
// decision held already, applied, blocked (its block record is the
// decision's record: a review record under the same ID would be a second,
// different decision), or emitted as applied but not applied
// (emittedNotApplied), is refused. The check and the replacement are one atomic
// Update, so a concurrent Submit routing the decision otherwise either
// sees the review ticket or is seen.
func (g *Gate) hold(ctx context.Context, t Ticket) error {
	_, err := g.store.Update(ctx, t.ID, func(x *Ticket) error {
		switch {
		case x.Kind == KindReview:
			return fmt.Errorf("oversight: decision %s is already held for review (ticket %s); follow that ticket, or give a new decision a new ID: %w", t.Decision.ID, x.ID, ErrTicketExists)
		case x.Kind != KindRouted:
			return fmt.Errorf("%w: ticket %s of decision %s is a %s ticket; a new decision needs a new ID", ErrTicketExists, x.ID, t.Decision.ID, x.Kind)
		case x.Resolution != nil && x.Resolution.Applied:
			return fmt.Errorf("%w: decision %s was applied already (ticket %s); a new decision needs a new ID", ErrTicketExists, t.Decision.ID, x.ID)
		case emittedNotApplied(x):
			return fmt.Errorf("%w: decision %s was emitted as applied but not applied (its record could not be written; ticket %s); a new decision needs a new ID", ErrTicketExists, t.Decision.ID, x.ID)
		case len(x.Contests) > 0:
			return fmt.Errorf("%w: decision %s was already routed and contested; a new decision needs a new ID", ErrTicketExists, t.Decision.ID)
		case routeRecorded(x):
			// Its record (blocked) is in the Recorder, on its way there,
			// or emitted: holding it would record a second, different
			// decision under the same ID.
			return fmt.Errorf("%w: decision %s was routed already (%s, ticket %s) and recorded so; a new decision needs a new ID", ErrTicketExists, t.Decision.ID, routedAction(x), x.ID)
		}
		*x = t
		return nil
	})
	return err
}

// chain is what the Gate knows of a decision: the ticket of the original
// decision (its review or routed ticket), the latest ticket concerning it
// (the root or its last contest) and the decision as it stands.
type chain struct {
	root     Ticket
	latest   Ticket
	standing Outcome
	// unlinked is the ID of a contest ticket that was created but not yet
	// added to root.Contests (its opener is between the two steps, or
	// failed between them).
	unlinked string
}

// findChain looks decisionID up among the Gate's tickets: the decision
// itself, the record of its review, or the record of a contest of it.
// found is false when no ticket concerns it.
func (g *Gate) findChain(ctx context.Context, decisionID string) (chain, bool, error) {
	tickets, err := g.store.FindByDecision(ctx, decisionID)
	if err != nil || len(tickets) == 0 {
		return chain{}, false, err
	}
	root := tickets[len(tickets)-1]
	if root.Kind == KindContest && root.ContestOf != "" {
		if root, err = g.store.Get(ctx, root.ContestOf); err != nil {
			return chain{}, false, fmt.Errorf("oversight: contest %s: its decision's ticket: %w", tickets[len(tickets)-1].ID, err)
		}
	}
	c := chain{root: root, latest: root, standing: outcomeOf(&root)}
	for _, id := range root.Contests {
		t, err := g.store.Get(ctx, id)
		if errors.Is(err, ErrTicketNotFound) {
			continue // the contest was never stored, or was purged
		}
		if err != nil {
			return chain{}, false, err
		}
		c.latest = t
		// A resolved contest changes the decision (approve upholds it,
		// override changes it, reject annuls it); an expired one leaves it
		// as it was.
		if t.State == StateResolved && t.Resolution != nil {
			c.standing = outcomeOf(&t)
		}
	}
	next := contestTicketID(root.ID, len(root.Contests))
	switch t, err := g.store.Get(ctx, next); {
	case err == nil:
		c.latest, c.unlinked = t, t.ID
		if t.State == StateResolved && t.Resolution != nil {
			c.standing = outcomeOf(&t)
		}
	case !errors.Is(err, ErrTicketNotFound):
		return chain{}, false, err
	}
	c.standing.Ticket = &c.latest
	return c, true, nil
}

// Decision looks up a decision the Gate routed, by its decision ID (or the
// ID of a review or contest record of it), with no DecisionFinder needed:
// it returns the decision as it stands now with its oversight outcome.
// For a decision still under review the Outcome is Pending; after a
// contest was resolved it is the contest's resolution. Outcome.Ticket is
// the latest ticket concerning the decision: its review (or routed)
// ticket, or its last contest, which may still be open. Decisions the
// Gate never saw are looked up through the DecisionFinder, if any;
// otherwise, or when the finder has no such decision, ErrDecisionNotFound.
// A lookup that fails otherwise (the log cannot be read) returns its
// error, not ErrDecisionNotFound.
func (g *Gate) Decision(ctx context.Context, decisionID string) (Outcome, error) {
	if g.closed.Load() {
		return Outcome{}, ErrClosed
	}
	if decisionID == "" {
		return Outcome{}, fmt.Errorf("%w: empty decision ID", ErrDecisionNotFound)
	}
	c, found, err := g.findChain(ctx, decisionID)
	if err != nil {
		return Outcome{}, err
	}
	if found {
		return c.standing, nil
	}
	finder := g.finderFor(decisionID)
	if finder == nil {
		return Outcome{}, fmt.Errorf("%w: %s", ErrDecisionNotFound, decisionID)
	}
	d, err := finder.FindDecision(ctx, decisionID)
	if err != nil {
		if !notRecorded(err) {
			// The lookup failed: the decision may exist.
			return Outcome{}, fmt.Errorf("oversight: looking up decision %s in the decision log: %w", decisionID, err)
		}
		return Outcome{}, fmt.Errorf("%w: %s: %v", ErrDecisionNotFound, decisionID, err)
	}
	t := routedTicket(&d, g.riskOf(d.SystemID), Verdict{Route: RouteApply}, g.now())
	return Outcome{Action: t.Resolution.Action, Applied: t.Resolution.Applied, Decision: d}, nil
}

// routedAction is the action of routed ticket t's decision, for messages.
func routedAction(t *Ticket) aims.OversightAction {
	if t.Resolution != nil {
		return t.Resolution.Action
	}
	return ""
}

// routeRecorded reports whether routed ticket t's decision record is in
// the Recorder, on its way there, or kept on t for Sweep: anything but a
// record whose write failed without being emitted (reasonRecordFailed).
func routeRecorded(t *Ticket) bool {
	return t.Resolution == nil || t.Resolution.Reason != reasonRecordFailed || len(t.Unrecorded) > 0
}
