package fairness

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// exportedCounts reads the aims.fairness.cumulative.* sums from a manual
// reader, checking that they are cumulative sums, monotonic except
// .selected.
func exportedCounts(t *testing.T, r *sdkmetric.ManualReader) []GroupCounts {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	byGroup := map[string]*GroupCounts{}
	var order []string
	seen := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, "aims.fairness.cumulative.") {
				continue
			}
			seen[m.Name] = true
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				t.Fatalf("%s is %T, want an int64 sum", m.Name, m.Data)
			}
			if sum.Temporality != metricdata.CumulativeTemporality {
				t.Errorf("%s has temporality %v", m.Name, sum.Temporality)
			}
			if want := m.Name != semconv.MetricFairnessCumulativeSelected; sum.IsMonotonic != want {
				t.Errorf("%s: monotonic %v, want %v", m.Name, sum.IsMonotonic, want)
			}
			if m.Unit != "{decision}" {
				t.Errorf("%s: unit %q", m.Name, m.Unit)
			}
			for _, p := range sum.DataPoints {
				v, ok := p.Attributes.Value(semconv.AimsFairnessGroup)
				if !ok || p.Attributes.Len() != 1 {
					t.Fatalf("%s point has attributes %v", m.Name, p.Attributes.ToSlice())
				}
				g := v.AsString()
				c := byGroup[g]
				if c == nil {
					c = &GroupCounts{Group: g}
					byGroup[g] = c
					order = append(order, g)
				}
				switch m.Name {
				case semconv.MetricFairnessCumulativeDecisions:
					c.Decisions = p.Value
				case semconv.MetricFairnessCumulativeSelected:
					c.Selected = p.Value
				case semconv.MetricFairnessCumulativeTruePositives:
					c.TruePositives = p.Value
				case semconv.MetricFairnessCumulativeFalsePositives:
					c.FalsePositives = p.Value
				case semconv.MetricFairnessCumulativeTrueNegatives:
					c.TrueNegatives = p.Value
				case semconv.MetricFairnessCumulativeFalseNegatives:
					c.FalseNegatives = p.Value
				default:
					t.Errorf("unexpected metric %s", m.Name)
				}
			}
		}
	}
	if len(order) > 0 && len(seen) != 6 {
		t.Errorf("exported %d cumulative metrics, want 6: %v", len(seen), seen)
	}
	out := make([]GroupCounts, 0, len(order))
	for _, g := range order {
		out = append(out, *byGroup[g])
	}
	return out
}

func byName(cs []GroupCounts) map[string]GroupCounts {
	m := make(map[string]GroupCounts, len(cs))
	for _, c := range cs {
		m[c.Group] = c
	}
	return m
}

// fleetEvent is one call on a monitor: Observe, ObserveFinal or
// ObserveLabel of decision id.
type fleetEvent struct {
	at    float64
	kind  byte // 'o', 'f', 'l'
	id    int
	group []string
	value int
}

// fleetStream is a reproducible stream of decisions with reviews that
// change outcomes (some twice, some after the label, which the monitor
// refuses), labels arriving late and out of order (some never), and
// values beyond the declared levels.
func fleetStream(n int) []fleetEvent {
	rng := rand.New(rand.NewPCG(42, 7))
	sexes := []string{"F", "M", "M", "F", "X"} // X is not declared
	regions := []string{"N", "S", "E", "W"}    // W is not declared
	var ev []fleetEvent
	for i := range n {
		g := []string{sexes[rng.IntN(len(sexes))], regions[rng.IntN(len(regions))]}
		// Selection depends on the group, so the disparities are not trivial.
		p := 0.3 + 0.1*float64(len(g[0])+strings.Index("NSEW", g[1]))
		pred := 0
		if g[0] == "F" && rng.Float64() < p || g[0] != "F" && rng.Float64() < p+0.2 {
			pred = 1
		}
		t := float64(i)
		ev = append(ev, fleetEvent{at: t, kind: 'o', id: i, group: g, value: pred})
		labelAt := t + 1 + rng.Float64()*300
		for k := 0; k < 2 && rng.Float64() < 0.3; k++ {
			// Reviews: most before the label, some after (refused).
			ev = append(ev, fleetEvent{at: t + 0.5 + rng.Float64()*400, kind: 'f', id: i, value: rng.IntN(2)})
		}
		if rng.Float64() < 0.85 {
			y := pred
			if rng.Float64() < 0.3 {
				y = 1 - pred
			}
			ev = append(ev, fleetEvent{at: labelAt, kind: 'l', id: i, value: y})
		}
	}
	sort.SliceStable(ev, func(a, b int) bool { return ev[a].at < ev[b].at })
	return ev
}

