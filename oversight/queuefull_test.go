package oversight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aimskit/aimskit/oversight"
)

// TestHeldDecisionsCannotFillTheQueueForEveryone: a client that sends
// decision after decision the policy holds (an unauthenticated applicant
// posting adverse applications, say) must not grow the review queue
// without bound: past the Gate's bound a held decision is refused (nothing
// stored, nothing recorded, nothing applied), and a contest, which a
// person is entitled to, still finds room.
func TestHeldDecisionsCannotFillTheQueueForEveryone(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	// A decision that applied, and that its subject will contest.
	applied, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.8, 0.5, false))
	if err != nil || !applied.Applied {
		t.Fatalf("Submit: %+v, %v", applied, err)
	}
	const flood = 10_100
	refused := 0
	for range flood {
		_, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
		if err != nil {
			if !errors.Is(err, oversight.ErrQueueFull) {
				t.Fatalf("a held decision refused with %v, want ErrQueueFull", err)
			}
			refused++
		}
	}
	open, err := h.store.CountOpen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if open > oversight.DefaultMaxOpenTickets {
		t.Fatalf("%d held decisions of one client left %d tickets open; the queue has no bound", flood, open)
	}
	if recorded := len(h.rec.all()); recorded != 1+open {
		t.Fatalf("%d decisions recorded, want the applied one and the %d held ones: a refused decision is not recorded", recorded, open)
	}
	if refused != flood-open {
		t.Fatalf("%d Submits refused, want %d", refused, flood-open)
	}
	if _, err := h.gate.Contest(ctx, applied.Decision.ID, "my income was misread"); err != nil {
		t.Fatalf("a contest found no room in a queue the held decisions filled: %v", err)
	}
}
