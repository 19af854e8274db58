package oversight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// recordLease is how long the Gate that changed a ticket (or the Sweep
// that took its unrecorded records) has to write the records before
// another Sweep may write them. It is timed by the Gates' clocks, so it is
// much longer than any skew between replicas; a writer slower than it
// can see its records written a second time by a Sweep, under the same
// IDs, unless the Recorder finds records (DecisionFinder), which Sweep
// asks first.
const recordLease = time.Minute

// backlogPerSweep bounds the tickets one Sweep writes records for, so that
// a long outage of the Recorder does not make one Sweep endless.
const backlogPerSweep = 64

// holdRecords adds recs to t's unrecorded records, leased to the caller
// until now+recordLease. It runs inside the Store.Update (or before the
// Create) that makes the change the records are evidence of, so that the
// change and the duty to record it are committed together.
func holdRecords(t *Ticket, now time.Time, recs ...aims.Decision) {
	t.Unrecorded = append(t.Unrecorded, recs...)
	t.RecordingUntil = now.Add(recordLease)
}

// writeRecords writes recs to the Recorder in order, stopping at the
// first failure, and returns the IDs of those now in it. With check, a
// record the Recorder already finds (DecisionFinder) is not written
// again: the earlier write may have reached it before it failed; nor is
// one whose lookup failed (not a not-found answer), which stops the
// writing like a failed write. A record listed in emitted (the Recorder
// emitted it when an earlier write failed) is written with RecordEmitted
// when the Recorder has it (EmittedRecorder), so that it is not emitted
// twice. emittedNow is the ID of the record whose write failed after the
// Recorder emitted it (its error wraps aims.ErrNotLedgered), or "".
func (g *Gate) writeRecords(ctx context.Context, recs []aims.Decision, check bool, emitted []string) (done []string, emittedNow string, err error) {
	for i := range recs {
		d := &recs[i]
		if check && g.recFinder != nil {
			_, err := g.recFinder.FindDecision(ctx, d.ID)
			switch {
			case err == nil:
				done = append(done, d.ID)
				continue
			case !notRecorded(err):
				// The record may be there: writing it now could put it
				// in the Recorder twice. A later Sweep asks again.
				return done, "", fmt.Errorf("oversight: looking up record %s before writing it again: %w", d.ID, err)
			}
		}
		if g.emRec != nil && slices.Contains(emitted, d.ID) {
			err = g.emRec.RecordEmitted(ctx, *d)
		} else if err = g.rec.Record(ctx, *d); errors.Is(err, aims.ErrNotLedgered) {
			emittedNow = d.ID
		}
		if err != nil {
			return done, emittedNow, err
		}
		done = append(done, d.ID)
	}
	return done, "", nil
}

// recorded removes the records written (by ID) from the ticket's
// unrecorded ones, notes emitted (when not "") as emitted already
// (Ticket.Emitted), with the trace context of ctx it was emitted with,
// and sets the recording lease to until. Zero ends it, so that the next
// Sweep writes what is left, when what is left is only what this writer
// attempted (records whose write failed); when another change added
// records meanwhile, they stay under the lease they are under. A time
// makes Sweeps leave the ticket alone until then.
func (g *Gate) recorded(ctx context.Context, ticketID string, attempted []aims.Decision, written []string, emitted string, until time.Time) error {
	// change reads and changes only the ticket's records, so a store
	// that can change them alone (recordsUpdater) does not copy the
	// ticket.
	change := func(x *Ticket) error {
		u := until
		if u.IsZero() && slices.ContainsFunc(x.Unrecorded, func(d aims.Decision) bool {
			return !slices.Contains(written, d.ID) && !slices.ContainsFunc(attempted, func(a aims.Decision) bool { return a.ID == d.ID })
		}) {
			// Another change (a second reviewer's vote, on this replica
			// or another) added records of its own meanwhile and may
			// still be writing them: they stay under its lease. Ending
			// it would let a Sweep write them too, on another replica
			// into another ledger, where its lookup cannot find the
			// first copy. Ours that failed are retried when it ends.
			u = x.RecordingUntil
		}
		return noteRecorded(ctx, written, emitted, u)(x)
	}
	var err error
	if ru, ok := g.store.(recordsUpdater); ok {
		err = ru.updateRecords(ticketID, change)
	} else {
		_, err = g.store.Update(ctx, ticketID, change)
	}
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("oversight: ticket %s: noting its records as written: %w", ticketID, err)
	}
	return nil
}

