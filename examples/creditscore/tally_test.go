package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/otelcoltest"
)

// simulationRun is one run of the simulator on embedded defaults (local
// OTLP/JSON files, no collector) with everything read back: the
// simulator's own tally (ground truth), the ledger, and the telemetry.
// Checks of further outputs built from the same run (the audit report of
// aims/auditreport) take a *simulationRun too.
type simulationRun struct {
	dataDir, ledgerDir, otelDir string
	stdout                      string
	tally                       *Tally
	decisions                   []aims.Decision         // the ledger's decision records, in order
	management                  []aims.ManagementRecord // the ledger's management-system records, in order
	logs                        []otlpfile.LogRecord
	metrics                     []otlpfile.Point
}

func runSimulation(t *testing.T, n int) *simulationRun {
	t.Helper()
	return runSimulationVia(t, n, nil)
}

// runSimulationVia runs the simulation with its telemetry going to col (a
// real OpenTelemetry Collector), or, when col is nil, to the service's own
// local OTLP/JSON files.
func runSimulationVia(t *testing.T, n int, col *otelcoltest.Collector) *simulationRun {
	t.Helper()
	dir := t.TempDir()
	otelDir := filepath.Join(dir, "telemetry")
	if col != nil {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.HTTPEndpoint)
		otelDir = col.OutDir
	} else {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	}
	var out bytes.Buffer
	tally, err := runService(context.Background(), []string{"-simulate", fmt.Sprint(n), "-addr", "127.0.0.1:0", "-data", dir,
		"-instance", "tally-1", "-key", filepath.Join(t.TempDir(), "ledger.key")}, &out, nil)
	require.NoError(t, err, out.String())
	require.NotNil(t, tally)
	if col != nil {
		col.Stop() // the collector flushes its batches and files on shutdown
	}
	run := &simulationRun{dataDir: dir, ledgerDir: filepath.Join(dir, "ledger"), otelDir: otelDir,
		stdout: out.String(), tally: tally}
	require.NoError(t, ledger.Scan(run.ledgerDir, func(r ledger.ScannedRecord) error {
		if m, err := aims.ParseManagementRecord(r.Record); !errors.Is(err, aims.ErrNotManagementRecord) {
			if err == nil {
				run.management = append(run.management, m)
			}
			return err
		}
		var d aims.Decision
		if err := json.Unmarshal(r.Record, &d); err != nil {
			return fmt.Errorf("%s:%d: %w", r.Segment, r.Line, err)
		}
		run.decisions = append(run.decisions, d)
		return nil
	}))
	run.logs = readLogs(t, run.otelDir)
	run.metrics = readMetrics(t, run.otelDir)
	return run
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestSimulationTallyMatchesEvidence: the ledger and the OpenTelemetry
// output show exactly what the simulator did, by its own count.
func TestSimulationTallyMatchesEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole example service")
	}
	checkTally(t, runSimulation(t, 160))
}

// TestSimulationTallyMatchesEvidenceThroughCollector is the same
// ground-truth test with the telemetry going through a real OpenTelemetry
// Collector (AIMSKIT_OTELCOL; skipped without it), as operators run it.
func TestSimulationTallyMatchesEvidenceThroughCollector(t *testing.T) {
	col := otelcoltest.Start(t)
	checkTally(t, runSimulationVia(t, 160, col))
}

