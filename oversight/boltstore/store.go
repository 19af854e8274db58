// Package boltstore is the embedded durable oversight.Store: one bbolt
// file, for a single-instance service whose pending tickets must survive
// restarts. It lives apart from oversight so that only the services that
// use it pay for the bbolt dependency.
//
// It serves one replica. The file is locked by the process that opens it
// (a second process waits for the lock and then fails), so its queue,
// halts and contests are those of that one process; replicas of a service
// that each open a file of their own do not share them: a halt pressed on
// one does not stop the others, and a decision made on one cannot be
// contested or reviewed through another. A fleet of replicas uses
// oversight/postgres, where a halt, a resume, a contest and a review
// pressed on any replica act on all of them.
//
// Every held ticket, vote, claim and halt is committed (fsynced) before
// its call returns; held tickets created at the same time share a commit
// (groupcommit.go). The Gate's decision index (one resolved ticket per
// decision applied or blocked without review) is written behind when the
// Gate's DecisionFinder finds every recorded decision after a crash (an
// aims.System with a durable ledger): see CreateDeferred and
// WithIndexFlushInterval.
//
// Why bbolt: it is a small, pure-Go, well-maintained (etcd) B+tree store
// with serialisable read-write transactions and fsync on commit, which is
// exactly the atomic read-modify-write a ticket queue needs; SQLite
// through modernc.org/sqlite would also do but brings a much larger
// dependency and a SQL layer we would not use. bbolt allows one writer at a
// time and locks the file, so a second process opening it fails after
// the lock timeout instead of corrupting it.
package boltstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/aimskit/aimskit/oversight"
)

// Store is an oversight.Store in a bbolt file.
type Store struct {
	db  *bolt.DB
	def *deferred // routed tickets written behind (deferred.go)
	// creates groups concurrent Creates into shared commits (groupcommit.go).
	creates createGroup
	// loss is what the previous run of the file may have lost (IndexLoss).
	loss indexLoss
	// onDecode, when set (by the package's tests, while nothing else uses
	// the store), is called for every ticket decoded.
	onDecode func()
}

var (
	_ oversight.Store     = (*Store)(nil)
	_ oversight.HaltStore = (*Store)(nil)

	_ oversight.HaltTicketStore = (*Store)(nil)
	_ oversight.Purger          = (*Store)(nil)

	_ oversight.UnrecordedLister = (*Store)(nil)
	_ oversight.ContestCounter   = (*Store)(nil)
)

var (
	bucketTickets    = []byte("tickets")     // ticket ID → JSON
	bucketQueue      = []byte("queue")       // open tickets: created time, ID → claim header (index.go)
	bucketDue        = []byte("due")         // pending tickets: deadline, ID → nothing (index.go)
	bucketByDecision = []byte("by_decision") // decision ID \x00 ticket ID → nothing
	bucketHalts      = []byte("halts")       // system ID → Halt JSON
	// bucketUnrecorded lists the tickets holding decision records the
	// Gate has not yet written (Ticket.Unrecorded): ticket ID → the
	// records, kept apart from the ticket (records.go), or nothing in a
	// file written before they were (the records are then in the
	// ticket's JSON). A file written before the bucket has no such tickets.
	bucketUnrecorded = []byte("unrecorded")
	// bucketMeta says whether the routed tickets written behind all
	// reached the file: "clean" is 1 after Close committed them, 0 while
	// the store is open; "flushed" is when waiting tickets were last
	// committed, or the run's Open if none were since (RFC 3339). After a
	// crash, the decisions whose routed tickets may be lost were made
	// between "flushed" and the next Open.
	bucketMeta = []byte("meta")
	keyClean   = []byte("clean")
	keyFlushed = []byte("flushed")
	// keyLostFrom and keyLostTo keep the span whose routed tickets crashed
	// runs may have lost (IndexLoss), RFC 3339; from is empty if unknown.
	keyLostFrom = []byte("lost_from")
	keyLostTo   = []byte("lost_to")
	// bucketOpenV1 (ticket ID → nothing, for open tickets) is the index
	// files written before the queue index have; Open replaces it.
	bucketOpenV1 = []byte("open")
)

