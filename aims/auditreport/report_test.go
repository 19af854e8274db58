package auditreport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/auditreport/reporttest"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"golang.org/x/mod/sumdb/note"
)

var generatedAt = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

// scenario writes the reporttest inputs and loads them.
func scenario(t *testing.T) (reporttest.Paths, reporttest.Want, *Input) {
	t.Helper()
	p, want, err := reporttest.Write(t.TempDir())
	require.NoError(t, err)
	in, err := Load(context.Background(), LoadOptions{LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: p.SoA, Key: p.Key, Now: generatedAt})
	require.NoError(t, err)
	return p, want, in
}

func build(t *testing.T, in *Input) *Report {
	t.Helper()
	r, err := Build(in)
	require.NoError(t, err)
	return r
}

func TestLoadReadsEveryInput(t *testing.T) {
	_, want, in := scenario(t)
	assert.Empty(t, in.Missing)
	assert.Len(t, in.Decisions, want.LedgerRecords-want.Management)
	assert.Len(t, in.Management, want.Management)
	assert.Zero(t, in.OtherRecords)
	require.Len(t, in.Verifications, 1)
	assert.True(t, in.Verifications[0].OK, in.Verifications[0].Problem)
	assert.NotNil(t, in.Logs)
	assert.NotNil(t, in.Metrics)
	assert.NotNil(t, in.Inventory)
	assert.NotNil(t, in.SoA)
	assert.Empty(t, in.SoAProblems)
	assert.Equal(t, generatedAt, in.GeneratedAt)
	// The digests name the exact bytes read.
	require.Len(t, in.Digests, 3)
	for path, sum := range in.Digests {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("%x", sha256.Sum256(b)), sum, path)
	}
}

func TestDecisionCounts(t *testing.T) {
	_, want, in := scenario(t)
	d := build(t, in).Decisions
	assert.True(t, d.Available)
	assert.Equal(t, want.Decisions, d.Total)
	assert.Equal(t, want.Adverse, d.Adverse)
	assert.Equal(t, want.Followups, d.Followups)
	assert.Equal(t, want.SystemRecords, d.Halts)
	// Every third of 60 decisions is a denial: the model's proposals.
	assert.Equal(t, []Count{{"approve", 40}, {"deny", 20}}, d.ModelOutputs)
	assert.Equal(t, want.FinalOutcomes, countMap(d.Outcomes))
	assert.Equal(t, reporttest.T0, d.First)
	assert.Equal(t, reporttest.T0.Add(59*3*time.Minute), d.Last)
	// 177 minutes in 5-minute buckets: 36 buckets, each decision in one.
	assert.Equal(t, 5*time.Minute, d.Bucket)
	assert.Len(t, d.Series, 36)
	total := 0
	for _, b := range d.Series {
		sum := 0
		for _, n := range b.Counts {
			sum += n
		}
		assert.Equal(t, b.Total, sum)
		total += b.Total
	}
	assert.Equal(t, 60, total)
	assert.Equal(t, 2, d.Series[0].Total, "decisions at 09:00 and 09:03 share the first bucket")
	assert.Contains(t, d.Chart.SVG, "<svg")
}

func TestOversightCounts(t *testing.T) {
	_, want, in := scenario(t)
	o := build(t, in).Oversight
	assert.True(t, o.Available)
	assert.Equal(t, want.Held, o.Held)
	assert.Equal(t, want.Blocked, o.Blocked)
	assert.Equal(t, want.Applied, o.Applied)
	assert.Equal(t, want.Ungated, o.Ungated)
	assert.Equal(t, want.Approved, o.Approved)
	assert.Equal(t, want.Rejected, o.Rejected)
	assert.Equal(t, want.Overridden, o.Overridden)
	assert.Equal(t, want.Partial, o.PartialApprovals)
	assert.Equal(t, want.Expired, o.Expired)
	assert.Equal(t, want.Escalated, o.Escalated)
	assert.Equal(t, want.Contested, o.Contested)
	assert.Equal(t, want.Open, o.Open)
	assert.Equal(t, want.Halts, o.Halts)
	assert.Equal(t, want.Resumes, o.Resumes)
	assert.True(t, o.AgreementDefined)
	assert.InDelta(t, want.Agreement, o.Agreement, 1e-12)
	rt := o.ReviewTimes
	assert.Equal(t, 10, rt.N)
	assert.Equal(t, "ledger", rt.Source)
	assert.Equal(t, want.ReviewMin, rt.Min)
	assert.Equal(t, want.ReviewMax, rt.Max)
	assert.Equal(t, want.ReviewMedian, rt.Median)
	assert.Equal(t, want.ReviewP90, rt.P90)
	assert.Equal(t, want.ReviewMean, rt.Mean)
	assert.Contains(t, o.Chart.SVG, "<svg")
	// With the ledger as the source, the collector's event counts (13
	// "reviewed" events, votes included) are not shown beside them.
	assert.Nil(t, o.Events)
}

