package oversight_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/oversight"
)

func TestSubmitRoutesByPolicy(t *testing.T) {
	band, err := oversight.ScoreBand(0.05)
	if err != nil {
		t.Fatal(err)
	}
	block, err := oversight.FeatureRule("sanctioned_region", "region", oversight.RouteBlock,
		func(v any, ok bool) bool { return ok && v == "embargoed" })
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, oversight.WithPolicy(oversight.Strictest(band, block, oversight.AdverseOutcome())))
	ctx := context.Background()

	applied, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
	if err != nil {
		t.Fatal(err)
	}
	if applied.Action != aims.ActionApply || !applied.Applied || applied.Ticket != nil {
		t.Fatalf("clear approve: got %+v, want applied without ticket", applied)
	}

	near, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.52, 0.5, false))
	if err != nil {
		t.Fatal(err)
	}
	if !near.Pending() || near.Applied || near.Ticket == nil || near.Decision.Oversight.Policy != "score_band" {
		t.Fatalf("score near threshold: got %+v, want review by score_band", near)
	}

	emb := decision(t, "credit", "approve", 0.9, 0.5, false)
	emb.Inputs["region"] = "embargoed"
	blocked, err := h.gate.Submit(ctx, emb)
	if err != nil {
		t.Fatal(err)
	}
	if blocked.Action != aims.ActionBlock || blocked.Applied || blocked.Decision.Oversight.Policy != "sanctioned_region" {
		t.Fatalf("feature rule: got %+v, want block", blocked)
	}

	adverse, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.1, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	if !adverse.Pending() || adverse.Decision.Oversight.Policy != "adverse_outcome" {
		t.Fatalf("adverse: got %+v", adverse.Decision.Oversight)
	}

	want := []aims.OversightAction{aims.ActionApply, aims.ActionReview, aims.ActionBlock, aims.ActionReview}
	if got := h.rec.actions(); !equalActions(got, want) {
		t.Fatalf("recorded actions %v, want %v", got, want)
	}
	if rec := h.rec.all()[1]; rec.Oversight.TicketID != near.Ticket.ID || rec.ID != near.Decision.ID {
		t.Fatalf("review record does not carry ticket ID: %+v", rec.Oversight)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightRouted, semconv.AimsOversightRoute.String("review")); n != 2 {
		t.Fatalf("routed review count %v, want 2", n)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightQueueDepth); n != 2 {
		t.Fatalf("queue depth %v, want 2", n)
	}
	if ev := h.events(semconv.EventOversightRouted); len(ev) != 3 || ev[0][string(semconv.AimsControlID)].AsString() != "A.9.2" {
		t.Fatalf("routed events %v, want 3 carrying A.9.2", ev)
	}
	if h.spanNames()["oversight.submit"] != 4 {
		t.Fatalf("spans %v", h.spanNames())
	}
}

func equalActions(a, b []aims.OversightAction) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSubmitRejectsInvalidDecision(t *testing.T) {
	h := newHarness(t)
	d := decision(t, "credit", "", 0.5, 0.5, false)
	if _, err := h.gate.Submit(context.Background(), d); err == nil || !strings.Contains(err.Error(), "no output") {
		t.Fatalf("got %v, want an error about the missing output", err)
	}
	if len(h.rec.all()) != 0 {
		t.Fatal("invalid decision was recorded")
	}
}

func TestSubmitRecorderFailureIsNotApplied(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")))
	h.rec.fail = errors.New("disk full")
	out, err := h.gate.Submit(context.Background(), decision(t, "spam", "ham", 0.1, 0.5, false))
	if err == nil || !strings.Contains(err.Error(), "disk full") || out.Applied {
		t.Fatalf("got %+v, %v; want not applied and the recorder's error", out, err)
	}
}