// checkTally checks every output of a simulation run against the
// simulator's own tally.
func checkTally(t *testing.T, run *simulationRun) {
	tl := run.tally
	t.Log(run.stdout)
	assert.Contains(t, run.stdout, "tally of the simulation", "the tally is printed at the end")

	// The simulation did each kind of thing at least once.
	require.Positive(t, tl.Applications)
	require.Positive(t, tl.Refused)
	require.Positive(t, tl.Held)
	require.Positive(t, tl.OutOfIntendedUse)
	require.Positive(t, tl.Votes["override"])
	require.NotEmpty(t, tl.Contests)
	require.Positive(t, tl.Halts)
	require.Positive(t, tl.Labels)
	assert.Equal(t, tl.Applications, sum(tl.ByGroup))
	assert.Equal(t, tl.Applications, sum(tl.Statuses))
	assert.Equal(t, tl.Applications, sum(tl.Final))
	assert.Zero(t, tl.Final["pending_review"], "the reviewers drained the queue")

	t.Run("ledger", func(t *testing.T) { checkLedgerAgainstTally(t, run) })
	t.Run("telemetry", func(t *testing.T) { checkLogsAgainstTally(t, run) })
	t.Run("metrics", func(t *testing.T) { checkMetricsAgainstTally(t, run) })
	t.Run("report", func(t *testing.T) { checkReportAgainstTally(t, run) })
	t.Run("management", func(t *testing.T) { checkManagementAgainstTally(t, run) })
}

// checkReportAgainstTally builds the audit report from the run's ledger
// and telemetry, verified with the key the service published, and checks
// that it states the simulator's own numbers.
func checkReportAgainstTally(t *testing.T, run *simulationRun) {
	tl := run.tally
	var vkey string
	for _, line := range strings.Split(run.stdout, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ledger public key:"); ok {
			vkey = strings.TrimSpace(v)
		}
	}
	require.NotEmpty(t, vkey, "the banner prints the published ledger key")
	in, err := auditreport.Load(t.Context(), auditreport.LoadOptions{LedgerDir: run.ledgerDir, OTelDir: run.otelDir, SoAPath: "soa.yaml", Key: vkey})
	require.NoError(t, err)
	r, err := auditreport.Build(in)
	require.NoError(t, err)
	require.Len(t, r.Ledger.Ledgers, 1)
	assert.Equal(t, auditreport.VerdictPass, r.Ledger.Verdict, "the ledger verifies: %s", r.Ledger.Ledgers[0].Verification.Problem)
	assert.Positive(t, r.Ledger.Ledgers[0].Verification.External, "checked against the checkpoints the telemetry received")

	assert.Equal(t, tl.Applications, r.Decisions.Total, "decisions")
	assert.Zero(t, r.Decisions.NotLedgered, "the ledger holds every decision the Collector received: %v", r.Decisions.NotLedgeredIDs)
	o := r.Oversight
	assert.Equal(t, tl.Statuses["decided"], o.Applied, "applied automatically")
	assert.Equal(t, tl.Held, o.Held, "held for review")
	assert.Equal(t, tl.Statuses["not_applied:block"], o.Blocked, "blocked while halted")
	t.Logf("tally resolutions %v; report approved %d rejected %d overridden %d held %d", tl.Resolutions, o.Approved, o.Rejected, o.Overridden, o.Held)
	assert.Equal(t, tl.Resolutions["review:approve"], o.Approved, "approved")
	assert.Equal(t, tl.Resolutions["review:reject"], o.Rejected, "rejected")
	assert.Equal(t, tl.Resolutions["review:override"], o.Overridden, "overridden")
	assert.Len(t, o.Overrides, o.Overridden, "every override is listed with its output")
	// Every vote the gate accepted either resolved its ticket (a held
	// decision's review or a contest) or did not.
	unresolved := sum(tl.Votes) - sum(tl.Resolutions)
	require.Positive(t, unresolved, "the simulation has four-eyes votes")
	var stated []string
	for _, f := range r.Summary.Findings {
		if strings.Contains(f.Text, "not resolve a ticket") {
			stated = append(stated, f.Text)
		}
	}
	require.Len(t, stated, 1, "the summary states the votes that did not resolve a ticket")
	assert.Contains(t, stated[0], fmt.Sprintf("; %d votes did not resolve a ticket", unresolved), "votes that did not resolve a ticket, by the tally's count")
	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	assert.Contains(t, md.String(), fmt.Sprintf("| Votes that did not resolve a ticket (four-eyes) | %d |", unresolved))
	assert.Equal(t, len(tl.Contests), o.Contested, "contests")
	assert.Equal(t, tl.Halts, o.Halts, "halts")
	assert.Equal(t, tl.Resumes, o.Resumes, "resumes")
	assert.Zero(t, o.Open, "the reviewers drained the queue")
	final := map[string]int{}
	for _, c := range r.Decisions.Outcomes {
		final[c.Label] = c.N
	}
	assert.Equal(t, tl.Final["approve"], final["approve"], "final approvals")
	assert.Equal(t, tl.Final["deny"], final["deny"], "final denials")

	// Incidents: the report's rows are the ledger's incidents, the closed
	// ones those the validator closed, none with a broken life cycle.
	inc := r.Incidents
	require.True(t, inc.Available)
	closed := map[string]int{}
	for _, row := range inc.Incidents {
		if row.State == string(aims.IncidentClosed) {
			closed[row.Source]++
			if row.Source == string(aims.SourceDriftAlarm) {
				assert.Equal(t, tl.EpisodeDecisions, row.Decisions, "linked decisions of %s", row.ID)
			}
		}
	}
	assert.Equal(t, tl.IncidentsClosed, closed, "closed incidents by source")
	assert.Zero(t, inc.WithProblems, "no incident breaks its life cycle")

	// Machine evidence for at least 20 of the applicable Annex A controls,
	// each with sample records.
	withEvidence := 0
	for _, c := range r.Coverage.Rows {
		if c.Applicability == "applicable" && c.Evidence > 0 {
			withEvidence++
			assert.NotEmpty(t, c.Samples, "control %s lists sample records", c.ID)
		}
	}
	t.Logf("applicable controls with machine evidence: %d", withEvidence)
	assert.GreaterOrEqual(t, withEvidence, 20, "machine evidence for at least 20 applicable controls")
}

