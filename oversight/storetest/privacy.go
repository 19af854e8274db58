package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// RawSubject and RawInput are the personal data the privacy suite hands to
// the gate. A store passes when neither appears in anything it keeps; a
// store's own test can also search its files or tables for them.
const (
	RawSubject = "person@example.com"
	RawInput   = "age"
	// RawAge is the value of the non-allow-listed input; it appears
	// nowhere else in the suite's decisions.
	RawAge = 73.25
)

// RawValues are the strings that must not appear in a store's data.
var RawValues = []string{RawSubject, "73.25", "aims.input.age", `"age":`}

// RunPrivacy submits decisions carrying a raw subject and an input
// outside the allow-list through a Gate on the store — one created by the
// System's front door, one assembled by hand and handed to the gate
// directly — routes both to review, resolves one, and checks that neither
// value is in any ticket the store returns, nor in any Outcome. The store
// is left open and returned to the caller, who may search its raw storage
// (files, tables) with RawValues and must close it.
func RunPrivacy(t *testing.T, open Opener) oversight.Store {
	t.Helper()
	ctx := context.Background()
	s := open(t)
	pseud, err := aims.NewPseudonymizer([]byte("storetest privacy key, 32 bytes!"), "st")
	if err != nil {
		t.Fatal(err)
	}
	sys, err := aims.NewSystem("storetest-credit",
		aims.WithRiskLevel(aims.RiskHigh),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}),
		aims.WithPseudonymizer(pseud), aims.WithAllowList(aims.NewAllowList("income")))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close(ctx)
	g, err := oversight.New(ctx, sys, oversight.WithStore(s), oversight.WithSweepInterval(0),
		oversight.WithPolicy(func(context.Context, oversight.Candidate) oversight.Verdict {
			return oversight.Verdict{Route: oversight.RouteReview, Policy: "all-to-review"}
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)

	expl := &aims.Explanation{
		Method:       "linear",
		Attributions: []aims.Attribution{{Feature: "income", Contribution: -0.5}, {Feature: RawInput, Contribution: RawAge}},
	}
	front, err := sys.NewDecision(ctx, aims.Draft{
		Subject: RawSubject, Output: "deny", Explanation: expl,
		Inputs: map[string]any{"income": 41000.0, RawInput: RawAge},
	})
	if err != nil {
		t.Fatal(err)
	}
	byHand, err := aims.NewDecision(ctx, sys.ID())
	if err != nil {
		t.Fatal(err)
	}
	byHand.Subject, byHand.Output, byHand.Adverse, byHand.Explanation = RawSubject, "deny", true, expl
	byHand.Inputs = map[string]any{"income": 41000.0, RawInput: RawAge}

	var outs []oversight.Outcome
	for _, d := range []aims.Decision{front, byHand} {
		out, err := g.Submit(ctx, d)
		if err != nil {
			t.Fatalf("submit: %v", err)
		}
		if out.Ticket == nil {
			t.Fatalf("decision %s was not held for review", d.ID)
		}
		outs = append(outs, out)
	}
	alice := oversight.Reviewer{ID: "alice", Roles: []string{"reviewer"}}
	bob := oversight.Reviewer{ID: "bob", Roles: []string{"reviewer"}}
	for _, r := range []oversight.Reviewer{alice, bob} {
		out, err := g.Approve(ctx, outs[0].Ticket.ID, r, "checked")
		if err != nil {
			t.Fatalf("approve: %v", err)
		}
		outs = append(outs, out)
	}

	assertClean(t, "Outcome", outs)
	open1, err := s.Open(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, "Store.Open", open1)
	for _, o := range outs[:2] {
		tk, err := s.Get(ctx, o.Ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertClean(t, "Store.Get", tk)
		if tk.Decision.Subject != pseud.Pseudonym(RawSubject) {
			t.Errorf("ticket %s: subject %q, want the pseudonym", tk.ID, tk.Decision.Subject)
		}
		if tk.Decision.Inputs["income"] != 41000.0 {
			t.Errorf("ticket %s lost the allow-listed input: %v", tk.ID, tk.Decision.Inputs)
		}
		found, err := s.FindByDecision(ctx, o.Decision.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertClean(t, "Store.FindByDecision", found)
	}

	// A decision that cannot be cleaned (a raw subject and no
	// pseudonymiser to turn it into a pseudonym) is refused, not stored.
	strict, err := aims.NewSystem("storetest-strict")
	if err != nil {
		t.Fatal(err)
	}
	g2, err := oversight.New(ctx, strict, oversight.WithStore(s), oversight.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close(ctx)
	raw, err := aims.NewDecision(ctx, strict.ID())
	if err != nil {
		t.Fatal(err)
	}
	raw.Subject, raw.Output, raw.Adverse = RawSubject, "deny", true
	if _, err := g2.Submit(ctx, raw); err == nil {
		t.Error("a gate stored a decision with a raw subject it could not pseudonymise")
	}
	if found, err := s.FindByDecision(ctx, raw.ID); err == nil && len(found) > 0 {
		t.Error("the refused decision is in the store")
	}
	return s
}

// assertClean fails t if v, as JSON, contains any of RawValues.
func assertClean(t *testing.T, where string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range RawValues {
		if bytes.Contains(b, []byte(raw)) {
			t.Errorf("%s contains %s: %s", where, raw, b)
		}
	}
}
