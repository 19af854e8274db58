package drift

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// feedShifted observes n ages one standard deviation above the reference.
func feedShifted(t *testing.T, m *Monitor, rng *rand.Rand, n int) {
	t.Helper()
	for range n {
		if err := m.ObserveNumeric("age", 50+10*rng.NormFloat64()); err != nil {
			t.Fatal(err)
		}
	}
}

// Observations made after the last scheduled evaluation are evaluated by
// Close: their drift events are emitted and their gauges are exported by
// the next collection, and only by that one.
func TestMonitorCloseEvaluatesAndExportsFinalState(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp),
		WithCountWindow(400), WithInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	feedShifted(t, m, rng, 400)
	if n := len(tel.logs.Records()); n != 0 {
		t.Fatalf("%d events before any evaluation", n)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ageDrift, dataset bool
	for _, r := range tel.logs.Records() {
		a := oteltest.Attrs(r)
		switch r.EventName() {
		case semconv.EventDriftFeature:
			ageDrift = ageDrift || a[string(semconv.AimsDriftFeature)].AsString() == "age" && a[string(semconv.AimsDriftState)].AsString() == "drift"
		case semconv.EventDriftDataset:
			dataset = true
		}
	}
	if !ageDrift {
		t.Error("Close emitted no drift event for age")
	}
	if !dataset {
		// Only age was evaluated (the others lack observations): 1 of 1.
		t.Error("Close emitted no dataset event")
	}
	last := m.Last()
	if last.Time.IsZero() || len(last.Features) == 0 {
		t.Fatalf("no final report: %+v", last)
	}
	pts := tel.points(t)
	var want float64
	for _, f := range last.Features {
		if f.Feature == "age" {
			want = f.Result.Score
		}
	}
	if got, ok := pts[semconv.MetricDriftScore]["age"]; !ok || got != want || want < 0.1 {
		t.Errorf("final age score gauge %v (present %v), report %v", got, ok, want)
	}
	if got := pts[semconv.MetricDriftWindowObservations]["age"]; got != 400 {
		t.Errorf("final window gauge %v, want 400", got)
	}
	if got := pts[semconv.MetricDriftDatasetShare][""]; got != 1 {
		t.Errorf("final dataset share %v, want 1", got)
	}
	if pts := tel.points(t); len(pts[semconv.MetricDriftScore]) != 0 || len(pts[semconv.MetricDriftWindowObservations]) != 0 {
		t.Errorf("reported again after the final collection: %v", pts)
	}
}

