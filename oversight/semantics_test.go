package oversight_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/oversight"
)

var (
	dave = oversight.Reviewer{ID: "dave", Roles: []string{"supervisor"}}
	erin = oversight.Reviewer{ID: "erin", Roles: []string{"reviewer"}}
)

// partial reports whether a record is marked as a vote, not a resolution.
func partial(d aims.Decision) bool { return d.Attributes[semconv.AimsOversightApprovals] != "" }

// TestConflictingVoteEscalatesInsteadOfResolving: the four-eyes bypass.
// One reviewer overrides (1 of 2), a second rejects: on a ticket that
// needs two agreeing reviewers nothing resolves; the ticket escalates.
func TestConflictingVoteEscalatesInsteadOfResolving(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.RiskAtLeast(aims.RiskHigh)))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "hiring", "invite", 0.8, 0.5, false))
	id := out.Ticket.ID
	first, err := h.gate.Override(ctx, id, alice, "decline", "references do not check out")
	if err != nil || !first.Pending() || first.Vote == nil || first.Escalated {
		t.Fatalf("first vote: %+v %v", first, err)
	}
	second, err := h.gate.Reject(ctx, id, bob, "not enough evidence either way")
	if err != nil {
		t.Fatal(err)
	}
	if !second.Pending() || second.Applied || !second.Escalated {
		t.Fatalf("conflicting vote resolved the ticket: %+v", second)
	}
	tk, _ := h.gate.Ticket(ctx, id)
	if tk.State != oversight.StatePending || tk.Level != 1 || tk.Resolution != nil {
		t.Fatalf("after the conflict: state %s level %d resolution %+v", tk.State, tk.Level, tk.Resolution)
	}
	// Neither voter may vote again, and a reviewer-only role may not act at level 1.
	if _, err := h.gate.Approve(ctx, id, alice, "changed my mind"); !errors.Is(err, oversight.ErrAlreadyActed) {
		t.Fatalf("earlier voter again: %v", err)
	}
	if _, err := h.gate.Approve(ctx, id, erin, "fine"); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("level-0 reviewer at level 1: %v", err)
	}
	// One supervisor is a vote, two agreeing supervisors resolve.
	if o, err := h.gate.Approve(ctx, id, carol, "references were verified by phone"); err != nil || !o.Pending() {
		t.Fatalf("carol: %+v %v", o, err)
	}
	final, err := h.gate.Approve(ctx, id, dave, "agree with carol")
	if err != nil || final.Action != aims.ActionApprove || !final.Applied || final.Decision.Output != "invite" {
		t.Fatalf("resolution: %+v %v", final, err)
	}
	recs := h.rec.all()
	want := []aims.OversightAction{aims.ActionReview, aims.ActionOverride, aims.ActionReject, aims.ActionEscalate, aims.ActionApprove, aims.ActionApprove}
	if got := h.rec.actions(); !equalActions(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	for i, wantPartial := range []bool{false, true, true, false, true, false} {
		if partial(recs[i]) != wantPartial {
			t.Errorf("record %d (%s) partial=%v, want %v (%v)", i, recs[i].Oversight.Action, partial(recs[i]), wantPartial, recs[i].Attributes)
		}
	}
	if !strings.Contains(recs[3].Oversight.Reason, "conflicting votes") {
		t.Errorf("escalation reason %q", recs[3].Oversight.Reason)
	}
}

// TestRejectNeedsTheRequiredReviewers: a lone rejection on a ticket that
// needs two reviewers is a vote; two make a resolution whose record says
// what the affected person gets.
func TestRejectNeedsTheRequiredReviewers(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.RiskAtLeast(aims.RiskHigh)))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "hiring", "invite", 0.8, 0.5, false))
	id := out.Ticket.ID
	first, err := h.gate.Reject(ctx, id, alice, "no")
	if err != nil || !first.Pending() || first.Decision.Attributes[semconv.AimsOversightApprovals] != "1 of 2" {
		t.Fatalf("lone rejection: %+v %v", first, err)
	}
	res, err := h.gate.Reject(ctx, id, bob, "no")
	if err != nil || res.Action != aims.ActionReject || res.Applied || res.Pending() {
		t.Fatalf("second rejection: %+v %v", res, err)
	}
	if res.Decision.Output != oversight.DefaultRejectOutput || res.Decision.Oversight.OriginalOutput != "invite" || partial(res.Decision) {
		t.Fatalf("reject record: output %q original %q attrs %v", res.Decision.Output, res.Decision.Oversight.OriginalOutput, res.Decision.Attributes)
	}
}

