package oversight_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// emittingRecorder models aims.DecisionLog with a ledger: Record emits the
// decision (emitted) before the ledger keeps it; while the ledger is
// broken it refuses, and the error wraps aims.ErrNotLedgered.
// RecordEmitted writes to the ledger only.
type emittingRecorder struct {
	mu      sync.Mutex
	broken  bool
	emitted []aims.Decision
	ledger  []aims.Decision
}

func (r *emittingRecorder) set(broken bool) { r.mu.Lock(); r.broken = broken; r.mu.Unlock() }

func (r *emittingRecorder) Record(_ context.Context, d aims.Decision) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emitted = append(r.emitted, d)
	if r.broken {
		return fmt.Errorf("decision %s %w: ledger closed", d.ID, aims.ErrNotLedgered)
	}
	r.ledger = append(r.ledger, d)
	return nil
}

func (r *emittingRecorder) RecordEmitted(_ context.Context, d aims.Decision) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken {
		return errors.New("ledger closed")
	}
	r.ledger = append(r.ledger, d)
	return nil
}

func (r *emittingRecorder) Clean(d *aims.Decision) error { return testPrivacy.Clean(d) }

func (r *emittingRecorder) FindDecision(_ context.Context, id string) (aims.Decision, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.ledger {
		if d.ID == id {
			return d, nil
		}
	}
	return aims.Decision{}, fmt.Errorf("%w: %s", oversight.ErrDecisionNotFound, id)
}

// describe lists records as "id action related".
func describe(ds []aims.Decision, orig string) []string {
	var out []string
	for _, d := range ds {
		rel := ""
		if d.Oversight != nil && d.Oversight.RelatedDecisionID == orig {
			rel = "->orig"
		}
		id := "new"
		if d.ID == orig {
			id = "orig"
		}
		out = append(out, fmt.Sprintf("%s %s %s", id, d.Oversight.Action, rel))
	}
	return out
}

// An applied decision whose record the ledger refused after the decision
// log emitted it (with action apply) is not applied: the evidence must say
// so. The telemetry gets a follow-up record of the decision saying it was
// not applied, and once the ledger works again Sweep writes both the
// decision (without emitting it again) and that follow-up, each once.
func TestAppliedDecisionTheLedgerRefusedIsRecordedAsNotApplied(t *testing.T) {
	ctx := context.Background()
	rec := &emittingRecorder{broken: true}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock,
		oversight.WithPolicy(oversight.Always(oversight.RouteApply, "all")))
	d := decision(t, "credit", "approve", 0.8, 0.5, false)
	out, err := g.Submit(ctx, d)
	if err == nil || !errors.Is(err, aims.ErrNotLedgered) {
		t.Fatalf("Submit with a refusing ledger: %v; want the recorder's error", err)
	}
	if out.Applied {
		t.Fatalf("Submit said applied although its record failed: %+v", out)
	}
	// Ground truth: the decision log emitted the decision as applied.
	if len(rec.emitted) == 0 || rec.emitted[0].ID != d.ID || rec.emitted[0].Oversight.Action != aims.ActionApply {
		t.Fatalf("ground truth: the apply record was emitted first: %v", describe(rec.emitted, d.ID))
	}
	var correction *aims.Decision
	for i := range rec.emitted {
		e := &rec.emitted[i]
		if e.ID != d.ID && e.Oversight != nil && e.Oversight.RelatedDecisionID == d.ID && !appliesAction(e.Oversight.Action) {
			correction = e
		}
	}
	if correction == nil {
		t.Fatalf("the telemetry says decision %s was applied and nothing says it was not: emitted %v", d.ID, describe(rec.emitted, d.ID))
	}
	o, err := g.Decision(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Applied {
		t.Errorf("the decision stands as applied: %+v", o)
	}
	emittedBefore := len(rec.emitted)
	rec.set(false)
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	got := describe(rec.ledger, d.ID)
	if len(rec.ledger) != 2 || rec.ledger[0].ID != d.ID || rec.ledger[1].ID != correction.ID {
		t.Fatalf("the ledger after Sweep holds %v; want the decision and its not-applied record, once each", got)
	}
	if n := len(rec.emitted) - emittedBefore; n != 0 {
		t.Errorf("Sweep emitted %d records again", n)
	}
	if _, err := g.Sweep(ctx); err != nil || len(rec.ledger) != 2 {
		t.Errorf("a second Sweep: %v, ledger %v", err, describe(rec.ledger, d.ID))
	}
	// The decision was emitted as applied: submitting it again under the
	// same ID would leave two different records of it.
	if _, err := g.Submit(ctx, d); !errors.Is(err, oversight.ErrTicketExists) {
		t.Errorf("resubmitting the decision: %v; want ErrTicketExists", err)
	}
}

// appliesAction reports whether a record with action puts its decision
// into effect.
func appliesAction(a aims.OversightAction) bool {
	return a == aims.ActionApply || a == aims.ActionApprove || a == aims.ActionOverride
}

// A blocked decision whose record the ledger refused after the decision
// log emitted it is in the telemetry but not in the ledger: Sweep writes
// it there once the ledger works again, once and without emitting it a
// second time.
func TestBlockedDecisionTheLedgerRefusedIsWrittenBySweep(t *testing.T) {
	ctx := context.Background()
	rec := &emittingRecorder{broken: true}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock,
		oversight.WithPolicy(oversight.Always(oversight.RouteBlock, "all")))
	d := decision(t, "credit", "deny", 0.2, 0.5, true)
	out, err := g.Submit(ctx, d)
	if !errors.Is(err, aims.ErrNotLedgered) || out.Applied {
		t.Fatalf("Submit with a refusing ledger: %+v, %v", out, err)
	}
	if len(rec.emitted) != 1 || rec.emitted[0].ID != d.ID {
		t.Fatalf("ground truth: the block record was emitted: %v", describe(rec.emitted, d.ID))
	}
	rec.set(false)
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if len(rec.ledger) != 1 || rec.ledger[0].ID != d.ID || rec.ledger[0].Oversight.Action != aims.ActionBlock {
		t.Fatalf("the ledger after Sweep holds %v; want the emitted block record", describe(rec.ledger, d.ID))
	}
	if len(rec.emitted) != 1 {
		t.Errorf("Sweep emitted the record again: %v", describe(rec.emitted, d.ID))
	}
}