func TestOversightFromEventsWithoutLedger(t *testing.T) {
	_, want, in := scenario(t)
	in.Decisions, in.Verifications = nil, nil
	o := build(t, in).Oversight
	assert.True(t, o.Available)
	assert.Contains(t, o.Note, "collector's oversight events")
	assert.Equal(t, want.Held, o.Held)
	assert.Equal(t, want.Blocked, o.Blocked)
	assert.Equal(t, want.Approved, o.Approved)
	assert.Equal(t, want.Rejected, o.Rejected)
	assert.Equal(t, want.Overridden, o.Overridden)
	assert.Equal(t, want.Partial, o.PartialApprovals)
	assert.Equal(t, want.Contested, o.Contested)
	assert.Equal(t, "collector events", o.ReviewTimes.Source)
	assert.Equal(t, want.ReviewMedian, o.ReviewTimes.Median.Round(time.Millisecond))
}

func TestCoverageCountsEvidencePerControl(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	c := r.Coverage
	require.Len(t, c.Rows, 38)
	assert.Equal(t, len(aims.Controls()), len(c.Rows))
	byID := map[string]ControlRow{}
	for _, row := range c.Rows {
		byID[row.ID] = row
	}
	for id, n := range want.LogsByControl {
		assert.Equal(t, n, byID[id].LogRecords, "log records for %s", id)
	}
	for id, n := range want.PointsByControl {
		assert.Equal(t, n, byID[id].MetricPoints, "metric points for %s", id)
	}
	assert.Equal(t, want.LedgerRecords, byID["A.6.2.8"].LedgerRecords)
	assert.Equal(t, "excluded", byID["A.5.5"].Applicability)
	assert.NotEmpty(t, byID["A.5.5"].Justification)
	assert.Equal(t, "excluded", byID["A.10.4"].Applicability)
	assert.Equal(t, "applicable", byID["A.6.2.8"].Applicability)
	assert.False(t, byID["A.6.2.8"].Gap)
	assert.Equal(t, want.Applicable, r.Summary.Applicable)
	assert.Equal(t, want.Excluded, r.Summary.Excluded)
	assert.Equal(t, want.WithMachineEvidence, r.Summary.WithEvidence)
	gaps, docs := 0, 0
	for _, row := range c.Rows {
		e, ok := in.SoA.Entry(row.ID)
		require.True(t, ok)
		assert.Equal(t, e.Evidence, row.SoAEvidence, row.ID)
		if row.Gap {
			gaps++
			assert.Zero(t, row.Evidence)
			assert.Empty(t, row.SoAEvidence)
		}
		if row.DocumentsOnly {
			docs++
			assert.Zero(t, row.Evidence)
			assert.NotEmpty(t, row.SoAEvidence)
		}
		assert.False(t, row.Gap && row.DocumentsOnly)
	}
	assert.Equal(t, want.Applicable-want.WithMachineEvidence, gaps+docs)
}

func TestFairnessFourFifths(t *testing.T) {
	_, want, in := scenario(t)
	f := build(t, in).Fairness
	require.True(t, f.Available)
	require.Len(t, f.Monitors, 1)
	m := f.Monitors[0]
	assert.Equal(t, "credit-scoring", m.System)
	require.Len(t, m.Groups, len(reporttest.Groups))
	for _, g := range m.Groups {
		assert.Equal(t, want.FourFifths[g.Group], string(g.FourFifths), g.Group)
		require.NotNil(t, g.ImpactRatio, g.Group)
		assert.InDelta(t, want.ImpactRatio[g.Group], *g.ImpactRatio, 1e-12, g.Group)
		require.NotNil(t, g.Decisions)
		assert.Nil(t, g.FPR, "the monitor exported no FPR")
	}
	require.Len(t, m.Disparities, 1)
	assert.InDelta(t, 0.45/0.65, m.Disparities[0].Value, 1e-12)
	require.Len(t, f.Events, want.FairnessViolations)
	assert.Equal(t, "violated", f.Events[0].State)
	assert.Equal(t, "A.6.2.6", f.Events[0].Control)
	assert.Contains(t, m.Chart.SVG, "<svg")
	assert.Contains(t, m.TimeChart.SVG, "<svg")
}

