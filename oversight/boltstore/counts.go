package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/aimskit/aimskit/oversight"
)

// The Gate asks CountOpen before it holds each decision and opens each
// contest (oversight.WithMaxOpenTickets), so the count must not cost a
// walk of the queue index: with a full queue, that walk (every page of
// the "queue" bucket) would be paid by every held decision. The file
// keeps the count instead, as keyOpenCount in the meta bucket (8 bytes,
// big-endian), changed by boltPut in the same transaction that adds or
// removes a queue-index entry, so a crash can never leave the two apart.
//
// Open checks the kept count against the queue index (one walk of its
// keys per Open, not per decision) and writes it when it is missing (a
// file written before it was kept) or wrong (a file an older version of
// this package wrote to after this one).
var keyOpenCount = []byte("open_count")

// bucketContestSubjects counts the open contests of each person
// (oversight.ContestCounter): "s" and the decision's Subject (the prefix
// lets an empty Subject be a key) → count, 8 bytes big-endian; a person
// with none has no key. It changes in the same transactions as
// keyOpenCount, and Open rebuilds it from the open tickets when it is
// missing or the open count was wrong.
var bucketContestSubjects = []byte("contest_subjects")

// subjectKey is the contest_subjects key of subject, in bytes of its own.
func subjectKey(subject string) []byte {
	return append(append(make([]byte, 0, 1+len(subject)), 's'), subject...)
}

// keptCount decodes a count kept in the file; ok is false when there is
// none or it is not 8 bytes.
func keptCount(v []byte) (n uint64, ok bool) {
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

// putCount keeps n under key in b, in bytes of its own (bbolt keeps
// references to them until the transaction ends).
func putCount(b *bolt.Bucket, key []byte, n uint64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(make([]byte, 0, 8), n))
}

// addCount adds delta to the count kept under key in b; with drop, a
// count that reaches zero is deleted rather than kept. A count that
// would fall below zero (or is missing or unreadable) is wrong already:
// it stops at zero rather than fail the change of the ticket, since a
// reviewer's resolution must not be refused over a count, and the next
// Open counts again.
func addCount(b *bolt.Bucket, key []byte, delta int, drop bool) error {
	if delta == 0 {
		return nil
	}
	n, _ := keptCount(b.Get(key))
	switch {
	case delta > 0:
		n += uint64(delta)
	case n >= uint64(-delta):
		n -= uint64(-delta)
	default:
		n = 0
	}
	if n == 0 && drop {
		return b.Delete(key)
	}
	return putCount(b, key, n)
}

// countUpdate brings the kept counts from old (nil for a new ticket) to
// t. It opens the buckets only when a count changes: a bucket's first
// use in a transaction allocates, and most updates (claims, votes,
// routed tickets) change no count.
func countUpdate(tx *bolt.Tx, old *indexed, t *oversight.Ticket) error {
	open := t.Open()
	wasOpen := old != nil && old.open
	if wasOpen != open {
		delta := 1
		if wasOpen {
			delta = -1
		}
		if err := addCount(tx.Bucket(bucketMeta), keyOpenCount, delta, false); err != nil {
			return err
		}
	}
	wasContest := wasOpen && old.contest
	isContest := open && t.Kind == oversight.KindContest
	if wasContest && isContest && old.subject == t.Decision.Subject {
		return nil
	}
	if wasContest {
		if err := addCount(tx.Bucket(bucketContestSubjects), subjectKey(old.subject), -1, true); err != nil {
			return err
		}
	}
	if isContest {
		return addCount(tx.Bucket(bucketContestSubjects), subjectKey(t.Decision.Subject), 1, true)
	}
	return nil
}

// checkCounts makes the kept counts agree with the queue index (Open).
func checkCounts(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	// A cursor, not Bucket.Stats: Stats reads the pages only, and misses
	// what this transaction wrote (the indexes a migration just built).
	var n uint64
	c := tx.Bucket(bucketQueue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	kept, ok := keptCount(meta.Get(keyOpenCount))
	if ok && kept == n && tx.Bucket(bucketContestSubjects) != nil {
		return nil
	}
	if err := putCount(meta, keyOpenCount, n); err != nil {
		return err
	}
	return rebuildContestSubjects(tx)
}

// rebuildContestSubjects counts the open contests by subject anew,
// decoding every open ticket.
func rebuildContestSubjects(tx *bolt.Tx) error {
	if tx.Bucket(bucketContestSubjects) != nil {
		if err := tx.DeleteBucket(bucketContestSubjects); err != nil {
			return err
		}
	}
	subjects, err := tx.CreateBucket(bucketContestSubjects)
	if err != nil {
		return err
	}
	counts := map[string]uint64{}
	tickets := tx.Bucket(bucketTickets)
	c := tx.Bucket(bucketQueue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) <= timeKeyLen {
			return fmt.Errorf("oversight/boltstore: %w: %x", errBadHeader, k)
		}
		raw := tickets.Get(k[timeKeyLen:])
		if raw == nil {
			return fmt.Errorf("oversight/boltstore: the queue index lists ticket %s, which is missing", k[timeKeyLen:])
		}
		var t oversight.Ticket
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("oversight/boltstore: ticket %s is corrupt: %w", k[timeKeyLen:], err)
		}
		if t.Open() && t.Kind == oversight.KindContest {
			counts[t.Decision.Subject]++
		}
	}
	for subject, n := range counts {
		if err := putCount(subjects, subjectKey(subject), n); err != nil {
			return err
		}
	}
	return nil
}

// countOpen reads the kept count of open tickets.
func countOpen(tx *bolt.Tx) (int, error) {
	n, ok := keptCount(tx.Bucket(bucketMeta).Get(keyOpenCount))
	if !ok {
		return 0, fmt.Errorf("oversight/boltstore: the count of open tickets is missing or corrupt")
	}
	return int(n), nil
}

// CountOpenContests implements oversight.ContestCounter: one key of the
// counts the file keeps by subject.
func (s *Store) CountOpenContests(ctx context.Context, subject string) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketContestSubjects).Get(subjectKey(subject))
		if v == nil {
			return nil
		}
		c, ok := keptCount(v)
		if !ok {
			return fmt.Errorf("oversight/boltstore: the count of open contests of a subject is corrupt")
		}
		n = int(c)
		return nil
	})
	return n, err
}
