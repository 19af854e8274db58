package auditreport

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
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

// coverageInput is a small ledger and collector output, built by hand so
// that every control's evidence can be counted on paper: five decision
// records (one let through, one held, a reviewer's approval, a four-eyes
// vote, a contest), four management-system records (two of incident
// INC-1, an impact assessment, a change naming A.6.2.5 twice and A.6.2.8),
// two other ledger records, four log records and one metric point.
func coverageInput() *Input {
	at := func(m int) time.Time { return generatedAt.Add(-time.Duration(60-m) * time.Minute) }
	dec := func(id string, m int, o *aims.OversightOutcome, attrs map[string]string) aims.Decision {
		return aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: id, SystemID: "s", Time: at(m), Output: "approve", Oversight: o, Attributes: attrs}
	}
	mgmt := func(id string, m int, t aims.RecordType, subject, state string, controls ...string) aims.ManagementRecord {
		return aims.ManagementRecord{SchemaVersion: aims.ManagementSchemaVersion, Type: t, ID: id, Time: at(m), SystemID: "s",
			Subject: subject, State: state, Summary: "s", Controls: controls}
	}
	return &Input{
		GeneratedAt: generatedAt,
		Decisions: []aims.Decision{
			dec("d1", 1, &aims.OversightOutcome{Action: aims.ActionApply}, nil),
			dec("d2", 2, &aims.OversightOutcome{Action: aims.ActionReview, TicketID: "t"}, nil),
			dec("d3", 3, &aims.OversightOutcome{Action: aims.ActionApprove, RelatedDecisionID: "d2", TicketID: "t"}, nil),
			dec("d4", 4, &aims.OversightOutcome{Action: aims.ActionApprove, RelatedDecisionID: "d2", TicketID: "t"}, map[string]string{partialApprovalsAttr: "1 of 2"}),
			dec("d5", 5, &aims.OversightOutcome{Action: aims.ActionContest, RelatedDecisionID: "d1"}, nil),
		},
		Management: []aims.ManagementRecord{
			mgmt("m1", 10, aims.RecordIncident, "INC-1", "open", "A.3.3", "A.8.4"),
			mgmt("m2", 11, aims.RecordIncident, "INC-1", "investigating", "A.3.3", "A.8.4"),
			mgmt("m3", 12, aims.RecordImpactAssessment, "IA-1", "approved", "A.5.2", "A.5.3", "A.5.4"),
			mgmt("m4", 13, aims.RecordChange, "CH-1", "approved", "A.6.2.5", "6.2.5", "A.6.2.8"),
		},
		OtherRecords: 2,
		Logs: []otlpfile.LogRecord{
			{EventName: "aims.management.incident", Time: at(10), Line: 1, Attributes: map[string]any{
				string(semconv.AimsControlID): "A.3.3", string(semconv.AimsControlIDs): []any{"A.3.3", "A.8.4"},
				string(semconv.AimsRecordID): "m1", string(semconv.AimsRecordSubject): "INC-1"}},
			{EventName: "aims.management.impact_assessment", Time: at(12), Line: 2, Attributes: map[string]any{
				string(semconv.AimsControlIDs): []any{"A.5.2", "A.5.2"}}},
			{EventName: "aims.drift.feature", Time: at(20), Line: 3, Attributes: map[string]any{string(semconv.AimsControlID): "6.2.6"}},
			{EventName: "aims.decision", Time: at(1), Line: 4, Attributes: map[string]any{string(semconv.AimsDecisionID): "d1"}},
		},
		Metrics: []otlpfile.Point{{Metric: "aims.decisions", Time: at(30), Line: 1, Attributes: map[string]any{string(semconv.AimsControlID): "A.6.2.8"}}},
		OTelDir: "otel",
	}
}