func TestApproveAndAwait(t *testing.T) {
	var resolved []oversight.Outcome
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithOnResolved(func(o oversight.Outcome) { resolved = append(resolved, o) }))
	ctx := context.Background()
	out, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	id := out.Ticket.ID
	done := make(chan oversight.Outcome, 1)
	errc := make(chan error, 1)
	go func() {
		o, err := h.gate.Await(ctx, id)
		done <- o
		errc <- err
	}()
	h.clock.Advance(90 * time.Second)
	appr, err := h.gate.Approve(ctx, id, alice, "income evidence checked")
	if err != nil {
		t.Fatal(err)
	}
	if appr.Action != aims.ActionApprove || !appr.Applied {
		t.Fatalf("approve outcome %+v", appr)
	}
	got := <-done
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got.Action != aims.ActionApprove || !got.Applied || got.Decision.Output != "deny" {
		t.Fatalf("Await returned %+v", got)
	}
	o := got.Decision.Oversight
	if o.Reviewer != "alice" || o.Reason != "income evidence checked" || o.ReviewLatency != 90*time.Second ||
		o.RelatedDecisionID != out.Decision.ID || o.TicketID != id || got.Decision.ID == out.Decision.ID {
		t.Fatalf("approval record %+v", o)
	}
	if len(resolved) != 1 || resolved[0].Action != aims.ActionApprove {
		t.Fatalf("callback got %+v", resolved)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightReviewDuration); n != 1 {
		t.Fatalf("review duration histogram count %v, want 1", n)
	}
	if r, _ := h.metricValue(t, semconv.MetricOversightAgreementRate); r != 1 {
		t.Fatalf("agreement rate %v, want 1", r)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightQueueDepth); n != 0 {
		t.Fatalf("queue depth %v after resolution, want 0", n)
	}
	// Polling agrees.
	st, err := h.gate.Status(ctx, id)
	if err != nil || st.Action != aims.ActionApprove {
		t.Fatalf("Status = %+v, %v", st, err)
	}
}

func TestOverride(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	id := out.Ticket.ID

	// Without a reason: refused, recorded as an attempt, nothing applied.
	if _, err := h.gate.Override(ctx, id, alice, "approve", "  "); !errors.Is(err, oversight.ErrReasonRequired) {
		t.Fatalf("override without reason: %v", err)
	}
	if _, err := h.gate.Override(ctx, id, alice, "deny", "same thing"); !errors.Is(err, oversight.ErrOutputRequired) {
		t.Fatalf("override to the model's output: %v", err)
	}
	if tk, _ := h.gate.Ticket(ctx, id); tk.State != oversight.StatePending || len(tk.Votes) != 0 {
		t.Fatalf("refused override changed the ticket: %+v", tk)
	}
	if ev := h.events(semconv.EventOversightRefused); len(ev) != 2 || ev[0][string(semconv.AimsControlID)].AsString() != "A.3.2" {
		t.Fatalf("refused events %v", ev)
	}

	ov, err := h.gate.Override(ctx, id, alice, "approve", "payslips show income above the threshold")
	if err != nil {
		t.Fatal(err)
	}
	if ov.Action != aims.ActionOverride || !ov.Applied || ov.Decision.Output != "approve" ||
		ov.Decision.Oversight.OriginalOutput != "deny" {
		t.Fatalf("override outcome %+v / %+v", ov, ov.Decision.Oversight)
	}
	last := h.rec.all()[len(h.rec.all())-1]
	if last.Output != "approve" || last.Oversight.Action != aims.ActionOverride || last.Oversight.Reviewer != "alice" {
		t.Fatalf("override record %+v", last)
	}
	if r, _ := h.metricValue(t, semconv.MetricOversightOverrideRate); r != 1 {
		t.Fatalf("override rate %v, want 1", r)
	}
	// Acting twice.
	if _, err := h.gate.Approve(ctx, id, bob, "late"); !errors.Is(err, oversight.ErrAlreadyResolved) {
		t.Fatalf("second action: %v", err)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightRefused); n != 3 {
		t.Fatalf("refused counter %v, want 3", n)
	}
}

