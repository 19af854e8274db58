package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/aimskit/aimskit/oversight"
)

// DeferSlack is how far before the last commit IndexLoss reaches back.
const DeferSlack = deferSlack

// CreateMany adds tickets in one transaction, for building deep queues in
// benchmarks without one fsync per ticket.
func CreateMany(s *Store, ts []oversight.Ticket) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for i := range ts {
			if err := boltPut(tx, nil, &ts[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountDecodes calls fn and returns how many tickets s decoded meanwhile.
func CountDecodes(s *Store, fn func()) int {
	n := 0
	s.onDecode = func() { n++ }
	defer func() { s.onDecode = nil }()
	fn()
	return n
}

// SetNoSync turns bbolt's fsync on commit off (benchmarks only: it
// separates the store's own cost from the disk's).
func SetNoSync(s *Store, on bool) { s.db.NoSync = on }

// Waiting returns how many routed tickets wait in memory to be committed.
func Waiting(s *Store) int {
	s.def.mu.Lock()
	defer s.def.mu.Unlock()
	return len(s.def.tickets)
}

// SetIndexFlushLimit sets how many routed tickets may wait in memory.
func SetIndexFlushLimit(s *Store, n int) {
	s.def.mu.Lock()
	s.def.limit = n
	s.def.mu.Unlock()
}

// Abandon closes the file as a crash would leave it: routed tickets still
// waiting are not committed and the clean marker is not written.
func Abandon(s *Store) error {
	s.def.close()
	return s.db.Close()
}

// Flush commits the routed tickets waiting now.
func Flush(s *Store) error { return s.flush() }

// SetCommitHook makes every grouped commit of Creates call fn with the
// number of Creates it commits, before its transaction.
func SetCommitHook(s *Store, fn func(n int)) { s.creates.onCommit = fn }

// WaitingCreates returns how many Creates wait for the next commit.
func WaitingCreates(s *Store) int {
	s.creates.mu.Lock()
	defer s.creates.mu.Unlock()
	return len(s.creates.waiting)
}

// WaitingUpdates returns how many changes given to UpdateDeferred wait in
// memory to be committed.
func WaitingUpdates(s *Store) int {
	s.def.mu.Lock()
	defer s.def.mu.Unlock()
	return len(s.def.updates)
}

// FlushArmed reports whether the flush timer is armed.
func FlushArmed(s *Store) bool {
	s.def.mu.Lock()
	defer s.def.mu.Unlock()
	return s.def.timer != nil
}

// Path is the file s is open on.
func Path(s *Store) string { return s.db.Path() }

// SetOpenCount overwrites the count of open tickets the file keeps, as a
// file damaged or written by another program might hold it.
func SetOpenCount(s *Store, n uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyOpenCount, binary.BigEndian.AppendUint64(nil, n))
	})
}

// DropCounts removes what the file keeps to count open tickets and open
// contests without walking them, as in a file written before it did.
func DropCounts(s *Store) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Delete(keyOpenCount); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketContestSubjects); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		return nil
	})
}

// WriteOldLayout rewrites ticket id as files written before its records
// were kept apart held it: the records inside the ticket's JSON, and an
// empty value under its key in the unrecorded bucket.
func WriteOldLayout(s *Store, id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		t, err := s.get(tx, []byte(id))
		if err != nil {
			return err
		}
		raw, err := json.Marshal(&t)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketTickets).Put([]byte(id), raw); err != nil {
			return err
		}
		if len(t.Unrecorded) == 0 {
			return tx.Bucket(bucketUnrecorded).Delete([]byte(id))
		}
		return tx.Bucket(bucketUnrecorded).Put([]byte(id), nil)
	})
}

// StoredRecords returns the raw values the file keeps for ticket id: its
// JSON and what the unrecorded bucket holds for it (nil when nothing).
func StoredRecords(s *Store, id string) (ticket, records []byte, listed bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		ticket = bytes.Clone(tx.Bucket(bucketTickets).Get([]byte(id)))
		v := tx.Bucket(bucketUnrecorded).Get([]byte(id))
		listed = v != nil
		records = bytes.Clone(v)
		return nil
	})
	return ticket, records, listed, err
}
