package auditreport

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFleetInstanceWithoutCumulativeCountsIsNamed: of three replicas, one
// (old, an earlier SDK) exports its window gauges but no cumulative
// counts. Its decisions cannot be added to the whole system's counts; the
// whole-system view must say so rather than present the other two as the
// whole system, and the summary must not call fairness clean.
func TestFleetInstanceWithoutCumulativeCountsIsNamed(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	f.cum("i1", "A", 100, 50)
	f.cum("i1", "B", 100, 45)
	f.cum("i2", "A", 100, 50)
	f.cum("i2", "B", 100, 45)
	for _, inst := range []string{"i1", "i2", "old"} {
		f.window(inst, "A", 100, 0.5)
		f.window(inst, "B", 100, 0.45)
	}
	s := buildFairness(&f.in)
	require.True(t, s.Monitors[0].Fleet, "monitors: %v", titles(s))
	assert.Equal(t, []string{"i1", "i2"}, s.Monitors[0].Instances)
	require.Len(t, s.Monitors[0].Excluded, 1)
	assert.Contains(t, s.Monitors[0].Excluded[0], "old (")
	assert.Contains(t, s.Monitors[0].Excluded[0], "no aims.fairness.cumulative.* counts")

	r := &Report{Fairness: s}
	r.Summary = summarise(r)
	var md, html strings.Builder
	require.NoError(t, r.RenderMarkdown(&md))
	require.NoError(t, r.RenderHTML(&html))
	assert.Contains(t, md.String(), "Left out of the sums: old (")
	assert.Contains(t, html.String(), "Left out of the sums: old (")
	fairnessFinding(t, r, "1 instance left out of the whole system's counts")
}

// TestFleetWithoutAnyCumulativeCounts: no replica exports cumulative
// counts, so there is no whole-system view to compute. The report still
// has the system's whole view, empty, naming every replica left out, and
// the summary does not call fairness clean.
func TestFleetWithoutAnyCumulativeCounts(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	for _, inst := range []string{"i1", "i2"} {
		f.window(inst, "A", 100, 0.5)
		f.window(inst, "B", 100, 0.45)
	}
	s := buildFairness(&f.in)
	require.True(t, s.Monitors[0].Fleet, "monitors: %v", titles(s))
	assert.Empty(t, s.Monitors[0].Instances)
	assert.Empty(t, s.Monitors[0].Groups)
	require.Len(t, s.Monitors[0].Excluded, 2)
	r := &Report{Fairness: s}
	r.Summary = summarise(r)
	fairnessFinding(t, r, "2 instances left out of the whole system's counts")
	var md, html strings.Builder
	require.NoError(t, r.RenderMarkdown(&md))
	require.NoError(t, r.RenderHTML(&html))
	for _, out := range []string{md.String(), html.String()} {
		assert.Contains(t, out, "counts of no instance, added up")
		assert.Contains(t, out, "Left out of the sums: i1 (")
	}
}

func fairnessFinding(t *testing.T, r *Report, want string) {
	t.Helper()
	for _, f := range r.Summary.Findings {
		if strings.HasPrefix(f.Text, "Fairness:") {
			assert.Contains(t, f.Text, want)
			assert.Equal(t, VerdictWarn, f.Verdict)
			return
		}
	}
	t.Fatalf("no fairness finding in %v", r.Summary.Findings)
}
