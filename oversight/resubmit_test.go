package oversight_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// A decision held for review stays held whatever a resubmission under the
// same ID gets from the policy: under a sampling policy a retry may draw
// the apply (or block) branch, and must not release the decision (or
// route it a second time) while its ticket decides it.
func TestResubmittedHeldDecisionNeverReleased(t *testing.T) {
	ctx := context.Background()
	sample, err := oversight.Sample(0.5, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, withIndex := range []bool{true, false} {
		rec := &fakeRecorder{}
		clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock,
			oversight.WithPolicy(sample), oversight.WithDecisionIndex(withIndex))
		d := decision(t, "credit", "deny", 0.3, 0.5, true)
		var held *oversight.Ticket
		for range 64 {
			out, err := g.Submit(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if out.Pending() {
				held = out.Ticket
				break
			}
			d = decision(t, "credit", "deny", 0.3, 0.5, true) // applied: try another
		}
		if held == nil {
			t.Fatal("the sampling policy held nothing in 64 decisions")
		}
		before := len(rec.all())
		for i := range 20 {
			out, err := g.Submit(ctx, d)
			if out.Applied {
				t.Fatalf("index %v: resubmission %d of held decision %s was applied: %+v", withIndex, i+1, d.ID, out)
			}
			if !errors.Is(err, oversight.ErrTicketExists) {
				t.Fatalf("index %v: resubmission %d of held decision %s: err = %v, want ErrTicketExists", withIndex, i+1, d.ID, err)
			}
		}
		if n := len(rec.all()); n != before {
			t.Errorf("index %v: the refused resubmissions wrote %d records", withIndex, n-before)
		}
		o, err := g.Decision(ctx, d.ID)
		if err != nil || !o.Pending() || o.Ticket == nil || o.Ticket.ID != held.ID {
			t.Fatalf("index %v: the held decision after the resubmissions: %+v, %v", withIndex, o, err)
		}
		if _, err := g.Approve(ctx, held.ID, alice, "checked"); err != nil {
			t.Fatal(err)
		}
		if out, err := g.Submit(ctx, d); out.Applied || !errors.Is(err, oversight.ErrTicketExists) {
			t.Fatalf("index %v: resubmission after the review: %+v, %v; want ErrTicketExists", withIndex, out, err)
		}
		var actions []aims.OversightAction
		for _, r := range rec.all() {
			if r.ID == d.ID || (r.Oversight != nil && r.Oversight.RelatedDecisionID == d.ID) {
				actions = append(actions, r.Oversight.Action)
			}
		}
		if len(actions) != 2 || actions[0] != aims.ActionReview || actions[1] != aims.ActionApprove {
			t.Errorf("index %v: records of the decision = %v, want [review approve]", withIndex, actions)
		}
	}
}
