package fairness

import (
	"context"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// sumPoint is one point of an int64 sum, keyed by metric name and
// attribute set.
type sumPoint struct {
	value     int64
	start     int64 // start time, UnixNano
	monotonic bool
}

func collectSums(t *testing.T, r *sdkmetric.ManualReader) map[string]sumPoint {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]sumPoint{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			s, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				continue
			}
			if s.Temporality != metricdata.CumulativeTemporality {
				t.Errorf("%s has temporality %v", m.Name, s.Temporality)
			}
			for _, p := range s.DataPoints {
				var kv []string
				for _, a := range p.Attributes.ToSlice() {
					kv = append(kv, string(a.Key)+"="+a.Value.String())
				}
				out[m.Name+"{"+strings.Join(kv, ",")+"}"] =
					sumPoint{value: p.Value, start: p.StartTime.UnixNano(), monotonic: s.IsMonotonic}
			}
		}
	}
	return out
}

// checkNoReset fails when a monotonic cumulative point of before goes
// down in after under the same start time: a reset without a new start
// time, which a backend reads as a gap or a negative rate.
func checkNoReset(t *testing.T, step string, before, after map[string]sumPoint) {
	t.Helper()
	for k, b := range before {
		a, ok := after[k]
		if !ok {
			t.Errorf("%s: series %s disappeared", step, k)
			continue
		}
		if a.start == b.start && a.monotonic && a.value < b.value {
			t.Errorf("%s: %s went from %d to %d under the same start time", step, k, b.value, a.value)
		}
	}
}

// TestCumulativeSurvivesMonitorReload is a configuration reload: monitor A
// observes 10 decisions and is closed, monitor B is created on the same
// meter provider and observes 1. The aims.fairness.cumulative.* sums (and
// the unmatched-label and limit counters) must carry on from A's counts,
// not drop back to B's under the series' old start time.
func TestCumulativeSurvivesMonitorReload(t *testing.T) {
	ctx := context.Background()
	tel := newTelemetry(t)
	opts := append(tel.opts(), WithGroupLevels("sex", "f", "m"))
	a, err := NewMonitor([]string{"sex"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		id := "a" + string(rune('0'+i))
		if err := a.Observe(id, []string{"f"}, 1); err != nil {
			t.Fatal(err)
		}
		if err := a.ObserveLabel(id, 1); err != nil {
			t.Fatal(err)
		}
	}
	_ = a.ObserveLabel("nope", 1)             // unmatched
	_ = a.Observe("ax", []string{"other"}, 0) // beyond the declared levels
	whileA := collectSums(t, tel.reader)
	g := semconv.MetricFairnessCumulativeDecisions + "{" + string(semconv.AimsFairnessGroup) + "=sex=f}"
	if got := whileA[g].value; got != 10 {
		t.Fatalf("monitor A: %s = %d, want 10 (points %v)", g, got, whileA)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	afterA := collectSums(t, tel.reader)
	checkNoReset(t, "after closing A", whileA, afterA)

	b, err := NewMonitor([]string{"sex"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if err := b.Observe("b0", []string{"f"}, 1); err != nil {
		t.Fatal(err)
	}
	withB := collectSums(t, tel.reader)
	checkNoReset(t, "after B's first decision", afterA, withB)
	p := withB[g]
	if p.value != 11 && p.start == whileA[g].start {
		t.Errorf("after reload: %s = %d under the old start time, want 11", g, p.value)
	}
	for _, k := range []string{
		"aims.fairness.cumulative.selected{aims.fairness.group.name=sex=f}",
		"aims.fairness.cumulative.true_positives{aims.fairness.group.name=sex=f}",
	} {
		if _, ok := withB[k]; !ok {
			t.Errorf("no series %s in %v", k, withB)
		}
	}
	if got, want := withB["aims.fairness.cumulative.selected{aims.fairness.group.name=sex=f}"].value, int64(11); got != want {
		t.Errorf("selected = %d, want %d", got, want)
	}
	if got := withB[semconv.MetricFairnessUnmatchedLabels+"{}"].value; got != 1 {
		t.Errorf("unmatched labels = %d, want 1", got)
	}
	if got := withB[semconv.MetricFairnessLimitReached+"{aims.fairness.limit=levels}"].value; got != 1 {
		t.Errorf("limit reached (levels) = %d, want 1", got)
	}
	// The in-process counts are still each monitor's own.
	if c := b.CumulativeCounts(); len(c) != 1 || c[0].Decisions != 1 {
		t.Errorf("B's CumulativeCounts %+v, want 1 decision", c)
	}
}

// TestMonitorObserveLabelDoesNotAllocate: adding to the synchronous
// counters on the request path does not allocate.
func TestMonitorObserveLabelDoesNotAllocate(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"sex"}, append(tel.opts(), WithGroupLevels("sex", "f", "m"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = "d" + string(rune('A'+i%26)) + string(rune('A'+i/26%26)) + string(rune('A'+i/676))
	}
	groups := []string{"f"}
	i := 0
	step := func() {
		id := ids[i%len(ids)]
		i++
		_ = m.Observe(id, groups, i&1)
		_ = m.ObserveFinal(id, 1-i&1)
		_ = m.ObserveLabel(id, 1)
	}
	for range len(ids) {
		step()
	}
	if a := testing.AllocsPerRun(1000, step); a != 0 {
		t.Errorf("Observe, ObserveFinal and ObserveLabel allocate %.1f times", a)
	}
}
