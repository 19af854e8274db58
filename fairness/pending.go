package fairness

import (
	"errors"
	"fmt"
	"hash/maphash"
)

// MaxDecisionIDLength is the longest decision ID, in bytes, a Monitor
// accepts. The pending-label set keeps each ID until its label arrives, so
// without a bound a client sending huge IDs would grow the monitor's
// memory without limit; 128 bytes hold a UUID (36) or a prefixed ULID with
// room to spare.
const MaxDecisionIDLength = 128

// ErrDecisionIDTooLong is returned by Monitor.Observe, ObserveLabel and
// ObserveFinal for a decision ID longer than MaxDecisionIDLength.
var ErrDecisionIDTooLong = errors.New("fairness: decision ID too long")

// checkDecisionID refuses an empty decision ID and one longer than
// MaxDecisionIDLength (quoting only its start, so the error stays small).
func checkDecisionID(id string) error {
	if id == "" {
		return errors.New("fairness: decision ID is empty")
	}
	if len(id) > MaxDecisionIDLength {
		return fmt.Errorf("%w: %.20q… has %d bytes, more than %d", ErrDecisionIDTooLong, id, len(id), MaxDecisionIDLength)
	}
	return nil
}

// pendingVal is what the monitor remembers about a decision until its
// label arrives.
type pendingVal struct {
	seq   uint64 // decision sequence number (unique per Observe)
	slot  int64  // window slot: decision seq (count window) or bucket (time window)
	group int32
	pred  int8
}

// pendingTable is a fixed-capacity open-addressing hash table from
// decision ID to pendingVal with linear probing and backward-shift
// deletion. Unlike a Go map it never allocates after construction and
// never accumulates tombstones, which keeps Monitor.Observe allocation-free
// in the steady state. Not safe for concurrent use (the monitor locks).
type pendingTable struct {
	seed maphash.Seed
	keys []string
	vals []pendingVal
	used []bool
	mask uint64
	n    int
}

func newPendingTable(capacity int) *pendingTable {
	size := 16
	for size < 2*capacity {
		size <<= 1
	}
	return &pendingTable{
		seed: maphash.MakeSeed(),
		keys: make([]string, size),
		vals: make([]pendingVal, size),
		used: make([]bool, size),
		mask: uint64(size - 1),
	}
}

func (t *pendingTable) find(key string) (uint64, bool) {
	i := maphash.String(t.seed, key) & t.mask
	for t.used[i] {
		if t.keys[i] == key {
			return i, true
		}
		i = (i + 1) & t.mask
	}
	return i, false
}

func (t *pendingTable) get(key string) (pendingVal, bool) {
	i, ok := t.find(key)
	if !ok {
		return pendingVal{}, false
	}
	return t.vals[i], true
}

// put inserts or replaces; the caller keeps n below half the slots.
func (t *pendingTable) put(key string, v pendingVal) {
	i, ok := t.find(key)
	if !ok {
		t.used[i] = true
		t.keys[i] = key
		t.n++
	}
	t.vals[i] = v
}

func (t *pendingTable) del(key string) bool {
	i, ok := t.find(key)
	if !ok {
		return false
	}
	t.n--
	// Backward-shift deletion (Knuth 6.4, Algorithm R): move later entries
	// of the probe run into the hole so lookups never need tombstones.
	j := i
	for {
		j = (j + 1) & t.mask
		if !t.used[j] {
			break
		}
		home := maphash.String(t.seed, t.keys[j]) & t.mask
		// Move j to i if its home slot is cyclically outside (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j)) {
			t.keys[i], t.vals[i] = t.keys[j], t.vals[j]
			i = j
		}
	}
	t.used[i] = false
	t.keys[i] = ""
	t.vals[i] = pendingVal{}
	return true
}
