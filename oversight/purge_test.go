package oversight_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

func TestPurgeResolvedKeepsOpenAndRecentTickets(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	first, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Approve(ctx, first.Ticket.ID, alice, "checked"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(40 * 24 * time.Hour)
	second, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}

	if _, err := h.gate.PurgeResolved(ctx, 0); err == nil {
		t.Fatal("a zero purge age was accepted")
	}
	n, err := h.gate.PurgeResolved(ctx, 30*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("PurgeResolved = %d, %v; want the one ticket resolved 40 days ago", n, err)
	}
	if _, err := h.gate.Ticket(ctx, first.Ticket.ID); !errors.Is(err, oversight.ErrTicketNotFound) {
		t.Fatalf("purged ticket still there: %v", err)
	}
	if _, err := h.gate.Ticket(ctx, second.Ticket.ID); err != nil {
		t.Fatalf("open ticket purged: %v", err)
	}
	// The evidence stays in the decision log, and a contest still finds the
	// decision there.
	if _, err := h.gate.Contest(ctx, first.Decision.ID, "please look again"); err != nil {
		t.Fatalf("contest after purge: %v", err)
	}
}

// noPurgeStore is a store that lists its unrecorded records but cannot
// purge.
type noPurgeStore struct{ *oversight.MemoryStore }

func (noPurgeStore) PurgeResolved() {} // hides MemoryStore's: not a Purger

func TestPurgeResolvedNeedsAPurger(t *testing.T) {
	g, err := oversight.New(context.Background(), &fakeRecorder{}, oversight.WithStore(noPurgeStore{MemoryStore: oversight.NewMemoryStore()}))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	if _, err := g.PurgeResolved(context.Background(), time.Hour); !errors.Is(err, oversight.ErrPurgeUnsupported) {
		t.Fatalf("PurgeResolved on a store without Purger: %v", err)
	}
}
