package auditreport

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
)

func countMap(cs []Count) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.Label] = c.N
	}
	return m
}

// TestCountsComeFromTheRecords checks that every count shown in two
// places is the same number, derived from the ledger: held decisions add
// up to their final states, votes that resolved nothing are not
// resolutions, the summary repeats the sections, and the renderings show
// the ground-truth numbers.
func TestCountsComeFromTheRecords(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	o := r.Oversight
	assert.Equal(t, want.Partial, o.PartialApprovals)
	assert.Equal(t, 3, want.Partial, "scenario: three votes that resolve nothing")
	assert.Equal(t, want.Waiting, o.Waiting)
	assert.Equal(t, want.Open, o.Open)
	assert.Equal(t, o.Held, o.Approved+o.Rejected+o.Overridden+o.Expired+o.Open, "each held decision counted once, by its final state")
	assert.Equal(t, want.Overridden, len(o.Overrides))
	assert.Equal(t, o.Overridden, len(o.Overrides))
	assert.Equal(t, o.Held, r.Summary.HeldForReview)
	assert.Equal(t, o.Overridden, r.Summary.Overridden)
	assert.Equal(t, o.Approved+o.Rejected+o.Overridden, o.ReviewTimes.N, "one review time per resolution")
	resolving := 0
	for _, c := range o.Reviewers {
		resolving += c.N
	}
	assert.Equal(t, o.Approved+o.Rejected+o.Overridden, resolving)
	assert.Nil(t, o.Events, "no second source of oversight counts beside the ledger")

	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	text := md.String()
	for _, s := range []string{
		fmt.Sprintf("| Votes that did not resolve a ticket (four-eyes) | %d |", want.Partial),
		fmt.Sprintf("| Of which waiting for another reviewer's vote | %d |", want.Waiting),
		fmt.Sprintf("| Overridden | %d |", want.Overridden),
		fmt.Sprintf("Overrides (%d):", want.Overridden),
	} {
		assert.Contains(t, text, s)
	}
	assert.NotContains(t, text, "Partial approvals (four")
	assert.NotContains(t, text, "Oversight event (collector logs)")
}

// TestOutcomesAreFinalOutcomes checks that decisions are counted by the
// outcome that took effect after review, and that overrides are listed
// with the model's and the reviewer's output and every reviewer who voted.
func TestOutcomesAreFinalOutcomes(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	d := r.Decisions
	assert.Equal(t, want.FinalOutcomes, countMap(d.Outcomes))
	assert.Equal(t, want.ModelOutputs, countMap(d.ModelOutputs))
	assert.Equal(t, 1, countMap(d.Outcomes)[OutcomeExpired])
	assert.Equal(t, want.Rejected, countMap(d.Outcomes)[OutcomeRejected])
	assert.Equal(t, want.Blocked, countMap(d.Outcomes)[OutcomeBlocked])
	assert.Equal(t, want.Open, countMap(d.Outcomes)[OutcomePending])
	charted := map[string]int{}
	for _, b := range d.Series {
		for i, n := range b.Counts {
			charted[d.Outcomes[i].Label] += n
		}
	}
	assert.Equal(t, want.FinalOutcomes, charted, "the chart stacks final outcomes")

	got := r.Oversight.Overrides
	require.Len(t, got, len(want.Overrides))
	for i, w := range want.Overrides {
		assert.Equal(t, w.Decision, got[i].Decision)
		assert.Equal(t, w.From, got[i].From)
		assert.Equal(t, w.To, got[i].To)
		assert.Equal(t, w.Reviewers, got[i].Reviewers)
		assert.Equal(t, w.Reason, got[i].Reason)
	}
	var html bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	page := html.String()
	assert.Contains(t, page, fmt.Sprintf("<h3>Overrides (%d)</h3>", len(want.Overrides)))
	assert.Contains(t, page, "<td>"+want.Overrides[0].From+" → "+want.Overrides[0].To+"</td>")
	assert.Contains(t, page, "carol, ", "four-eyes override names both reviewers")
	assert.NotContains(t, page, "<script>alert(1)")
}