func TestBadReviewerInput(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	out, _ := h.gate.Submit(oversight.ContextWithSubmitter(ctx, "alice"), decision(t, "credit", "deny", 0.2, 0.5, true))
	id := out.Ticket.ID
	nrec := len(h.rec.all())

	cases := []struct {
		name string
		do   func() error
		want error
		msg  string
	}{
		{"unknown ticket", func() error { _, err := h.gate.Approve(ctx, "nope", bob, ""); return err }, oversight.ErrTicketNotFound, "nope"},
		{"no identity", func() error { _, err := h.gate.Approve(ctx, id, oversight.Reviewer{}, ""); return err }, oversight.ErrUnauthenticated, ""},
		{"no role", func() error { _, err := h.gate.Reject(ctx, id, mallo, "x"); return err }, oversight.ErrForbidden, "none of the roles"},
		{"own decision", func() error { _, err := h.gate.Approve(ctx, id, alice, "mine"); return err }, oversight.ErrForbidden, "four-eyes"},
	}
	for _, c := range cases {
		err := c.do()
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %v mentioning %q", c.name, err, c.want, c.msg)
		}
	}
	if len(h.rec.all()) != nrec {
		t.Fatal("a refused attempt was recorded as a decision")
	}
	if ev := h.events(semconv.EventOversightRefused); len(ev) != len(cases) {
		t.Fatalf("%d refused events, want %d", len(ev), len(cases))
	}
	h.rec.mu.Lock()
	attempts := append([]oversight.Attempt(nil), h.rec.attempts...)
	h.rec.mu.Unlock()
	wantKinds := []string{"unknown_ticket", "unauthenticated", "forbidden", "forbidden"}
	if len(attempts) != len(wantKinds) {
		t.Fatalf("%d attempts recorded, want %d", len(attempts), len(wantKinds))
	}
	for i, a := range attempts {
		if a.Refusal != wantKinds[i] || a.Error == "" || a.Action == "" {
			t.Errorf("attempt %d: %+v, want refusal %s", i, a, wantKinds[i])
		}
	}
	if attempts[3].Reviewer != "alice" || attempts[3].TicketID != id {
		t.Errorf("self-review attempt recorded as %+v", attempts[3])
	}
	if tk, _ := h.gate.Ticket(ctx, id); tk.State != oversight.StatePending {
		t.Fatalf("ticket changed: %+v", tk)
	}
	// bob may.
	if o, err := h.gate.Reject(ctx, id, bob, "insufficient evidence"); err != nil || o.Applied || o.Action != aims.ActionReject {
		t.Fatalf("reject: %+v %v", o, err)
	}
}

func TestFourEyesHighRiskNeedsTwoApprovers(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.RiskAtLeast(aims.RiskHigh)))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "hiring", "invite", 0.8, 0.5, false))
	id := out.Ticket.ID
	first, err := h.gate.Approve(ctx, id, alice, "ok")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Pending() || first.Applied {
		t.Fatalf("first approval should leave it pending: %+v", first)
	}
	if got := first.Decision.Attributes["aims.oversight.approvals"]; got != "1 of 2" {
		t.Fatalf("partial approval marked %q", got)
	}
	if _, err := h.gate.Approve(ctx, id, alice, "again"); !errors.Is(err, oversight.ErrAlreadyActed) {
		t.Fatalf("same approver twice: %v", err)
	}
	second, err := h.gate.Approve(ctx, id, bob, "agree")
	if err != nil {
		t.Fatal(err)
	}
	if second.Action != aims.ActionApprove || !second.Applied {
		t.Fatalf("second approval: %+v", second)
	}
	got := h.rec.actions()
	want := []aims.OversightAction{aims.ActionReview, aims.ActionApprove, aims.ActionApprove}
	if !equalActions(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

func TestSegregationOfDuties(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithAuthorizer(oversight.AllOf(oversight.RoleBased("reviewer"), oversight.FourEyes(), oversight.SegregationOfDuties("developer"))))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	dev := oversight.Reviewer{ID: "erin", Roles: []string{"reviewer", "developer:credit"}}
	if _, err := h.gate.Approve(ctx, out.Ticket.ID, dev, "looks fine"); !errors.Is(err, oversight.ErrForbidden) || !strings.Contains(err.Error(), "segregation of duties") {
		t.Fatalf("developer of the system approving: %v", err)
	}
	devOther := oversight.Reviewer{ID: "frank", Roles: []string{"reviewer", "developer:hiring"}}
	if _, err := h.gate.Approve(ctx, out.Ticket.ID, devOther, "fine"); err != nil {
		t.Fatalf("developer of another system: %v", err)
	}
}