type config struct {
	lockTimeout time.Duration
	flushEvery  time.Duration
	errs        []error
}

// Option configures Open. An option given an invalid argument makes Open
// return an error naming it.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithLockTimeout sets how long Open waits for the file lock that another
// process (or another Store in this one) holds; default one second. It
// must be positive: waiting forever would hang a replica started by
// mistake next to a running one.
func WithLockTimeout(d time.Duration) Option {
	return positiveDuration("WithLockTimeout", d, func(c *config) { c.lockTimeout = d })
}

// positiveDuration is the option that set makes, or an error naming
// option when d is not positive.
func positiveDuration(option string, d time.Duration, set func(*config)) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("oversight/boltstore: %s(%v): the duration must be positive", option, d))
			return
		}
		set(c)
	})
}

// Open opens (creating if needed) the bbolt file at path. It waits for a
// file lock held by another process at most the lock timeout (see
// WithLockTimeout), and no later than ctx's deadline; bbolt cannot be
// interrupted while it waits, so a cancellation without a deadline takes
// effect when the wait ends.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if ctx == nil {
		return nil, errors.New("oversight/boltstore: Open needs a context")
	}
	cfg := config{lockTimeout: time.Second, flushEvery: DefaultIndexFlushInterval}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if path == "" {
		return nil, errors.New("oversight/boltstore: Open needs a file path")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("oversight/boltstore: opening %s: %w", path, err)
	}
	wait, byDeadline := cfg.lockTimeout, false
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return nil, fmt.Errorf("oversight/boltstore: opening %s: %w", path, context.DeadlineExceeded)
		}
		if left < wait {
			wait, byDeadline = left, true
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: wait})
	switch {
	case err == nil:
	case errors.Is(err, bolterrors.ErrTimeout) && byDeadline:
		return nil, fmt.Errorf("oversight/boltstore: opening %s: the file is locked by another process: %w", path, context.DeadlineExceeded)
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("oversight/boltstore: opening %s: the file is locked by another process (waited %v): %w", path, wait, err)
	default:
		return nil, fmt.Errorf("oversight/boltstore: opening %s: %w", path, err)
	}
	opened := time.Now().UTC()
	var loss indexLoss
	err = db.Update(func(tx *bolt.Tx) error {
		fresh := tx.Bucket(bucketQueue) == nil
		for _, b := range [][]byte{bucketTickets, bucketQueue, bucketDue, bucketByDecision, bucketHalts, bucketMeta, bucketUnrecorded} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		// A loss found by an earlier Open stays: nothing writes the lost
		// routed tickets again, so their decisions are found in the
		// decision log for as long as the file lives.
		loss = storedLoss(meta)
		if !fresh && string(meta.Get(keyClean)) != "1" {
			// The last run ended without Close (or the file predates the
			// marker): routed tickets written behind may be lost.
			now := indexLoss{lost: true, to: opened}
			if t, err := time.Parse(time.RFC3339Nano, string(meta.Get(keyFlushed))); err == nil {
				// Tickets that waited behind that commit have
				// decisions made at most deferSlack before it.
				now.from = t.Add(-deferSlack)
			}
			loss = loss.widen(now)
			if err := putLoss(meta, loss); err != nil {
				return err
			}
		}
		// Nothing waits to be written yet: a crash of this run can lose
		// only decisions made from now on, even before its first flush.
		if err := meta.Put(keyFlushed, []byte(opened.Format(time.RFC3339Nano))); err != nil {
			return err
		}
		if err := meta.Put(keyClean, []byte("0")); err != nil {
			return err
		}
		if fresh {
			if err := migrateIndexes(tx); err != nil {
				return err
			}
		}
		return checkCounts(tx)
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("oversight/boltstore: initialising %s: %w", path, err)
	}
	return &Store{db: db, def: newDeferred(cfg.flushEvery, DefaultIndexFlushLimit, opened), loss: loss}, nil
}