// TestRubberStampingWarning checks the oversight indicators: no plain
// PASS, and a warning with the thresholds when reviews are fast and agree.
func TestRubberStampingWarning(t *testing.T) {
	_, _, in := scenario(t)
	r := build(t, in)
	assert.False(t, r.Oversight.RubberStamping)
	assert.Contains(t, r.Oversight.RubberStampingText, "no warning")
	for _, f := range r.Summary.Findings {
		if strings.Contains(f.Text, "held for human review") {
			assert.NotEqual(t, VerdictPass, f.Verdict)
		}
	}

	// Twenty held decisions, each approved 5 s after it was held.
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ds []aims.Decision
	for i := range 20 {
		id := fmt.Sprintf("d-%02d", i)
		held := aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: id, SystemID: "s", Time: t0, Output: "approve",
			Oversight: &aims.OversightOutcome{Action: aims.ActionReview, TicketID: "t-" + id}}
		ok := held
		ok.ID = "r-" + id
		ok.Oversight = &aims.OversightOutcome{Action: aims.ActionApprove, Reviewer: "rita", TicketID: "t-" + id, RelatedDecisionID: id, ReviewLatency: 5 * time.Second}
		ds = append(ds, held, ok)
	}
	r = build(t, &Input{Decisions: ds})
	o := r.Oversight
	assert.Equal(t, 20, o.Approved)
	assert.True(t, o.RubberStamping)
	assert.Contains(t, o.RubberStampingText, "Possible rubber-stamping")
	assert.Contains(t, o.RubberStampingText, "below 30.0 s")
	assert.Contains(t, o.RubberStampingText, "above 95%")
	warned := false
	for _, f := range r.Summary.Findings {
		if strings.Contains(f.Text, "rubber-stamping") && f.Verdict == VerdictWarn {
			warned = true
		}
	}
	assert.True(t, warned, "the summary warns")
	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	assert.Contains(t, md.String(), "**WARNING** Possible rubber-stamping")
}

// TestFairnessIntervalsAndSmallGroups checks the bootstrap intervals of
// the impact ratios and that a small group below four fifths is a warning
// that states n and its interval, not a FAIL.
func TestFairnessIntervalsAndSmallGroups(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	require.Len(t, r.Fairness.Monitors, 1)
	var small []string
	for _, g := range r.Fairness.Monitors[0].Groups {
		assert.Equal(t, want.FourFifths[g.Group], string(g.FourFifths), g.Group)
		if g.SmallGroup {
			small = append(small, g.Group)
			assert.Contains(t, g.FourFifthsNote, "small group: n = 8 < 30", g.Group)
		}
		if *g.ImpactRatio == 1 {
			assert.Nil(t, g.ImpactLow, "the reference group has no interval")
			continue
		}
		require.NotNil(t, g.ImpactLow, g.Group)
		assert.LessOrEqual(t, *g.ImpactLow, *g.ImpactRatio, g.Group)
		assert.GreaterOrEqual(t, *g.ImpactHigh, *g.ImpactRatio-1e-9, g.Group)
		assert.Contains(t, g.FourFifthsNote, "95% CI", g.Group)
	}
	assert.Equal(t, want.SmallGroups, small)
	// The interval of the 8-decision group is wide; the 200-decision
	// group's is narrow.
	byName := map[string]GroupRow{}
	for _, g := range r.Fairness.Monitors[0].Groups {
		byName[g.Group] = g
	}
	assert.Greater(t, *byName["age=<25"].ImpactHigh-*byName["age=<25"].ImpactLow, 0.3)
	assert.Less(t, *byName["sex=F"].ImpactHigh-*byName["sex=F"].ImpactLow, 0.3)
	// Same seed, same interval.
	again := build(t, in).Fairness.Monitors[0].Groups
	assert.Equal(t, *byName["sex=F"].ImpactLow, *again[1].ImpactLow)
	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	assert.Contains(t, md.String(), "WARNING (small group: n = 8 &lt; 30; 95% CI")
}

// TestContestResolutionsAreNotReviewCounts: a contest is a ticket of its
// own. Its resolution is neither an approval of a held decision nor a
// second resolution of one; when it changes the decision, the decision's
// final outcome is the contest's.
func TestContestResolutionsAreNotReviewCounts(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	dec := func(id, output string, o *aims.OversightOutcome) aims.Decision {
		return aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: id, SystemID: "credit-scoring", Time: at, Output: output, Oversight: o}
	}
	ds := []aims.Decision{
		// Held, approved on review, then contested and overridden.
		dec("d1", "deny", &aims.OversightOutcome{Action: aims.ActionReview, TicketID: "t1"}),
		dec("r1", "deny", &aims.OversightOutcome{Action: aims.ActionApprove, TicketID: "t1", RelatedDecisionID: "d1", Reviewer: "alice"}),
		dec("c1", "deny", &aims.OversightOutcome{Action: aims.ActionContest, Policy: "contest", TicketID: "t2", RelatedDecisionID: "r1"}),
		dec("x1", "approve", &aims.OversightOutcome{Action: aims.ActionOverride, Policy: "contest", TicketID: "t2", RelatedDecisionID: "r1", Reviewer: "bob", OriginalOutput: "deny"}),
		// Applied automatically, contested, upheld.
		dec("d2", "approve", &aims.OversightOutcome{Action: aims.ActionApply}),
		dec("c2", "approve", &aims.OversightOutcome{Action: aims.ActionContest, Policy: "contest", TicketID: "t3", RelatedDecisionID: "d2"}),
		dec("x2", "approve", &aims.OversightOutcome{Action: aims.ActionApprove, Policy: "contest", TicketID: "t3", RelatedDecisionID: "d2", Reviewer: "carol"}),
	}
	r, err := Build(&Input{Decisions: ds, GeneratedAt: at})
	require.NoError(t, err)
	o := r.Oversight
	assert.Equal(t, 1, o.Held)
	assert.Equal(t, 1, o.Approved, "the review's approval only")
	assert.Zero(t, o.Overridden, "the contest's override is not a review override")
	assert.Equal(t, o.Held, o.Approved+o.Rejected+o.Overridden+o.Expired+o.Open)
	assert.Equal(t, 2, o.Contested)
	assert.Equal(t, 1, o.ContestsUpheld)
	assert.Equal(t, 1, o.ContestsChanged)
	final := map[string]int{}
	for _, c := range r.Decisions.Outcomes {
		final[c.Label] = c.N
	}
	assert.Equal(t, map[string]int{"approve": 2}, final, "d1's final outcome is the contest's override")
}

