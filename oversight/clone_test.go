package oversight_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// fullTicket is a ticket with every field that holds memory set.
func fullTicket() oversight.Ticket {
	score, thr := 0.7, 0.5
	d := aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: "d1", SystemID: "credit", Output: "deny", Score: &score, Threshold: &thr,
		Inputs:     map[string]any{"income": 42000.0, "region": "north", "owner": true},
		Attributes: map[string]string{"k": "v"},
		Explanation: &aims.Explanation{Method: "exact", Attributions: []aims.Attribution{{Feature: "income", Contribution: -0.2}},
			ReasonCodes:     []aims.ReasonCode{{Rank: 1, Code: "R1", Feature: "income", Contribution: -0.2}},
			Counterfactuals: []aims.Counterfactual{{Summary: "more income", Changes: []aims.FeatureChange{{Feature: "income", From: 1, To: 2}}}}},
		Oversight: &aims.OversightOutcome{Action: aims.ActionReview, TicketID: "t1"}}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	return oversight.Ticket{ID: "t1", Kind: oversight.KindReview, Decision: d, State: oversight.StateResolved, CreatedAt: at, Deadline: at.Add(time.Hour),
		Votes: []oversight.Vote{{Reviewer: "a", Action: aims.ActionApprove}}, Excluded: []string{"x"}, Contests: []string{"c1"},
		Resolution: &oversight.Resolution{Action: aims.ActionApprove, Reviewer: "a", Applied: true, Time: at, Decision: d}}
}

// TestCloneIsADeepCopy: Clone copies field by field what the JSON round
// trip it replaced copied, and shares no memory with the original.
func TestCloneIsADeepCopy(t *testing.T) {
	orig := fullTicket()
	c := orig.Clone()
	b, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	var viaJSON oversight.Ticket
	if err := json.Unmarshal(b, &viaJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, viaJSON) {
		t.Fatalf("Clone differs from the JSON copy:\n%+v\n%+v", c, viaJSON)
	}
	// Mutate everything the clone holds by reference.
	c.Decision.Inputs["income"] = 1.0
	c.Decision.Attributes["k"] = "changed"
	*c.Decision.Score = 0
	*c.Decision.Threshold = 0
	c.Decision.Oversight.Action = aims.ActionApply
	c.Decision.Explanation.Attributions[0].Contribution = 9
	c.Decision.Explanation.ReasonCodes[0].Code = "X"
	c.Decision.Explanation.Counterfactuals[0].Changes[0].To = 9
	c.Votes[0].Reviewer = "z"
	c.Excluded[0] = "z"
	c.Contests[0] = "z"
	c.Resolution.Decision.Inputs["region"] = "south"
	c.Resolution.Reviewer = "z"
	if !reflect.DeepEqual(orig, fullTicket()) {
		t.Fatal("changing the clone changed the original")
	}
}

func BenchmarkClone(b *testing.B) {
	tk := fullTicket()
	b.ReportAllocs()
	for b.Loop() {
		_ = tk.Clone()
	}
}

// TestCloneCopiesSharedDecisionOnce: records that share the ticket's
// decision's maps and pointers (a held decision's record is the decision,
// a resolution a copy of it) share the copy's, so Clone copies them once;
// the copy still shares nothing with the original and reads the same.
func TestCloneCopiesSharedDecisionOnce(t *testing.T) {
	mk := func() oversight.Ticket {
		tk := fullTicket()
		tk.State = oversight.StatePending
		tk.Unrecorded = []aims.Decision{tk.Decision, tk.Resolution.Decision}
		tk.Unrecorded[1].ID, tk.Unrecorded[1].Oversight = "r1", &aims.OversightOutcome{Action: aims.ActionApprove}
		return tk
	}
	orig := mk()
	c := orig.Clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("the clone differs:\n%+v\n%+v", c, orig)
	}
	if reflect.ValueOf(c.Unrecorded[0].Inputs).UnsafePointer() != reflect.ValueOf(c.Decision.Inputs).UnsafePointer() ||
		c.Unrecorded[0].Oversight != c.Decision.Oversight || c.Unrecorded[1].Explanation != c.Decision.Explanation ||
		c.Resolution.Decision.Score != c.Decision.Score {
		t.Fatal("the clone's records do not share the clone's decision as the original's share the original's")
	}
	if c.Unrecorded[1].Oversight == c.Decision.Oversight || c.Unrecorded[1].Oversight.Action != aims.ActionApprove {
		t.Fatal("a record's own oversight outcome was replaced by the decision's")
	}
	c.Decision.Inputs["income"] = 1.0
	c.Decision.Oversight.Action = aims.ActionApply
	c.Decision.Explanation.ReasonCodes[0].Code = "X"
	*c.Decision.Score = 0
	c.Unrecorded[1].Oversight.Action = aims.ActionReject
	if !reflect.DeepEqual(orig, mk()) {
		t.Fatal("changing the clone changed the original")
	}
	allocs := testing.AllocsPerRun(50, func() { _ = orig.Clone() })
	single := fullTicket()
	single.Resolution = nil
	one := testing.AllocsPerRun(50, func() { _ = single.Clone() })
	// The two records add their slice and the second's own oversight
	// outcome, not two more copies of the decision.
	if allocs > one+3 {
		t.Fatalf("Clone with two records sharing the decision: %.0f allocations, %.0f without them; want at most 3 more", allocs, one)
	}
}