// TestReviewerIDsAreNormalised: "R1" is "r1" everywhere identities are compared.
func TestReviewerIDsAreNormalised(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.RiskAtLeast(aims.RiskHigh)))
	ctx := context.Background()
	r1 := oversight.Reviewer{ID: "r1", Roles: []string{"reviewer"}}
	R1 := oversight.Reviewer{ID: " R1 ", Roles: []string{"reviewer"}}
	out, _ := h.gate.Submit(ctx, decision(t, "hiring", "invite", 0.8, 0.5, false))
	if _, err := h.gate.Approve(ctx, out.Ticket.ID, r1, "ok"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Approve(ctx, out.Ticket.ID, R1, "ok"); !errors.Is(err, oversight.ErrAlreadyActed) {
		t.Fatalf("R1 after r1: %v", err)
	}
	// Submitter exclusion.
	out2, _ := h.gate.Submit(oversight.ContextWithSubmitter(ctx, "Alice"), decision(t, "hiring", "invite", 0.8, 0.5, false))
	if _, err := h.gate.Approve(ctx, out2.Ticket.ID, oversight.Reviewer{ID: "ALICE ", Roles: []string{"reviewer"}}, "mine"); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("submitter with other case: %v", err)
	}
	// Contest reviewers.
	h2 := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	o, _ := h2.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if _, err := h2.gate.Approve(ctx, o.Ticket.ID, oversight.Reviewer{ID: "Bob", Roles: []string{"reviewer"}}, "ok"); err != nil {
		t.Fatal(err)
	}
	ct, err := h2.gate.Contest(ctx, o.Decision.ID, "wrong")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h2.gate.Approve(ctx, ct.ID, bob, "still ok"); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("bob on the contest of Bob's review: %v", err)
	}
	// Malformed identities.
	for _, id := range []string{"a\x00b", "x\ny", strings.Repeat("x", 300)} {
		if _, err := h.gate.Approve(ctx, out2.Ticket.ID, oversight.Reviewer{ID: id, Roles: []string{"reviewer"}}, ""); !errors.Is(err, oversight.ErrInvalidID) {
			t.Errorf("identity %.20q: %v", id, err)
		}
	}
	if _, err := h.gate.Claim(ctx, oversight.Reviewer{ID: "   ", Roles: []string{"reviewer"}}); !errors.Is(err, oversight.ErrUnauthenticated) {
		t.Errorf("blank identity claims: %v", err)
	}
}

// outcomeRecorder declares the hiring system's outcomes, as *aims.System does.
type outcomeRecorder struct{ *fakeRecorder }

func (outcomeRecorder) CheckOutcome(v string) (aims.Outcome, error) {
	switch v {
	case "invite":
		return aims.Outcome{Value: v}, nil
	case "decline":
		return aims.Outcome{Value: v, Adverse: true}, nil
	case "refer":
		return aims.Outcome{Value: v}, nil
	}
	return aims.Outcome{}, fmt.Errorf("undeclared outcome %q", v)
}