func TestDeadlineEscalationThenFailSafeDeny(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithDeadlines(10*time.Minute, 20*time.Minute))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	id := out.Ticket.ID

	h.clock.Advance(10 * time.Minute)
	if n, err := h.gate.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	tk, _ := h.gate.Ticket(ctx, id)
	if tk.Level != 1 || tk.State != oversight.StatePending || !tk.Deadline.Equal(h.clock.Now().Add(20*time.Minute)) {
		t.Fatalf("after first deadline: %+v", tk)
	}
	// Level-0 reviewers may no longer act; supervisors may.
	if _, err := h.gate.Approve(ctx, id, alice, "ok"); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("reviewer on escalated ticket: %v", err)
	}
	h.clock.Advance(20 * time.Minute)
	// No sweep: Await notices the deadline itself and applies the fail-safe.
	o, err := h.gate.Await(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.Action != aims.ActionExpire || o.Applied {
		t.Fatalf("fail-safe outcome %+v; an expired ticket must not apply", o)
	}
	if _, err := h.gate.Approve(ctx, id, carol, "too late"); !errors.Is(err, oversight.ErrTicketExpired) {
		t.Fatalf("acting on expired ticket: %v", err)
	}
	want := []aims.OversightAction{aims.ActionReview, aims.ActionEscalate, aims.ActionExpire}
	if got := h.rec.actions(); !equalActions(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightExpired); n != 1 {
		t.Fatalf("expired counter %v", n)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightEscalations); n != 1 {
		t.Fatalf("escalations counter %v", n)
	}
	if len(h.events(semconv.EventOversightEscalated)) != 1 || len(h.events(semconv.EventOversightExpired)) != 1 {
		t.Fatal("missing escalation/expiry events")
	}
}

func TestFailSafeHoldKeepsHolding(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithDeadlines(time.Minute), oversight.WithFailSafe(oversight.FailSafeHold))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	h.clock.Advance(time.Minute)
	o, err := h.gate.Await(ctx, out.Ticket.ID)
	if !errors.Is(err, oversight.ErrHeld) || !o.Pending() || o.Applied {
		t.Fatalf("hold: %+v, %v", o, err)
	}
	if tk, _ := h.gate.Ticket(ctx, out.Ticket.ID); tk.State != oversight.StateOverdue {
		t.Fatalf("state %s, want overdue", tk.State)
	}
	// A reviewer can still decide it.
	if o, err := h.gate.Approve(ctx, out.Ticket.ID, carol, "checked"); err != nil || !o.Applied {
		t.Fatalf("approve overdue: %+v %v", o, err)
	}
}

func TestAwaitBoundedByContext(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	out, _ := h.gate.Submit(context.Background(), decision(t, "credit", "deny", 0.2, 0.5, true))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o, err := h.gate.Await(ctx, out.Ticket.ID)
	if !errors.Is(err, context.Canceled) || !o.Pending() {
		t.Fatalf("Await on cancelled ctx: %+v, %v", o, err)
	}
	if _, err := h.gate.Await(context.Background(), "missing"); !errors.Is(err, oversight.ErrTicketNotFound) {
		t.Fatalf("Await unknown: %v", err)
	}
}

func TestHaltAndResume(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")))
	ctx := context.Background()
	if err := h.gate.Halt(ctx, "credit", alice, ""); !errors.Is(err, oversight.ErrReasonRequired) {
		t.Fatalf("halt without reason: %v", err)
	}
	if err := h.gate.Halt(ctx, "credit", alice, "drift alarm on income"); err != nil {
		t.Fatal(err)
	}
	o, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
	if err != nil {
		t.Fatal(err)
	}
	if o.Action != aims.ActionBlock || o.Applied || o.Decision.Oversight.Policy != "halt" {
		t.Fatalf("halted system: %+v", o.Decision.Oversight)
	}
	// Other systems are unaffected.
	if o, _ := h.gate.Submit(ctx, decision(t, "spam", "ham", 0.1, 0.5, false)); !o.Applied {
		t.Fatal("halt leaked to another system")
	}
	if err := h.gate.Resume(ctx, "credit", bob, "retrained model validated"); err != nil {
		t.Fatal(err)
	}
	if o, _ := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false)); !o.Applied {
		t.Fatal("resume did not take effect")
	}
	if err := h.gate.Resume(ctx, "credit", bob, "again"); err == nil {
		t.Fatal("resuming a running system should fail")
	}
	want := []aims.OversightAction{aims.ActionHalt, aims.ActionBlock, aims.ActionApply, aims.ActionResume, aims.ActionApply}
	if got := h.rec.actions(); !equalActions(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	if n, _ := h.metricValue(t, semconv.MetricOversightHalts); n != 1 {
		t.Fatalf("halts counter %v", n)
	}
	if ev := h.events(semconv.EventOversightHalted); len(ev) != 1 || ev[0][string(semconv.AimsOversightReviewer)].AsString() != "alice" {
		t.Fatalf("halt events %v", ev)
	}
}

func TestHaltHoldsWhenConfigured(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")), oversight.WithHaltRoute(oversight.RouteReview))
	ctx := context.Background()
	_ = h.gate.Halt(ctx, "credit", alice, "incident")
	o, _ := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
	if !o.Pending() {
		t.Fatalf("want held, got %+v", o)
	}
}