func TestFourFifthsEdgeCases(t *testing.T) {
	pt := func(metric, group string, v float64) pointSpec { return pointSpec{metric, group, v} }
	t.Run("a group without decisions is not compared", func(t *testing.T) {
		m := monitorOf(t,
			pt(selRate, "a", 0.5), pt(decisions, "a", 10),
			pt(selRate, "b", 0.0), pt(decisions, "b", 0),
			pt(selRate, "c", 0.3), pt(decisions, "c", 5))
		assert.Equal(t, VerdictPass, m["a"].FourFifths)
		assert.Equal(t, VerdictUnknown, m["b"].FourFifths)
		assert.Nil(t, m["b"].ImpactRatio)
		// 0.6 < 0.8, but 5 decisions are too few to call it a failure.
		assert.Equal(t, VerdictWarn, m["c"].FourFifths)
		assert.True(t, m["c"].SmallGroup)
		assert.Contains(t, m["c"].FourFifthsNote, "n = 5 < 30")
		assert.Contains(t, m["c"].FourFifthsNote, "95% CI")
	})
	t.Run("exactly four fifths passes", func(t *testing.T) {
		m := monitorOf(t, pt(selRate, "a", 0.5), pt(selRate, "b", 0.4))
		assert.Equal(t, VerdictPass, m["b"].FourFifths)
		// 20/30 against 25/30 is 4/5 exactly, but divides to
		// 0.7999999999999999 (fairlearn gives the same float).
		m = monitorOf(t, pt(selRate, "a", 25.0/30), pt(selRate, "b", 20.0/30))
		require.Less(t, *m["b"].ImpactRatio, 0.8)
		assert.Equal(t, VerdictPass, m["b"].FourFifths)
		m = monitorOf(t, pt(selRate, "a", 0.5), pt(selRate, "b", 0.39))
		assert.Equal(t, VerdictFail, m["b"].FourFifths)
	})
	t.Run("no group selected at all is not assessed", func(t *testing.T) {
		m := monitorOf(t, pt(selRate, "a", 0), pt(selRate, "b", 0))
		assert.Equal(t, VerdictUnknown, m["a"].FourFifths)
		assert.Equal(t, VerdictUnknown, m["b"].FourFifths)
	})
	t.Run("NaN values are ignored", func(t *testing.T) {
		m := monitorOf(t, pt(selRate, "a", 0.5), pt(selRate, "b", math.NaN()))
		assert.Nil(t, m["b"].SelectionRate)
		assert.Equal(t, VerdictPass, m["a"].FourFifths)
	})
}

func TestDrift(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	d := r.Drift
	require.True(t, d.Available)
	require.Len(t, d.Features, 3)
	ds, age, inc := d.Features[0], d.Features[1], d.Features[2]
	assert.Equal(t, "(dataset: share of drifted features)", ds.Feature)
	assert.InDelta(t, 0.5, ds.Latest, 1e-12)
	assert.Equal(t, "age", age.Feature)
	assert.Equal(t, "ks", age.Method)
	assert.Equal(t, "p-value (lower = drift)", age.Reading())
	assert.InDelta(t, 0.52, age.Min, 1e-12)
	assert.Equal(t, "income", inc.Feature)
	assert.Equal(t, "distance (higher = drift)", inc.Reading())
	assert.Equal(t, 6, inc.Points)
	assert.InDelta(t, 0.38, inc.Latest, 1e-12)
	assert.InDelta(t, 0.41, inc.Max, 1e-12)
	assert.Equal(t, reporttest.T0.Add(200*time.Minute), inc.AsOf)
	require.Len(t, d.Events, want.DriftAlerts+want.DriftRecoveries)
	assert.Equal(t, want.DriftAlerts, d.Alerts())
	assert.Equal(t, want.DriftAlerts, r.Summary.DriftAlerts)
	e := d.Events[0]
	assert.Equal(t, "income", e.Feature)
	assert.Equal(t, "drift", e.State)
	assert.Equal(t, "psi", e.Method)
	require.NotNil(t, e.Score)
	assert.InDelta(t, 0.41, *e.Score, 1e-12)
	assert.Equal(t, "recovered", d.Events[1].State)
	// A distance chart and a p-value chart, never mixed.
	require.Len(t, d.Charts, 2)
	assert.Contains(t, d.Charts[0].SVG, "income (psi)")
	assert.NotContains(t, d.Charts[0].SVG, "age (ks)")
	assert.Contains(t, d.Charts[1].SVG, "age (ks)")
}

