package oversight

import (
	"context"
	"time"
)

// Store keeps review tickets. Implementations must make Update and Claim
// atomic with respect to every other user of the same store, including
// other processes for shared stores: that is what guarantees that no
// ticket is reviewed twice. The conformance suite in
// oversight/storetest checks these properties.
type Store interface {
	// Create adds a new ticket; ErrTicketExists if its ID is taken.
	Create(ctx context.Context, t Ticket) error
	// Get returns a copy of a ticket; ErrTicketNotFound if unknown.
	Get(ctx context.Context, id string) (Ticket, error)
	// Update runs fn on the current ticket under an exclusive lock and
	// stores the result. If fn returns an error, nothing is stored and
	// Update returns that error unchanged. fn may be called more than
	// once if the store retries; it must not change the ticket's ID.
	Update(ctx context.Context, id string, fn func(t *Ticket) error) (Ticket, error)
	// Claim hands reviewer the oldest open ticket that reviewer may act on
	// (not submitted, excluded from or already voted on by reviewer) and
	// that nobody holds an unexpired claim on, with a lease until
	// now+lease; ErrQueueEmpty if there is none.
	Claim(ctx context.Context, reviewer string, now time.Time, lease time.Duration) (Ticket, error)
	// Open lists open tickets, oldest first; limit <= 0 means all.
	Open(ctx context.Context, limit int) ([]Ticket, error)
	// Overdue lists pending tickets whose deadline is not after now.
	Overdue(ctx context.Context, now time.Time, limit int) ([]Ticket, error)
	// CountOpen counts open tickets (the queue depth).
	CountOpen(ctx context.Context) (int, error)
	// FindByDecision returns the tickets that concern a decision: those
	// whose Decision.ID or resolution record ID is decisionID, oldest first.
	FindByDecision(ctx context.Context, decisionID string) ([]Ticket, error)
	// Close releases the store's resources.
	Close() error
}
