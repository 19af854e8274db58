package auditreport_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/oversight"
)

// This file drives the real oversight.Gate, writing real signed ledgers,
// and checks the report against what was done: the ground truth is the
// sequence of gate calls (and what the Gate itself says of a decision),
// not the report code.

// testClock is a settable clock for the gate and the ledger.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// gateRig is one instance of system "s": a System writing a signed ledger
// and a Gate recording through it.
type gateRig struct {
	led   *ledger.Ledger
	sys   *aims.System
	gate  *oversight.Gate
	clock *testClock
	store oversight.Store
}

var (
	alice = oversight.Reviewer{ID: "alice", Roles: []string{"reviewer"}}
	bob   = oversight.Reviewer{ID: "bob", Roles: []string{"reviewer"}}
	carol = oversight.Reviewer{ID: "carol", Roles: []string{"reviewer"}}
	dave  = oversight.Reviewer{ID: "dave", Roles: []string{"reviewer"}}
)

// newGateRig opens instance's ledger in dir, signed with skey, and a Gate
// on store (a fresh memory store when nil) whose clock is clock; opts are
// added to the Gate's options.
func newGateRig(t *testing.T, dir, instance, skey string, clock *testClock, store oversight.Store, opts ...oversight.Option) *gateRig {
	t.Helper()
	return newGateRigLedger(t, dir, instance, skey, clock, store, nil, opts...)
}

// newGateRigLedger is newGateRig with ledger options.
func newGateRigLedger(t *testing.T, dir, instance, skey string, clock *testClock, store oversight.Store, ledgerOpts []ledger.Option, opts ...oversight.Option) *gateRig {
	t.Helper()
	ctx := context.Background()
	signer, err := ledger.NewSigner(skey)
	require.NoError(t, err)
	led, err := ledger.Open(ctx, dir, "s", instance, signer, ledgerOpts...)
	require.NoError(t, err)
	pseud, err := aims.NewPseudonymizer([]byte("a 32-byte key from a secret store"), "k1")
	require.NoError(t, err)
	sys, err := aims.NewSystem("s", aims.WithLedger(led), aims.WithPseudonymizer(pseud),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}, aims.Outcome{Value: "referred"}))
	require.NoError(t, err)
	if store == nil {
		store = oversight.NewMemoryStore()
	}
	base := []oversight.Option{oversight.WithStore(store), oversight.WithClock(clock.Now), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithDeadlines(time.Hour)}
	g, err := oversight.New(ctx, sys, append(base, opts...)...)
	require.NoError(t, err)
	return &gateRig{led: led, sys: sys, gate: g, clock: clock, store: store}
}

// close closes the Gate and the System (and so the ledger).
func (r *gateRig) close(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, r.gate.Close(ctx))
	require.NoError(t, r.sys.Close(ctx))
}

// submit submits a new decision with output to the Gate at the clock's time.
func (r *gateRig) submit(t *testing.T, output string) oversight.Outcome {
	t.Helper()
	ctx := context.Background()
	d, err := r.sys.NewDecision(ctx, aims.Draft{Subject: "person-" + output, Output: output})
	require.NoError(t, err)
	d.Time = r.clock.Now()
	out, err := r.gate.Submit(ctx, d)
	require.NoError(t, err)
	return out
}

// reportOf loads and builds the report of the ledgers below dir.
func reportOf(t *testing.T, dir, vkey string) *auditreport.Report {
	t.Helper()
	in, err := auditreport.Load(context.Background(), auditreport.LoadOptions{LedgerDir: dir, Key: vkey,
		Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	r, err := auditreport.Build(in)
	require.NoError(t, err)
	return r
}

// finalOutcomes maps each final outcome label to its count of decisions.
func finalOutcomes(r *auditreport.Report) map[string]int {
	m := map[string]int{}
	for _, c := range r.Decisions.Outcomes {
		m[c.Label] = c.N
	}
	return m
}

// TestLatestContestDecidesTheFinalOutcome: a decision applied by the
// gate is contested and the contest upheld; the person contests again and
// the second contest's reviewer overrides the decision to "deny". The Gate
// itself (Gate.Decision) says the decision now stands as "deny", so the
// report counts its final outcome as "deny": the latest contest
// resolution decides, not the first.
func TestLatestContestDecidesTheFinalOutcome(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey("gate")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "ledger")
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	r := newGateRig(t, dir, "pod-1", skey, clock, nil, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "auto")))

	out := r.submit(t, "approve")
	id := out.Decision.ID
	clock.Advance(time.Minute)
	c1, err := r.gate.Contest(ctx, id, "I disagree")
	require.NoError(t, err)
	_, err = r.gate.Approve(ctx, c1.ID, alice, "decision stands")
	require.NoError(t, err)
	clock.Advance(time.Minute)
	c2, err := r.gate.Contest(ctx, id, "new evidence")
	require.NoError(t, err)
	_, err = r.gate.Override(ctx, c2.ID, bob, "deny", "new evidence shows fraud")
	require.NoError(t, err)
	standing, err := r.gate.Decision(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "deny", standing.Decision.Output, "ground truth: the gate says the decision stands as deny")
	r.close(t)

	rep := reportOf(t, dir, vkey)
	require.Equal(t, auditreport.VerdictPass, rep.Ledger.Verdict)
	assert.Equal(t, 1, rep.Decisions.Total)
	assert.Equal(t, 2, rep.Oversight.Contested)
	assert.Equal(t, 1, rep.Oversight.ContestsUpheld)
	assert.Equal(t, 1, rep.Oversight.ContestsChanged)
	assert.Equal(t, map[string]int{"deny": 1}, finalOutcomes(rep), "the final outcome after the last contest is deny")
}