// TestOverridesOnlyToDeclaredOutcomes: "banana" is refused on a review and
// on a contest; every override record carries the new output and its
// declared Adverse flag, votes included.
func TestOverridesOnlyToDeclaredOutcomes(t *testing.T) {
	rec := outcomeRecorder{&fakeRecorder{}}
	g, err := oversight.New(context.Background(), rec, oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.RiskAtLeast(aims.RiskHigh)), oversight.WithRiskLevel("hiring", aims.RiskHigh),
		oversight.WithRejectOutput("refer"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	ctx := context.Background()
	out, _ := g.Submit(ctx, decision(t, "hiring", "invite", 0.8, 0.5, false))
	if _, err := g.Override(ctx, out.Ticket.ID, alice, "banana", "why not"); !errors.Is(err, oversight.ErrOutcomeNotDeclared) {
		t.Fatalf("banana: %v", err)
	}
	vote, err := g.Override(ctx, out.Ticket.ID, alice, "decline", "references")
	if err != nil || !vote.Pending() || vote.Decision.Output != "decline" || !vote.Decision.Adverse {
		t.Fatalf("override vote record: output %q adverse %v (%v)", vote.Decision.Output, vote.Decision.Adverse, err)
	}
	res, err := g.Override(ctx, out.Ticket.ID, bob, "decline", "agree")
	if err != nil || res.Decision.Output != "decline" || !res.Decision.Adverse || res.Decision.Oversight.OriginalOutput != "invite" {
		t.Fatalf("override resolution: %+v %v", res.Decision, err)
	}
	ct, err := g.Contest(ctx, out.Decision.ID, "my references were fine")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Override(ctx, ct.ID, carol, "banana", "why not"); !errors.Is(err, oversight.ErrOutcomeNotDeclared) {
		t.Fatalf("banana on a contest: %v", err)
	}
	if tk, _ := g.Ticket(ctx, ct.ID); len(tk.Votes) != 0 {
		t.Fatalf("refused override left a vote: %+v", tk.Votes)
	}
	if _, err := oversight.New(context.Background(), rec, oversight.WithRejectOutput("banana")); !errors.Is(err, oversight.ErrOutcomeNotDeclared) {
		t.Fatalf("undeclared reject output: %v", err)
	}
}

// TestContestByDecisionIDWithoutWiring: a Gate with no DecisionFinder
// finds every decision it routed; one open contest per decision; contest
// reviewers never include earlier reviewers.
func TestContestByDecisionIDWithoutWiring(t *testing.T) {
	var mu sync.Mutex
	var recs []aims.Decision
	rec := oversight.RecorderFunc(func(_ context.Context, d aims.Decision) error {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, d)
		return nil
	})
	g, err := oversight.New(context.Background(), rec, oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithRiskLevel("spam", aims.RiskMinimal))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	ctx := context.Background()
	d := decision(t, "spam", "ham", 0.1, 0.5, false)
	d.Inputs, d.Explanation = nil, nil
	ap, err := g.Submit(ctx, d)
	if err != nil || !ap.Applied {
		t.Fatalf("apply: %+v %v", ap, err)
	}
	got, err := g.Decision(ctx, d.ID)
	if err != nil || got.Action != aims.ActionApply || !got.Applied || got.Decision.ID != d.ID {
		t.Fatalf("Decision of an applied decision: %+v %v", got, err)
	}
	// Concurrent contests: exactly one opens.
	var wg sync.WaitGroup
	var okN, dupN int
	var cmu sync.Mutex
	var ct oversight.Ticket
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := g.Contest(ctx, d.ID, "this was spam")
			cmu.Lock()
			defer cmu.Unlock()
			switch {
			case err == nil:
				okN++
				ct = tk
			case errors.Is(err, oversight.ErrAlreadyContested):
				dupN++
			default:
				t.Errorf("contest: %v", err)
			}
		}()
	}
	wg.Wait()
	if okN != 1 || dupN != 7 {
		t.Fatalf("%d contests opened, %d refused as duplicates", okN, dupN)
	}
	if _, err := g.Contest(ctx, d.ID, "again"); !errors.Is(err, oversight.ErrAlreadyContested) {
		t.Fatalf("second contest while open: %v", err)
	}
	res, err := g.Override(ctx, ct.ID, bob, "spam", "it was spam")
	if err != nil {
		t.Fatal(err)
	}
	now, err := g.Decision(ctx, d.ID)
	if err != nil || now.Action != aims.ActionOverride || now.Decision.Output != "spam" || now.Decision.ID != res.Decision.ID {
		t.Fatalf("Decision after the contest: %+v %v", now, err)
	}
	// A further contest (once the first is closed) excludes bob; so does
	// contesting by the contest's record ID.
	ct2, err := g.Contest(ctx, res.Decision.ID, "still ham")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Approve(ctx, ct2.ID, bob, "ok"); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("earlier contest reviewer on the next contest: %v", err)
	}
	if _, err := g.Contest(ctx, d.ID, "and again"); !errors.Is(err, oversight.ErrAlreadyContested) {
		t.Fatalf("contest by the original ID while the second is open: %v", err)
	}

	// A reviewed decision: contesting it by its ID and by its review
	// record's ID counts as the same decision.
	rv, _ := g.Submit(ctx, func() aims.Decision {
		x := decision(t, "spam", "spam", 0.9, 0.5, true)
		x.Inputs, x.Explanation = nil, nil
		return x
	}())
	done, err := g.Approve(ctx, rv.Ticket.ID, alice, "spam indeed")
	if err != nil {
		t.Fatal(err)
	}
	c1, err := g.Contest(ctx, rv.Decision.ID, "not spam")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(c1.Excluded, ","), "alice") {
		t.Fatalf("reviewer not excluded: %v", c1.Excluded)
	}
	if _, err := g.Contest(ctx, done.Decision.ID, "not spam"); !errors.Is(err, oversight.ErrAlreadyContested) {
		t.Fatalf("contest by the review record's ID while one is open: %v", err)
	}
}