// indexLoss is what the file's crashed runs may have lost (IndexLoss).
type indexLoss struct {
	lost     bool
	from, to time.Time
}

// widen returns the span that covers both l and o. A zero from (the last
// commit is unknown) reaches back to the beginning.
func (l indexLoss) widen(o indexLoss) indexLoss {
	if !l.lost {
		return o
	}
	if !o.lost {
		return l
	}
	w := indexLoss{lost: true, from: l.from, to: l.to}
	if o.from.Before(w.from) {
		w.from = o.from
	}
	if o.to.After(w.to) {
		w.to = o.to
	}
	return w
}

// storedLoss reads the loss span kept in the meta bucket, if any.
func storedLoss(meta *bolt.Bucket) indexLoss {
	to, err := time.Parse(time.RFC3339Nano, string(meta.Get(keyLostTo)))
	if err != nil {
		return indexLoss{}
	}
	l := indexLoss{lost: true, to: to}
	if from, err := time.Parse(time.RFC3339Nano, string(meta.Get(keyLostFrom))); err == nil {
		l.from = from
	}
	return l
}

// putLoss keeps l in the meta bucket.
func putLoss(meta *bolt.Bucket, l indexLoss) error {
	from := ""
	if !l.from.IsZero() {
		from = l.from.Format(time.RFC3339Nano)
	}
	if err := meta.Put(keyLostFrom, []byte(from)); err != nil {
		return err
	}
	return meta.Put(keyLostTo, []byte(l.to.Format(time.RFC3339Nano)))
}

// IndexLoss implements oversight.DeferredIndexer: when a run of the file
// ended without Close, the routed tickets written behind after its last
// commit may be lost; their decisions were made between from (that
// commit less 30 seconds, as CreateDeferred lets only tickets of decisions
// made since then wait; the zero time if no commit is known) and to (the
// Open after the crash). The span is kept in the file and reported by every later Open,
// widened to cover each further crash, since nothing writes the lost
// tickets again.
func (s *Store) IndexLoss() (from, to time.Time, lost bool) {
	return s.loss.from, s.loss.to, s.loss.lost
}

// migrateIndexes builds the queue and deadline indexes of a file written
// before they existed (or of a new file, where there is nothing to do) and
// drops the index that they replace. A file migrated this way cannot be
// used by older versions of this package.
func migrateIndexes(tx *bolt.Tx) error {
	queue, due := tx.Bucket(bucketQueue), tx.Bucket(bucketDue)
	err := tx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
		var t oversight.Ticket
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("oversight/boltstore: ticket %s is corrupt: %w", k, err)
		}
		return indexUpdate(queue, due, nil, &t, nil)
	})
	if err != nil {
		return err
	}
	if tx.Bucket(bucketOpenV1) != nil {
		return tx.DeleteBucket(bucketOpenV1)
	}
	return nil
}

// olderTicket orders tickets oldest first, by creation time and then ID
// (the order oversight.Store's lists promise).
func olderTicket(a, b *oversight.Ticket) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// get reads and decodes ticket id in tx.
func (s *Store) get(tx *bolt.Tx, id []byte) (oversight.Ticket, error) {
	raw := tx.Bucket(bucketTickets).Get(id)
	if raw == nil {
		return oversight.Ticket{}, fmt.Errorf("%w: %q", oversight.ErrTicketNotFound, id)
	}
	if s.onDecode != nil {
		s.onDecode()
	}
	var t oversight.Ticket
	if err := json.Unmarshal(raw, &t); err != nil {
		return oversight.Ticket{}, fmt.Errorf("oversight/boltstore: ticket %s is corrupt: %w", id, err)
	}
	if err := getRecords(tx, id, &t); err != nil { // records.go
		return oversight.Ticket{}, err
	}
	return t, nil
}