func checkLedgerAgainstTally(t *testing.T, run *simulationRun) {
	tl := run.tally
	actions := map[aims.OversightAction]int{}
	votes, resolutions, overrides := map[string]int{}, map[string]int{}, map[string]int{}
	var contested []string
	byID := map[string]aims.Decision{}
	for _, d := range run.decisions {
		byID[d.ID] = d
	}
	// original follows a record back to the decision it is about (a
	// contest names the decision as it stood: its review's resolution).
	original := func(id string) string {
		for d, ok := byID[id]; ok && d.Oversight != nil && d.Oversight.RelatedDecisionID != ""; d, ok = byID[id] {
			id = d.Oversight.RelatedDecisionID
		}
		return id
	}
	for _, d := range run.decisions {
		require.NotNil(t, d.Oversight, "decision %s has no oversight outcome", d.ID)
		o := d.Oversight
		actions[o.Action]++
		switch o.Action {
		case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
			votes[string(o.Action)]++
			if o.Action == aims.ActionOverride {
				overrides[o.OriginalOutput+"->"+d.Output]++
			}
			if _, partial := d.Attributes[semconv.AimsOversightApprovals]; !partial {
				kind := "review"
				if o.Policy == "contest" {
					kind = "contest"
				}
				resolutions[kind+":"+string(o.Action)]++
			}
		case aims.ActionContest:
			contested = append(contested, original(o.RelatedDecisionID))
		}
	}
	t.Logf("ledger: %d records, actions %v", len(run.decisions), actions)
	assert.Equal(t, tl.Applications, actions[aims.ActionApply]+actions[aims.ActionReview]+actions[aims.ActionBlock], "decisions")
	assert.Equal(t, tl.Statuses["decided"], actions[aims.ActionApply], "applied automatically")
	assert.Equal(t, tl.Held, actions[aims.ActionReview], "held for review")
	assert.Equal(t, tl.Statuses["not_applied:block"], actions[aims.ActionBlock], "blocked while halted")
	assert.Equal(t, tl.Votes, votes, "each reviewer vote is a record")
	assert.Equal(t, tl.Resolutions, resolutions, "resolutions by ticket kind and action")
	assert.Equal(t, tl.Overrides, overrides, "overrides with their outputs")
	slices.Sort(contested)
	want := slices.Clone(tl.Contests)
	slices.Sort(want)
	assert.Equal(t, want, contested, "contests")
	assert.Equal(t, tl.Halts, actions[aims.ActionHalt], "halts")
	assert.Equal(t, tl.Resumes, actions[aims.ActionResume], "resumes")
	outOfUse := 0
	for _, d := range run.decisions {
		if d.Oversight.Action == aims.ActionReview && d.Oversight.Policy == "intended_use" {
			outOfUse++
		}
	}
	// Strictest names one policy among those that hold; an application
	// both adverse and outside the intended use may be named for either.
	assert.LessOrEqual(t, outOfUse, tl.OutOfIntendedUse, "held as outside the intended use")
}

