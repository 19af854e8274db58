package oversight_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

// Every call on a closed Gate returns ErrClosed (Close's doc), and
// PurgeResolved deletes nothing from the store a closed Gate leaves behind.
func TestPurgeResolvedAfterCloseIsRefused(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	out, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Approve(ctx, out.Ticket.ID, alice, "checked"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(40 * 24 * time.Hour)
	if err := h.gate.Close(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := h.gate.PurgeResolved(ctx, time.Hour)
	if !errors.Is(err, oversight.ErrClosed) {
		t.Fatalf("PurgeResolved after Close = %d, %v; want ErrClosed", n, err)
	}
	if _, err := h.store.Get(ctx, out.Ticket.ID); err != nil {
		t.Fatalf("the closed Gate purged the ticket from the store: %v", err)
	}
}
