package drift

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// Close exports the final state before it returns, without waiting for the
// export interval: the error rate, the outcome detector's state and the
// number of changes it signalled, and the change event.
func TestMonitorCloseExportsOutcomeSignal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	p := oteltest.NewPushed(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(p.MeterProvider), WithLoggerProvider(p.LoggerProvider))
	if err != nil {
		t.Fatal(err)
	}
	// 1,000 outcomes at a 5% error rate, then 300 at 60%: DDM signals.
	var drifts int64
	for i := range 1300 {
		wrong := rng.Float64() < 0.05
		if i >= 1000 {
			wrong = rng.Float64() < 0.6
		}
		s, err := m.ObserveOutcome(wrong)
		if err != nil {
			t.Fatal(err)
		}
		if s == SignalDrift {
			drifts++
		}
	}
	if drifts == 0 {
		t.Fatal("DDM did not signal; the test needs a change")
	}
	if n := len(p.Exports()); n != 0 {
		t.Fatalf("%d exports before Close", n)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rep := m.Last().Outcome; rep.Changes != drifts || rep.Detector != "ddm" || rep.Observations != 1000 || rep.ErrorRate <= 0.1 {
		t.Errorf("final report outcome %+v, want %d changes", rep, drifts)
	}
	ex := p.Exports()
	if len(ex) == 0 {
		t.Fatal("Close returned without exporting the final state")
	}
	last := ex[len(ex)-1]
	if er, ok := oteltest.Points(last, semconv.MetricDriftErrorRate, semconv.AimsDriftDetector); !ok || er["ddm"] <= 0.1 {
		t.Errorf("error rate exported %v", er)
	}
	if ch, ok := oteltest.Points(last, semconv.MetricDriftOutcomeChanges, semconv.AimsDriftDetector); !ok || ch["ddm"] != float64(drifts) {
		t.Errorf("outcome changes exported %v, want %d", ch, drifts)
	}
	if _, ok := oteltest.Points(last, semconv.MetricDriftOutcomeState, semconv.AimsDriftDetector); !ok {
		t.Error("outcome state not exported")
	}
	var events int64
	for _, r := range p.Records() {
		if r.EventName() == semconv.EventDriftChange {
			events++
		}
	}
	if events != drifts {
		t.Errorf("%d change events exported by Close, want %d", events, drifts)
	}
}