// TestCoverageCountsManagementRecordsAndControlIDs is the ground truth of
// coverageInput: management-system records count as ledger evidence for
// every control they name (and for A.6.2.8), collector records for every
// control in aims.control.id and aims.control.ids, each record once per
// control; the record types add up to the counts and the samples are the
// records put in.
func TestCoverageCountsManagementRecordsAndControlIDs(t *testing.T) {
	in := coverageInput()
	r := build(t, in)
	type counts struct{ ledger, logs, points int }
	want := map[string]counts{
		"A.6.2.8": {ledger: 5 + 4 + 2, points: 1},
		"A.9.2":   {ledger: 3}, // held, approval, vote
		"A.3.2":   {ledger: 1}, // the vote
		"A.8.3":   {ledger: 1}, // the contest
		"A.3.3":   {ledger: 2, logs: 1},
		"A.8.4":   {ledger: 2, logs: 1},
		"A.5.2":   {ledger: 1, logs: 1},
		"A.5.3":   {ledger: 1},
		"A.5.4":   {ledger: 1},
		"A.6.2.5": {ledger: 1},
		"A.6.2.6": {logs: 1},
	}
	rows := map[string]ControlRow{}
	for _, row := range r.Coverage.Rows {
		rows[row.ID] = row
		w := want[row.ID]
		assert.Equal(t, w.ledger, row.LedgerRecords, "ledger records for %s", row.ID)
		assert.Equal(t, w.logs, row.LogRecords, "log records for %s", row.ID)
		assert.Equal(t, w.points, row.MetricPoints, "metric points for %s", row.ID)
		assert.Equal(t, w.ledger+w.logs+w.points, row.Evidence, "machine evidence for %s", row.ID)
		sum := 0
		for _, e := range row.RecordTypes {
			sum += e.N
		}
		assert.Equal(t, row.Evidence, sum, "record types of %s add up to its evidence", row.ID)
		assert.LessOrEqual(t, len(row.Samples), EvidenceSamples)
		if row.Evidence == 0 {
			assert.Empty(t, row.Samples, row.ID)
		}
	}
	assert.Equal(t, []EvidenceCount{
		{SourceLedger, "aims.management.incident", 2},
		{SourceLog, "aims.management.incident", 1},
	}, rows["A.3.3"].RecordTypes)
	assert.Equal(t, []EvidenceSample{
		{Source: SourceLedger, Type: "aims.management.incident", ID: "m1", Subject: "INC-1", Time: in.Management[0].Time},
		{Source: SourceLog, Type: "aims.management.incident", ID: "m1", Subject: "INC-1", Time: in.Logs[0].Time, Where: "otel/logs.jsonl line 1, resourceLogs[0].scopeLogs[0].logRecords[0]"},
		{Source: SourceLedger, Type: "aims.management.incident", ID: "m2", Subject: "INC-1", Time: in.Management[1].Time},
	}, rows["A.3.3"].Samples)
	assert.Equal(t, []EvidenceCount{
		{SourceLedger, "aims.management.incident", 2},
		{SourceLedger, TypeOtherLedgerRecord, 2},
		{SourceLedger, TypeDecision, 1},
		{SourceLedger, TypeContest, 1},
		{SourceLedger, TypeFourEyesVote, 1},
		{SourceLedger, TypeDecisionHeld, 1},
		{SourceLedger, TypeReviewerAction, 1},
		{SourceLedger, "aims.management.change", 1},
		{SourceLedger, "aims.management.impact_assessment", 1},
		{SourceMetric, "aims.decisions", 1},
	}, rows["A.6.2.8"].RecordTypes)
	// Other ledger records carry no ID, so they give no sample.
	assert.Equal(t, []string{"m1", "d1", "d5"}, sampleIDs(rows["A.6.2.8"].Samples))
	assert.Equal(t, "d2", rows["A.9.2"].Samples[0].Subject, "a follow-up's subject is the decision it acts on")
	assert.Equal(t, []EvidenceCount{{SourceLedger, "aims.management.change", 1}}, rows["A.6.2.5"].RecordTypes, "a control named twice counts once")
	assert.Equal(t, []EvidenceCount{{SourceLog, "aims.drift.feature", 1}}, rows["A.6.2.6"].RecordTypes)

	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	assert.Contains(t, md.String(), "ledger: aims.management.incident × 2; log: aims.management.incident × 1")
	assert.Contains(t, md.String(), "ledger: aims.management.incident, m1, about INC-1, 2026-11-21 07:10:00 UTC")
	var html bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	assert.Contains(t, html.String(), "<div>ledger: aims.management.incident × 2</div>")
}

func sampleIDs(ss []EvidenceSample) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

// TestRecordControls checks how a collector record's controls are read.
func TestRecordControls(t *testing.T) {
	id, ids := string(semconv.AimsControlID), string(semconv.AimsControlIDs)
	assert.Nil(t, recordControls(map[string]any{}))
	assert.Equal(t, []string{"A.3.3", "A.8.4"}, recordControls(map[string]any{id: "A.3.3", ids: []any{"A.3.3", "8.4", ""}}))
	assert.Equal(t, []string{"A.5.2"}, recordControls(map[string]any{ids: []any{"A.5.2", " A.5.2 ", int64(3)}}))
	assert.Equal(t, []string{"A.6.2.6"}, recordControls(map[string]any{ids: "6.2.6"}))
}