// TestLatestContestResolutionStands: a decision is contested three times
// (upheld, changed to "deny", changed to "referred"); the records of
// the fleet's replicas are read one ledger after another, so the latest
// resolution is not the last one read. Its final outcome is the latest
// resolution's, as package oversight resolves a decision's standing; each
// resolution is still counted once.
func TestLatestContestResolutionStands(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	rec := func(id, output string, min int, o *aims.OversightOutcome) aims.Decision {
		return aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: id, SystemID: "s", Time: at.Add(time.Duration(min) * time.Minute), Output: output, Oversight: o}
	}
	contest := func(n string) *aims.OversightOutcome {
		return &aims.OversightOutcome{Action: aims.ActionContest, Policy: contestPolicy, TicketID: "ct" + n, RelatedDecisionID: "d"}
	}
	resolve := func(n string, a aims.OversightAction) *aims.OversightOutcome {
		return &aims.OversightOutcome{Action: a, Policy: contestPolicy, TicketID: "ct" + n, RelatedDecisionID: "d", Reviewer: "r" + n}
	}
	ds := []aims.Decision{
		// Replica 1's ledger: the decision, the first contest, the third.
		rec("d", "approve", 0, &aims.OversightOutcome{Action: aims.ActionApply}),
		rec("c1", "approve", 1, contest("1")),
		rec("x1", "approve", 2, resolve("1", aims.ActionApprove)),
		rec("c3", "deny", 5, contest("3")),
		rec("x3", "referred", 6, resolve("3", aims.ActionOverride)),
		// Replica 2's ledger: the second contest.
		rec("c2", "approve", 3, contest("2")),
		rec("x2", "deny", 4, resolve("2", aims.ActionOverride)),
	}
	r := build(t, &Input{Decisions: ds, GeneratedAt: at})
	assert.Equal(t, map[string]int{"referred": 1}, countMap(r.Decisions.Outcomes), "the third contest's override stands")
	assert.Equal(t, 3, r.Oversight.Contested)
	assert.Equal(t, 1, r.Oversight.ContestsUpheld)
	assert.Equal(t, 2, r.Oversight.ContestsChanged)
}

// TestReviewOfAnUnknownDecisionIsCountedApart: the ledger (not pruned)
// holds one held decision, open, and an override of a decision it never
// held. The override is no resolution of a held decision here: it is
// counted apart and the note says the ledger was not pruned, so the
// decision is unknown.
func TestReviewOfAnUnknownDecisionIsCountedApart(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	r := build(t, &Input{GeneratedAt: at, Decisions: []aims.Decision{
		{SchemaVersion: aims.DecisionSchemaVersion, ID: "d1", SystemID: "s", Time: at, Output: "deny", Oversight: &aims.OversightOutcome{Action: aims.ActionReview, TicketID: "t1"}},
		{SchemaVersion: aims.DecisionSchemaVersion, ID: "f1", SystemID: "s", Time: at, Output: "approve",
			Oversight: &aims.OversightOutcome{Action: aims.ActionOverride, TicketID: "t9", RelatedDecisionID: "d9", Reviewer: "x", ReviewLatency: time.Minute}},
	}})
	o := r.Oversight
	assert.Equal(t, []int{1, 0, 1, 1}, []int{o.Held, o.Overridden, o.Open, o.WithoutDecision})
	assert.Empty(t, o.Overrides)
	assert.False(t, o.AgreementDefined)
	assert.Equal(t, "1 review record of held decisions not in the ledger (the ledger was not pruned, so they name decisions it never held) is counted apart, not as approvals, rejections, overrides, expiries, votes or escalations, nor in the agreement rate or review times.", o.Note)
}
