package boltstore

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// A ticket's unrecorded decision records (Ticket.Unrecorded, with Emitted
// and RecordingUntil) are kept apart from the ticket, as the value of its
// key in the unrecorded bucket, while it has any. A held decision's
// record is stored with its ticket and taken off once the Gate wrote it
// (UpdateDeferred); kept inside the ticket's JSON, taking it off decoded
// the whole ticket and encoded it again (with its index entries) for
// every held decision, ~140 allocations and ~16 KiB each in the credit
// example. Kept apart, it is a key delete: the ticket is not touched.
//
// Files written before keep the records inside the ticket's JSON, and an
// empty value under the ticket's key in the unrecorded bucket: reading
// such a ticket takes them from its JSON, and its next write moves them.

// heldRecords is the value the unrecorded bucket keeps for a ticket
// holding records. Its JSON names are the Ticket's, so it decodes onto a
// Ticket as the same fields.
type heldRecords struct {
	Unrecorded     []aims.Decision `json:"unrecorded"`
	Emitted        []string        `json:"emitted,omitempty"`
	RecordingUntil time.Time       `json:"recording_until,omitzero"`
}

// withoutRecords returns t without its records, which is what goes into
// the ticket bucket: t itself when it holds none (its Emitted and
// RecordingUntil, if any, then stay on it). t is not changed: it may be a
// waiting routed ticket that others read meanwhile.
func withoutRecords(t *oversight.Ticket) *oversight.Ticket {
	if len(t.Unrecorded) == 0 {
		return t
	}
	c := *t
	c.Unrecorded, c.Emitted, c.RecordingUntil = nil, nil, time.Time{}
	return &c
}

// putRecords keeps t's records apart under key (t's ID), or removes what
// was kept when t holds none; old says whether t was stored before.
func putRecords(tx *bolt.Tx, key []byte, t *oversight.Ticket, old bool) error {
	b := tx.Bucket(bucketUnrecorded)
	if len(t.Unrecorded) == 0 {
		if old {
			return b.Delete(key)
		}
		return nil
	}
	raw, err := json.Marshal(&heldRecords{Unrecorded: t.Unrecorded, Emitted: t.Emitted, RecordingUntil: t.RecordingUntil})
	if err != nil {
		return fmt.Errorf("oversight/boltstore: encoding the records of ticket %s: %w", key, err)
	}
	return b.Put(key, raw)
}

// getRecords adds to t (decoded from the ticket bucket) the records kept
// apart for it, if any.
func getRecords(tx *bolt.Tx, id []byte, t *oversight.Ticket) error {
	raw := tx.Bucket(bucketUnrecorded).Get(id)
	if len(raw) == 0 {
		// None, or a file written before they were kept apart: what
		// the ticket's JSON holds is all there is.
		return nil
	}
	if err := json.Unmarshal(raw, t); err != nil {
		return fmt.Errorf("oversight/boltstore: the records of ticket %s are corrupt: %w", id, err)
	}
	return nil
}

// updateRecords applies u, a change of a ticket's records only (see
// UpdateDeferred), to the records kept apart for its ticket, without
// reading the ticket. done is false when they are not kept apart (the
// ticket is gone, holds no records, or was written before they were kept
// apart) or the change leaves something that belongs in the ticket's
// JSON: the caller then applies it to the whole ticket.
func updateRecords(tx *bolt.Tx, u *pendingUpdate) (done bool, err error) {
	b := tx.Bucket(bucketUnrecorded)
	key := []byte(u.id)
	raw := b.Get(key)
	if len(raw) == 0 {
		return false, nil
	}
	var r oversight.Ticket
	if err := json.Unmarshal(raw, &r); err != nil {
		// Dropped like a change of a ticket that cannot be read.
		return true, nil
	}
	r.ID = u.id
	if u.fn(&r) != nil || r.ID != u.id {
		return true, nil
	}
	if len(r.Unrecorded) == 0 {
		if len(r.Emitted) > 0 || !r.RecordingUntil.IsZero() {
			return false, nil
		}
		return true, b.Delete(key)
	}
	return true, putRecords(tx, key, &r, true)
}