// tallyStream counts the stream independently of the monitor: a decision
// is selected by its last review before its label (or its prediction),
// and its confusion cell is that outcome against the label.
func tallyStream(ev []fleetEvent) map[string]GroupCounts {
	name := func(g []string) string {
		s, r := g[0], g[1]
		if s == "X" {
			s = OverflowLevel
		}
		if r == "W" {
			r = OverflowLevel
		}
		return "sex=" + s + ",region=" + r
	}
	group := map[int]string{}
	outcome := map[int]int{}
	labelled := map[int]bool{}
	out := map[string]GroupCounts{}
	for _, e := range ev {
		switch e.kind {
		case 'o':
			group[e.id], outcome[e.id] = name(e.group), e.value
		case 'f':
			if !labelled[e.id] {
				outcome[e.id] = e.value
			}
		case 'l':
			labelled[e.id] = true
			c := out[group[e.id]]
			switch {
			case outcome[e.id] == 1 && e.value == 1:
				c.TruePositives++
			case outcome[e.id] == 1:
				c.FalsePositives++
			case e.value == 1:
				c.FalseNegatives++
			default:
				c.TrueNegatives++
			}
			out[group[e.id]] = c
		}
	}
	for id, g := range group {
		c := out[g]
		c.Group = g
		c.Decisions++
		c.Selected += int64(outcome[id])
		out[g] = c
	}
	return out
}

func feed(t *testing.T, m *Monitor, e fleetEvent) {
	t.Helper()
	id := "d" + strconv.Itoa(e.id)
	var err error
	switch e.kind {
	case 'o':
		err = m.Observe(id, e.group, e.value)
	case 'f':
		err = m.ObserveFinal(id, e.value)
	case 'l':
		err = m.ObserveLabel(id, e.value)
	}
	// A review after the label is refused: the outcome is fixed.
	if err != nil && !(e.kind == 'f' && errors.Is(err, ErrUnknownDecision)) {
		t.Fatalf("%c %s: %v", e.kind, id, err)
	}
}

