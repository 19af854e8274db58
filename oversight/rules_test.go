package oversight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aimskit/aimskit/oversight"
)

// TestContestExcludesTheSubmitter: whoever submitted a decision may not
// review its contest (four-eyes: nobody reviews a decision they
// submitted), whether the decision was reviewed or applied at once.
func TestContestExcludesTheSubmitter(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	dave := oversight.Reviewer{ID: "dave", Roles: []string{"reviewer"}}
	asDave := oversight.ContextWithSubmitter(ctx, "Dave")

	reviewed, err := h.gate.Submit(asDave, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Approve(ctx, reviewed.Ticket.ID, bob, "income too low"); err != nil {
		t.Fatal(err)
	}
	applied, err := h.gate.Submit(asDave, decision(t, "credit", "approve", 0.8, 0.5, false))
	if err != nil || !applied.Applied {
		t.Fatalf("applied decision: %+v, %v", applied, err)
	}
	for name, id := range map[string]string{"reviewed": reviewed.Decision.ID, "applied": applied.Decision.ID} {
		ct, err := h.gate.Contest(ctx, id, "the decision is wrong")
		if err != nil {
			t.Fatal(err)
		}
		out, err := h.gate.Approve(ctx, ct.ID, dave, "I stand by my decision")
		if !errors.Is(err, oversight.ErrForbidden) {
			t.Errorf("%s decision: its submitter reviewed its contest: action %q, err %v", name, out.Action, err)
		}
		if _, err := h.gate.Claim(ctx, dave); !errors.Is(err, oversight.ErrQueueEmpty) {
			t.Errorf("%s decision: its submitter could claim its contest: %v", name, err)
		}
		if _, err := h.gate.Approve(ctx, ct.ID, carol, "upheld"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIdentityVariantsAreOnePerson: identities that differ only by
// characters a person cannot see (zero-width, byte-order mark, soft
// hyphen) or by character width (fullwidth forms) name one person, so
// neither can review what the other submitted, nor give the second of two
// required approvals after the other.
func TestIdentityVariantsAreOnePerson(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	variants := []string{"\ufeffdave", "da\u200bve", "dave\u00ad", "ｄａｖｅ", "ＤＡＶＥ", "d\u2060ave"}
	for _, v := range variants {
		if n, err := oversight.NormalizeID(v); err != nil || n != "dave" {
			t.Errorf("NormalizeID(%q) = %q, %v; want \"dave\"", v, n, err)
		}
		o, err := h.gate.Submit(oversight.ContextWithSubmitter(ctx, "dave"), decision(t, "credit", "deny", 0.2, 0.5, true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.gate.Approve(ctx, o.Ticket.ID, oversight.Reviewer{ID: v, Roles: []string{"reviewer"}}, "mine"); !errors.Is(err, oversight.ErrForbidden) {
			t.Errorf("reviewer %q on a decision dave submitted: %v", v, err)
		}
	}
	// Two approvals needed (high risk): one person under two spellings is
	// one approval.
	o, err := h.gate.Submit(ctx, decision(t, "hiring", "reject", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Approve(ctx, o.Ticket.ID, oversight.Reviewer{ID: "dave", Roles: []string{"reviewer"}}, "ok"); err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		if out, err := h.gate.Approve(ctx, o.Ticket.ID, oversight.Reviewer{ID: v, Roles: []string{"reviewer"}}, "ok"); !errors.Is(err, oversight.ErrAlreadyActed) {
			t.Errorf("second approval by %q after dave: action %q, err %v", v, out.Action, err)
		}
	}
	// Only invisible characters is no identity.
	if _, err := oversight.NormalizeID("\u200b\ufeff"); !errors.Is(err, oversight.ErrUnauthenticated) {
		t.Errorf("NormalizeID of invisible characters only: %v", err)
	}
}

// TestHaltStopsApprovalsOfHeldDecisions: once a system is halted (block
// route), every decision of it is blocked, also one held for review
// before the halt: an approval would release the model's output while the
// system is stopped. A rejection and an override (the reviewer's own
// output) remain possible; after a resume the approval goes through.
func TestHaltStopsApprovalsOfHeldDecisions(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	held, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil || !held.Pending() {
		t.Fatalf("held: %+v, %v", held, err)
	}
	other, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err := h.gate.Halt(ctx, "credit", alice, "drift alarm"); err != nil {
		t.Fatal(err)
	}
	out, err := h.gate.Approve(ctx, held.Ticket.ID, bob, "looks fine")
	if !errors.Is(err, oversight.ErrHalted) || out.Applied {
		t.Fatalf("approval during the halt: applied %v, action %q, err %v", out.Applied, out.Action, err)
	}
	if st, _ := h.gate.Status(ctx, held.Ticket.ID); !st.Pending() {
		t.Fatalf("the refused approval changed the ticket: %+v", st.Action)
	}
	if o, err := h.gate.Reject(ctx, other.Ticket.ID, bob, "refer to a person"); err != nil || o.Applied {
		t.Fatalf("rejection during the halt: %+v, %v", o.Action, err)
	}
	if err := h.gate.Resume(ctx, "credit", carol, "fixed"); err != nil {
		t.Fatal(err)
	}
	if o, err := h.gate.Approve(ctx, held.Ticket.ID, bob, "looks fine"); err != nil || !o.Applied {
		t.Fatalf("approval after the resume: %+v, %v", o.Action, err)
	}
}

// TestHaltRefusalGivesTheClaimBack: a reviewer who claimed a held
// decision and whose approval the halt refused must not keep it from the
// queue for the rest of the lease: after the resume it can be claimed.
func TestHaltRefusalGivesTheClaimBack(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	held, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil || !held.Pending() {
		t.Fatalf("held: %+v, %v", held, err)
	}
	claimed, err := h.gate.Claim(ctx, bob)
	if err != nil || claimed.ID != held.Ticket.ID {
		t.Fatalf("claim: %s, %v", claimed.ID, err)
	}
	if err := h.gate.Halt(ctx, "credit", alice, "drift alarm"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Approve(ctx, held.Ticket.ID, bob, "looks fine"); !errors.Is(err, oversight.ErrHalted) {
		t.Fatalf("approval during the halt: %v, want ErrHalted", err)
	}
	if err := h.gate.Resume(ctx, "credit", alice, "fixed"); err != nil {
		t.Fatal(err)
	}
	got, err := h.gate.Claim(ctx, carol)
	if err != nil || got.ID != held.Ticket.ID {
		t.Fatalf("claim by carol after the resume: %q, %v; the refused claim still holds the ticket", got.ID, err)
	}
}

// TestResubmittedDecisionGetsNoSecondTicket: a decision submitted again
// with the same ID (a retry) must not open a second review ticket, which
// reviewers could resolve the other way: one decision, rejected on one
// ticket and approved on the other.
func TestResubmittedDecisionGetsNoSecondTicket(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	d := decision(t, "credit", "deny", 0.2, 0.5, true)
	first, err := h.gate.Submit(ctx, d)
	if err != nil || !first.Pending() {
		t.Fatalf("first submit: %+v, %v", first, err)
	}
	again, err := h.gate.Submit(ctx, d)
	if !errors.Is(err, oversight.ErrTicketExists) {
		t.Errorf("retry of a held decision: ticket %v, err %v; want ErrTicketExists", again.Ticket, err)
	}
	if q, _ := h.gate.Queue(ctx, 0); len(q) != 1 {
		t.Fatalf("%d open tickets for one decision", len(q))
	}
	// A decision applied at once is not held under the same ID later.
	h2 := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ok := decision(t, "credit", "approve", 0.8, 0.5, false)
	if o, err := h2.gate.Submit(ctx, ok); err != nil || !o.Applied {
		t.Fatalf("applied: %+v, %v", o, err)
	}
	ok.Adverse = true
	if o, err := h2.gate.Submit(ctx, ok); !errors.Is(err, oversight.ErrTicketExists) {
		t.Errorf("an applied decision's ID held for review again: %+v, %v", o.Action, err)
	}
}
