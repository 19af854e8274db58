package oversight

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// reasonRecordFailed is the reason on the routed ticket of a decision
// that was not applied because its record could not be written, and
// nothing of it was emitted: a retry under the same ID may route it again.
const reasonRecordFailed = "recording the decision failed; not applied"

// reasonEmittedNotApplied is the reason of the record (and of the routed
// ticket) of a decision that was not applied because the ledger refused
// its record after the Recorder had emitted it as applied
// (aims.ErrNotLedgered).
const reasonEmittedNotApplied = "not applied: the decision's record, emitted as applied, could not be written to the ledger"

// emittedNotApplied reports whether the routed ticket t is that of a
// decision emitted as applied but not applied (notApplied): the
// telemetry holds its apply record, so it is never routed again under
// its ID.
func emittedNotApplied(t *Ticket) bool {
	return t.Kind == KindRouted && t.Resolution != nil && !t.Resolution.Applied && t.Resolution.Reason == reasonEmittedNotApplied
}

// notApplied makes the evidence of an applied or blocked decision d whose
// record recErr refused say what happened: it was not applied. A blocked
// decision the Recorder emitted is kept for Sweep (keepEmitted). When the
// Recorder emitted d although it could not keep it (recErr wraps
// aims.ErrNotLedgered) and d was to be applied, the telemetry says
// applied; the Gate then writes (and so emits) a follow-up record of d
// saying it was not applied, and keeps d and that record on the routed
// ticket (Ticket.Unrecorded, d noted as emitted) so that Sweep writes
// both to the ledger once it takes them. It returns an error to join to
// recErr, or nil.
func (g *Gate) notApplied(ctx context.Context, d aims.Decision, recErr error) error {
	tid := decisionTicketID(d.ID)
	if errors.Is(recErr, aims.ErrNotLedgered) && !appliedAction(d.Oversight.Action) && !g.cfg.noIndex {
		// Blocked, and emitted so: the record the telemetry holds is
		// kept on the routed ticket for Sweep to write to the ledger.
		return g.keepEmitted(ctx, tid, d)
	}
	if !errors.Is(recErr, aims.ErrNotLedgered) || !appliedAction(d.Oversight.Action) {
		if !g.cfg.noIndex {
			// The routed ticket must not say applied what was not.
			_, _ = g.store.Update(ctx, tid, func(t *Ticket) error {
				if t.Kind != KindRouted || t.Resolution == nil {
					return errNoChange
				}
				t.Resolution.Applied = false
				t.Resolution.Reason = reasonRecordFailed
				return nil
			})
		}
		return nil
	}
	id, err := newRecordID()
	if err != nil {
		return fmt.Errorf("oversight: decision %s was emitted as applied but not applied, and its not-applied record could not be made: %w", d.ID, err)
	}
	now := g.now()
	// The Recorder emitted d with the trace context of ctx when it had
	// none; the copy kept for the ledger is the one emitted.
	if d.TraceID == "" && d.SpanID == "" {
		d.SetTraceContext(ctx)
	}
	f := followUp(&d, id, now, aims.OversightOutcome{
		Action: aims.ActionBlock, Policy: d.Oversight.Policy, Reason: reasonEmittedNotApplied,
	})
	if g.cfg.noIndex {
		// No ticket keeps the records: the correction is at least
		// emitted.
		if err := g.rec.Record(ctx, f); err != nil && !errors.Is(err, aims.ErrNotLedgered) {
			return fmt.Errorf("oversight: decision %s: recording that it was not applied: %w", d.ID, err)
		}
		return nil
	}
	_, err = g.store.Update(ctx, tid, func(t *Ticket) error {
		if t.Kind != KindRouted || t.Resolution == nil {
			return errNoChange
		}
		t.Resolution.Action = aims.ActionBlock
		t.Resolution.Applied = false
		t.Resolution.Reason = reasonEmittedNotApplied
		t.Resolution.Time = now
		holdRecords(t, now, d, f)
		if g.emRec != nil {
			t.Emitted = append(t.Emitted, d.ID)
		}
		return nil
	})
	if err != nil {
		// The records cannot be kept for Sweep: the correction is at
		// least emitted.
		_ = g.rec.Record(ctx, f)
		if errors.Is(err, errNoChange) {
			return nil
		}
		return fmt.Errorf("oversight: decision %s: keeping its records for Sweep: %w", d.ID, err)
	}
	// Written now (and emitted), or left on the ticket, lease ended, for
	// the next Sweep.
	written, emitted, werr := g.writeRecords(ctx, []aims.Decision{f}, false, nil)
	// d, kept for Sweep, is this change's too: its lease ends with f's.
	_ = g.recorded(ctx, tid, []aims.Decision{d, f}, written, emitted, time.Time{})
	if werr != nil && !errors.Is(werr, aims.ErrNotLedgered) {
		return fmt.Errorf("oversight: decision %s: recording that it was not applied (Sweep retries it): %w", d.ID, werr)
	}
	return nil
}

// keepEmitted keeps d, a blocked decision's record that the Recorder
// emitted but could not keep, on its routed ticket tid, noted as emitted,
// with no lease, so that the next Sweep writes it to the ledger.
func (g *Gate) keepEmitted(ctx context.Context, tid string, d aims.Decision) error {
	if d.TraceID == "" && d.SpanID == "" {
		d.SetTraceContext(ctx)
	}
	_, err := g.store.Update(ctx, tid, func(t *Ticket) error {
		if t.Kind != KindRouted || t.Resolution == nil {
			return errNoChange
		}
		t.Resolution.Applied = false
		t.Unrecorded = append(t.Unrecorded, d)
		if g.emRec != nil {
			t.Emitted = append(t.Emitted, d.ID)
		}
		t.RecordingUntil = time.Time{}
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("oversight: decision %s: keeping its record for Sweep: %w", d.ID, err)
	}
	return nil
}
