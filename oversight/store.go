package oversight

import (
	"context"
	"time"
)

// AnyLevel as ClaimRequest.MaxLevel puts no limit on the escalation level.
const AnyLevel = -1

// ClaimRequest says who claims a ticket and which tickets they may take.
type ClaimRequest struct {
	// Reviewer is the identity claiming. Required.
	Reviewer string
	// Now is the claim time; leases that end at or before Now are void.
	Now time.Time
	// Lease is how long the claim lasts.
	Lease time.Duration
	// MaxLevel is the highest escalation level the reviewer may act on, or
	// AnyLevel. The zero value limits the claim to fresh (level 0) tickets.
	MaxLevel int
}

// Claimable reports whether req may claim t: t is open, within
// req.MaxLevel, req.Reviewer is not ineligible for it, and nobody holds an
// unexpired claim on it. Store implementations use it to select the
// ticket Claim hands out.
func (req *ClaimRequest) Claimable(t *Ticket) bool {
	if req.MaxLevel != AnyLevel && t.Level > req.MaxLevel {
		return false
	}
	return t.claimableBy(req.Reviewer, req.Now)
}

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
	// Claim hands req.Reviewer the oldest open ticket that the reviewer
	// may act on (not submitted, excluded from or already voted on by the
	// reviewer, escalation level within req.MaxLevel) and that nobody
	// holds an unexpired claim on, with a lease until req.Now+req.Lease;
	// ErrQueueEmpty if there is none.
	Claim(ctx context.Context, req ClaimRequest) (Ticket, error)
	// Open lists open tickets, oldest first; limit <= 0 means all.
	Open(ctx context.Context, limit int) ([]Ticket, error)
	// Overdue lists pending tickets whose deadline is not after now.
	Overdue(ctx context.Context, now time.Time, limit int) ([]Ticket, error)
	// CountOpen counts open tickets (the queue depth). The Gate calls it
	// before it holds each decision and opens each contest
	// (WithMaxOpenTickets), so it should cost the same however deep the
	// queue: the built-in stores keep the count, changed with each ticket.
	CountOpen(ctx context.Context) (int, error)
	// FindByDecision returns the tickets that concern a decision: those
	// whose Decision.ID or resolution record ID is decisionID, oldest first.
	FindByDecision(ctx context.Context, decisionID string) ([]Ticket, error)
	// Close releases the store's resources. It may wait for operations in
	// progress; when ctx ends first it returns ctx's error.
	Close(ctx context.Context) error
}

// DeferredIndexer is implemented by stores that can keep a routed ticket
// (Kind routed, already resolved: an entry of the Gate's decision index)
// without making it durable before they return, so that an applied
// decision does not pay for a second synchronous write next to the
// decision log's. The Gate uses it only when its recorder is a
// DurableFinder: the durable record of the decision is then in the
// decision log, and a routed ticket a crash loses is found again there
// (Contest and Decision read it for decision IDs of the loss window that
// IndexLoss reports, and for no other unknown ID).
type DeferredIndexer interface {
	// CreateDeferred adds a new routed ticket like Create (ErrTicketExists
	// if its ID is taken) and may return before it is durable. Every
	// other method sees it at once; it becomes durable with the store's
	// next write or within a bounded time, and Close makes it durable.
	CreateDeferred(ctx context.Context, t Ticket) error
	// IndexLoss says whether the store's previous run ended before it made
	// every waiting routed ticket durable, and when the decisions of the
	// tickets it may have lost were made: between from (the zero time when
	// unknown) and to. The Gate reads the decision log only for decision
	// IDs of that time (UUIDv7 carries it), so a lookup of an unknown ID
	// never costs a scan of the log.
	IndexLoss() (from, to time.Time, lost bool)
}

// DeferredUpdater is implemented by stores that can take a change of a
// ticket without making it durable before they return. The Gate uses it
// only to take records it has written to its Recorder off their ticket
// (Ticket.Unrecorded), and only when its recorder is a DurableFinder: a
// change a crash loses leaves those records listed, and Sweep finds them
// in the Recorder (DecisionFinder) and takes them off without writing
// them twice.
type DeferredUpdater interface {
	// UpdateDeferred runs fn on the ticket id as Update would, later: in
	// the store's next write transaction (on the ticket as that
	// transaction finds it, after the changes committed before it) or
	// within a bounded time, and Close commits it. It may return before
	// the change is durable, and a crash may lose it; until it is
	// committed, readers may see the ticket without it. An error from fn,
	// or a ticket that is gone by then, drops the change. fn must be
	// idempotent and must not change the ticket's ID. fn takes records
	// off by their IDs (Unrecorded, Emitted, RecordingUntil) and reads
	// nothing else: a store may first give it a Ticket holding only its
	// ID, those fields and records of which only the IDs are set, and
	// keep that result when it leaves no record, Emitted entry or lease;
	// otherwise it runs fn again on the whole ticket (oversight/boltstore
	// does, so that taking records off reads and rewrites no ticket).
	UpdateDeferred(ctx context.Context, id string, fn func(t *Ticket) error) error
}

// UnrecordedLister is implemented by stores that can list the tickets
// holding decision records the Gate has not yet written to its Recorder
// (Ticket.Unrecorded). Sweep uses it to write what a failed write or a
// crash between a ticket's change and its record left behind. All three
// built-in stores implement it, and New refuses a store that does not:
// without it those records would stay on their tickets with nothing to
// find them.
type UnrecordedLister interface {
	// Unrecorded lists, oldest first, at most limit tickets (limit > 0)
	// whose Unrecorded is not empty and whose RecordingUntil is not
	// after now.
	Unrecorded(ctx context.Context, now time.Time, limit int) ([]Ticket, error)
}

// ContestCounter is implemented by stores that count the open contests
// of one person without listing the queue; all three built-in stores do.
// The Gate asks it before each contest (WithMaxOpenContestsPerSubject).
// With a store that does not implement it, the Gate lists the open
// tickets and counts them itself, a cost that grows with the queue.
type ContestCounter interface {
	// CountOpenContests counts the open (pending or overdue) tickets of
	// Kind contest whose Decision.Subject is subject; "" counts those
	// without a subject.
	CountOpenContests(ctx context.Context, subject string) (int, error)
}