// noteRecorded is the change recorded makes to a ticket; errNoChange when
// there is none. Applying it twice changes nothing more.
func noteRecorded(ctx context.Context, written []string, emitted string, until time.Time) func(x *Ticket) error {
	return func(x *Ticket) error {
		n, ne := len(x.Unrecorded), len(x.Emitted)
		x.Unrecorded = slices.DeleteFunc(x.Unrecorded, func(d aims.Decision) bool { return slices.Contains(written, d.ID) })
		if len(x.Unrecorded) == 0 {
			x.Unrecorded = nil
		}
		unrecorded := func(id string) bool {
			return slices.ContainsFunc(x.Unrecorded, func(d aims.Decision) bool { return d.ID == id })
		}
		x.Emitted = slices.DeleteFunc(x.Emitted, func(id string) bool { return !unrecorded(id) })
		stamped := false
		if emitted != "" && unrecorded(emitted) && !slices.Contains(x.Emitted, emitted) {
			x.Emitted = append(x.Emitted, emitted)
			// The Recorder emitted the record with the trace context of
			// ctx when it had none (aims.DecisionLog.Record); the copy
			// kept for RecordEmitted gets the same, so the ledger's
			// record is the one the Collector received, not one without
			// its trace (or with the trace of the Sweep that writes it).
			i := slices.IndexFunc(x.Unrecorded, func(d aims.Decision) bool { return d.ID == emitted })
			if d := &x.Unrecorded[i]; d.TraceID == "" && d.SpanID == "" {
				d.SetTraceContext(ctx)
				stamped = d.TraceID != ""
			}
		}
		if len(x.Emitted) == 0 {
			x.Emitted = nil
		}
		changed := stamped || len(x.Unrecorded) != n || len(x.Emitted) != ne
		if len(x.Unrecorded) == 0 {
			until = time.Time{}
		}
		if !x.RecordingUntil.Equal(until) {
			x.RecordingUntil = until
			changed = true
		}
		if !changed {
			return errNoChange
		}
		return nil
	}
}

// record writes the records a change of ticketID held (holdRecords) and
// notes them as written; what it cannot write stays on the ticket for
// Sweep. The error is the Recorder's.
func (g *Gate) record(ctx context.Context, ticketID string, recs []aims.Decision) error {
	written, emitted, err := g.writeRecords(ctx, recs, false, nil)
	// Noting them is best effort: if it fails, the records stay listed
	// and a Sweep finds them written (with a DecisionFinder) or writes
	// them again under the same IDs.
	_ = g.recorded(ctx, ticketID, recs, written, emitted, time.Time{})
	return err
}

// recordHeld is record for the records of a held decision and of a
// reviewer's action (Submit, review): when every record was written and
// the store can change a ticket later (DeferredUpdater, used only with a
// recorder that is a DurableFinder), taking them off the ticket waits for
// the store's next commit instead of paying a commit of its own on the
// request path. A crash that loses it leaves the records listed on the
// ticket under the writer's lease; the Sweep after it finds them in the
// Recorder (writeRecords with check) and takes them off without writing
// them again.
func (g *Gate) recordHeld(ctx context.Context, ticketID string, recs []aims.Decision) error {
	if g.deferClear == nil {
		return g.record(ctx, ticketID, recs)
	}
	written, emitted, err := g.writeRecords(ctx, recs, false, nil)
	if err == nil && emitted == "" &&
		g.deferClear.UpdateDeferred(ctx, ticketID, clearWritten(written)) == nil {
		return nil
	}
	_ = g.recorded(ctx, ticketID, recs, written, emitted, time.Time{})
	return err
}

// clearWritten is the deferred change of recordHeld: it takes the written
// records off the ticket and ends the recording lease only when no record
// is left. The change is applied later than recorded's, after changes
// committed meanwhile; records one of them added are under that change's
// lease, which it must not end.
func clearWritten(written []string) func(x *Ticket) error {
	// Nothing emitted is noted, so no trace context is stamped: the
	// context is not used.
	return func(x *Ticket) error { return noteRecorded(context.Background(), written, "", x.RecordingUntil)(x) }
}

// recordBacklog writes the records that failed writes or crashes left on
// tickets (Ticket.Unrecorded), for at most backlogPerSweep tickets, and
// returns how many tickets it completed.
func (g *Gate) recordBacklog(ctx context.Context) (int, error) {
	lister, ok := g.store.(UnrecordedLister)
	if !ok {
		return 0, nil
	}
	now := g.now()
	due, err := lister.Unrecorded(ctx, now, backlogPerSweep)
	if err != nil {
		return 0, fmt.Errorf("oversight: listing unrecorded records: %w", err)
	}
	var errs []error
	n := 0
	for i := range due {
		var todo []aims.Decision
		var emitted []string
		_, err := g.store.Update(ctx, due[i].ID, func(x *Ticket) error {
			todo, emitted = nil, nil
			if len(x.Unrecorded) == 0 || now.Before(x.RecordingUntil) {
				return errNoChange // written meanwhile, or another Gate writes them
			}
			x.RecordingUntil = now.Add(recordLease)
			todo, emitted = slices.Clone(x.Unrecorded), slices.Clone(x.Emitted)
			return nil
		})
		if errors.Is(err, errNoChange) || errors.Is(err, ErrTicketNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("oversight: ticket %s: taking its unrecorded records: %w", due[i].ID, err))
			continue
		}
		written, emittedNow, werr := g.writeRecords(ctx, todo, true, emitted)
		var retryAt time.Time
		if werr != nil {
			errs = append(errs, fmt.Errorf("oversight: ticket %s: recording its records again failed: %w", due[i].ID, werr))
			// The next attempt waits for the lease to run out, so that
			// records the Recorder refuses for good do not take every
			// Sweep's turn from the tickets behind them.
			retryAt = now.Add(recordLease)
		}
		if err := g.recorded(ctx, due[i].ID, todo, written, emittedNow, retryAt); err != nil {
			errs = append(errs, err)
			continue
		}
		if werr == nil {
			n++
		}
	}
	return n, errors.Join(errs...)
}
