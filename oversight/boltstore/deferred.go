package boltstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/aimskit/aimskit/oversight"
)

// Routed tickets (the Gate's decision index: one already resolved ticket
// per decision applied or blocked without review) are written behind.
// CreateDeferred keeps them in memory, every method sees them there at
// once, and the next write transaction (a held ticket, a vote, a claim)
// or a flush at most the flush interval later commits them, many to one
// fsync. Without this every applied decision paid a bbolt transaction of
// its own (~0.5 ms of fsync on the request path), unshared with other
// requests, next to the decision log's fsync of the same decision.
//
// A crash loses the routed tickets not yet committed, and only those: the
// Gate uses CreateDeferred only when its recorder finds every recorded
// decision after a crash (oversight.DurableFinder: the decision log's
// ledger), and reads it for a decision its store does not know, so every
// decision the service acknowledged stays contestable. The file says
// whether its last run ended with Close and when waiting tickets were last
// committed, and keeps the span a crash may have lost for good (IndexLoss),
// so the Gate reads the log only for decision IDs made in that span, never
// for any other unknown ID.
// Held tickets, votes, claims and halts are committed, fsynced, before
// their call returns, as before.

// Defaults of the deferred index.
const (
	DefaultIndexFlushInterval = time.Second
	// DefaultIndexFlushLimit bounds the routed tickets kept in memory; at
	// the limit CreateDeferred commits them itself before it adds one.
	DefaultIndexFlushLimit = 4096
)

// WithIndexFlushInterval sets how long a routed ticket given to
// CreateDeferred may wait, at most, before it is committed (fsynced);
// default DefaultIndexFlushInterval. It must be positive.
func WithIndexFlushInterval(d time.Duration) Option {
	return positiveDuration("WithIndexFlushInterval", d, func(c *config) { c.flushEvery = d })
}

var _ oversight.DeferredIndexer = (*Store)(nil)

// deferred holds the routed tickets not yet committed.
type deferred struct {
	every time.Duration
	limit int

	mu sync.Mutex
	// tickets are the routed tickets not yet committed, by ticket ID;
	// nobody changes one in place (an Update commits it first).
	tickets map[string]*oversight.Ticket
	// byDecision maps the decision IDs of tickets (the decision's and its
	// resolution's) to their ticket IDs, for FindByDecision.
	byDecision map[string]string
	// creating counts the Creates in progress by ticket ID: their tickets
	// are not committed yet, so CreateDeferred cannot see them in the file.
	creating map[string]int
	// updates are the changes given to UpdateDeferred not yet
	// committed, in the order given (seq ascending).
	updates []pendingUpdate
	seq     uint64
	timer   *time.Timer // armed while tickets or updates is not empty
	closed  bool
	// mark is the time the file keeps as the last commit of waiting
	// tickets (keyFlushed: the snapshot of the last commit that wrote
	// some, or the Open), or a later one. After a crash IndexLoss reports
	// the decisions of the lost tickets as made from deferSlack before it
	// on, so only a ticket whose decisions were made since then may wait
	// (see madeSince); it is raised with each commit's snapshot, under
	// mu, as that commit takes the waiting tickets.
	mark time.Time
}

// pendingUpdate is a change given to UpdateDeferred.
type pendingUpdate struct {
	seq uint64
	id  string
	fn  func(t *oversight.Ticket) error
}

// waitingLen is how many routed tickets and changes wait. Under d.mu.
func (d *deferred) waitingLen() int { return len(d.tickets) + len(d.updates) }

// deferSlack is how long before the last commit of waiting routed tickets
// the decision of a ticket that waits may have been made: a decision's ID
// is made a little before its routed ticket is given to CreateDeferred
// (the decision is recorded in between), and a commit may start in
// between. IndexLoss reaches back by as much. A ticket whose decision is
// older is committed at once.
const deferSlack = 30 * time.Second

func newDeferred(every time.Duration, limit int, opened time.Time) *deferred {
	return &deferred{every: every, limit: limit, tickets: map[string]*oversight.Ticket{},
		byDecision: map[string]string{}, creating: map[string]int{}, mark: opened}
}

// madeSince reports whether the decisions of t (its decision's and its
// resolution's) have UUIDv7 IDs made at most deferSlack before mark and at
// most deferSlack after now: only then does the span IndexLoss reports
// after a crash cover them, so that the Gate looks for them in its
// decision log. A decision made earlier (one made, then submitted minutes
// later), one ahead of this host's clock (made on another host), or one
// whose ID carries no time (not a UUIDv7) would fall outside it and never
// be found again. Under d.mu.
func (d *deferred) madeSince(t *oversight.Ticket) bool {
	ids := []string{t.Decision.ID}
	if r := t.Resolution; r != nil && r.Decision.ID != "" {
		ids = append(ids, r.Decision.ID)
	}
	for _, id := range ids {
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 {
			return false
		}
		sec, nsec := u.Time().UnixTime()
		made := time.Unix(sec, nsec)
		if made.Before(d.mark.Add(-deferSlack)) || made.After(time.Now().Add(deferSlack)) {
			return false
		}
	}
	return true
}

