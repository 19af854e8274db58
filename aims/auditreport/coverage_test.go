package auditreport

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
)

// TestCoverageMachineEvidenceMatchesWant checks every control's machine
// evidence against the scenario's ground truth: log records and metric
// points by their aims.control.id, ledger records by the control the
// recorded action evidences (not only A.6.2.8), and the split of the
// applicable controls into machine evidence, declared evidence only and
// none.
func TestCoverageMachineEvidenceMatchesWant(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	require.Len(t, r.Coverage.Rows, 38)
	var docs int
	var gaps []string
	declared := 0
	for _, row := range r.Coverage.Rows {
		assert.Equal(t, want.LogsByControl[row.ID], row.LogRecords, "log records for %s", row.ID)
		assert.Equal(t, want.PointsByControl[row.ID], row.MetricPoints, "metric points for %s", row.ID)
		assert.Equal(t, want.LedgerByControl[row.ID], row.LedgerRecords, "ledger records for %s", row.ID)
		assert.Equal(t, want.MachineEvidence[row.ID], row.Evidence, "machine evidence for %s", row.ID)
		if row.DocumentsOnly {
			docs++
		}
		if row.Gap {
			gaps = append(gaps, row.ID)
		}
		if row.Applicability == "applicable" && len(row.SoAEvidence) > 0 {
			declared++
		}
	}
	assert.Equal(t, want.WithMachineEvidence, r.Summary.WithEvidence, "applicable controls with machine evidence")
	assert.Equal(t, want.DeclaredOnly, docs, "applicable controls with declared evidence only")
	assert.Equal(t, want.NoEvidence, gaps, "applicable controls without evidence")
	assert.Equal(t, want.Declared, declared, "applicable controls with declared evidence")
	assert.Equal(t, want.Applicable, want.WithMachineEvidence+want.DeclaredOnly+len(want.NoEvidence))
	assert.Equal(t, want.Declared, r.Summary.Declared)
	assert.Equal(t, want.DeclaredOnly, r.Summary.DeclaredOnly)
	assert.Equal(t, len(want.NoEvidence), r.Summary.NoEvidence)
}

// TestLedgerControls checks which controls each kind of ledger record is
// evidence for.
func TestLedgerControls(t *testing.T) {
	rec := func(a aims.OversightAction, related string, attrs map[string]string) *aims.Decision {
		d := &aims.Decision{Attributes: attrs}
		if a != "" {
			d.Oversight = &aims.OversightOutcome{Action: a, RelatedDecisionID: related}
		}
		return d
	}
	vote := map[string]string{partialApprovalsAttr: "1 of 2"}
	for _, tc := range []struct {
		d    *aims.Decision
		want []string
	}{
		{rec("", "", nil), []string{"A.6.2.8"}},
		{rec(aims.ActionApply, "", nil), []string{"A.6.2.8"}},
		{rec(aims.ActionReview, "", nil), []string{"A.6.2.8", "A.9.2"}},
		{rec(aims.ActionBlock, "", nil), []string{"A.6.2.8", "A.9.2"}},
		{rec(aims.ActionApprove, "d", nil), []string{"A.6.2.8", "A.9.2"}},
		{rec(aims.ActionOverride, "d", vote), []string{"A.6.2.8", "A.9.2", "A.3.2"}},
		{rec(aims.ActionExpire, "d", nil), []string{"A.6.2.8", "A.9.2"}},
		{rec(aims.ActionHalt, "", nil), []string{"A.6.2.8", "A.9.2"}},
		{rec(aims.ActionContest, "d", nil), []string{"A.6.2.8", "A.8.3"}},
	} {
		name := "none"
		if tc.d.Oversight != nil {
			name = string(tc.d.Oversight.Action)
		}
		assert.Equal(t, tc.want, ledgerControls(tc.d), name)
	}
}

// TestFairnessSummaryCountsEachDisparityOnce checks that a threshold
// violation about a failing group's selection rate and that failing group
// are one fairness alert, not two.
func TestFairnessSummaryCountsEachDisparityOnce(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	assert.Equal(t, 1, want.FairnessAlerts)
	assert.Equal(t, want.FairnessAlerts, r.Summary.FairnessAlerts)
	assert.Equal(t, want.FailingGroups, r.Summary.FailingGroups)
	assert.Equal(t, want.FairnessViolations, r.Summary.FairnessViolations)
	require.Len(t, r.Fairness.Events, 1)
	assert.True(t, r.Fairness.Events[0].SameAsFailingGroup)

	var text string
	for _, f := range r.Summary.Findings {
		if strings.HasPrefix(f.Text, "Fairness:") {
			text = f.Text
		}
	}
	assert.Contains(t, text, "1 group fails the four-fifths rule")
	assert.Contains(t, text, "1 threshold violation")
	assert.Contains(t, text, "1 distinct fairness alert.")

	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	assert.Contains(t, md.String(), "| Groups failing four-fifths | Fairness threshold violations | Distinct fairness alerts |")
	assert.Contains(t, md.String(), "same disparity as failing group sex=F")
	var html bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	assert.Regexp(t, `Groups failing four-fifths</div><div class="v">1</div>`, html.String())
	assert.Regexp(t, `Fairness threshold violations</div><div class="v">1</div><div>1 distinct fairness alerts`, html.String())
	assert.NotContains(t, html.String(), ">Fairness alerts<")
}

// TestFairnessViolationOfAnotherDisparityIsASeparateAlert checks that a
// violation not about a failing group's selection rate counts on its own.
func TestFairnessViolationOfAnotherDisparityIsASeparateAlert(t *testing.T) {
	s := FairnessSection{
		Monitors: []FairnessMonitor{{System: "s", Groups: []GroupRow{{Group: "a", FourFifths: VerdictFail}, {Group: "b", FourFifths: VerdictPass}}}},
		Events: []FairnessEvent{
			{System: "s", Disparity: "demographic_parity_ratio", State: "violated", GroupMin: "a"},  // same as group a
			{System: "s", Disparity: "equal_opportunity_ratio", State: "violated", GroupMin: "a"},   // another disparity
			{System: "t", Disparity: "demographic_parity_ratio", State: "violated", GroupMin: "a"},  // another system
			{System: "s", Disparity: "demographic_parity_ratio", State: "recovered", GroupMin: "a"}, // not a violation
		},
	}
	markSameAsFailingGroup(&s)
	assert.Equal(t, []bool{true, false, false, false}, []bool{s.Events[0].SameAsFailingGroup, s.Events[1].SameAsFailingGroup, s.Events[2].SameAsFailingGroup, s.Events[3].SameAsFailingGroup})
	failing, violations, alerts := fairnessCounts(&s)
	assert.Equal(t, 1, failing)
	assert.Equal(t, 3, violations)
	assert.Equal(t, 3, alerts)
}