func TestContest(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	rej, err := h.gate.Reject(ctx, out.Ticket.ID, alice, "agree with model")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Contest(ctx, out.Decision.ID, ""); !errors.Is(err, oversight.ErrReasonRequired) {
		t.Fatalf("contest without grounds: %v", err)
	}
	if _, err := h.gate.Contest(ctx, "0192f4c5-0000-7000-8000-000000000000", "x"); !errors.Is(err, oversight.ErrDecisionNotFound) {
		t.Fatalf("contest unknown: %v", err)
	}
	ct, err := h.gate.Contest(ctx, rej.Decision.ID, "my income was misread")
	if err != nil {
		t.Fatal(err)
	}
	if ct.Kind != oversight.KindContest || ct.Grounds != "my income was misread" || ct.Decision.ID != rej.Decision.ID {
		t.Fatalf("contest ticket %+v", ct)
	}
	// The reviewer of the contested decision is excluded.
	if _, err := h.gate.Override(ctx, ct.ID, alice, "approve", "fine"); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("original reviewer on the contest: %v", err)
	}
	res, err := h.gate.Override(ctx, ct.ID, bob, "approve", "income misread; corrected")
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision.Oversight.RelatedDecisionID != rej.Decision.ID || res.Decision.Output != "approve" {
		t.Fatalf("contest resolution not linked: %+v", res.Decision.Oversight)
	}
	recs := h.rec.all()
	contestRec := recs[len(recs)-2]
	if contestRec.Oversight.Action != aims.ActionContest || contestRec.Oversight.RelatedDecisionID != rej.Decision.ID {
		t.Fatalf("contest record %+v", contestRec.Oversight)
	}
	if ev := h.events(semconv.EventOversightContested); len(ev) != 1 || ev[0][string(semconv.AimsControlID)].AsString() != "A.8.3" {
		t.Fatalf("contested events %v", ev)
	}
	// A decision applied automatically is found through the recorder.
	h2 := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")))
	ap, _ := h2.gate.Submit(ctx, decision(t, "spam", "spam", 0.9, 0.5, true))
	if _, err := h2.gate.Contest(ctx, ap.Decision.ID, "not spam"); err != nil {
		t.Fatalf("contest of applied decision: %v", err)
	}
}

