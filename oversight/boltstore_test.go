package oversight_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/storetest"
)

func TestBoltStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) oversight.Store {
		s, err := oversight.OpenBoltStore(filepath.Join(t.TempDir(), "tickets.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestBoltStoreSurvivesRestart holds a decision, "restarts" the service
// (closes the Gate and the file, opens new ones) and resolves the ticket
// with the new Gate.
func TestBoltStoreSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	ctx := context.Background()
	s1, err := oversight.OpenBoltStore(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := &fakeRecorder{}
	g1, err := oversight.New(rec, oversight.WithStore(s1), oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithRiskLevel("credit", oversight.RiskLimited))
	if err != nil {
		t.Fatal(err)
	}
	out, err := g1.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oversight.OpenBoltStore(path); err == nil {
		t.Fatal("a second process could open the locked store")
	}
	_ = g1.Close()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := oversight.OpenBoltStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	g2, err := oversight.New(rec, oversight.WithStore(s2), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("credit", oversight.RiskLimited))
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close()
	q, err := g2.Queue(ctx, 0)
	if err != nil || len(q) != 1 || q[0].ID != out.Ticket.ID {
		t.Fatalf("queue after restart: %v, %v", q, err)
	}
	if q[0].Decision.Explanation == nil || q[0].Decision.Explanation.ReasonCodes[0].Code != "R01" {
		t.Fatalf("explanation lost across restart: %+v", q[0].Decision.Explanation)
	}
	res, err := g2.Override(ctx, out.Ticket.ID, bob, "approve", "verified income")
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != aims.ActionOverride || res.Decision.Oversight.RelatedDecisionID != out.Decision.ID {
		t.Fatalf("resolution after restart: %+v", res)
	}
}
