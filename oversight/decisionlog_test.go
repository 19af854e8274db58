package oversight_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// The aims decision log is the Recorder the Gate is made for.
var _ oversight.Recorder = (*aims.DecisionLog)(nil)

// TestWithAimsDecisionLog runs a review through the real aims.DecisionLog
// and reads the decision records it emitted.
func TestWithAimsDecisionLog(t *testing.T) {
	logs := oteltest.NewLogs(t) // checks the decision records against the README's table at test end
	lp := logs.Provider
	ps, err := aims.NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"), "k1")
	if err != nil {
		t.Fatal(err)
	}
	dl, err := aims.NewDecisionLog(aims.WithLoggerProvider(lp), aims.WithPseudonymizer(ps), aims.WithAllowList(aims.NewAllowList("income")))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close(context.Background())
	g, err := oversight.New(context.Background(), dl, oversight.WithSweepInterval(0), oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithRiskLevel("credit", aims.RiskLimited))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	ctx := context.Background()
	d := decision(t, "credit", "deny", 0.2, 0.5, true)
	d.Subject = ps.Pseudonym("customer-77")
	out, err := g.Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Override(ctx, out.Ticket.ID, bob, "approve", "income verified"); err != nil {
		t.Fatal(err)
	}

	var recs []aims.Decision
	for _, r := range logs.Records() {
		if r.EventName() != semconv.EventDecision {
			continue
		}
		var rd aims.Decision
		if err := json.Unmarshal([]byte(r.Body().AsString()), &rd); err != nil {
			t.Fatalf("decision record body: %v", err)
		}
		recs = append(recs, rd)
	}
	if len(recs) != 2 {
		t.Fatalf("%d decision records, want 2 (review, override)", len(recs))
	}
	if recs[0].Oversight.Action != aims.ActionReview || recs[0].ID != out.Decision.ID {
		t.Fatalf("first record %+v", recs[0].Oversight)
	}
	// The reviewer's reason is kept in the ledger only, not in telemetry.
	o := recs[1].Oversight
	if o.Action != aims.ActionOverride || o.Reviewer != "bob" || o.Reason != "" ||
		o.RelatedDecisionID != out.Decision.ID || o.OriginalOutput != "deny" || recs[1].Output != "approve" {
		t.Fatalf("override record %+v, output %q", o, recs[1].Output)
	}
	if _, ok := recs[1].Inputs["region"]; ok {
		t.Fatal("input outside the allow-list reached the decision log")
	}
}