func newFleetMonitor(t *testing.T, tel *telemetry) *Monitor {
	t.Helper()
	m, err := NewMonitor([]string{"sex", "region"}, append(tel.opts(),
		WithGroupLevels("sex", "F", "M"), WithGroupLevels("region", "N", "S", "E"),
		// A window much shorter than the stream: the counts are not windowed.
		WithCountWindow(100), WithMinGroupDecisions(30))...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameStats(t *testing.T, what string, got, want FleetStats) {
	t.Helper()
	if len(got.Groups) != len(want.Groups) {
		t.Fatalf("%s: %d groups, want %d", what, len(got.Groups), len(want.Groups))
	}
	wg := map[string]GroupStats{}
	for _, g := range want.Groups {
		wg[g.Name] = g
	}
	for _, g := range got.Groups {
		w, ok := wg[g.Name]
		if !ok {
			t.Fatalf("%s: unexpected group %q", what, g.Name)
		}
		if g.Decisions != w.Decisions || g.Labeled != w.Labeled || g.Counts != w.Counts || g.Small != w.Small || g.SmallLabeled != w.SmallLabeled ||
			!sameFloat(g.SelectionRate, w.SelectionRate) || !sameFloat(g.TruePositiveRate, w.TruePositiveRate) ||
			!sameFloat(g.FalsePositiveRate, w.FalsePositiveRate) || !sameFloat(g.Accuracy, w.Accuracy) {
			t.Errorf("%s: group %q: %+v, want %+v", what, g.Name, g, w)
		}
	}
	for _, d := range allDisparities {
		if !sameFloat(got.Disparities[d], want.Disparities[d]) {
			t.Errorf("%s: %s = %v, want %v", what, d, got.Disparities[d], want.Disparities[d])
		}
	}
}

// Three replicas, each fed the decisions routed to it (with their reviews
// and labels), export counters whose sum is exactly what one monitor fed
// the whole stream exports, and what an independent tally of the stream
// says; the fleet's rates and disparities computed from the summed points
// equal those from the single monitor's.
func TestFleetCountersSumToOneMonitor(t *testing.T) {
	stream := fleetStream(6000)
	oneTel := newTelemetry(t)
	one := newFleetMonitor(t, oneTel)
	var repTel [3]*telemetry
	var reps [3]*Monitor
	for i := range reps {
		repTel[i] = newTelemetry(t)
		reps[i] = newFleetMonitor(t, repTel[i])
	}
	for _, e := range stream {
		feed(t, one, e)
		feed(t, reps[e.id%3], e)
	}

	var parts [][]GroupCounts
	for i := range reps {
		parts = append(parts, exportedCounts(t, repTel[i].reader))
	}
	fleet, err := SumGroupCounts(parts...)
	if err != nil {
		t.Fatal(err)
	}
	single := exportedCounts(t, oneTel.reader)
	truth := tallyStream(stream)

	if len(single) != len(truth) || len(fleet) != len(truth) {
		t.Fatalf("groups: single %d, fleet %d, tally %d", len(single), len(fleet), len(truth))
	}
	fb, sb, cb := byName(fleet), byName(single), byName(one.CumulativeCounts())
	var changed, over bool
	var preds int64
	for _, e := range stream {
		if e.kind == 'o' {
			preds += int64(e.value)
		}
	}
	var selected, decisions int64
	for g, want := range truth {
		if sb[g] != want || fb[g] != want || cb[g] != want {
			t.Errorf("group %q: single %+v, fleet %+v, CumulativeCounts %+v, tally %+v", g, sb[g], fb[g], cb[g], want)
		}
		over = over || strings.Contains(g, OverflowLevel)
		changed = changed || want.TruePositives > 0 && want.FalsePositives > 0 && want.TrueNegatives > 0 && want.FalseNegatives > 0
		selected += want.Selected
		decisions += want.Decisions
	}
	if !over || !changed || selected == preds || decisions != 6000 {
		t.Fatalf("stream too easy: overflow %v, all confusion cells %v, selected %d vs predicted %d, decisions %d", over, changed, selected, preds, decisions)
	}
	// The window gauges hold only the last 100 decisions.
	if s := one.Snapshot(); s.Late == 0 {
		t.Error("no label arrived after its decision left the window")
	}

	fromFleet, err := FleetStatsOf(fleet, 30)
	if err != nil {
		t.Fatal(err)
	}
	// The fleet's and the single monitor's counts are equal (above), so
	// their stats are too; FleetStatsOf itself is checked against the
	// monitor's Snapshot in TestFleetStatsOfEqualsSnapshot.
	for _, d := range allDisparities {
		if math.IsNaN(fromFleet.Disparities[d]) || fromFleet.Disparities[d] == 0 {
			t.Errorf("%s = %v: the test should see a disparity", d, fromFleet.Disparities[d])
		}
	}
}

// FleetStatsOf runs the monitor's own code: on the counts of a monitor
// whose window holds the whole stream it returns the monitor's Snapshot.
func TestFleetStatsOfEqualsSnapshot(t *testing.T) {
	stream := fleetStream(3000)
	for _, minGroup := range []int{0, 30, 200} {
		m, err := NewMonitor([]string{"sex", "region"}, WithGroupLevels("sex", "F", "M"),
			WithGroupLevels("region", "N", "S", "E"), WithCountWindow(5000), WithMinGroupDecisions(minGroup))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range stream {
			feed(t, m, e)
		}
		snap := m.Snapshot()
		if snap.Late != 0 {
			t.Fatal("window shorter than the stream")
		}
		want := FleetStats{Groups: snap.Groups, Disparities: snap.Disparities}
		got, err := FleetStatsOf(m.CumulativeCounts(), minGroup)
		if err != nil {
			t.Fatal(err)
		}
		sameStats(t, "minGroup "+strconv.Itoa(minGroup), got, want)
	}
}

// The selected count follows the final outcome: a review takes a
// selection out again (the up-down counter goes down), a review after the
// label is refused and changes nothing, and a decision that left the
// window keeps being counted.
func TestCumulativeCountsFollowFinalOutcome(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"sex"}, append(tel.opts(), WithCountWindow(1))...)
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, want GroupCounts) {
		t.Helper()
		want.Group = "sex=F"
		got := exportedCounts(t, tel.reader)
		if len(got) != 1 || got[0] != want {
			t.Fatalf("%s: exported %+v, want %+v", step, got, want)
		}
		if c := m.CumulativeCounts(); !slices.Equal(c, got) {
			t.Fatalf("%s: CumulativeCounts %+v, exported %+v", step, c, got)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Observe("a", []string{"F"}, 1))
	check("observed", GroupCounts{Decisions: 1, Selected: 1})
	must(m.ObserveFinal("a", 0))
	check("overturned", GroupCounts{Decisions: 1, Selected: 0})
	must(m.ObserveFinal("a", 1))
	must(m.ObserveFinal("a", 1))
	check("restored twice", GroupCounts{Decisions: 1, Selected: 1})
	must(m.ObserveLabel("a", 0))
	check("labelled", GroupCounts{Decisions: 1, Selected: 1, FalsePositives: 1})
	if err := m.ObserveFinal("a", 0); !errors.Is(err, ErrUnknownDecision) {
		t.Fatalf("review after the label: %v", err)
	}
	if err := m.ObserveLabel("a", 1); !errors.Is(err, ErrUnknownDecision) {
		t.Fatalf("second label: %v", err)
	}
	check("refused", GroupCounts{Decisions: 1, Selected: 1, FalsePositives: 1})
	// b leaves the window (one decision) when c arrives; its review and
	// label still count.
	must(m.Observe("b", []string{"F"}, 0))
	must(m.Observe("c", []string{"F"}, 0))
	must(m.ObserveFinal("b", 1))
	must(m.ObserveLabel("b", 1))
	check("out of window", GroupCounts{Decisions: 3, Selected: 2, FalsePositives: 1, TruePositives: 1})
	if s := m.Snapshot(); s.Late != 1 || s.Groups[0].Decisions != 1 {
		t.Fatalf("window: %+v", s)
	}
	must(m.ObserveLabel("c", 0))
	check("true negative", GroupCounts{Decisions: 3, Selected: 2, FalsePositives: 1, TruePositives: 1, TrueNegatives: 1})
	must(m.Close(context.Background()))
	if c := m.CumulativeCounts(); len(c) != 1 || c[0].Decisions != 3 {
		t.Fatalf("after Close: %+v", c)
	}
}