// CreateDeferred implements oversight.DeferredIndexer. A ticket that is
// not a resolved routed ticket is created as Create creates it, and so is
// one whose decision was made before the last commit of waiting tickets,
// or has an ID that is not a UUIDv7 (see madeSince): a crash must not take
// a ticket whose decision IndexLoss would not report.
func (s *Store) CreateDeferred(ctx context.Context, t oversight.Ticket) error {
	if t.Kind != oversight.KindRouted || t.Open() {
		return s.Create(ctx, t)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	d := s.def
	c := t.Clone()
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return fmt.Errorf("oversight/boltstore: creating ticket %s: %w", t.ID, errClosed)
		}
		if !d.madeSince(&c) {
			d.mu.Unlock()
			return s.Create(ctx, t)
		}
		if d.waitingLen() < d.limit {
			break // with d.mu held
		}
		d.mu.Unlock()
		// Back pressure: at the limit the caller commits what is waiting
		// before adding to it, so memory stays bounded when flushes fall
		// behind or fail, and a failed commit refuses this ticket rather
		// than keep one whose decision the caller will not record.
		if err := s.flush(); err != nil {
			return fmt.Errorf("oversight/boltstore: committing the waiting routed tickets: %w", err)
		}
	}
	exists := d.tickets[t.ID] != nil || d.creating[t.ID] > 0
	if !exists {
		// Under d.mu, so no Create of the same ID can begin and commit
		// between this look and the insert.
		err := s.db.View(func(tx *bolt.Tx) error {
			exists = tx.Bucket(bucketTickets).Get([]byte(t.ID)) != nil
			return nil
		})
		if err != nil {
			d.mu.Unlock()
			return err
		}
	}
	if exists {
		d.mu.Unlock()
		return fmt.Errorf("%w: %s", oversight.ErrTicketExists, t.ID)
	}
	d.tickets[c.ID] = &c
	d.byDecision[c.Decision.ID] = c.ID
	if r := c.Resolution; r != nil && r.Decision.ID != "" {
		d.byDecision[r.Decision.ID] = c.ID
	}
	if d.timer == nil {
		d.timer = time.AfterFunc(d.every, s.flushDeferred)
	}
	d.mu.Unlock()
	return nil
}

var _ oversight.DeferredUpdater = (*Store)(nil)

// UpdateDeferred implements oversight.DeferredUpdater: the change waits in
// memory, bounded like the routed tickets (at the limit the caller
// commits what waits first), and is applied in the next write
// transaction, after the waiting routed tickets and before that
// transaction's own change, or by the flush timer at most the flush
// interval later. A transaction that fails keeps it for the next one.
// For a ticket whose records are kept apart (records.go), fn is first
// given the ticket's ID, Emitted, RecordingUntil and records holding only
// their IDs; when it leaves none of them, the records are deleted without
// reading the ticket, and otherwise fn runs again on the whole ticket.
func (s *Store) UpdateDeferred(ctx context.Context, id string, fn func(t *oversight.Ticket) error) error {
	if fn == nil {
		return fmt.Errorf("oversight/boltstore: deferred update of ticket %s: nil function", id)
	}
	d := s.def
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return fmt.Errorf("oversight/boltstore: updating ticket %s: %w", id, errClosed)
		}
		if d.waitingLen() < d.limit {
			break // with d.mu held
		}
		d.mu.Unlock()
		if err := s.flush(); err != nil {
			return fmt.Errorf("oversight/boltstore: committing the waiting changes: %w", err)
		}
	}
	d.seq++
	d.updates = append(d.updates, pendingUpdate{seq: d.seq, id: id, fn: fn})
	if d.timer == nil {
		d.timer = time.AfterFunc(d.every, s.flushDeferred)
	}
	d.mu.Unlock()
	return nil
}

// applyUpdates applies the waiting changes ups in tx. A change whose
// ticket is gone, cannot be read, or whose fn refuses is dropped: it must
// not fail the transaction it rides on.
func (s *Store) applyUpdates(tx *bolt.Tx, ups []pendingUpdate) error {
	for i := range ups {
		u := &ups[i]
		// Records kept apart change without the ticket (records.go).
		if done, err := updateRecords(tx, u); done || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		t, err := s.get(tx, []byte(u.id))
		if err != nil {
			continue
		}
		old := indexedOf(&t)
		if u.fn(&t) != nil || t.ID != u.id {
			continue
		}
		if err := boltPut(tx, &old, &t); err != nil {
			return err
		}
	}
	return nil
}

