package oversight

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Purger is implemented by stores that can delete tickets that are no
// longer open (all three built-in stores do). Tickets are the review
// queue's working state; the evidence of every review — who acted, what,
// when and why — is in the decision log, which the Gate writes with each
// change of a ticket (a record it could not write yet stays on the ticket,
// Ticket.Unrecorded, and keeps it from being purged). So a deployment can keep its queue small by purging
// resolved tickets once nobody needs them for the queue itself.
type Purger interface {
	// PurgeResolved deletes the resolved and expired tickets whose
	// resolution time is before the given time, and reports how many.
	// Open tickets are never deleted, nor tickets whose records are not
	// yet written (Ticket.Unrecorded): Purgeable says which.
	PurgeResolved(ctx context.Context, before time.Time) (int, error)
}

// ErrPurgeUnsupported is returned by Gate.PurgeResolved when the Gate's
// store does not implement Purger.
var ErrPurgeUnsupported = errors.New("oversight: the store cannot purge tickets")

// PurgeResolved deletes tickets resolved or expired more than olderThan
// ago. Contests of a purged ticket's decision still work when the Gate has
// a DecisionFinder (the decision log implements one); without it, keep
// tickets at least as long as decisions may be contested. olderThan must
// be positive.
func (g *Gate) PurgeResolved(ctx context.Context, olderThan time.Duration) (int, error) {
	if g.closed.Load() {
		return 0, ErrClosed
	}
	if olderThan <= 0 {
		return 0, fmt.Errorf("oversight: purge age %v must be positive", olderThan)
	}
	p, ok := g.store.(Purger)
	if !ok {
		return 0, ErrPurgeUnsupported
	}
	n, err := p.PurgeResolved(ctx, g.now().Add(-olderThan))
	if err != nil {
		return n, fmt.Errorf("oversight: purging resolved tickets: %w", err)
	}
	return n, nil
}

// Purgeable reports whether t is closed, was resolved before the given
// time and has no records still to be written to the decision log
// (Ticket.Unrecorded): the tickets a Purger deletes.
func (t *Ticket) Purgeable(before time.Time) bool {
	return !t.Open() && t.Resolution != nil && t.Resolution.Time.Before(before) && len(t.Unrecorded) == 0
}