func decisionKey(decisionID, ticketID string) []byte {
	k := make([]byte, 0, len(decisionID)+1+len(ticketID))
	return append(append(append(k, decisionID...), 0), ticketID...)
}

// boltPut writes t, whose stored version is old (nil for a new ticket),
// and keeps the indexes in step with it.
func boltPut(tx *bolt.Tx, old *indexed, t *oversight.Ticket) error {
	// Its records are kept apart (records.go).
	raw, err := json.Marshal(withoutRecords(t))
	if err != nil {
		return fmt.Errorf("oversight/boltstore: encoding ticket %s: %w", t.ID, err)
	}
	// One buffer for the ID and the index keys and header: it is only
	// appended to, so what Put was given stays valid.
	buf := make([]byte, 0, 3*(len(t.ID)+timeKeyLen)+headerFixed+64)
	buf = append(buf, t.ID...)
	if err := tx.Bucket(bucketTickets).Put(buf[:len(t.ID):len(t.ID)], raw); err != nil {
		return err
	}
	if err := indexUpdate(tx.Bucket(bucketQueue), tx.Bucket(bucketDue), old, t, buf[len(t.ID):]); err != nil {
		return err
	}
	if err := countUpdate(tx, old, t); err != nil { // counts.go
		return err
	}
	if err := putRecords(tx, buf[:len(t.ID):len(t.ID)], t, old != nil); err != nil {
		return err
	}
	idx := tx.Bucket(bucketByDecision)
	if old == nil || old.decisionID != t.Decision.ID {
		if err := idx.Put(decisionKey(t.Decision.ID, t.ID), nil); err != nil {
			return err
		}
	}
	if r := t.Resolution; r != nil && r.Decision.ID != "" && (old == nil || old.resultID != r.Decision.ID) {
		return idx.Put(decisionKey(r.Decision.ID, t.ID), nil)
	}
	return nil
}

// Create implements oversight.Store.
func (s *Store) Create(ctx context.Context, t oversight.Ticket) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := s.def.beginCreate(t.ID); err != nil {
		return err
	}
	defer s.def.endCreate(t.ID)
	return s.createGrouped(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketTickets).Get([]byte(t.ID)) != nil {
			return fmt.Errorf("%w: %s", oversight.ErrTicketExists, t.ID)
		}
		return boltPut(tx, nil, &t)
	})
}

// Get implements oversight.Store.
func (s *Store) Get(ctx context.Context, id string) (oversight.Ticket, error) {
	if t, ok := s.def.waiting(id); ok {
		return t, nil
	}
	var t oversight.Ticket
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = s.get(tx, []byte(id))
		return err
	})
	return t, err
}

// Update implements oversight.Store.
func (s *Store) Update(ctx context.Context, id string, fn func(t *oversight.Ticket) error) (oversight.Ticket, error) {
	var t oversight.Ticket
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if t, err = s.get(tx, []byte(id)); err != nil {
			return err
		}
		old := indexedOf(&t) // what the stored ticket's index entries are
		if err := fn(&t); err != nil {
			return err
		}
		if t.ID != id {
			return fmt.Errorf("oversight/boltstore: update changed ticket ID %q to %q", id, t.ID)
		}
		return boltPut(tx, &old, &t)
	})
	if err != nil {
		return oversight.Ticket{}, err
	}
	return t, nil
}