// flush commits the waiting routed tickets and changes, if any.
func (s *Store) flush() error {
	s.def.mu.Lock()
	n := s.def.waitingLen()
	s.def.mu.Unlock()
	if n == 0 {
		return nil
	}
	return s.update(func(*bolt.Tx) error { return nil })
}

var errClosed = errors.New("the store is closed")

// flushDeferred commits the waiting routed tickets (the timer's work). A
// failed flush is tried again an interval later; CreateDeferred at the
// limit reports the error to its caller.
func (s *Store) flushDeferred() {
	d := s.def
	d.mu.Lock()
	d.timer = nil
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return
	}
	if err := s.flush(); err != nil {
		d.mu.Lock()
		if d.timer == nil && !d.closed && d.waitingLen() > 0 {
			d.timer = time.AfterFunc(d.every, s.flushDeferred)
		}
		d.mu.Unlock()
	}
}

// update runs fn in a write transaction that first writes the waiting
// routed tickets, then applies the waiting changes (UpdateDeferred), so
// they are committed with it (and a fn that reads or changes a ticket
// finds them). They leave memory once the commit succeeded.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	var batch []*oversight.Ticket
	var ups []pendingUpdate
	err := s.db.Update(func(tx *bolt.Tx) error {
		d := s.def
		// Taken before the snapshot: every ticket waiting by then is in
		// the batch.
		snap := time.Now().UTC()
		d.mu.Lock()
		batch = batch[:0] // bbolt does not retry, but keep fn idempotent
		for _, t := range d.tickets {
			batch = append(batch, t)
		}
		ups = append(ups[:0], d.updates...)
		if len(batch) > 0 && snap.After(d.mark) {
			// Tickets added from now on are not in this commit, which
			// the file will keep as made from snap on.
			d.mark = snap
		}
		d.mu.Unlock()
		for _, t := range batch {
			if err := boltPut(tx, nil, t); err != nil {
				return err
			}
		}
		if len(batch) > 0 {
			// Routed tickets that waited at snap are committed here.
			if err := tx.Bucket(bucketMeta).Put(keyFlushed, []byte(snap.Format(time.RFC3339Nano))); err != nil {
				return err
			}
		}
		if err := s.applyUpdates(tx, ups); err != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil || len(batch)+len(ups) == 0 {
		return err
	}
	d := s.def
	d.mu.Lock()
	if len(ups) > 0 {
		// By seq, not by count: a transaction that began after this one
		// committed may have applied (idempotently) and removed them.
		last := ups[len(ups)-1].seq
		n := 0
		for n < len(d.updates) && d.updates[n].seq <= last {
			n++
		}
		d.updates = slices.Delete(d.updates, 0, n) // zeroes the tail: no fn kept alive
	}
	for _, t := range batch {
		if d.tickets[t.ID] == t {
			delete(d.tickets, t.ID)
			d.forget(t)
		}
	}
	d.mu.Unlock()
	return nil
}

// forget drops t's decision IDs from byDecision. Under d.mu.
func (d *deferred) forget(t *oversight.Ticket) {
	if d.byDecision[t.Decision.ID] == t.ID {
		delete(d.byDecision, t.Decision.ID)
	}
	if r := t.Resolution; r != nil && d.byDecision[r.Decision.ID] == t.ID {
		delete(d.byDecision, r.Decision.ID)
	}
}

// waiting returns a copy of the waiting routed ticket id, if there is one.
func (d *deferred) waiting(id string) (oversight.Ticket, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := d.tickets[id]; t != nil {
		return t.Clone(), true
	}
	return oversight.Ticket{}, false
}

// waitingFor returns a copy of the waiting routed ticket that concerns
// decisionID, if there is one.
func (d *deferred) waitingFor(decisionID string) (oversight.Ticket, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := d.tickets[d.byDecision[decisionID]]; t != nil {
		return t.Clone(), true
	}
	return oversight.Ticket{}, false
}

// beginCreate marks a Create of id in progress, or reports that a routed
// ticket with that ID is waiting. endCreate must follow a nil return.
func (d *deferred) beginCreate(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tickets[id] != nil {
		return fmt.Errorf("%w: %s", oversight.ErrTicketExists, id)
	}
	d.creating[id]++
	return nil
}

func (d *deferred) endCreate(id string) {
	d.mu.Lock()
	if d.creating[id]--; d.creating[id] <= 0 {
		delete(d.creating, id)
	}
	d.mu.Unlock()
}

// close stops the timer and refuses further deferred tickets; the caller
// then commits what is waiting.
func (d *deferred) close() {
	d.mu.Lock()
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.mu.Unlock()
}
