package oversight_test

import (
	"context"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// Three replicas share one store, each with its own ledger. While alice's
// vote on replica A is being written, bob's vote on replica B resolves the
// ticket, and B takes its own records off the ticket. Alice's record is
// still listed there, under A's lease: B must not end that lease, or a
// Sweep on replica C, whose ledger cannot find the copy A is writing,
// writes the vote a second time into the fleet's evidence.
func TestAnotherWritersLeaseIsNotEnded(t *testing.T) {
	ctx := context.Background()
	store := oversight.NewMemoryStore()
	clock := &fakeClock{now: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	ledA, ledB, ledC := &flakyLedger{}, &flakyLedger{}, &flakyLedger{}
	opts := []oversight.Option{oversight.WithRiskLevel("credit", aims.RiskHigh), oversight.WithAuthorizer(oversight.FourEyes())}
	a := newLedgerGate(t, ledA, store, clock, opts...)
	b := newLedgerGate(t, ledB, store, clock, opts...)
	c := newLedgerGate(t, ledC, store, clock, opts...)
	out, err := a.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil || out.Ticket == nil {
		t.Fatalf("Submit: %+v, %v", out, err)
	}
	var inHook bool
	ledA.onRecord = func(id string) {
		if inHook || id == out.Decision.ID {
			return
		}
		inHook = true
		// Alice's vote is in ledger A; A has not yet taken it off the
		// ticket. Bob resolves the ticket on B, then C sweeps.
		if res, err := b.Approve(ctx, out.Ticket.ID, bob, "checked too"); err != nil || res.Pending() {
			t.Errorf("bob's approval: %+v, %v", res, err)
		}
		if _, err := c.Sweep(ctx); err != nil {
			t.Errorf("Sweep on C: %v", err)
		}
	}
	res, err := a.Approve(ctx, out.Ticket.ID, alice, "checked")
	if err != nil || !res.Pending() {
		t.Fatalf("alice's approval: %+v, %v (want a vote that resolves nothing)", res, err)
	}
	if !inHook {
		t.Fatal("alice's vote was never written to ledger A")
	}
	total := map[string]int{}
	for _, led := range []*flakyLedger{ledA, ledB, ledC} {
		for id, n := range led.copies() {
			total[id] += n
		}
	}
	for id, n := range total {
		if n != 1 {
			t.Errorf("record %s is in the replicas' ledgers %d times, want once", id, n)
		}
	}
}