// TestHaltOnlyKnownSystems: Halt refuses unknown or malformed system IDs
// unless forced, and records a forced halt as such.
func TestHaltOnlyKnownSystems(t *testing.T) {
	h := newHarness(t, oversight.WithSystems("billing"))
	ctx := context.Background()
	if err := h.gate.Halt(ctx, "credti", alice, "typo"); !errors.Is(err, oversight.ErrUnknownSystem) {
		t.Fatalf("unknown system: %v", err)
	}
	if err := h.gate.Halt(ctx, strings.Repeat("c", 10000), alice, "long"); !errors.Is(err, oversight.ErrInvalidID) {
		t.Fatalf("10,000-char system ID: %v", err)
	}
	if err := h.gate.Halt(ctx, "credit\n", alice, "nl", oversight.Force()); !errors.Is(err, oversight.ErrInvalidID) {
		t.Fatalf("system ID with a newline, forced: %v", err)
	}
	if err := h.gate.Halt(ctx, "credit", alice, " "); !errors.Is(err, oversight.ErrReasonRequired) {
		t.Fatalf("no reason: %v", err)
	}
	if len(h.gate.Halts()) != 0 || len(h.rec.all()) != 0 {
		t.Fatal("a refused halt took effect")
	}
	if err := h.gate.Halt(ctx, "billing", alice, "registered"); err != nil {
		t.Fatal(err)
	}
	if err := h.gate.Halt(ctx, "partner-scoring", alice, "shared store incident", oversight.Force()); err != nil {
		t.Fatal(err)
	}
	hs := h.gate.Halts()
	if len(hs) != 2 || hs[0].Forced || !hs[1].Forced || hs[1].SystemID != "partner-scoring" {
		t.Fatalf("halts %+v", hs)
	}
	recs := h.rec.all()
	if recs[len(recs)-1].Attributes["aims.oversight.halt.forced"] != "true" {
		t.Fatalf("forced halt record %+v", recs[len(recs)-1].Attributes)
	}
	if err := h.gate.Resume(ctx, "partner-scoring", bob, "resolved"); err != nil {
		t.Fatal(err)
	}
}

// TestDecisionOfUnrecordedApplyIsNotApplied: when the decision record
// cannot be written, Submit applies nothing, and Decision agrees.
func TestDecisionOfUnrecordedApplyIsNotApplied(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")))
	h.rec.fail = errors.New("disk full")
	d := decision(t, "spam", "ham", 0.1, 0.5, false)
	if _, err := h.gate.Submit(context.Background(), d); err == nil {
		t.Fatal("want the recorder's error")
	}
	h.rec.fail = nil
	got, err := h.gate.Decision(context.Background(), d.ID)
	if err != nil || got.Applied {
		t.Fatalf("Decision after a failed record: %+v %v", got, err)
	}
}
