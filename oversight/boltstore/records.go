package boltstore

import (
	"encoding/json"
	"fmt"
	"reflect"
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
// every held decision, and the record, a copy of the ticket's decision,
// was encoded a second time. Kept apart, with the records' IDs listed
// first and a record equal to the ticket's decision stored as a
// reference to it, taking records off reads only their IDs and is a key
// delete: the ticket is neither read nor rewritten.
//
// Files written before keep the records inside the ticket's JSON, and an
// empty value under the ticket's key in the unrecorded bucket: reading
// such a ticket takes them from its JSON, and its next write moves them.

// heldRecords is the value the unrecorded bucket keeps for a ticket
// holding records.
type heldRecords struct {
	// IDs are the records' IDs, in order, so that a change taking records
	// off by their IDs decodes no record.
	IDs []string `json:"ids"`
	// Unrecorded are the records; null stands for a record equal to the
	// ticket's Decision (a held decision's), which is not stored twice.
	Unrecorded     []*aims.Decision `json:"unrecorded"`
	Emitted        []string         `json:"emitted,omitempty"`
	RecordingUntil time.Time        `json:"recording_until,omitzero"`
}

// recordIDs is heldRecords without the records: decoding it skips them.
type recordIDs struct {
	IDs            []string  `json:"ids"`
	Emitted        []string  `json:"emitted"`
	RecordingUntil time.Time `json:"recording_until"`
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
	// The bucket is opened only when used: opening it costs
	// allocations every new ticket without records would pay.
	if len(t.Unrecorded) == 0 {
		if old {
			return tx.Bucket(bucketUnrecorded).Delete(key)
		}
		return nil
	}
	b := tx.Bucket(bucketUnrecorded)
	h := heldRecords{IDs: make([]string, len(t.Unrecorded)), Unrecorded: make([]*aims.Decision, len(t.Unrecorded)),
		Emitted: t.Emitted, RecordingUntil: t.RecordingUntil}
	// A copy, so that t itself does not escape: every Create would pay
	// for moving its ticket to the heap.
	dec := t.Decision
	for i := range t.Unrecorded {
		d := &t.Unrecorded[i]
		h.IDs[i] = d.ID
		// Deeply equal values encode alike, so the reference decodes to
		// what the record would; any difference (a trace context stamped
		// on the record, a time in another location) stores it whole.
		if d.ID != dec.ID || !reflect.DeepEqual(d, &dec) {
			h.Unrecorded[i] = d
		}
	}
	raw, err := json.Marshal(&h)
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
	var h heldRecords
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("oversight/boltstore: the records of ticket %s are corrupt: %w", id, err)
	}
	if len(h.IDs) != len(h.Unrecorded) {
		return fmt.Errorf("oversight/boltstore: the records of ticket %s are corrupt: %d IDs for %d records", id, len(h.IDs), len(h.Unrecorded))
	}
	t.Unrecorded = make([]aims.Decision, len(h.Unrecorded))
	for i, d := range h.Unrecorded {
		if d == nil {
			// The ticket's decision, decoded from the ticket; the copy
			// shares its maps, as the Gate's own ticket does when it
			// holds the decision.
			d = &t.Decision
		}
		if d.ID != h.IDs[i] {
			return fmt.Errorf("oversight/boltstore: the records of ticket %s are corrupt: record %d is %q, listed as %q", id, i, d.ID, h.IDs[i])
		}
		t.Unrecorded[i] = *d
	}
	t.Emitted, t.RecordingUntil = h.Emitted, h.RecordingUntil
	return nil
}

// updateRecords applies u, a change taking records off by their IDs (see
// UpdateDeferred), to the records kept apart for its ticket, reading only
// their IDs. done is false when they are not kept apart (the ticket is
// gone, holds no records, or was written before they were kept apart) or
// the change leaves a record or a lease: the caller then applies it to
// the whole ticket.
func updateRecords(tx *bolt.Tx, u *pendingUpdate) (done bool, err error) {
	b := tx.Bucket(bucketUnrecorded)
	key := []byte(u.id)
	raw := b.Get(key)
	if len(raw) == 0 {
		return false, nil
	}
	var h recordIDs
	if err := json.Unmarshal(raw, &h); err != nil || len(h.IDs) == 0 {
		return false, nil // the whole ticket's read reports it
	}
	r := oversight.Ticket{ID: u.id, Unrecorded: make([]aims.Decision, len(h.IDs)), Emitted: h.Emitted, RecordingUntil: h.RecordingUntil}
	for i, id := range h.IDs {
		r.Unrecorded[i].ID = id
	}
	if u.fn(&r) != nil || r.ID != u.id {
		return true, nil // dropped, as Update's would be
	}
	if len(r.Unrecorded) > 0 || len(r.Emitted) > 0 || !r.RecordingUntil.IsZero() {
		return false, nil
	}
	return true, b.Delete(key)
}