// Claim implements oversight.Store. It walks the queue index oldest first
// and stops at the first entry whose header says the reviewer may claim
// it: only that ticket is decoded, so the cost does not grow with the
// number of open tickets (only with the live claims and ineligible
// tickets ahead of the one handed out).
func (s *Store) Claim(ctx context.Context, req oversight.ClaimRequest) (oversight.Ticket, error) {
	if req.Reviewer == "" {
		return oversight.Ticket{}, oversight.ErrUnauthenticated
	}
	var got oversight.Ticket
	err := s.update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketQueue).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			ok, err := claimableHeader(&req, v)
			if err != nil {
				return fmt.Errorf("oversight/boltstore: %w: %x", err, k)
			}
			if !ok || len(k) <= timeKeyLen {
				continue
			}
			if got, err = s.get(tx, k[timeKeyLen:]); err != nil {
				return err
			}
			if !req.Claimable(&got) { // the header disagrees with the ticket
				return fmt.Errorf("oversight/boltstore: %w: ticket %s", errBadHeader, got.ID)
			}
			old := indexedOf(&got)
			got.ClaimedBy, got.LeaseUntil = req.Reviewer, req.Now.Add(req.Lease)
			return boltPut(tx, &old, &got)
		}
		return oversight.ErrQueueEmpty
	})
	if err != nil {
		return oversight.Ticket{}, err
	}
	return got, nil
}

// Open implements oversight.Store.
func (s *Store) Open(ctx context.Context, limit int) ([]oversight.Ticket, error) {
	var out []oversight.Ticket
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketQueue).Cursor()
		for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			t, err := s.get(tx, k[timeKeyLen:])
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// Overdue implements oversight.Store. It reads only the pending tickets
// whose deadline is due, through the deadline index.
func (s *Store) Overdue(ctx context.Context, now time.Time, limit int) ([]oversight.Ticket, error) {
	var out []oversight.Ticket
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); len(k) > timeKeyLen && !timeFromKey(k).After(now); k, _ = c.Next() {
			t, err := s.get(tx, k[timeKeyLen:])
			if err != nil {
				return err
			}
			if t.State == oversight.StatePending && !now.Before(t.Deadline) {
				out = append(out, t)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b oversight.Ticket) int { return olderTicket(&a, &b) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// CountOpen implements oversight.Store. It reads the count the file
// keeps beside the queue index (counts.go): one key, however deep the
// queue.
func (s *Store) CountOpen(ctx context.Context) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = countOpen(tx)
		return err
	})
	return n, err
}

// FindByDecision implements oversight.Store.
func (s *Store) FindByDecision(ctx context.Context, decisionID string) ([]oversight.Ticket, error) {
	var out []oversight.Ticket
	// The waiting routed ticket first: if it is committed meanwhile, the
	// read below finds it too and skips it.
	w, waiting := s.def.waitingFor(decisionID)
	if waiting {
		out = append(out, w)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := []byte(decisionID + "\x00")
		c := tx.Bucket(bucketByDecision).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			if waiting && string(k[len(prefix):]) == w.ID {
				continue
			}
			t, err := s.get(tx, k[len(prefix):])
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b oversight.Ticket) int { return olderTicket(&a, &b) })
	return out, err
}

// SetHalt implements oversight.HaltStore.
func (s *Store) SetHalt(ctx context.Context, h oversight.Halt) error {
	if h.SystemID == "" {
		return errors.New("oversight/boltstore: halt without a system ID")
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketHalts).Put([]byte(h.SystemID), raw) })
}

// ClearHalt implements oversight.HaltStore.
func (s *Store) ClearHalt(ctx context.Context, systemID string) (bool, error) {
	was := false
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHalts)
		was = b.Get([]byte(systemID)) != nil
		return b.Delete([]byte(systemID))
	})
	return was, err
}

