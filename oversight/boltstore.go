package oversight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltStore is the embedded durable Store: one bbolt file, for a
// single-instance service whose pending tickets must survive restarts.
//
// Why bbolt: it is a small, pure-Go, well-maintained (etcd) B+tree store
// with serialisable read-write transactions and fsync on commit, which is
// exactly the atomic read-modify-write a ticket queue needs; SQLite
// through modernc.org/sqlite would also do but brings a much larger
// dependency and a SQL layer we would not use. bbolt allows one writer at a
// time and locks the file, so a second process opening it fails after
// the open timeout instead of corrupting it; use the PostgreSQL store for
// several replicas.
type BoltStore struct {
	db *bolt.DB
}

var (
	_ Store     = (*BoltStore)(nil)
	_ HaltStore = (*BoltStore)(nil)
	_ Purger    = (*BoltStore)(nil)
)

var (
	boltTickets    = []byte("tickets")     // ticket ID → JSON
	boltOpen       = []byte("open")        // ticket ID → nothing, for open tickets
	boltByDecision = []byte("by_decision") // decision ID \x00 ticket ID → nothing
	boltHalts      = []byte("halts")       // system ID → Halt JSON
)

// OpenBoltStore opens (creating if needed) the bbolt file at path. It waits
// at most one second for the file lock held by another process.
func OpenBoltStore(path string) (*BoltStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("oversight: opening bbolt store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{boltTickets, boltOpen, boltByDecision, boltHalts} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("oversight: initialising bbolt store %s: %w", path, err)
	}
	return &BoltStore{db: db}, nil
}

func boltGet(tx *bolt.Tx, id string) (Ticket, error) {
	raw := tx.Bucket(boltTickets).Get([]byte(id))
	if raw == nil {
		return Ticket{}, fmt.Errorf("%w: %q", ErrTicketNotFound, id)
	}
	var t Ticket
	if err := json.Unmarshal(raw, &t); err != nil {
		return Ticket{}, fmt.Errorf("oversight: ticket %s is corrupt: %w", id, err)
	}
	return t, nil
}

func decisionKey(decisionID, ticketID string) []byte {
	return []byte(decisionID + "\x00" + ticketID)
}

// boltPut writes t and keeps the indexes in step with it.
func boltPut(tx *bolt.Tx, t *Ticket) error {
	raw, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("oversight: encoding ticket %s: %w", t.ID, err)
	}
	if err := tx.Bucket(boltTickets).Put([]byte(t.ID), raw); err != nil {
		return err
	}
	open := tx.Bucket(boltOpen)
	if t.Open() {
		err = open.Put([]byte(t.ID), nil)
	} else {
		err = open.Delete([]byte(t.ID))
	}
	if err != nil {
		return err
	}
	idx := tx.Bucket(boltByDecision)
	if err := idx.Put(decisionKey(t.Decision.ID, t.ID), nil); err != nil {
		return err
	}
	if t.Resolution != nil && t.Resolution.Decision.ID != "" {
		return idx.Put(decisionKey(t.Resolution.Decision.ID, t.ID), nil)
	}
	return nil
}

// Create implements Store.
func (s *BoltStore) Create(ctx context.Context, t Ticket) error {
	if err := checkNewTicket(&t); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(boltTickets).Get([]byte(t.ID)) != nil {
			return fmt.Errorf("%w: %s", ErrTicketExists, t.ID)
		}
		return boltPut(tx, &t)
	})
}

// Get implements Store.
func (s *BoltStore) Get(ctx context.Context, id string) (Ticket, error) {
	var t Ticket
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		t, err = boltGet(tx, id)
		return err
	})
	return t, err
}

// Update implements Store.
func (s *BoltStore) Update(ctx context.Context, id string, fn func(t *Ticket) error) (Ticket, error) {
	var t Ticket
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if t, err = boltGet(tx, id); err != nil {
			return err
		}
		if err := fn(&t); err != nil {
			return err
		}
		if t.ID != id {
			return fmt.Errorf("oversight: update changed ticket ID %q to %q", id, t.ID)
		}
		return boltPut(tx, &t)
	})
	if err != nil {
		return Ticket{}, err
	}
	return t, nil
}