// TestExpiredContestIsNotAnExpiredHeldDecision: nothing is held for
// review; one applied decision is contested, the contest is escalated
// and then nobody resolves it before its final deadline. Expired and
// Escalated count held decisions' review tickets; there are none, so
// both are zero and Held = Approved + Rejected + Overridden + Expired +
// Open holds. The contest's escalation and expiry are counted as the
// contest's (ContestsEscalated, ContestsExpired), in every rendering,
// and the decision stands as it was.
func TestExpiredContestIsNotAnExpiredHeldDecision(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey("gate")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "ledger")
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	r := newGateRig(t, dir, "pod-1", skey, clock, nil, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "auto")),
		oversight.WithDeadlines(time.Hour, time.Hour))

	out := r.submit(t, "approve")
	_, err = r.gate.Contest(ctx, out.Decision.ID, "I disagree")
	require.NoError(t, err)
	for range 2 { // the contest escalates, then expires
		clock.Advance(61 * time.Minute)
		n, err := r.gate.Sweep(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	standing, err := r.gate.Decision(ctx, out.Decision.ID)
	require.NoError(t, err)
	require.Equal(t, "approve", standing.Decision.Output, "ground truth: an expired contest leaves the decision as it was")
	r.close(t)

	rep := reportOf(t, dir, vkey)
	o := rep.Oversight
	assert.Equal(t, 0, o.Held)
	assert.Equal(t, 1, o.Contested)
	assert.Equal(t, 0, o.Expired, "no held decision expired: the expiry is the contest's")
	assert.Equal(t, 0, o.Escalated, "no held decision was escalated: the escalation is the contest's")
	assert.Equal(t, 0, o.Open)
	assert.Equal(t, o.Held, o.Approved+o.Rejected+o.Overridden+o.Expired+o.Open)
	assert.Equal(t, 1, o.ContestsExpired)
	assert.Equal(t, 1, o.ContestsEscalated)
	assert.Zero(t, o.ContestsUpheld+o.ContestsChanged)
	assert.Equal(t, map[string]int{"approve": 1}, finalOutcomes(rep))

	var md, html, js bytes.Buffer
	require.NoError(t, rep.RenderMarkdown(&md))
	require.NoError(t, rep.RenderHTML(&html))
	require.NoError(t, rep.RenderJSON(&js))
	assert.Contains(t, md.String(), "| Contests upheld / changed / expired | 0 / 0 / 1 |")
	assert.Contains(t, md.String(), "| Contests escalated | 1 |")
	assert.Contains(t, md.String(), "| Expired | 0 |")
	assert.Contains(t, html.String(), `<td class="num">1 (0 / 0 / 1; 1)</td>`)
	assert.Contains(t, js.String(), `"ContestsExpired": 1`)
	assert.Contains(t, js.String(), `"ContestsEscalated": 1`)
}

// TestGateLifecycleAcrossRestart drives one instance through the real
// gate: held decisions approved, rejected, overridden, a four-eyes ticket
// whose votes conflict and escalate before two reviewers approve, one
// escalated by the sweep and then expired, one left open; a halt, a
// restart of the instance (ledger and gate reopened on the same store),
// an approval refused during the halt, and a resume. Every count is checked against what was done.
func TestGateLifecycleAcrossRestart(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey("gate")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "ledger")
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	store := oversight.NewMemoryStore()
	opts := []oversight.Option{oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithDeadlines(time.Hour, time.Hour),
		oversight.WithRiskLevel("s", aims.RiskLimited)}
	r := newGateRig(t, dir, "pod-1", skey, clock, store, opts...)

	applied := r.submit(t, "approve")
	require.Equal(t, aims.ActionApply, applied.Action)
	h1 := r.submit(t, "deny")
	h2 := r.submit(t, "deny")
	h3 := r.submit(t, "deny")
	h4 := r.submit(t, "deny") // escalated by the sweep, then expires
	h5 := r.submit(t, "deny") // stays open
	for _, h := range []oversight.Outcome{h1, h2, h3, h4, h5} {
		require.Equal(t, aims.ActionReview, h.Action)
	}
	clock.Advance(time.Minute)
	_, err = r.gate.Approve(ctx, h1.Ticket.ID, alice, "ok")
	require.NoError(t, err)
	_, err = r.gate.Reject(ctx, h2.Ticket.ID, bob, "income not verified")
	require.NoError(t, err)
	_, err = r.gate.Override(ctx, h3.Ticket.ID, carol, "approve", "collateral")
	require.NoError(t, err)
	require.NoError(t, r.gate.Halt(ctx, "s", dave, "incident"))
	r.close(t)

	// Restart: same ledger folder, same review store.
	clock.Advance(61 * time.Minute)
	r = newGateRig(t, dir, "pod-1", skey, clock, store, opts...)
	_, err = r.gate.Sweep(ctx) // h4, h5 escalate
	require.NoError(t, err)
	sue := oversight.Reviewer{ID: "sue", Roles: []string{"supervisor"}}
	// An approval during the halt is refused and must leave no trace.
	_, err = r.gate.Approve(ctx, h5.Ticket.ID, sue, "during the halt")
	require.ErrorIs(t, err, oversight.ErrHalted)
	require.NoError(t, r.gate.Resume(ctx, "s", dave, "fixed"))
	_, err = r.gate.Approve(ctx, h5.Ticket.ID, sue, "late but fine")
	require.NoError(t, err)
	clock.Advance(61 * time.Minute)
	_, err = r.gate.Sweep(ctx) // h4 expires
	require.NoError(t, err)
	r.close(t)

	rep := reportOf(t, dir, vkey)
	require.Equal(t, auditreport.VerdictPass, rep.Ledger.Verdict, rep.Summary.VerificationText)
	o := rep.Oversight
	assert.Equal(t, 6, rep.Decisions.Total)
	assert.Equal(t, 1, o.Applied)
	assert.Equal(t, 5, o.Held)
	assert.Equal(t, 2, o.Approved)
	assert.Equal(t, 1, o.Rejected)
	assert.Equal(t, 1, o.Overridden)
	assert.Equal(t, 1, o.Expired)
	assert.Equal(t, 0, o.Open)
	assert.Equal(t, 2, o.Escalated)
	assert.Equal(t, 1, o.Halts)
	assert.Equal(t, 1, o.Resumes)
	assert.Equal(t, map[string]int{"approve": 2, "deny": 2, auditreport.OutcomeRejected: 1, auditreport.OutcomeExpired: 1}, finalOutcomes(rep))
	assert.Equal(t, 1, rep.Instances.Total.Halts)
	assert.Equal(t, 4, rep.Instances.Total.Resolutions)
}

