package boltstore

import (
	"encoding/binary"
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
// keys per Open, not per decision) and writes it when it is missing (a file
// written before it was kept) or wrong (a file an older version of this
// package wrote to after this one).
var keyOpenCount = []byte("open_count")

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

// addCount adds delta to the count kept under key in b.
func addCount(b *bolt.Bucket, key []byte, delta int) error {
	if delta == 0 {
		return nil
	}
	n, ok := keptCount(b.Get(key))
	if !ok && delta < 0 {
		return fmt.Errorf("oversight/boltstore: the count %q is missing or corrupt", key)
	}
	if delta < 0 && n < uint64(-delta) {
		return fmt.Errorf("oversight/boltstore: the count %q (%d) would fall below zero", key, n)
	}
	return putCount(b, key, uint64(int64(n)+int64(delta)))
}

// countUpdate brings the kept counts from old (nil for a new ticket) to t.
func countUpdate(tx *bolt.Tx, old *indexed, t *oversight.Ticket) error {
	delta := 0
	if old != nil && old.open {
		delta--
	}
	if t.Open() {
		delta++
	}
	return addCount(tx.Bucket(bucketMeta), keyOpenCount, delta)
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
	if kept, ok := keptCount(meta.Get(keyOpenCount)); ok && kept == n {
		return nil
	}
	return putCount(meta, keyOpenCount, n)
}

// countOpen reads the kept count of open tickets.
func countOpen(tx *bolt.Tx) (int, error) {
	n, ok := keptCount(tx.Bucket(bucketMeta).Get(keyOpenCount))
	if !ok {
		return 0, fmt.Errorf("oversight/boltstore: the count of open tickets is missing or corrupt")
	}
	return int(n), nil
}
