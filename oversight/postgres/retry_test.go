package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/postgres"
)

// findingRecorder keeps decisions and finds them by ID
// (oversight.DecisionFinder), like a decision log with a ledger.
type findingRecorder struct {
	mu   sync.Mutex
	recs []aims.Decision
}

func (r *findingRecorder) Record(_ context.Context, d aims.Decision) error {
	if err := d.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, d)
	return nil
}

func (r *findingRecorder) FindDecision(_ context.Context, id string) (aims.Decision, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.recs {
		if d.ID == id {
			return d, nil
		}
	}
	return aims.Decision{}, fmt.Errorf("%w: %s", oversight.ErrDecisionNotFound, id)
}

// TestSameRouteRetryOnAnotherReplica: a client's retry of an applied
// decision reaches another replica. The decision it compares with is the
// one read back from PostgreSQL (numbers, times and maps through JSON),
// so the retry is recognised as the same decision and answered from its
// record, not refused as other content nor recorded again.
func TestSameRouteRetryOnAnotherReplica(t *testing.T) {
	newPool := schema(t)
	ctx := context.Background()
	rec := &findingRecorder{}
	var gs []*oversight.Gate
	for range 2 {
		s, err := postgres.New(ctx, newPool())
		if err != nil {
			t.Fatal(err)
		}
		g, err := oversight.New(ctx, rec, oversight.WithStore(s), oversight.WithSweepInterval(0),
			oversight.WithPolicy(oversight.Always(oversight.RouteApply, "test")),
			oversight.WithRiskLevel("credit", aims.RiskLimited))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = g.Close(ctx) })
		gs = append(gs, g)
	}
	d, err := aims.NewDecision(ctx, "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Output = "approve"
	d.Time = time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	score, threshold := 0.1+0.2, 0.5
	d.Score, d.Threshold = &score, &threshold
	d.Inputs = map[string]any{"income": 42000, "ratio": 1.0 / 3, "region": "north", "owner": true}
	first, err := gs[0].Submit(ctx, d)
	if err != nil || !first.Applied {
		t.Fatalf("Submit: %+v, %v", first, err)
	}
	again, err := gs[1].Submit(ctx, d)
	if err != nil || !again.Applied || !again.Decision.Oversight.Time.Equal(first.Decision.Oversight.Time) {
		t.Fatalf("retry on the other replica: %+v, %v; want the first outcome", again, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.recs) != 1 {
		t.Fatalf("%d records of one decision, want 1", len(rec.recs))
	}
}
