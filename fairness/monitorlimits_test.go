package fairness

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
)

// limitCounts collects the aims.fairness.limit_reached counter by limit.
func (t *telemetry) limitCounts(tb testing.TB) map[string]int64 {
	var rm metricdata.ResourceMetrics
	if err := t.reader.Collect(context.Background(), &rm); err != nil {
		tb.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			if mt.Name != semconv.MetricFairnessLimitReached {
				continue
			}
			for _, p := range mt.Data.(metricdata.Sum[int64]).DataPoints {
				v, _ := p.Attributes.Value(semconv.AimsFairnessLimit)
				out[v.AsString()] = p.Value
			}
		}
	}
	return out
}

// Group values are client input: 1,000 decisions with made-up values of
// declared features are counted under the overflow level, never rejected,
// and the series stay the declared levels plus the overflow.
func TestMonitorDeclaredLevelsOverflow(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"sex", "region"}, append(tel.opts(),
		WithGroupLevels("sex", "female", "male"),
		WithGroupLevels("region", "north", "south"))...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		id := "x" + strconv.Itoa(i)
		if err := m.Observe(id, []string{"made-up-" + strconv.Itoa(i), strings.Repeat("r", 60_000) + strconv.Itoa(i)}, i%2); err != nil {
			t.Fatalf("decision %d: %v", i, err)
		}
	}
	if err := m.Observe("legit", []string{"female", "north"}, 1); err != nil {
		t.Fatalf("a normal decision after the flood: %v", err)
	}
	s := m.Snapshot()
	if s.Limits.Overflow != 1000 || s.Limits.Levels != 1000 || s.Limits.Groups != 0 {
		t.Errorf("limits %+v, want 1000 overflowing decisions", s.Limits)
	}
	if len(s.Groups) != 2 {
		t.Fatalf("%d groups, want the overflow group and female/north: %+v", len(s.Groups), s.Groups)
	}
	for _, g := range s.Groups {
		for i, l := range g.Group {
			if l != OverflowLevel && l != []string{"female", "north"}[i] {
				t.Errorf("group %v has an undeclared level", g.Group)
			}
		}
	}
	if s.Groups[0].Decisions != 1000 || !s.Groups[0].Overflow || s.Groups[1].Decisions != 1 || s.Groups[1].Overflow {
		t.Errorf("groups %+v", s.Groups)
	}
	g := tel.gauges(t)[semconv.MetricFairnessGroupDecisions]
	if len(g) != 2 || g["sex=__other__,region=__other__"] != 1000 || g["sex=female,region=north"] != 1 {
		t.Errorf("decision series %v", g)
	}
	if lc := tel.limitCounts(t); lc["levels"] != 1000 || lc["groups"] != 0 || lc["value_length"] != 0 {
		t.Errorf("limit_reached %v", lc)
	}
}

// Without declared levels the first WithMaxLevels values of a feature are
// levels and later ones overflow; long values are truncated and counted;
// combinations beyond WithMaxGroups go to the all-overflow group.
func TestMonitorUndeclaredLevelsBounded(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"sex", "region"}, append(tel.opts(), WithMaxLevels(4), WithMaxGroups(6), WithMaxValueLength(8))...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if err := m.Observe("x"+strconv.Itoa(i), []string{"s" + strconv.Itoa(i%3), "region-" + strconv.Itoa(i) + strings.Repeat("é", 30_000)}, 1); err != nil {
			t.Fatalf("decision %d: %v", i, err)
		}
	}
	s := m.Snapshot()
	if len(s.Groups) > 6 {
		t.Errorf("%d groups, bound 6", len(s.Groups))
	}
	var total int64
	for _, g := range s.Groups {
		total += g.Decisions
		for _, l := range g.Group {
			if l != OverflowLevel && len(l) > 8 {
				t.Errorf("level %q longer than the limit", l)
			}
		}
	}
	if total != 1000 {
		t.Errorf("%d decisions counted, want all 1000", total)
	}
	if s.Limits.ValueLength != 1000 {
		t.Errorf("truncated %d, want 1000", s.Limits.ValueLength)
	}
	if s.Limits.Overflow == 0 || s.Limits.Levels == 0 || s.Limits.Groups == 0 {
		t.Errorf("limits %+v: want overflow through levels and groups", s.Limits)
	}
	if lc := tel.limitCounts(t); lc["value_length"] != 1000 || lc["levels"] != s.Limits.Levels || lc["groups"] != s.Limits.Groups {
		t.Errorf("limit_reached %v, snapshot %+v", lc, s.Limits)
	}
}

func TestMonitorGroupLevelOptionErrors(t *testing.T) {
	for _, c := range []struct {
		opt  MonitorOption
		want string
	}{
		{WithGroupLevels("sex"), "needs 1..4096 levels"},
		{WithGroupLevels("sex", "a", "a"), "twice"},
		{WithGroupLevels("sex", ""), "empty level"},
		{WithGroupLevels("sex", OverflowLevel), "reserved"},
		{WithGroupLevels("age", "young"), "not a sensitive feature"},
		{WithGroupLevels("sex", strings.Repeat("x", 100)), "longer than"},
		{WithMaxLevels(0), "WithMaxLevels"},
		{WithMaxValueLength(1 << 20), "WithMaxValueLength"},
		{WithMaxGroups(1 << 20), "WithMaxGroups"},
		{WithCountWindow(1 << 30), "WithCountWindow"},
		{WithMaxPending(1 << 30), "WithMaxPending"},
	} {
		_, err := NewMonitor([]string{"sex"}, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
