package aims

import (
	"context"
	"slices"
	"time"
)

// carrySummary is the summary of a record that writes an incident again,
// unchanged, because the ledger is pruning its earlier records.
const carrySummary = "incident carried forward unchanged: the ledger is pruning its earlier records (retention)"

// carryActor is the actor of a carried-forward record: the book itself,
// not a person.
const carryActor = "incident book"

// carryForward is the book's ledger.PruneHook. Restore rebuilds an
// incident that is not closed from its latest record, so a Prune that
// deleted that record (an incident left untouched for longer than the
// retention period) would make a restart forget the incident. Before any
// segment is deleted, every incident that is not closed and whose latest
// record was written no later than before is written again, unchanged,
// with a fresh record (a ledger record appended now is younger than the
// retention period, so the Prune cannot delete it). The incident's
// Transition stays the last real change; the record's Time, Actor and
// Summary say that it was carried forward. It needs the book and the
// ledger to share a clock (WithIncidentClock, ledger.WithClock).
func (b *IncidentBook) carryForward(ctx context.Context, before time.Time) error {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	if b.isClosed.Load() {
		return nil
	}
	b.mu.RLock()
	var due []Incident
	for _, e := range b.open {
		if !e.recordedAt().After(before) {
			due = append(due, cloneIncident(e.inc))
		}
	}
	b.mu.RUnlock()
	// Oldest first, so that carried records keep the incidents' order.
	slices.SortFunc(due, func(x, y Incident) int { return x.Transition.At.Compare(y.Transition.At) })
	for i := range due {
		in := &due[i]
		at := b.now()
		if err := b.writeRecord(ctx, in, at, carryActor, carrySummary); err != nil {
			return err
		}
		b.mu.Lock()
		if e, ok := b.open[in.ID]; ok {
			e.carriedAt = at
		}
		b.mu.Unlock()
	}
	return nil
}

// recordedAt is when the entry's latest record was written: its last
// change, or a later carry forward.
func (e *bookEntry) recordedAt() time.Time {
	if e.carriedAt.After(e.inc.Transition.At) {
		return e.carriedAt
	}
	return e.inc.Transition.At
}

// hookPrune registers carryForward with the system's ledger, if it has
// one; Close removes it.
func (b *IncidentBook) hookPrune() {
	if b.sys.log != nil && b.sys.log.ledger != nil {
		b.unhookPrune = b.sys.log.ledger.OnPrune(b.carryForward)
	}
}