func TestInventory(t *testing.T) {
	_, want, in := scenario(t)
	inv := build(t, in).Inventory
	require.True(t, inv.Available)
	require.Len(t, inv.Systems, want.Systems)
	credit, faq := inv.Systems[0], inv.Systems[1]
	assert.Equal(t, "credit-scoring", credit.ID)
	assert.Equal(t, "high", credit.RiskLevel)
	assert.Equal(t, reporttest.T0.Add(3*time.Hour), credit.LastHeartbeat)
	assert.False(t, credit.Retired)
	assert.Equal(t, "faq-bot", faq.ID)
	assert.True(t, faq.Retired)
	assert.Equal(t, "replaced", faq.RetirementReason)
}

func TestLedgerVerification(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	assert.Equal(t, VerdictPass, r.Ledger.Verdict)
	require.Len(t, r.Ledger.Ledgers, 1)
	l := r.Ledger.Ledgers[0]
	assert.Equal(t, VerdictPass, l.Verdict)
	assert.Equal(t, int64(want.LedgerRecords), l.TreeSize)
	assert.Equal(t, int64(want.LedgerRecords), l.Verification.Records)
	assert.NotEmpty(t, l.RootHash)
	assert.Contains(t, l.CheckpointText, "aimskit.ledger/credit-scoring/i-1\n")
	assert.Contains(t, l.CheckpointNote, "— reporttest ")
	assert.Equal(t, "aimsaudit verify "+in.LedgerDir+" --key "+in.Key+" --checkpoints "+filepath.Join(in.OTelDir, LogsFile), r.Ledger.Reproduce)
	assert.Equal(t, want.OutsideCheckpoints, l.Verification.External, "every checkpoint the ledger emitted was checked")
	assert.Contains(t, l.Outside, fmt.Sprintf("consistent with the %d checkpoints", want.OutsideCheckpoints))
	assert.Equal(t, `'a b'\''c'`, shellQuote("a b'c"))
	assert.Equal(t, "''", shellQuote(""))
	assert.Equal(t, VerdictPass, r.Summary.Verification)
}

