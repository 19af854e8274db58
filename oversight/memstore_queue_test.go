package oversight

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestMemoryClaimVisitsHeadOnly: Claim looks at the tickets in age order
// and stops at the first it may hand out, so on a queue of 5,000 tickets
// whose oldest 10 are taken it looks at 11, not 5,000.
func TestMemoryClaimVisitsHeadOnly(t *testing.T) {
	s := NewMemoryStore()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	const n = 5000
	for i := range n {
		// Created newest first, to exercise insertion in the middle.
		tk := Ticket{ID: fmt.Sprintf("t%05d", i), State: StatePending, CreatedAt: t0.Add(time.Duration(n-i) * time.Second), Deadline: t0.Add(time.Hour)}
		if i >= n-10 {
			tk.ClaimedBy, tk.LeaseUntil = "alice", t0.Add(time.Hour)
		}
		if err := s.Create(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	visits := 0
	s.visit = func() { visits++ }
	got, err := s.Claim(ctx, ClaimRequest{Reviewer: "bob", Now: t0, Lease: time.Minute, MaxLevel: AnyLevel})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("t%05d", n-11); got.ID != want {
		t.Fatalf("claimed %s, want %s", got.ID, want)
	}
	if visits != 11 {
		t.Fatalf("Claim looked at %d tickets, want 11", visits)
	}
	// Resolving a ticket takes it out of the queue; the order holds.
	if _, err := s.Update(ctx, got.ID, func(x *Ticket) error { x.State = StateResolved; return nil }); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.CountOpen(ctx); c != n-1 {
		t.Fatalf("CountOpen = %d, want %d", c, n-1)
	}
	open, _ := s.Open(ctx, 3)
	if len(open) != 3 || open[0].ID != fmt.Sprintf("t%05d", n-1) || open[2].ID != fmt.Sprintf("t%05d", n-3) {
		t.Fatalf("Open(3) = %v", open)
	}
}