func TestClaimLease(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithClaimLease(time.Minute))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	tk, err := h.gate.Claim(ctx, alice)
	if err != nil || tk.ID != out.Ticket.ID {
		t.Fatalf("claim: %+v %v", tk, err)
	}
	if _, err := h.gate.Claim(ctx, bob); !errors.Is(err, oversight.ErrQueueEmpty) {
		t.Fatalf("second claimer: %v", err)
	}
	if _, err := h.gate.Approve(ctx, tk.ID, bob, "ok"); !errors.Is(err, oversight.ErrClaimed) {
		t.Fatalf("acting on another's claim: %v", err)
	}
	// alice vanishes; the lease runs out.
	h.clock.Advance(time.Minute)
	tk2, err := h.gate.Claim(ctx, bob)
	if err != nil || tk2.ID != tk.ID {
		t.Fatalf("claim after lease: %+v %v", tk2, err)
	}
	if _, err := h.gate.Claim(ctx, mallo); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("claim without role: %v", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]oversight.Option{
		"nil policy":     oversight.WithPolicy(nil),
		"no deadlines":   oversight.WithDeadlines(),
		"neg deadline":   oversight.WithDeadlines(-time.Second),
		"halt to apply":  oversight.WithHaltRoute(oversight.RouteApply),
		"zero lease":     oversight.WithClaimLease(0),
		"bad fail-safe":  oversight.WithFailSafe(oversight.FailSafe(7)),
		"empty risk sys": oversight.WithRiskLevel("", aims.RiskHigh),
		"nil store":      oversight.WithStore(nil),
		"nil authorizer": oversight.WithAuthorizer(nil),
		"nil clock":      oversight.WithClock(nil),
		"zero poll":      oversight.WithPollInterval(0),
		"neg sweep":      oversight.WithSweepInterval(-time.Second),
	} {
		if _, err := oversight.New(context.Background(), &fakeRecorder{}, opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := oversight.New(context.Background(), nil); err == nil {
		t.Error("nil recorder accepted")
	}
}

func TestCloseStopsSweeper(t *testing.T) {
	g, err := oversight.New(context.Background(), &fakeRecorder{}, oversight.WithSweepInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Submit(context.Background(), decision(t, "x", "y", 0.5, 0.5, false)); !errors.Is(err, oversight.ErrClosed) {
		t.Fatalf("submit after close: %v", err)
	}
}

func TestClaimRespectsEscalationLevel(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithDeadlines(time.Minute, time.Hour))
	ctx := context.Background()
	first, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	h.clock.Advance(time.Minute)
	if _, err := h.gate.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	second, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	// alice (reviewer, level 0) skips the older, escalated ticket.
	tk, err := h.gate.Claim(ctx, alice)
	if err != nil || tk.ID != second.Ticket.ID {
		t.Fatalf("reviewer claimed %v, %v; want the fresh ticket %s", tk.ID, err, second.Ticket.ID)
	}
	// carol (supervisor) gets the escalated one.
	tk, err = h.gate.Claim(ctx, carol)
	if err != nil || tk.ID != first.Ticket.ID || tk.Level != 1 {
		t.Fatalf("supervisor claimed %+v, %v; want escalated %s", tk, err, first.Ticket.ID)
	}
	if _, err := h.gate.Claim(ctx, mallo); !errors.Is(err, oversight.ErrForbidden) {
		t.Fatalf("claim by someone without a role: %v", err)
	}
}

func TestHaltIsSharedThroughTheStore(t *testing.T) {
	h1 := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")))
	h2 := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")), oversight.WithStore(h1.store))
	ctx := context.Background()
	if err := h1.gate.Halt(ctx, "credit", alice, "incident 42"); err != nil {
		t.Fatal(err)
	}
	// h2 learns of it at its next sweep.
	if _, err := h2.gate.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if o, _ := h2.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false)); o.Applied || o.Action != aims.ActionBlock {
		t.Fatalf("other replica still applies: %+v", o)
	}
	// A new Gate on the store starts halted.
	g3, err := oversight.New(ctx, &fakeRecorder{}, oversight.WithStore(h1.store), oversight.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g3.Close(ctx)
	if !g3.Halted("credit") {
		t.Fatal("new Gate does not see the shared halt")
	}
	if err := h2.gate.Resume(ctx, "credit", bob, "fixed"); err != nil {
		t.Fatal(err)
	}
	if _, err := h1.gate.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if h1.gate.Halted("credit") {
		t.Fatal("resume on one replica did not reach the other")
	}
}

func TestAwaitRealDeadlineAppliesFailSafe(t *testing.T) {
	rec := &fakeRecorder{}
	g, err := oversight.New(context.Background(), rec, oversight.WithSweepInterval(0), oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithDeadlines(20*time.Millisecond, 20*time.Millisecond), oversight.WithPollInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	out, _ := g.Submit(context.Background(), decision(t, "credit", "deny", 0.2, 0.5, true))
	// Nobody reviews: Await itself escalates at the first deadline and
	// applies the fail-safe at the second (its timer, not the poll, wakes it).
	o, err := g.Await(context.Background(), out.Ticket.ID)
	if err != nil || o.Action != aims.ActionExpire || o.Applied {
		t.Fatalf("Await = %+v, %v; want expire, not applied", o, err)
	}
	want := []aims.OversightAction{aims.ActionReview, aims.ActionEscalate, aims.ActionExpire}
	if got := rec.actions(); !equalActions(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

func TestConcurrentReviewersResolveOnce(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	out, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			r := oversight.Reviewer{ID: fmt.Sprintf("r%d", i), Roles: []string{"reviewer"}}
			var err error
			if i%2 == 0 {
				_, err = h.gate.Approve(ctx, out.Ticket.ID, r, "ok")
			} else {
				_, err = h.gate.Override(ctx, out.Ticket.ID, r, "approve", "evidence")
			}
			errs <- err
		}()
	}
	ok := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, oversight.ErrAlreadyResolved):
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d reviewers succeeded, want exactly 1", ok)
	}
	resolutions := 0
	for _, d := range h.rec.all() {
		if a := d.Oversight.Action; a == aims.ActionApprove || a == aims.ActionOverride {
			resolutions++
		}
	}
	if resolutions != 1 {
		t.Fatalf("%d resolutions recorded", resolutions)
	}
}