func TestTamperedLedgerFailsWithFirstProblem(t *testing.T) {
	p, _, _ := scenario(t)
	segs, err := filepath.Glob(filepath.Join(p.Ledger, "seg-*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, segs)
	b, err := os.ReadFile(segs[0])
	require.NoError(t, err)
	tampered := bytes.Replace(b, []byte(`"output":"deny"`), []byte(`"output":"approve"`), 1)
	require.NotEqual(t, b, tampered)
	require.NoError(t, os.WriteFile(segs[0], tampered, 0o644))

	in, err := Load(context.Background(), LoadOptions{LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: p.SoA, Key: p.Key, Now: generatedAt})
	require.NoError(t, err)
	r := build(t, in)
	assert.Equal(t, VerdictFail, r.Ledger.Verdict)
	assert.Equal(t, VerdictFail, r.Summary.Verification)
	require.Len(t, r.Ledger.Ledgers, 1)
	v := r.Ledger.Ledgers[0].Verification
	assert.NotEmpty(t, v.Problem)
	assert.Equal(t, filepath.Base(segs[0]), v.File)
	assert.Equal(t, 1, v.Line, "decision 0 is the first denial")
	assert.Equal(t, int64(0), v.Seq)
	assert.False(t, v.CheckpointVerified)
	assert.NotEmpty(t, r.Ledger.Ledgers[0].CheckpointText, "the unverified checkpoint is still shown")
	assert.Contains(t, r.Summary.VerificationText, "FAILED")

	var html bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	assert.Contains(t, html.String(), "FAIL")
	assert.Contains(t, html.String(), "signature NOT verified")
}

func TestMissingInputsAreReportedNotFatal(t *testing.T) {
	in, err := Load(context.Background(), LoadOptions{Now: generatedAt})
	require.NoError(t, err)
	assert.Len(t, in.Missing, 3, "ledger, collector output and SoA")
	r := build(t, in)
	assert.False(t, r.Decisions.Available)
	assert.False(t, r.Oversight.Available)
	assert.False(t, r.Fairness.Available)
	assert.False(t, r.Drift.Available)
	assert.False(t, r.Inventory.Available)
	assert.False(t, r.Ledger.Available)
	assert.Equal(t, VerdictUnknown, r.Summary.Verification)
	for _, row := range r.Coverage.Rows {
		assert.Equal(t, "unknown", row.Applicability)
	}
	var html, md bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	require.NoError(t, r.RenderMarkdown(&md))
	for _, out := range []string{html.String(), md.String()} {
		assert.Contains(t, out, "no ledger folder was given")
		assert.Contains(t, out, "no folder was given (--otel)")
		assert.Contains(t, out, "Statement of Applicability: no file was given")
	}
	assert.NotContains(t, html.String(), "<svg", "no data, no charts")
}

func TestMissingFilesAndKeyAreNamed(t *testing.T) {
	p, _, _ := scenario(t)
	require.NoError(t, os.Remove(filepath.Join(p.OTel, MetricsFile)))
	in, err := Load(context.Background(), LoadOptions{LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: filepath.Join(p.Dir, "nope.yaml"), Now: generatedAt})
	require.NoError(t, err)
	joined := strings.Join(in.Missing, "\n")
	assert.Contains(t, joined, "metrics.jsonl could not be opened")
	assert.Contains(t, joined, "no public verifier key")
	assert.Contains(t, joined, "nope.yaml")
	assert.Nil(t, in.Metrics)
	assert.NotNil(t, in.Logs)
	assert.Empty(t, in.Verifications)
	r := build(t, in)
	assert.True(t, r.Decisions.Available, "the ledger is still read without a key")
	assert.Equal(t, VerdictUnknown, r.Ledger.Verdict)
	assert.True(t, r.Drift.Available, "drift events still come from the logs")
	assert.Empty(t, r.Drift.Features)
}

func TestWrongKeyFailsVerification(t *testing.T) {
	p, _, _ := scenario(t)
	other, _, err := reporttest.Write(t.TempDir())
	require.NoError(t, err)
	in, err := Load(context.Background(), LoadOptions{LedgerDir: p.Ledger, Key: other.Key, Now: generatedAt})
	require.NoError(t, err)
	require.Len(t, in.Verifications, 1)
	assert.False(t, in.Verifications[0].OK)
}

var (
	externalRef = regexp.MustCompile(`(?i)\b(src|href|xlink:href)\s*=\s*["']?\s*(https?:|//)`)
	cssURL      = regexp.MustCompile(`(?i)url\(\s*['"]?\s*(https?:|//)`)
)

func TestHTMLIsSelfContainedWithCharts(t *testing.T) {
	_, _, in := scenario(t)
	r := build(t, in)
	var buf bytes.Buffer
	require.NoError(t, r.RenderHTML(&buf))
	html := buf.String()
	assert.True(t, strings.HasPrefix(html, "<!DOCTYPE html>"))
	// Decisions, time to review, fairness by group and over time, drift
	// distances and p-values.
	assert.Equal(t, 6, strings.Count(html, "<svg "), "inline SVG charts")
	assert.NotContains(t, html, "<?xml", "the SVG prolog is stripped for inlining")
	assert.NotRegexp(t, externalRef, html)
	assert.NotRegexp(t, cssURL, html)
	assert.NotContains(t, strings.ToLower(html), "<script")
	assert.NotContains(t, html, "<link")
	assert.NotContains(t, html, "@import")
	// Values from the inputs are escaped: an override reason holding a
	// script tag is not rendered here, but group names and system names are.
	assert.Contains(t, html, "age=&lt;25")
	assert.NotContains(t, html, "age=<25")
	assert.Contains(t, html, "FAQ &lt;bot&gt;")
	for _, want := range []string{"Annex A coverage", "A.6.2.8", "Four-fifths", "Time to review", "Drift events", "Latest signed checkpoint", "PASS"} {
		assert.Contains(t, html, want)
	}
}

func TestMarkdown(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	var buf bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&buf))
	md := buf.String()
	assert.True(t, strings.HasPrefix(md, "# AI management system audit report\n"))
	for _, s := range []string{"## 4. Annex A coverage", "| A.6.2.8 |", "## 11. Ledger verification", "```\naimskit.ledger/credit-scoring/i-1\n"} {
		assert.Contains(t, md, s)
	}
	assert.Contains(t, md, "age=&lt;25", "angle brackets are escaped")
	assert.Contains(t, md, "FAQ &lt;bot&gt;")
	assert.Regexp(t, `\| Held for human review \| `+strconvItoa(want.Held)+` \|`, md)
	// Every table row has as many cells as its header.
	lines := strings.Split(md, "\n")
	for i := 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "| ---") {
			cols := cells(lines[i-1])
			for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], "|"); j++ {
				assert.Equal(t, cols, cells(lines[j]), "line %d: %s", j+1, lines[j])
			}
		}
	}
}