// SetHaltWith implements oversight.HaltTicketStore: the halt and the
// ticket holding its record are committed in one transaction.
func (s *Store) SetHaltWith(ctx context.Context, h oversight.Halt, t oversight.Ticket) error {
	if h.SystemID == "" {
		return errors.New("oversight/boltstore: halt without a system ID")
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return s.createWith(&t, func(tx *bolt.Tx) (bool, error) {
		return true, tx.Bucket(bucketHalts).Put([]byte(h.SystemID), raw)
	})
}

// ClearHaltWith implements oversight.HaltTicketStore: the halt is removed
// and the ticket holding the resume's record created in one transaction.
func (s *Store) ClearHaltWith(ctx context.Context, systemID string, t oversight.Ticket) (bool, error) {
	was := false
	err := s.createWith(&t, func(tx *bolt.Tx) (bool, error) {
		b := tx.Bucket(bucketHalts)
		was = b.Get([]byte(systemID)) != nil
		if !was {
			return false, nil
		}
		return true, b.Delete([]byte(systemID))
	})
	return was && err == nil, err
}

// createWith runs change and, when it says so, creates t in the same
// transaction; neither is stored if t's ID is taken.
func (s *Store) createWith(t *oversight.Ticket, change func(tx *bolt.Tx) (create bool, err error)) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := s.def.beginCreate(t.ID); err != nil {
		return err
	}
	defer s.def.endCreate(t.ID)
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketTickets).Get([]byte(t.ID)) != nil {
			return fmt.Errorf("%w: %s", oversight.ErrTicketExists, t.ID)
		}
		create, err := change(tx)
		if err != nil || !create {
			return err
		}
		return boltPut(tx, nil, t)
	})
}

// Halts implements oversight.HaltStore.
func (s *Store) Halts(ctx context.Context) ([]oversight.Halt, error) {
	var out []oversight.Halt
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHalts).ForEach(func(k, v []byte) error {
			var h oversight.Halt
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("oversight/boltstore: halt of %q is corrupt: %w", k, err)
			}
			out = append(out, h)
			return nil
		})
	})
	return out, err
}

// Close implements oversight.Store: it commits the routed tickets still
// waiting (CreateDeferred) and closes the file once the transactions in
// progress have ended. When ctx ends first, Close returns ctx's error and
// the file is closed when they end. Closing a closed Store is not an
// error.
func (s *Store) Close(ctx context.Context) error {
	s.def.close()
	done := make(chan error, 1)
	go func() {
		// A second Close finds nothing waiting. Once every waiting ticket is
		// committed, the file says so: the next Open has nothing to recover.
		err := s.flush()
		if err == nil {
			err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyClean, []byte("1")) })
			if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
				err = nil
			}
		}
		done <- errors.Join(err, s.db.Close())
	}()
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
			return fmt.Errorf("oversight/boltstore: closing: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("oversight/boltstore: closing: transactions still running: %w", ctx.Err())
	}
}

// PurgeResolved implements oversight.Purger: it deletes the tickets and their
// decision-index entries in one transaction.
func (s *Store) PurgeResolved(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		tickets, idx := tx.Bucket(bucketTickets), tx.Bucket(bucketByDecision)
		var doomed []oversight.Ticket
		err := tickets.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var t oversight.Ticket
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("oversight/boltstore: ticket %s is corrupt: %w", k, err)
			}
			if err := getRecords(tx, k, &t); err != nil {
				return err
			}
			if t.Purgeable(before) {
				doomed = append(doomed, t)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Deleting while iterating a bbolt cursor skips keys, so delete after.
		for _, t := range doomed {
			if err := tickets.Delete([]byte(t.ID)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketUnrecorded).Delete([]byte(t.ID)); err != nil {
				return err
			}
			if err := idx.Delete(decisionKey(t.Decision.ID, t.ID)); err != nil {
				return err
			}
			if t.Resolution != nil && t.Resolution.Decision.ID != "" {
				if err := idx.Delete(decisionKey(t.Resolution.Decision.ID, t.ID)); err != nil {
					return err
				}
			}
		}
		n = len(doomed)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Unrecorded implements oversight.UnrecordedLister. It reads only the
// tickets listed as holding unrecorded records.
func (s *Store) Unrecorded(ctx context.Context, now time.Time, limit int) ([]oversight.Ticket, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("oversight/boltstore: Unrecorded needs a positive limit, not %d", limit)
	}
	var out []oversight.Ticket
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUnrecorded).ForEach(func(k, _ []byte) error {
			t, err := s.get(tx, k)
			if err != nil {
				return err
			}
			if len(t.Unrecorded) > 0 && !t.RecordingUntil.After(now) {
				out = append(out, t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b oversight.Ticket) int { return olderTicket(&a, &b) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