func TestFleetStatsOfByHand(t *testing.T) {
	counts := []GroupCounts{
		{Group: "sex=F", Decisions: 10, Selected: 5, TruePositives: 4, FalseNegatives: 4, FalsePositives: 1, TrueNegatives: 1},
		{Group: "sex=M", Decisions: 10, Selected: 8, TruePositives: 4, FalseNegatives: 1, FalsePositives: 4, TrueNegatives: 1},
		{Group: "sex=X", Decisions: 2, Selected: 2}, // too small
	}
	fs, err := FleetStatsOf(counts, 5)
	if err != nil {
		t.Fatal(err)
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-15 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	near("selection rate F", fs.Groups[0].SelectionRate, 0.5)
	near("TPR F", fs.Groups[0].TruePositiveRate, 0.5)
	near("FPR M", fs.Groups[1].FalsePositiveRate, 0.8)
	near("accuracy M", fs.Groups[1].Accuracy, 0.5)
	if !fs.Groups[2].Small || !math.IsNaN(fs.Groups[2].TruePositiveRate) {
		t.Errorf("group X: %+v", fs.Groups[2])
	}
	near("DP ratio", fs.Disparities[DemographicParityRatio], 0.5/0.8)
	near("DP difference", fs.Disparities[DemographicParityDifference], 0.3)
	near("EO ratio", fs.Disparities[EqualOpportunityRatio], 0.5/0.8)
	// TPR 0.5 vs 0.8, FPR 0.5 vs 0.8: both ratios 0.625.
	near("equalized odds ratio", fs.Disparities[EqualizedOddsRatio], 0.625)
	near("equalized odds difference", fs.Disparities[EqualizedOddsDifference], 0.3)

	for name, bad := range map[string][]GroupCounts{
		"negative":  {{Group: "a", Decisions: -1}},
		"selected":  {{Group: "a", Decisions: 1, Selected: 2}},
		"labelled":  {{Group: "a", Decisions: 1, TruePositives: 1, TrueNegatives: 1}},
		"duplicate": {{Group: "a", Decisions: 1}, {Group: "a", Decisions: 1}},
		"no name":   {{Decisions: 1}},
	} {
		if _, err := FleetStatsOf(bad, 0); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := FleetStatsOf(counts, -1); err == nil {
		t.Error("negative minimum group size: no error")
	}
	if got, err := SumGroupCounts(counts[:1], counts[:1], nil); err != nil || len(got) != 1 || got[0].Decisions != 20 || got[0].TruePositives != 8 {
		t.Errorf("SumGroupCounts: %+v, %v", got, err)
	}
}

// AddCount rebuilds GroupCounts from exported data points: each
// cumulative metric adds to its own count and nothing else.
func TestAddCountFromExportedMetrics(t *testing.T) {
	var c GroupCounts
	for i, m := range []string{
		semconv.MetricFairnessCumulativeDecisions, semconv.MetricFairnessCumulativeSelected,
		semconv.MetricFairnessCumulativeTruePositives, semconv.MetricFairnessCumulativeFalsePositives,
		semconv.MetricFairnessCumulativeTrueNegatives, semconv.MetricFairnessCumulativeFalseNegatives,
	} {
		if ok, err := c.AddCount(m, int64(10*(i+1))); !ok || err != nil {
			t.Fatalf("%s not taken", m)
		}
	}
	_, _ = c.AddCount(semconv.MetricFairnessCumulativeDecisions, 5) // a second life of the replica
	want := GroupCounts{Decisions: 15, Selected: 20, TruePositives: 30, FalsePositives: 40, TrueNegatives: 50, FalseNegatives: 60}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
	for _, m := range []string{semconv.MetricFairnessSelectionRate, semconv.MetricFairnessGroupDecisions, ""} {
		if ok, err := c.AddCount(m, 1); ok || err != nil || c != want {
			t.Errorf("%q: taken as a cumulative count", m)
		}
	}
}
