package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

// The queue index (bucket "queue") holds one entry per open ticket, keyed
// by creation time and ID so that a bbolt cursor walks it oldest first
// (the order oversight.Store promises), with a small header as its value:
// everything ClaimRequest.Claimable looks at, so that Claim decodes only
// the ticket it hands out.
//
//	key:    created seconds (8 bytes, big-endian, sign bit flipped)
//	        created nanoseconds (4 bytes, big-endian)
//	        ticket ID
//	value:  flags (1 byte: bit 0 set when a claim is held)
//	        lease-until seconds (8 bytes) and nanoseconds (4 bytes)
//	        level (4 bytes, big-endian, as uint32 of the int32)
//	        ineligible identities, each a uvarint length and its bytes
//
// The deadline index (bucket "due") holds one entry per pending ticket,
// keyed by deadline (same 12-byte encoding) and ID, with no value, so
// Overdue reads only the tickets that are due.
//
// bbolt keeps references to the keys and values given to Put until the
// transaction ends, so every Put gets bytes that are not written again.

const timeKeyLen = 12

func putTimeKey(dst []byte, t time.Time) []byte {
	sec, nsec := t.Unix(), t.Nanosecond()
	dst = binary.BigEndian.AppendUint64(dst, uint64(sec)^(1<<63))
	return binary.BigEndian.AppendUint32(dst, uint32(nsec))
}

func timeFromKey(k []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(k) ^ (1 << 63))
	return time.Unix(sec, int64(binary.BigEndian.Uint32(k[8:12])))
}

// queueKey appends t's queue-index key to dst.
func queueKey(dst []byte, t *oversight.Ticket) []byte {
	return append(putTimeKey(dst, t.CreatedAt), t.ID...)
}

// dueKey appends t's deadline-index key to dst.
func dueKey(dst []byte, t *oversight.Ticket) []byte {
	return append(putTimeKey(dst, t.Deadline), t.ID...)
}

const headerFixed = 1 + timeKeyLen + 4

// header appends t's queue-index value to dst.
func header(dst []byte, t *oversight.Ticket) []byte {
	var flags byte
	if t.ClaimedBy != "" {
		flags |= 1
	}
	dst = append(dst, flags)
	dst = putTimeKey(dst, t.LeaseUntil)
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(t.Level)))
	add := func(s string) {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	if t.Submitter != "" {
		add(t.Submitter)
	}
	for _, x := range t.Excluded {
		add(x)
	}
	for _, v := range t.Votes {
		add(v.Reviewer)
	}
	return dst
}

var errBadHeader = errors.New("queue index entry is corrupt")

// claimableHeader is ClaimRequest.Claimable on a queue-index value (the
// ticket is open, or it would have no entry).
func claimableHeader(req *oversight.ClaimRequest, h []byte) (bool, error) {
	if len(h) < headerFixed {
		return false, errBadHeader
	}
	level := int(int32(binary.BigEndian.Uint32(h[1+timeKeyLen:])))
	if req.MaxLevel != oversight.AnyLevel && level > req.MaxLevel {
		return false, nil
	}
	if h[0]&1 != 0 && req.Now.Before(timeFromKey(h[1:])) {
		return false, nil
	}
	rest := h[headerFixed:]
	for len(rest) > 0 {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return false, errBadHeader
		}
		if string(rest[w:w+int(n)]) == req.Reviewer {
			return false, nil
		}
		rest = rest[w+int(n):]
	}
	return true, nil
}

// indexed is what the indexes of a stored ticket are derived from: a
// snapshot taken before an update changes the ticket.
type indexed struct {
	id, decisionID, resultID string
	created, deadline        time.Time
	open, pending            bool
	contest                  bool   // Kind contest, counted by subject (counts.go)
	subject                  string // the decision's Subject
}

func indexedOf(t *oversight.Ticket) indexed {
	x := indexed{id: t.ID, decisionID: t.Decision.ID, created: t.CreatedAt, deadline: t.Deadline,
		open: t.Open(), pending: t.State == oversight.StatePending,
		contest: t.Kind == oversight.KindContest, subject: t.Decision.Subject}
	if t.Resolution != nil {
		x.resultID = t.Resolution.Decision.ID
	}
	return x
}

// indexUpdate brings the queue and deadline indexes from old (nil for a
// new ticket) to t. buf is scratch space that is only appended to (never
// overwritten), so the slices of it given to Put stay valid.
func indexUpdate(queue, due bucketPutDeleter, old *indexed, t *oversight.Ticket, buf []byte) error {
	open := t.Open()
	newQ := len(buf)
	if open {
		buf = queueKey(buf, t)
	}
	newQKey := buf[newQ:]
	if old != nil && old.open {
		at := len(buf)
		buf = append(putTimeKey(buf, old.created), old.id...)
		oldKey := buf[at:]
		if !open || !bytes.Equal(oldKey, newQKey) {
			if err := queue.Delete(oldKey); err != nil {
				return err
			}
		}
	}
	if open {
		at := len(buf)
		buf = header(buf, t)
		if err := queue.Put(slices.Clip(newQKey), slices.Clip(buf[at:])); err != nil {
			return err
		}
	}
	pending := t.State == oversight.StatePending
	sameDue := old != nil && old.pending && pending && old.deadline.Equal(t.Deadline) && old.id == t.ID
	if old != nil && old.pending && !sameDue {
		at := len(buf)
		buf = append(putTimeKey(buf, old.deadline), old.id...)
		if err := due.Delete(buf[at:]); err != nil {
			return err
		}
	}
	if pending && !sameDue {
		at := len(buf)
		buf = dueKey(buf, t)
		if err := due.Put(slices.Clip(buf[at:]), nil); err != nil {
			return err
		}
	}
	return nil
}

type bucketPutDeleter interface {
	Put(k, v []byte) error
	Delete(k []byte) error
}