// openTickets reads every open ticket, oldest first.
func boltOpenTickets(tx *bolt.Tx) ([]Ticket, error) {
	var out []Ticket
	err := tx.Bucket(boltOpen).ForEach(func(k, _ []byte) error {
		t, err := boltGet(tx, string(k))
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	slices.SortFunc(out, func(a, b Ticket) int { return olderTicket(&a, &b) })
	return out, err
}

// Claim implements Store.
func (s *BoltStore) Claim(ctx context.Context, req ClaimRequest) (Ticket, error) {
	if req.Reviewer == "" {
		return Ticket{}, ErrUnauthenticated
	}
	var got Ticket
	err := s.db.Update(func(tx *bolt.Tx) error {
		open, err := boltOpenTickets(tx)
		if err != nil {
			return err
		}
		for i := range open {
			if req.claimable(&open[i]) {
				got = open[i]
				got.ClaimedBy, got.LeaseUntil = req.Reviewer, req.Now.Add(req.Lease)
				return boltPut(tx, &got)
			}
		}
		return ErrQueueEmpty
	})
	if err != nil {
		return Ticket{}, err
	}
	return got, nil
}

func (s *BoltStore) openWhere(limit int, keep func(*Ticket) bool) ([]Ticket, error) {
	var out []Ticket
	err := s.db.View(func(tx *bolt.Tx) error {
		open, err := boltOpenTickets(tx)
		for i := range open {
			if keep(&open[i]) {
				out = append(out, open[i])
			}
		}
		return err
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// Open implements Store.
func (s *BoltStore) Open(ctx context.Context, limit int) ([]Ticket, error) {
	return s.openWhere(limit, func(*Ticket) bool { return true })
}

// Overdue implements Store.
func (s *BoltStore) Overdue(ctx context.Context, now time.Time, limit int) ([]Ticket, error) {
	return s.openWhere(limit, func(t *Ticket) bool { return t.State == StatePending && !now.Before(t.Deadline) })
}

// CountOpen implements Store.
func (s *BoltStore) CountOpen(ctx context.Context) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(boltOpen).Stats().KeyN
		return nil
	})
	return n, err
}

// FindByDecision implements Store.
func (s *BoltStore) FindByDecision(ctx context.Context, decisionID string) ([]Ticket, error) {
	var out []Ticket
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := []byte(decisionID + "\x00")
		c := tx.Bucket(boltByDecision).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			t, err := boltGet(tx, string(k[len(prefix):]))
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Ticket) int { return olderTicket(&a, &b) })
	return out, err
}

// SetHalt implements HaltStore.
func (s *BoltStore) SetHalt(ctx context.Context, h Halt) error {
	if h.SystemID == "" {
		return errors.New("oversight: halt without a system ID")
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(boltHalts).Put([]byte(h.SystemID), raw) })
}

// ClearHalt implements HaltStore.
func (s *BoltStore) ClearHalt(ctx context.Context, systemID string) (bool, error) {
	was := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(boltHalts)
		was = b.Get([]byte(systemID)) != nil
		return b.Delete([]byte(systemID))
	})
	return was, err
}

// Halts implements HaltStore.
func (s *BoltStore) Halts(ctx context.Context) ([]Halt, error) {
	var out []Halt
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(boltHalts).ForEach(func(k, v []byte) error {
			var h Halt
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("oversight: halt of %q is corrupt: %w", k, err)
			}
			out = append(out, h)
			return nil
		})
	})
	return out, err
}

// Close implements Store; it closes the file.
func (s *BoltStore) Close() error {
	if err := s.db.Close(); err != nil && !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return err
	}
	return nil
}

// PurgeResolved implements Purger: it deletes the tickets and their
// decision-index entries in one transaction.
func (s *BoltStore) PurgeResolved(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		tickets, idx := tx.Bucket(boltTickets), tx.Bucket(boltByDecision)
		var doomed []Ticket
		err := tickets.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var t Ticket
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("oversight: ticket %s is corrupt: %w", k, err)
			}
			if purgeable(&t, before) {
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
