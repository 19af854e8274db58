package auditreport

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// fleetInput builds metric points of instances of system "s".
type fleetInput struct {
	in    Input
	start time.Time
}

func (f *fleetInput) add(inst, metric, group string, at time.Time, v float64) {
	res := map[string]any{string(semconv.AimsSystemID): "s"}
	if inst != "" {
		res[string(semconv.AimsSystemInstance)] = inst
	}
	f.in.Metrics = append(f.in.Metrics, otlpfile.Point{Metric: metric, Kind: "sum", Time: at, Start: f.start, Value: v, Resource: res,
		Attributes: map[string]any{string(semconv.AimsFairnessGroup): group}})
}

// window adds an instance's window gauges: decisions and selection rate.
func (f *fleetInput) window(inst, group string, decisions, rate float64) {
	f.add(inst, semconv.MetricFairnessGroupDecisions, group, generatedAt, decisions)
	f.add(inst, semconv.MetricFairnessSelectionRate, group, generatedAt, rate)
}

func (f *fleetInput) cum(inst, group string, decisions, selected float64) {
	f.add(inst, semconv.MetricFairnessCumulativeDecisions, group, generatedAt, decisions)
	f.add(inst, semconv.MetricFairnessCumulativeSelected, group, generatedAt, selected)
}

// TestFleetReplicaWithoutInstanceIsNotTheWholeSystem: of two replicas of
// one system, one has no aims.system.instance on its resource. Its window
// is one instance's window, not the system's monitor: its verdicts must
// not count in the summary beside the whole-system view. The fleet
// (A 100/200, B 90/200: ratio 0.9) passes; the unnamed replica's window
// (A 0.5, B 0.3: ratio 0.6) fails, and i1's window passes.
func TestFleetReplicaWithoutInstanceIsNotTheWholeSystem(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	f.cum("i1", "A", 100, 50)
	f.cum("i1", "B", 100, 60)
	f.cum("", "A", 100, 50)
	f.cum("", "B", 100, 30)
	f.window("i1", "A", 100, 0.5)
	f.window("i1", "B", 100, 0.6)
	f.window("", "A", 100, 0.5)
	f.window("", "B", 100, 0.3)

	s := buildFairness(&f.in)
	var counted []FairnessMonitor
	for _, m := range s.Monitors {
		if m.Counted() {
			counted = append(counted, m)
		}
	}
	require.Len(t, counted, 1, "only the whole-system view counts; monitors: %v", titles(s))
	assert.True(t, counted[0].Fleet)
	failing, _, _ := fairnessCounts(&s)
	assert.Equal(t, 0, failing, "the fleet passes; a replica's window does not count")
	for _, m := range s.Monitors {
		if !m.Fleet {
			assert.NotContains(t, m.Title(), "latest values as of", "an instance's window is titled as one instance's: %q", m.Title())
		}
	}
}

func titles(s FairnessSection) []string {
	var out []string
	for _, m := range s.Monitors {
		out = append(out, m.Title())
	}
	return out
}

// TestFleetInstanceChartsNameTheInstance: the charts of an instance's
// window are titled with the system and the instance in words; the
// report's internal view key (system NUL instance) never reaches the SVG,
// where a NUL character is not allowed (XML 1.0, Char production).
func TestFleetInstanceChartsNameTheInstance(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	for _, inst := range []string{"i1", "i2"} {
		f.cum(inst, "A", 100, 50)
		f.cum(inst, "B", 100, 45)
		f.window(inst, "A", 100, 0.5)
		f.window(inst, "B", 100, 0.45)
		f.add(inst, semconv.MetricFairnessSelectionRate, "A", generatedAt.Add(-time.Minute), 0.4)
	}
	s := buildFairness(&f.in)
	require.Len(t, s.Monitors, 3)
	for _, m := range s.Monitors[1:] {
		require.NotEmpty(t, m.Chart.SVG)
		require.NotEmpty(t, m.TimeChart.SVG)
		for _, c := range []Chart{m.Chart, m.TimeChart} {
			assert.NotContains(t, c.Title, "\x00")
			assert.NotContains(t, string(c.SVG), "\x00")
			assert.Contains(t, c.Title, "instance "+m.Instance)
		}
	}
}

// TestFleetOneBadReplicaDoesNotHideTheSystem: one replica exports counts
// that cannot be true (more selected than decided). That must not make the
// whole system's fairness vanish from the summary: here every replica's
// window fails the four-fifths rule, and so does the fleet of the
// consistent replicas.
func TestFleetOneBadReplicaDoesNotHideTheSystem(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	f.cum("i1", "A", 100, 50)
	f.cum("i1", "B", 100, 20)
	f.cum("i2", "A", 100, 50)
	f.cum("i2", "B", 100, 20)
	f.cum("bad", "A", 10, 1000) // more selected than decided
	f.cum("bad", "B", 10, 0)
	for _, inst := range []string{"i1", "i2", "bad"} {
		f.window(inst, "A", 100, 0.5)
		f.window(inst, "B", 100, 0.2)
	}
	s := buildFairness(&f.in)
	failing, _, _ := fairnessCounts(&s)
	assert.Equal(t, 1, failing, "group B fails in every replica; monitors: %v", titles(s))
}

// TestFleetBadReplicaIsNamedInTheReport: the replica left out of the
// whole system's sums is named in both renderings.
func TestFleetBadReplicaIsNamedInTheReport(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	f.cum("i1", "A", 100, 50)
	f.cum("i2", "A", 100, 50)
	f.cum("bad", "A", 10, 1000)
	s := buildFairness(&f.in)
	require.True(t, s.Monitors[0].Fleet)
	assert.Equal(t, []string{"i1", "i2"}, s.Monitors[0].Instances)
	require.Len(t, s.Monitors[0].Excluded, 1)
	assert.Contains(t, s.Monitors[0].Excluded[0], "bad (")
	r := &Report{Fairness: s}
	var md, html strings.Builder
	require.NoError(t, r.RenderMarkdown(&md))
	require.NoError(t, r.RenderHTML(&html))
	assert.Contains(t, md.String(), "Left out of the sums: bad (")
	assert.Contains(t, html.String(), "Left out of the sums: bad (")
}
