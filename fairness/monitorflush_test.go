package fairness

import (
	"context"
	"strconv"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// Labels observed shortly before shutdown reach the exporters: Close
// flushes the providers, so the final window's labelled counts and rates
// are exported before it returns, although the export interval (an hour)
// has not elapsed and the providers were not shut down.
func TestMonitorCloseExportsLabelsBeforeReturning(t *testing.T) {
	p := oteltest.NewPushed(t)
	m, err := NewMonitor([]string{"sex"}, WithMeterProvider(p.MeterProvider), WithLoggerProvider(p.LoggerProvider),
		WithMinGroupDecisions(10), WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		id := strconv.Itoa(i)
		sex := []string{"F", "M"}[i%2]
		if err := m.Observe(id, []string{sex}, i%4/2); err != nil {
			t.Fatal(err)
		}
		if err := m.ObserveLabel(id, i%3%2); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(p.Exports()); n != 0 {
		t.Fatalf("%d exports before Close", n)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ex := p.Exports()
	if len(ex) == 0 {
		t.Fatal("Close returned without exporting the final window")
	}
	last := ex[len(ex)-1]
	lab, ok := oteltest.Points(last, semconv.MetricFairnessGroupLabeled, semconv.AimsFairnessGroup)
	if !ok || lab["sex=F"] != 20 || lab["sex=M"] != 20 {
		t.Errorf("labelled decisions exported %v, want 20 per group", lab)
	}
	for _, name := range []string{semconv.MetricFairnessTPR, semconv.MetricFairnessFPR, semconv.MetricFairnessAccuracy} {
		if pts, ok := oteltest.Points(last, name, semconv.AimsFairnessGroup); !ok || len(pts) != 2 {
			t.Errorf("%s exported %v, want both groups", name, pts)
		}
	}
	// The final window's bootstrap intervals come with it.
	sr, _ := oteltest.Points(last, semconv.MetricFairnessSelectionRate, semconv.AimsFairnessGroup)
	lo, _ := oteltest.Points(last, semconv.MetricFairnessIntervalLower, semconv.AimsFairnessRate)
	hi, _ := oteltest.Points(last, semconv.MetricFairnessIntervalUpper, semconv.AimsFairnessRate)
	if !(lo["selection_rate"] < sr["sex=M"] || lo["selection_rate"] < sr["sex=F"]) || !(hi["accuracy"] > 0) {
		t.Errorf("final intervals lower %v upper %v (selection rates %v)", lo, hi, sr)
	}
	dlo, _ := oteltest.Points(last, semconv.MetricFairnessIntervalLower, semconv.AimsFairnessDisparity)
	if _, ok := dlo[string(DemographicParityRatio)]; !ok {
		t.Errorf("no interval for %s: %v", DemographicParityRatio, dlo)
	}
}

// ObserveFinal makes the final (post-review) outcome, not the model's
// prediction, the decision that selection rates and confusion counts use.
func TestMonitorObserveFinal(t *testing.T) {
	m, err := NewMonitor([]string{"g"}, WithMinGroupDecisions(0))
	if err != nil {
		t.Fatal(err)
	}
	// Model: 0 for all four; reviewers approve two; labels all 1.
	for i := range 4 {
		if err := m.Observe(strconv.Itoa(i), []string{"a"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"0", "1"} {
		if err := m.ObserveFinal(id, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.ObserveFinal("1", 1); err != nil { // idempotent
		t.Fatal(err)
	}
	for i := range 4 {
		if err := m.ObserveLabel(strconv.Itoa(i), 1); err != nil {
			t.Fatal(err)
		}
	}
	g := m.Snapshot().Groups[0]
	if g.SelectionRate != 0.5 || g.TruePositiveRate != 0.5 || g.Counts.TP != 2 || g.Counts.FN != 2 {
		t.Errorf("after two overrides: %+v", g)
	}
	if err := m.ObserveFinal("0", 0); err == nil {
		t.Error("ObserveFinal after the label was accepted")
	}
	if err := m.ObserveFinal("nope", 1); err == nil {
		t.Error("ObserveFinal of an unknown decision was accepted")
	}
	if err := m.ObserveFinal("x", 2); err == nil {
		t.Error("final outcome 2 accepted")
	}
}