func checkLogsAgainstTally(t *testing.T, run *simulationRun) {
	tl := run.tally
	events := map[string]int{}
	reviewed := map[string]int{}
	resolved := 0
	decisionIDs := map[string]int{}
	for _, r := range run.logs {
		events[r.EventName]++
		switch r.EventName {
		case semconv.EventDecision:
			decisionIDs[otlpfile.String(r.Attributes, string(semconv.AimsDecisionID))]++
		case semconv.EventOversightReviewed:
			reviewed[otlpfile.String(r.Attributes, string(semconv.AimsOversightAction))]++
			if v, _ := r.Attributes[string(semconv.AimsOversightResolved)].(bool); v {
				resolved++
			}
		}
	}
	assert.Len(t, decisionIDs, len(run.decisions), "one decision event per ledger record")
	for _, d := range run.decisions {
		assert.Equal(t, 1, decisionIDs[d.ID], "decision %s in the telemetry", d.ID)
	}
	assert.Equal(t, tl.Votes, reviewed, "one reviewed event per vote")
	assert.Equal(t, sum(tl.Resolutions), resolved, "resolving votes")
	assert.Equal(t, tl.Held+tl.Statuses["not_applied:block"], events[semconv.EventOversightRouted], "routed: held and blocked")
	assert.Equal(t, len(tl.Contests), events[semconv.EventOversightContested], "contests")
	assert.Equal(t, tl.Halts, events[semconv.EventOversightHalted], "halts")
	assert.Equal(t, tl.Resumes, events[semconv.EventOversightResumed], "resumes")
}

func checkMetricsAgainstTally(t *testing.T, run *simulationRun) {
	tl := run.tally
	// The last point of each group's gauges: the final collection, made
	// after the monitors' last observations.
	last := map[string]map[string]float64{}
	for _, p := range run.metrics {
		g := otlpfile.String(p.Attributes, string(semconv.AimsFairnessGroup))
		if g == "" {
			continue
		}
		if last[p.Metric] == nil {
			last[p.Metric] = map[string]float64{}
		}
		last[p.Metric][g] = p.Value
	}
	asInts := func(m map[string]float64) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[k] = int(math.Round(v))
		}
		return out
	}
	// The window (400 decisions) holds the whole run.
	assert.Equal(t, tl.ByGroup, asInts(last[semconv.MetricFairnessGroupDecisions]), "decisions per group")
	assert.Equal(t, tl.LabelsByGroup, asInts(last[semconv.MetricFairnessGroupLabeled]), "labelled decisions per group")
	approved := map[string]int{}
	for g, rate := range last[semconv.MetricFairnessSelectionRate] {
		if n := int(math.Round(rate * last[semconv.MetricFairnessGroupDecisions][g])); n > 0 {
			approved[g] = n
		}
	}
	assert.Equal(t, tl.FinalApprovedByGroup, approved, "final approvals per group (after review)")
}
