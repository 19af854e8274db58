package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// The decision book grows with the applications anyone may post, so it
// must not grow without bound: it keeps the decisions whose real outcome
// can still be reported (the fairness monitor waits for the labels of its
// last 100,000 decisions, its default WithMaxPending) and every decision
// still held for review, and forgets the oldest final ones beyond that,
// with what points to them.
func TestDecisionBookIsBounded(t *testing.T) {
	observed := 0
	b := newDecisionBook(func(string, []string, bool) { observed++ })
	const n = 100_050
	newDecision := func() aims.Decision {
		d, err := aims.NewDecision(context.Background(), systemID)
		if err != nil {
			t.Fatal(err)
		}
		d.Output = "approve"
		return d
	}
	// One held decision first, the oldest of all: it is kept however many
	// final ones follow.
	held := newDecision()
	b.prepare(held, []string{"female", "north"})
	tk := &oversight.Ticket{ID: "review-" + held.ID, Decision: held}
	b.submitted(oversight.Outcome{Action: aims.ActionReview, Decision: held, Ticket: tk})
	var first, last string
	for i := range n {
		d := newDecision()
		b.prepare(d, []string{"female", "north"})
		b.submitted(oversight.Outcome{Action: aims.ActionApply, Applied: true, Decision: d})
		if i == 0 {
			first = d.ID
		}
		last = d.ID
	}
	if observed != n {
		t.Fatalf("the fairness monitor saw %d final outcomes, want %d", observed, n)
	}
	if got := len(b.byID); got > 100_001 {
		t.Fatalf("the book holds %d decisions after %d applications; it grows without bound", got, n+1)
	}
	if _, err := b.label(last); err != nil {
		t.Fatalf("the latest decision cannot be labelled: %v", err)
	}
	if _, err := b.label(first); err == nil {
		t.Fatal("the oldest final decision is still kept")
	}
	if got := b.heldTickets(10); len(got) != 1 || got[0] != tk.ID {
		t.Fatalf("held tickets %v, want the held decision's", got)
	}
	// Its resolution still reaches the monitor, and the review record
	// points to it until it is forgotten in turn.
	rec := held
	rec.ID = fmt.Sprint("rec-", held.ID)
	b.resolved(oversight.Outcome{Action: aims.ActionApprove, Applied: true, Decision: rec, Ticket: tk})
	if observed != n+1 {
		t.Fatalf("the held decision's resolution did not reach the monitor")
	}
	if got := len(b.alias); got > 100_001 {
		t.Fatalf("the book keeps %d aliases", got)
	}
}