// TestHaltReachesOtherReplicasSubmit: without any Sweep, a halt pressed
// on one Gate blocks the next Submit of a Gate with WithHaltRefresh(0) at
// once, and the first Submit of a Gate with a positive refresh once its
// bound has passed since it last read the halts; a resume likewise.
//
// The refresh runs on the Gate's monotonic clock (not WithClock), so the
// test steps that clock by sleeping the bound: a sleep lasts at least that
// long, so the Submit after it must re-read, however loaded the machine.
// Nothing is asserted about how fast anything happens.
func TestHaltReachesOtherReplicasSubmit(t *testing.T) {
	apply := oversight.WithPolicy(oversight.Always(oversight.RouteApply, ""))
	const bound = 50 * time.Millisecond
	h1 := newHarness(t, apply, oversight.WithHaltRefresh(bound))
	now := newHarness(t, apply, oversight.WithStore(h1.store), oversight.WithHaltRefresh(0))
	later := newHarness(t, apply, oversight.WithStore(h1.store), oversight.WithHaltRefresh(bound))
	ctx := context.Background()
	submit := func(h *harness) oversight.Outcome {
		t.Helper()
		o, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if o := submit(later); !o.Applied { // later's copy is fresh now
		t.Fatalf("before the halt: %+v", o)
	}
	if err := h1.gate.Halt(ctx, "credit", alice, "incident 42"); err != nil {
		t.Fatal(err)
	}
	if o := submit(now); o.Applied || o.Action != aims.ActionBlock {
		t.Fatalf("replica reading on every Submit still applies: %+v", o)
	}
	time.Sleep(bound) // later's copy is now older than its refresh
	if o := submit(later); o.Applied || o.Action != aims.ActionBlock {
		t.Fatalf("replica with a %v refresh still applies once %v passed since the halt: %+v", bound, bound, o)
	}
	if err := now.gate.Resume(ctx, "credit", bob, "fixed"); err != nil {
		t.Fatal(err)
	}
	if o := submit(now); !o.Applied {
		t.Fatalf("the resuming replica still blocks: %+v", o)
	}
	time.Sleep(bound) // h1's and later's copies are now older than their refresh
	for _, h := range []*harness{h1, later} {
		if o := submit(h); !o.Applied {
			t.Fatalf("a replica with a %v refresh still blocks once %v passed since the resume: %+v", bound, bound, o)
		}
	}
}

// haltsDown is a MemoryStore whose halts cannot be read.
type haltsDown struct {
	*oversight.MemoryStore
	down atomic.Bool
}

func (s *haltsDown) Halts(ctx context.Context) ([]oversight.Halt, error) {
	if s.down.Load() {
		return nil, errors.New("store unreachable")
	}
	return s.MemoryStore.Halts(ctx)
}

// TestSubmitRefusesWhenHaltsUnreadable: a Gate that cannot learn whether
// its system is halted decides nothing.
func TestSubmitRefusesWhenHaltsUnreadable(t *testing.T) {
	s := &haltsDown{MemoryStore: oversight.NewMemoryStore()}
	h := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")),
		oversight.WithStore(s), oversight.WithHaltRefresh(0))
	s.down.Store(true)
	o, err := h.gate.Submit(context.Background(), decision(t, "credit", "approve", 0.9, 0.5, false))
	if err == nil || o.Applied || len(h.rec.all()) != 0 {
		t.Fatalf("Submit with unreadable halts: %+v, %v, %d records", o, err, len(h.rec.all()))
	}
	if _, err := oversight.New(context.Background(), &fakeRecorder{}, oversight.WithHaltRefresh(-time.Second)); err == nil {
		t.Fatal("a negative halt refresh was accepted")
	}
}