// A context that ends before the final evaluation makes Close return its
// error; the monitor is closed all the same.
func TestMonitorCloseRespectsContext(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp),
		WithCountWindow(400), WithInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	feedShifted(t, m, rng, 400)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with an ended context: %v", err)
	}
	if n := len(tel.logs.Records()); n != 0 {
		t.Errorf("%d events from an evaluation whose context had ended", n)
	}
	if err := m.ObserveNumeric("age", 40); !errors.Is(err, ErrClosed) {
		t.Errorf("Observe after Close: %v", err)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestMonitorOptionErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	p := testProfiles(t, rng)
	for _, c := range []struct {
		opt  MonitorOption
		want string
	}{
		{WithCountWindow(1), "WithCountWindow: window 1 not in 2..4194304"},
		{WithTimeWindow(-time.Second), "WithTimeWindow: negative window -1s"},
		{WithInterval(-time.Second), "WithInterval: negative interval -1s"},
		{WithMinObservations(0), "WithMinObservations: 0, need at least 1"},
		{WithDatasetShare(0), "WithDatasetShare: share 0 not in (0, 1]"},
		{WithDatasetShare(1.5), "WithDatasetShare: share 1.5 not in (0, 1]"},
		{WithCorrection("holm"), `WithCorrection: unknown correction "holm"`},
		{WithPredictionFeature(""), "WithPredictionFeature: empty name"},
		{WithNumericTest(nil), "WithNumericTest: nil test"},
		{WithCategoricalTest(nil), "WithCategoricalTest: nil test"},
		{WithOutcomeDetector("", nil), "WithOutcomeDetector: empty name"},
		{WithOutcomeDetector("adwin", nil), `WithOutcomeDetector: nil detector constructor for "adwin"`},
		{WithClock(nil), "WithClock: nil clock"},
		{WithControlID(""), "WithControlID: empty control ID"},
	} {
		_, err := NewMonitor(p, c.opt)
		if err == nil || !strings.HasPrefix(err.Error(), "drift: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	if _, err := NewMonitor(p, WithCountWindow(10), WithMinObservations(20)); err == nil || !strings.Contains(err.Error(), "min observations 20 not in [1, window 10]") {
		t.Errorf("min observations above the window: %v", err)
	}
	m, err := NewMonitor(p, nil, WithMeterProvider(nil), WithLoggerProvider(nil))
	if err != nil {
		t.Fatalf("nil option and nil providers: %v", err)
	}
	_ = m.Close(context.Background())
}

func TestTestOptionErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	a, b := normals(rng, 100, 0, 1), normals(rng, 100, 0, 1)
	prof, err := NewNumericProfile("x", a)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		run  func() error
		want string
	}{
		{func() error { _, err := KS(a, b, WithKSMethod("magic")); return err }, `WithKSMethod: unknown method "magic"`},
		{func() error { _, err := KS(a, b, WithKSThreshold(1.5)); return err }, "WithKSThreshold: threshold 1.5 not in [0, 1]"},
		{func() error { _, err := prof.KS(b, WithKSThreshold(-1)); return err }, "WithKSThreshold: threshold -1 not in [0, 1]"},
		{func() error { _, err := Wasserstein(a, b, WithWassersteinThreshold(nanF())); return err }, "WithWassersteinThreshold: threshold NaN"},
		{func() error { _, err := prof.WassersteinNormed(b, WithWassersteinThreshold(-0.1)); return err }, "WithWassersteinThreshold: threshold -0.1"},
		{func() error { _, err := PSI(a, b, WithDivergenceThreshold(-1)); return err }, "WithDivergenceThreshold: threshold -1"},
		{func() error { _, err := JensenShannon(a, b, WithQuantileBins(1)); return err }, "WithQuantileBins: needs 2..65536 bins, got 1"},
	} {
		if err := c.run(); err == nil || !strings.HasPrefix(err.Error(), "drift: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	// Bad options fail before the samples are looked at.
	if _, err := KS(nil, nil, WithKSMethod("magic")); err == nil || !strings.Contains(err.Error(), "WithKSMethod") {
		t.Errorf("KS with bad option and empty samples: %v", err)
	}
	if _, err := KS(a, b, nil); err != nil {
		t.Errorf("nil option: %v", err)
	}
}

// Without WithMeterProvider/WithLoggerProvider, or with nil ones, the
// monitor emits through the global providers.
func TestMonitorNilProvidersUseGlobal(t *testing.T) {
	tel := newTelemetry(t)
	mp, lp, logs := tel.mp, tel.lp, tel.logs
	prevMP, prevLP := otel.GetMeterProvider(), otel.GetLoggerProvider()
	otel.SetMeterProvider(mp)
	otel.SetLoggerProvider(lp)
	t.Cleanup(func() { otel.SetMeterProvider(prevMP); otel.SetLoggerProvider(prevLP) })

	rng := rand.New(rand.NewPCG(11, 11))
	for name, opts := range map[string][]MonitorOption{
		"absent": nil,
		"nil":    {WithMeterProvider(nil), WithLoggerProvider(nil)},
	} {
		m, err := NewMonitor(testProfiles(t, rng), append(opts, WithCountWindow(400))...)
		if err != nil {
			t.Fatal(err)
		}
		before := len(logs.Records())
		feedShifted(t, m, rng, 400)
		if _, err := m.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := tel.points(t)[semconv.MetricDriftWindowObservations]["age"]; got != 400 {
			t.Errorf("%s providers: global meter saw window %v, want 400", name, got)
		}
		if len(logs.Records()) == before {
			t.Errorf("%s providers: global logger saw no drift event", name)
		}
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		tel.points(t) // the final collection, so the next monitor starts clean
	}
}

func nanF() float64 { return zeroF / zeroF }

var zeroF = 0.0

// TestMonitorCloseGivesUpOnSlowAlarmHandler covers an alarm handler that
// does slow I/O (aims.AlarmHandler writing a ledger record): an Evaluate
// finds drift and blocks in the handler, holding the evaluation slot.
// Another Evaluate and Close's final evaluation must wait for that slot
// only until their context ends, then return ctx.Err() (Close with the
// monitor closed all the same), while observations go on. They once
// waited on a mutex and ignored their deadline.
func TestMonitorCloseGivesUpOnSlowAlarmHandler(t *testing.T) {
	ref := make([]float64, 500)
	for i := range ref {
		ref[i] = float64(i % 50)
	}
	p, err := NewNumericProfile("x", ref)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var calls int
	m, err := NewMonitor(Profiles{Numeric: []*NumericProfile{p}}, WithMinObservations(50), WithCountWindow(100),
		WithAlarmHandler(func(context.Context, Alarm) {
			// Evaluations are serialised, so calls needs no lock.
			if calls++; calls == 1 {
				close(entered)
				<-release
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	for i := range 100 {
		if err := m.ObserveNumeric("x", 1000+float64(i)); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		rep Report
		err error
	}
	first := make(chan result, 1)
	go func() {
		rep, err := m.Evaluate(context.Background())
		first <- result{rep, err}
	}()
	<-entered

	hang := time.After(time.Minute) // a hang detector, not a timing assertion
	if err := m.ObserveNumeric("x", 1); err != nil {
		t.Errorf("Observe during a slow alarm handler: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := m.Evaluate(ctx)
		second <- err
	}()
	cancel()
	select {
	case err := <-second:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Evaluate ended by its context: %v, want context.Canceled", err)
		}
	case <-hang:
		t.Fatal("Evaluate ignored its context while another evaluation's alarm handler was busy")
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- m.Close(ctx) }()
	cancel()
	select {
	case err := <-closed:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Close ended by its context: %v, want context.Canceled", err)
		}
	case <-hang:
		t.Fatal("Close ignored its context while an evaluation's alarm handler was busy")
	}
	if err := m.ObserveNumeric("x", 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Observe after Close gave up: %v, want ErrClosed", err)
	}

	released = true
	close(release)
	if r := <-first; r.err != nil || !r.rep.DatasetEvaluated || !r.rep.Dataset.Drift {
		t.Errorf("the slow evaluation: %v, dataset evaluated %v drift %v", r.err, r.rep.DatasetEvaluated, r.rep.Dataset.Drift)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