func cells(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

func TestEscapeMarkdown(t *testing.T) {
	assert.Equal(t, `a\|b &lt;i&gt; \*x\* \_y\_ \`+"`z\\`"+` line`, esc("a|b <i> *x* _y_ `z`\nline"))
}

func TestBuildNilInput(t *testing.T) {
	_, err := Build(nil)
	assert.Error(t, err)
}

func TestChooseBucket(t *testing.T) {
	for _, tc := range []struct {
		span time.Duration
		want time.Duration
	}{
		{0, time.Second},
		{4 * time.Second, time.Second},
		{3 * time.Minute, 5 * time.Second},
		{47 * time.Minute, time.Minute},
		{48 * time.Minute, 5 * time.Minute},
		{3 * time.Hour, 5 * time.Minute},
		{10 * 24 * time.Hour, 6 * time.Hour},
		{1000 * 24 * time.Hour, 30 * 24 * time.Hour},
		{100 * 365 * 24 * time.Hour, 100*365*24*time.Hour/(maxBuckets-1) + 1},
	} {
		assert.Equal(t, tc.want, chooseBucket(generatedAt, generatedAt.Add(tc.span)), "span %v", tc.span)
	}
}

func TestInstanceLedgersBelowOneFolder(t *testing.T) {
	// Two instance ledgers side by side: both are read and verified; one
	// tampered instance fails the whole verdict and is named.
	root := t.TempDir()
	a, wantA, err := reporttest.Write(filepath.Join(root, "a"))
	require.NoError(t, err)
	b, _, err := reporttest.Write(filepath.Join(root, "b"))
	require.NoError(t, err)
	ledgers := filepath.Join(root, "ledgers")
	require.NoError(t, os.MkdirAll(ledgers, 0o755))
	require.NoError(t, os.Rename(a.Ledger, filepath.Join(ledgers, "i-1")))
	require.NoError(t, os.Rename(b.Ledger, filepath.Join(ledgers, "i-2")))

	in, err := Load(context.Background(), LoadOptions{LedgerDir: ledgers, Key: a.Key, Now: generatedAt})
	require.NoError(t, err)
	assert.Len(t, in.Decisions, 2*(wantA.LedgerRecords-wantA.Management))
	assert.Len(t, in.Management, 2*wantA.Management)
	require.Len(t, in.Verifications, 2)
	assert.True(t, in.Verifications[0].OK)
	assert.False(t, in.Verifications[1].OK, "i-2 is signed by another key")
	r := build(t, in)
	assert.Equal(t, VerdictFail, r.Ledger.Verdict)
	assert.Contains(t, r.Summary.VerificationText, "1 of 2 instance ledgers FAILED")
	assert.Contains(t, r.Summary.VerificationText, "i-2")
	assert.Equal(t, 2*wantA.Decisions, r.Decisions.Total)
}

func TestTimeTicksAreRound(t *testing.T) {
	lo := float64(time.Date(2026, 11, 20, 8, 56, 0, 0, time.UTC).Unix())
	hi := float64(time.Date(2026, 11, 20, 12, 24, 0, 0, time.UTC).Unix())
	var labels []string
	for _, tk := range (timeTicks{}).Ticks(lo, hi) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"}, labels)
	days := (timeTicks{}).Ticks(lo, lo+10*86400)
	require.NotEmpty(t, days)
	for _, tk := range days {
		assert.Zero(t, int64(tk.Value)%86400, "day ticks fall on midnight UTC: %s", tk.Label)
		assert.Len(t, tk.Label, len("2006-01-02"))
	}
	assert.Empty(t, (timeTicks{}).Ticks(hi, lo))
}

func TestDecisionsWithBrokenTimesDoNotBreakTheChart(t *testing.T) {
	mk := func(at time.Time, out string) aims.Decision {
		return aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: "x", SystemID: "s", Time: at, Output: out}
	}
	for name, ds := range map[string][]aims.Decision{
		"zero time":     {mk(time.Time{}, "deny"), mk(generatedAt, "approve")},
		"only zero":     {mk(time.Time{}, "deny")},
		"centuries":     {mk(time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), "deny"), mk(generatedAt, "approve"), mk(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), "approve")},
		"one instant":   {mk(generatedAt, "approve"), mk(generatedAt, "approve")},
		"empty outcome": {mk(generatedAt, ""), mk(generatedAt.Add(time.Hour), "approve")},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Input{Decisions: ds}
			s := buildDecisions(in, newView(in))
			assert.Equal(t, len(ds), s.Total)
			assert.LessOrEqual(t, len(s.Series), 2*maxBuckets)
			charted := 0
			for _, b := range s.Series {
				charted += b.Total
			}
			assert.Equal(t, s.Total-s.Untimed, charted)
			if charted > 0 {
				assert.Contains(t, s.Chart.SVG, "<svg", s.Chart.Err)
			}
		})
	}
}

func TestHostileValuesAreEscaped(t *testing.T) {
	_, _, in := scenario(t)
	const evil = `"><img src=x onerror=alert(1)><script>alert(2)</script>`
	in.Decisions[0].Output = evil
	in.Decisions[0].SystemID = evil
	in.Metrics = append(in.Metrics, otlpfile.Point{
		Metric: selRate, Kind: "gauge", Time: generatedAt, Value: 0.5,
		Attributes: map[string]any{string(semconv.AimsFairnessGroup): evil},
	})
	in.Missing = append(in.Missing, evil)
	r := build(t, in)
	var html, md bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	require.NoError(t, r.RenderMarkdown(&md))
	for name, out := range map[string]string{"html": html.String(), "markdown": md.String()} {
		assert.NotContains(t, out, "<img src=x", name)
		assert.NotContains(t, out, "<script>alert", name)
		assert.Contains(t, out, "&lt;img src=x", name)
	}
}

func TestMalformedCollectorFileIsReported(t *testing.T) {
	p, _, _ := scenario(t)
	logs := filepath.Join(p.OTel, LogsFile)
	f, err := os.OpenFile(logs, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("{not json\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	in, err := Load(context.Background(), LoadOptions{LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: p.SoA, Key: p.Key, Now: generatedAt})
	require.NoError(t, err)
	joined := strings.Join(in.Missing, "\n")
	assert.Contains(t, joined, "collector logs: a line could not be read and was skipped: otlpfile: "+logs+" line 8 is not OTLP/JSON logs data")
	assert.Contains(t, joined, "collector logs: 1 line of "+logs+" could not be read and was skipped")
	assert.Equal(t, 1, in.SkippedLogLines)
	assert.NotEmpty(t, in.Logs, "the seven good lines are still read")
	assert.NotNil(t, in.Metrics, "metrics are still read")
	r := build(t, in)
	assert.True(t, r.Fairness.Available, "fairness still comes from the metrics")
	assert.True(t, r.Inventory.Available, "the inventory's lines are good")
}

func TestNonDecisionLedgerRecordsAreCounted(t *testing.T) {
	dir := t.TempDir()
	skey, vkey, err := ledger.GenerateKey("t")
	require.NoError(t, err)
	signer, err := ledger.NewSigner(skey)
	require.NoError(t, err)
	l, err := ledger.Open(context.Background(), dir, "s", "i", signer)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, l.Append(ctx, []byte(`{"kind":"note","text":"not a decision"}`)))
	d := aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: "01936a00-0000-7000-8000-000000000001", SystemID: "s", Time: generatedAt, Output: "approve"}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	require.NoError(t, l.Append(ctx, b))
	require.NoError(t, l.Close(ctx))

	in, err := Load(ctx, LoadOptions{LedgerDir: dir, Key: vkey, Now: generatedAt})
	require.NoError(t, err)
	assert.Len(t, in.Decisions, 1)
	assert.Equal(t, 1, in.OtherRecords)
	r := build(t, in)
	assert.Equal(t, VerdictPass, r.Ledger.Verdict)
	for _, row := range r.Coverage.Rows {
		if row.ID == "A.6.2.8" {
			assert.Equal(t, 2, row.LedgerRecords, "every ledger record is event-log evidence")
		}
	}
}

// TestUnknownSchemaVersionsAreUnreadable: a ledger written by a newer
// writer holds three decisions of schema "aims.decision/v2" beside one of
// v1, and one management record of "aims.management/v9". The report
// cannot read them, so it must say so: they are counted as unreadable and
// named in Missing (and so in the summary), not counted silently as
// other ledger records (ledger entries such as adoptions) next to the one
// decision it did read.
func TestUnknownSchemaVersionsAreUnreadable(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey("t")
	require.NoError(t, err)
	dir := t.TempDir()
	signer, err := ledger.NewSigner(skey)
	require.NoError(t, err)
	l, err := ledger.Open(ctx, dir, "s", "pod-1", signer)
	require.NoError(t, err)
	rec := func(schema string, n int) []byte {
		return []byte(fmt.Sprintf(`{"schema_version":%q,"id":"01936a00-0000-7000-8000-%012d","time":"2026-11-20T09:00:00Z","system_id":"s","output":"approve"}`, schema, n))
	}
	require.NoError(t, l.Append(ctx, rec(aims.DecisionSchemaVersion, 1)))
	for i := 2; i <= 4; i++ {
		require.NoError(t, l.Append(ctx, rec("aims.decision/v2", i)))
	}
	require.NoError(t, l.Append(ctx, rec("aims.management/v9", 5)))
	require.NoError(t, l.Append(ctx, []byte(`{"kind":"note","text":"a ledger entry"}`)))
	require.NoError(t, l.Close(ctx))

	in, err := Load(ctx, LoadOptions{LedgerDir: dir, Key: vkey, Now: generatedAt})
	require.NoError(t, err)
	assert.Len(t, in.Decisions, 1)
	assert.Equal(t, 4, in.Unreadable)
	assert.Equal(t, 1, in.OtherRecords, "only the ledger entry is another record")
	require.Len(t, in.Instances, 1)
	assert.Equal(t, 4, in.Instances[0].Unreadable)
	missing := strings.Join(in.Missing, "\n")
	assert.Contains(t, missing, `schema version "aims.decision/v2" is not one this report reads`)
	assert.Contains(t, missing, "4 records in all could not be read", "the fourth, beyond the three named, is counted")

	r := build(t, in)
	assert.Equal(t, VerdictPass, r.Ledger.Verdict)
	assert.Equal(t, 1, r.Decisions.Total)
	assert.Equal(t, 4, r.Ledger.Unreadable)
	said := false
	for _, f := range r.Summary.Findings {
		said = said || strings.Contains(f.Text, "aims.decision/v2")
	}
	assert.True(t, said, "the summary says records were skipped")
	for _, row := range r.Coverage.Rows {
		if row.ID == "A.6.2.8" {
			assert.Equal(t, 6, row.LedgerRecords, "every ledger record is event-log evidence, readable or not")
		}
	}
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	p, _, _ := scenario(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, LoadOptions{LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: p.SoA, Key: p.Key})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestFairnessChartNamesEveryGroup(t *testing.T) {
	var pts []pointSpec
	for i := range 14 {
		pts = append(pts, pointSpec{selRate, fmt.Sprintf("region=r%02d,sex=x", i), 0.3 + 0.03*float64(i)})
	}
	in := &Input{Metrics: []otlpfile.Point{}}
	for _, p := range pts {
		in.Metrics = append(in.Metrics, otlpfile.Point{Metric: p.metric, Kind: "gauge", Time: generatedAt, Value: p.v,
			Attributes: map[string]any{string(semconv.AimsFairnessGroup): p.group}})
	}
	s := buildFairness(in)
	require.Len(t, s.Monitors, 1)
	svg := s.Monitors[0].Chart.SVG
	require.NotEmpty(t, svg, s.Monitors[0].Chart.Err)
	for _, p := range pts {
		assert.Contains(t, svg, p.group)
	}
}

// TestRolledBackLedgerFailsAgainstCollector: a ledger rolled back to an
// earlier state (records removed from the end, history trimmed, all its
// own files consistent) fails the report, because the checkpoints it had
// emitted to the collector cover more than it holds.
func TestRolledBackLedgerFailsAgainstCollector(t *testing.T) {
	p, want, _ := scenario(t)
	cps := filepath.Join(p.Ledger, "checkpoints.jsonl")
	b, err := os.ReadFile(cps)
	require.NoError(t, err)
	lines := bytes.SplitAfter(bytes.TrimSpace(b), []byte{'\n'})
	require.Greater(t, len(lines), 2)
	// Keep the history up to the second checkpoint and cut the records
	// after it: a ledger as it was earlier, every file consistent.
	kept := bytes.Join(lines[:2], nil)
	kept = append(bytes.TrimRight(kept, "\n"), '\n')
	require.NoError(t, os.WriteFile(cps, kept, 0o644))
	var cl struct {
		Note string `json:"note"`
	}
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(lines[1]), &cl))
	require.NoError(t, os.WriteFile(filepath.Join(p.Ledger, "checkpoint"), []byte(cl.Note), 0o644))
	body, _, _ := strings.Cut(cl.Note, "\n\n")
	cp, err := ledger.ParseCheckpoint(body + "\n")
	require.NoError(t, err)
	segs, err := filepath.Glob(filepath.Join(p.Ledger, "seg-*.jsonl"))
	require.NoError(t, err)
	require.Len(t, segs, 1)
	seg, err := os.ReadFile(segs[0])
	require.NoError(t, err)
	recs := bytes.SplitAfter(seg, []byte{'\n'})
	require.NoError(t, os.WriteFile(segs[0], bytes.Join(recs[:cp.Size], nil), 0o644))

	v, err := ledger.LoadVerifier(p.Key)
	require.NoError(t, err)
	_, err = ledger.Verify(p.Ledger, []note.Verifier{v}, ledger.VerifyOptions{})
	require.NoError(t, err, "the rolled-back ledger is consistent on its own")
	in, err := Load(context.Background(), LoadOptions{LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: p.SoA, Key: p.Key, Now: generatedAt})
	require.NoError(t, err)
	r := build(t, in)
	assert.Equal(t, VerdictFail, r.Ledger.Verdict)
	got := r.Ledger.Ledgers[0].Verification
	assert.Contains(t, got.Problem, "rollback or truncation")
	assert.Equal(t, cp.Size, got.Seq, "the first removed record is named")
	assert.Less(t, cp.Size, int64(want.LedgerRecords))
}