// TestReasonsAreBounded: a reason is kept in the decision log and shown to
// every reviewer, so one caller must not make it megabytes long. Reasons
// of MaxReasonBytes are taken; one byte more is refused for a halt, a
// resume, a review action and a contest's grounds, with nothing recorded
// but the refusal (whose error does not repeat the reason).
func TestReasonsAreBounded(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	fits := strings.Repeat("r", oversight.MaxReasonBytes)
	long := fits + "r"
	tooLong := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, oversight.ErrReasonTooLong) {
			t.Errorf("%s with a %d-byte reason: %v, want ErrReasonTooLong", what, len(long), err)
		}
		if err != nil && strings.Contains(err.Error(), long[:100]) {
			t.Errorf("%s: the error repeats the reason", what)
		}
	}
	out, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	before := len(h.rec.all())
	tooLong("halt", h.gate.Halt(ctx, "credit", carol, long))
	_, err = h.gate.Override(ctx, out.Ticket.ID, alice, "approve", long)
	tooLong("override", err)
	_, err = h.gate.Reject(ctx, out.Ticket.ID, alice, long)
	tooLong("reject", err)
	if h.gate.Halted("credit") || len(h.rec.all()) != before {
		t.Fatalf("a refused action changed something: halted %v, %d records after %d", h.gate.Halted("credit"), len(h.rec.all()), before)
	}
	rej, err := h.gate.Reject(ctx, out.Ticket.ID, alice, fits)
	if err != nil {
		t.Fatalf("reject with a reason of MaxReasonBytes: %v", err)
	}
	_, err = h.gate.Contest(ctx, rej.Decision.ID, long)
	tooLong("contest", err)
	if _, err := h.gate.Contest(ctx, rej.Decision.ID, fits); err != nil {
		t.Fatalf("contest with grounds of MaxReasonBytes: %v", err)
	}
	if err := h.gate.Halt(ctx, "credit", carol, fits); err != nil {
		t.Fatalf("halt with a reason of MaxReasonBytes: %v", err)
	}
	tooLong("resume", h.gate.Resume(ctx, "credit", carol, long))
	if !h.gate.Halted("credit") {
		t.Fatal("a resume with a too long reason resumed")
	}
}

// stallingHalts is a HaltStore whose next Halts read, once armed, waits
// until it is released or its context ends.
type stallingHalts struct {
	*oversight.MemoryStore
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *stallingHalts) Halts(ctx context.Context) ([]oversight.Halt, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.release:
		}
	}
	return s.MemoryStore.Halts(ctx)
}

// TestSlowHaltReadHoldsUpNoOtherSubmit: the Submits that find the shared
// halts stale share one read. A Submit whose context never ends, caught in
// a read the store stalls, used to hold the read's lock, so every other
// Submit waited past its own deadline; now each waits only as long as its
// context lets it. And the read runs under no caller's context: the
// caller that started it giving up does not fail it for the others.
func TestSlowHaltReadHoldsUpNoOtherSubmit(t *testing.T) {
	s := &stallingHalts{MemoryStore: oversight.NewMemoryStore()}
	h := newHarness(t, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "")),
		oversight.WithStore(s), oversight.WithHaltRefresh(time.Millisecond))
	submit := func(ctx context.Context) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
			done <- err
		}()
		return done
	}
	wait := func(what string, done <-chan error) error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute): // a hang detector, not a timing assertion
			t.Fatalf("%s did not return", what)
			return nil
		}
	}
	for round, startedBy := range []string{"a caller that never gives up", "a caller that gives up"} {
		s.entered, s.release = make(chan struct{}), make(chan struct{})
		time.Sleep(5 * time.Millisecond) // the copy goes stale
		s.armed.Store(true)
		first, cancelFirst := context.WithCancel(context.Background())
		if round == 0 {
			first = context.Background()
		}
		firstDone := submit(first)
		<-s.entered
		// Another Submit gives up: it returns with its context's error,
		// however long the read takes.
		ctx, cancel := context.WithCancel(context.Background())
		otherDone := submit(ctx)
		cancel()
		if err := wait("a Submit whose context ended during a stalled halt read", otherDone); !errors.Is(err, context.Canceled) {
			t.Fatalf("read started by %s: the Submit that gave up returned %v, want context.Canceled", startedBy, err)
		}
		// A third waits; the first gives up (second round); the read goes on
		// and its result serves whoever still waits.
		thirdDone := submit(context.Background())
		if round == 1 {
			cancelFirst()
			if err := wait("the Submit that started the read and gave up", firstDone); !errors.Is(err, context.Canceled) {
				t.Fatalf("the Submit that started the read and gave up returned %v", err)
			}
		}
		close(s.release)
		if err := wait("a Submit waiting for the halt read", thirdDone); err != nil {
			t.Fatalf("read started by %s: a waiting Submit failed: %v", startedBy, err)
		}
		if round == 0 {
			if err := wait("the Submit that started the read", firstDone); err != nil {
				t.Fatalf("the Submit that started the read failed: %v", err)
			}
		}
		cancelFirst()
	}
	if n := len(h.rec.all()); n != 3 {
		t.Fatalf("%d decisions recorded, want 3 (the ones that did not give up)", n)
	}
}
