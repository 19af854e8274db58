package auditreport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// TestFairnessOfAFleet feeds the report the metrics of two instances of
// one system: window gauges that disagree, and cumulative counts, with an
// older export of each that must be ignored. The whole-system view sums
// the latest counts of each series (A: 40+40 decisions, 30+26 selected;
// B: 50+30, 20+12, and 20 and 8 from i2's life before a restart) and
// computes rates from the sums; each instance's window is shown on
// its own, never mixed with the other's, and only the whole system counts
// in the summary: B's fleet impact ratio (40/100)/(56/80) = 0.571 fails
// the four-fifths rule, while instance i1's window alone would not.
func TestFairnessOfAFleet(t *testing.T) {
	in := &Input{}
	res := func(inst string) map[string]any {
		return map[string]any{string(semconv.AimsSystemID): "s", string(semconv.AimsSystemInstance): inst}
	}
	start := generatedAt.Add(-24 * time.Hour) // the series' start: the process's
	add := func(inst, metric, group string, at time.Time, v float64) {
		in.Metrics = append(in.Metrics, otlpfile.Point{Metric: metric, Kind: "sum", Time: at, Start: start, Value: v, Resource: res(inst),
			Attributes: map[string]any{string(semconv.AimsFairnessGroup): group}})
	}
	old, now := generatedAt.Add(-time.Hour), generatedAt
	cum := func(inst string, at time.Time, g string, decisions, selected float64) {
		add(inst, semconv.MetricFairnessCumulativeDecisions, g, at, decisions)
		add(inst, semconv.MetricFairnessCumulativeSelected, g, at, selected)
	}
	cum("i1", old, "A", 10, 10) // older exports: superseded
	cum("i2", old, "B", 5, 0)
	cum("i1", now, "A", 40, 30)
	cum("i1", now, "B", 50, 20)
	cum("i2", now, "A", 40, 26)
	cum("i2", now, "B", 30, 12)
	// i2 restarted: its earlier life's counters are another series (an
	// earlier start), whose latest counts add up with the new life's.
	start = generatedAt.Add(-48 * time.Hour)
	cum("i2", old, "B", 20, 8)
	start = generatedAt.Add(-24 * time.Hour)
	// Window gauges: i1 sees B at 0.7 of A, i2 at 0.61.
	add("i1", semconv.MetricFairnessGroupDecisions, "A", now, 40)
	add("i1", semconv.MetricFairnessSelectionRate, "A", now, 0.5)
	add("i1", semconv.MetricFairnessGroupDecisions, "B", now, 50)
	add("i1", semconv.MetricFairnessSelectionRate, "B", now, 0.45)
	add("i2", semconv.MetricFairnessGroupDecisions, "A", now, 40)
	add("i2", semconv.MetricFairnessSelectionRate, "A", now.Add(time.Second), 0.65)
	add("i2", semconv.MetricFairnessGroupDecisions, "B", now, 30)
	add("i2", semconv.MetricFairnessSelectionRate, "B", now, 0.4)

	s := buildFairness(in)
	require.Len(t, s.Monitors, 3)
	fleet, i1, i2 := s.Monitors[0], s.Monitors[1], s.Monitors[2]
	require.True(t, fleet.Fleet)
	assert.Equal(t, []string{"i1", "i2"}, fleet.Instances)
	assert.Equal(t, "i1", i1.Instance)
	assert.Equal(t, "i2", i2.Instance)
	assert.True(t, fleet.Counted())
	assert.False(t, i1.Counted())
	assert.Contains(t, fleet.Title(), "whole system (2 instances)")
	assert.Contains(t, i2.Title(), "on instance i2")

	rows := map[string]GroupRow{}
	for _, g := range fleet.Groups {
		rows[g.Group] = g
	}
	require.Len(t, rows, 2)
	assert.Equal(t, 80.0, *rows["A"].Decisions)
	assert.Equal(t, 100.0, *rows["B"].Decisions)
	assert.InDelta(t, 56.0/80, *rows["A"].SelectionRate, 1e-15)
	assert.InDelta(t, 40.0/100, *rows["B"].SelectionRate, 1e-15)
	assert.InDelta(t, 32.0/56, *rows["B"].ImpactRatio, 1e-12)
	assert.Equal(t, VerdictFail, rows["B"].FourFifths)
	var dpr *DisparityRow
	for i := range fleet.Disparities {
		if fleet.Disparities[i].Name == "demographic_parity_ratio" {
			dpr = &fleet.Disparities[i]
		}
	}
	require.NotNil(t, dpr, "disparities from the sums: %+v", fleet.Disparities)
	assert.InDelta(t, 32.0/56, dpr.Value, 1e-12)

	// Each instance's window is its own: i1's B at 0.45/0.5 = 0.9 passes.
	for _, g := range i1.Groups {
		if g.Group == "B" {
			assert.InDelta(t, 0.45, *g.SelectionRate, 1e-15)
			assert.Equal(t, VerdictPass, g.FourFifths)
		}
	}
	failing, _, _ := fairnessCounts(&s)
	assert.Equal(t, 1, failing, "the whole system's failing group, not the instances' windows")

	// One instance: no whole-system view, the monitor as before.
	one := &Input{}
	for _, p := range in.Metrics {
		if p.Resource[string(semconv.AimsSystemInstance)] == "i1" {
			one.Metrics = append(one.Metrics, p)
		}
	}
	s1 := buildFairness(one)
	require.Len(t, s1.Monitors, 1)
	assert.False(t, s1.Monitors[0].Fleet)
	assert.Empty(t, s1.Monitors[0].Instance)
}
