package oversight

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aimskit/aimskit/aims"
)

// listRecorder is a Recorder that keeps the decisions in memory.
type listRecorder struct {
	mu   sync.Mutex
	recs []aims.Decision
}

func (r *listRecorder) Record(_ context.Context, d aims.Decision) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, d)
	return nil
}

func (g *Gate) waiterCount() int {
	g.waitMu.Lock()
	defer g.waitMu.Unlock()
	return len(g.waiters)
}

// TestAwaitKeepsNoWaiterAfterReturning: an Await that returns (unknown
// ticket, resolved ticket, caller's context ended) leaves nothing behind
// in the Gate. The ticket IDs of Await may come from a client (a service
// that waits for the ticket a person names), so a waiter kept per ID
// would let a client grow the Gate's memory without bound.
func TestAwaitKeepsNoWaiterAfterReturning(t *testing.T) {
	ctx := context.Background()
	g, err := New(ctx, &listRecorder{}, WithPolicy(AdverseOutcome()), WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)

	// Unknown tickets, as a client would name them.
	for i := range 1000 {
		if _, err := g.Await(ctx, fmt.Sprintf("made-up-%d", i)); !errors.Is(err, ErrTicketNotFound) {
			t.Fatalf("Await of an unknown ticket: %v", err)
		}
	}
	if n := g.waiterCount(); n != 0 {
		t.Fatalf("after 1000 Awaits of unknown tickets the Gate keeps %d waiters, want 0", n)
	}

	// A held decision, awaited by callers that give up.
	d, err := aims.NewDecision(ctx, "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Output, d.Adverse = "deny", true
	out, err := g.Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.Await(gone, out.Ticket.ID); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await with an ended context: %v", err)
	}
	if n := g.waiterCount(); n != 0 {
		t.Fatalf("after an Await whose context ended the Gate keeps %d waiters, want 0", n)
	}

	// Resolved tickets: an Await returns at once.
	for _, r := range []string{"alice", "bob"} {
		if _, err := g.Approve(ctx, out.Ticket.ID, Reviewer{ID: r, Roles: []string{"reviewer"}}, "checked"); err != nil {
			t.Fatal(err)
		}
	}
	if o, err := g.Status(ctx, out.Ticket.ID); err != nil || o.Pending() {
		t.Fatalf("the ticket is not resolved: %+v, %v", o, err)
	}
	for range 3 {
		if o, err := g.Await(ctx, out.Ticket.ID); err != nil || o.Pending() {
			t.Fatalf("Await of a resolved ticket: %+v, %v", o, err)
		}
	}
	if n := g.waiterCount(); n != 0 {
		t.Fatalf("after Awaits of a resolved ticket the Gate keeps %d waiters, want 0", n)
	}
}
