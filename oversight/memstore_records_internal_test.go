package oversight

import (
	"context"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// Taking a written record off a ticket in the memory store (recorded,
// once for every held decision and reviewer action) copies only the
// ticket's records, not the ticket and its decisions, and keeps the
// rest of the ticket as it was.
func TestRecordedCopiesOnlyRecords(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	g, err := New(ctx, RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		WithStore(s), WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	score, threshold := 0.4, 0.5
	d := aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: "01a253a3-644b-737e-99ba-9340192cdab4", Time: now,
		SystemID: "credit", Output: "deny", Adverse: true, Score: &score, Threshold: &threshold,
		Inputs:      map[string]any{"income": 42.0, "region": "north", "age": 30.0},
		Attributes:  map[string]string{"channel": "web"},
		Oversight:   &aims.OversightOutcome{Action: aims.ActionReview, Time: now},
		Explanation: &aims.Explanation{Method: "shap", Attributions: []aims.Attribution{{Feature: "income"}}}}
	tk := Ticket{ID: decisionTicketID(d.ID), Kind: KindReview, Decision: d, State: StatePending, CreatedAt: now, Deadline: now.Add(time.Hour)}
	holdRecords(&tk, now, d)
	if err := s.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	recs := []aims.Decision{d}
	written := []string{d.ID}
	stored := s.tickets[tk.ID]
	held := make([]aims.Decision, 1)
	allocs := testing.AllocsPerRun(20, func() {
		// Put the record back (no allocation) for the next run to take off.
		held[0] = d
		stored.Unrecorded, stored.RecordingUntil = held[:1:1], now.Add(time.Minute)
		if err := g.recorded(ctx, tk.ID, recs, written, "", time.Time{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 5 {
		t.Fatalf("recorded on the memory store: %.0f allocations, want at most 5 (no copy of the ticket's decisions)", allocs)
	}
	got, err := s.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Unrecorded) != 0 || !got.RecordingUntil.IsZero() || got.Decision.Inputs["income"] != 42.0 ||
		got.State != StatePending || got.Decision.Explanation == nil {
		t.Fatalf("after recorded: %d records, lease %v, ticket %+v", len(got.Unrecorded), got.RecordingUntil, got)
	}
	if n, _ := s.CountOpen(ctx); n != 1 {
		t.Fatalf("%d open tickets after recorded, want 1", n)
	}
}