// TestDuplicateDecisionIDAcrossInstances: two instances (each with its
// own review store) each hold a decision for review under the same
// decision ID (a broken ID generator); the two decisions differ. pod-a's
// is approved, pod-b's stays open. The truth is 2 held, 1 approved and 1
// open: the report counts exactly that (each approval linked to the
// decision in its own ledger), and says, in the summary and in every
// rendering, that the ID is used by two different decisions, naming both
// instances.
func TestDuplicateDecisionIDAcrossInstances(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey("gate")
	require.NoError(t, err)
	root := t.TempDir()
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	const dup = "01936a00-0000-7000-8000-000000000001"
	for _, name := range []string{"pod-a", "pod-b"} {
		r := newGateRig(t, filepath.Join(root, name), name, skey, clock, nil, oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")))
		d, err := r.sys.NewDecision(ctx, aims.Draft{Subject: "x", Output: "deny"})
		require.NoError(t, err)
		d.ID = dup
		out, err := r.gate.Submit(ctx, d)
		require.NoError(t, err)
		require.Equal(t, aims.ActionReview, out.Action)
		if name == "pod-a" {
			clock.Advance(time.Minute)
			_, err = r.gate.Approve(ctx, out.Ticket.ID, alice, "ok")
			require.NoError(t, err)
		}
		r.close(t)
	}

	rep := reportOf(t, root, vkey)
	require.Equal(t, auditreport.VerdictPass, rep.Ledger.Verdict, rep.Summary.VerificationText)
	o := rep.Oversight
	assert.Equal(t, 2, rep.Decisions.Total)
	assert.Equal(t, 2, o.Held)
	assert.Equal(t, 1, o.Approved)
	assert.Equal(t, 1, o.Open, "pod-b's held decision was never reviewed")
	assert.Equal(t, o.Held, o.Approved+o.Rejected+o.Overridden+o.Expired+o.Open)
	assert.Equal(t, map[string]int{"deny": 1, auditreport.OutcomePending: 1}, finalOutcomes(rep))
	require.Len(t, rep.Instances.Rows, 2)
	assert.Equal(t, 1, rep.Instances.Rows[0].Resolutions, "the approval is pod-a's")
	assert.Equal(t, 0, rep.Instances.Rows[1].Resolutions)

	assert.Equal(t, 1, rep.Decisions.DuplicateIDs)
	want := dup + " (2 records, in pod-a, pod-b)"
	assert.Equal(t, []string{want}, rep.Decisions.Duplicates)
	said := false
	for _, f := range rep.Summary.Findings {
		if strings.Contains(f.Text, want) {
			said = true
			assert.Equal(t, auditreport.VerdictWarn, f.Verdict)
		}
	}
	assert.True(t, said, "the summary names the duplicate ID and its instances")
	var md, html, js bytes.Buffer
	require.NoError(t, rep.RenderMarkdown(&md))
	require.NoError(t, rep.RenderHTML(&html))
	require.NoError(t, rep.RenderJSON(&js))
	for name, text := range map[string]string{"markdown": md.String(), "html": html.String(), "json": js.String()} {
		assert.Contains(t, text, want, name)
	}
	assert.Contains(t, md.String(), "**WARNING** 1 decision ID is used by more than one decision record with different content")
}

// TestPrunedHeldDecisionIsNotCountedAsApproved: a decision is held for
// review, the ledger segment holding it is later deleted by retention
// (Ledger.Prune), and the reviewer's approval, written after a rotation,
// is kept. The ledger holds no held decision, so the report counts none
// approved and no agreement rate: the approval is counted apart as a
// review record of a decision not in the ledger, Held = Approved +
// Rejected + Overridden + Expired + Open holds, and the oversight note
// and the summary say that the ledger was pruned.
func TestPrunedHeldDecisionIsNotCountedAsApproved(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey("gate")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "ledger")
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	r := newGateRigLedger(t, dir, "pod-1", skey, clock, nil,
		[]ledger.Option{ledger.WithClock(clock.Now), ledger.WithCheckpointEvery(1, 0), ledger.WithSegmentLimits(0, time.Hour)},
		oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")), oversight.WithDeadlines(100*time.Hour))
	h := r.submit(t, "deny")
	clock.Advance(2 * time.Hour) // the next record starts a new segment
	_, err = r.gate.Approve(ctx, h.Ticket.ID, alice, "ok")
	require.NoError(t, err)
	clock.Advance(ledger.DefaultRetention + 24*time.Hour)
	removed, err := r.led.Prune(ctx, clock.Now().Add(-ledger.DefaultRetention))
	require.NoError(t, err)
	require.NotEmpty(t, removed, "the first segment, holding the held decision, was pruned")
	r.close(t)

	rep := reportOf(t, dir, vkey)
	require.Equal(t, auditreport.VerdictPass, rep.Ledger.Verdict, rep.Summary.VerificationText)
	require.EqualValues(t, 1, rep.Ledger.Ledgers[0].Verification.Pruned)
	o := rep.Oversight
	assert.Equal(t, 0, o.Held)
	assert.Equal(t, 0, o.Approved, "no held decision in the ledger was approved")
	assert.Equal(t, o.Held, o.Approved+o.Rejected+o.Overridden+o.Expired+o.Open)
	assert.Equal(t, 1, o.WithoutDecision)
	assert.False(t, o.AgreementDefined, "no agreement rate over a decision the ledger does not hold")
	assert.Zero(t, o.ReviewTimes.N)
	assert.Empty(t, o.Reviewers)
	assert.Equal(t, 0, rep.Instances.Total.Resolutions)
	assert.Contains(t, o.Note, "Retention pruned 1 record from the ledger")
	assert.Contains(t, o.Note, "1 review record of held decisions not in the ledger (pruned, or never there) is counted apart")
	var summary []string
	for _, f := range rep.Summary.Findings {
		summary = append(summary, f.Text)
	}
	text := strings.Join(summary, "\n")
	assert.Contains(t, text, "Retention pruned 1 earlier record from the ledger")
	assert.Contains(t, text, "0 approved")
	assert.Contains(t, text, "no resolved reviews; 1 review record of decisions not in the ledger (pruned or unknown) counted apart")

	var md, html, js bytes.Buffer
	require.NoError(t, rep.RenderMarkdown(&md))
	require.NoError(t, rep.RenderHTML(&html))
	require.NoError(t, rep.RenderJSON(&js))
	assert.Contains(t, md.String(), "| Review records of decisions not in the ledger (pruned or unknown) | 1 |")
	assert.Contains(t, md.String(), "| Approved | 0 |")
	assert.Contains(t, html.String(), `<td>Review records of decisions not in the ledger (pruned or unknown)</td><td class="num">1</td>`)
	assert.Contains(t, js.String(), `"WithoutDecision": 1`)
}
