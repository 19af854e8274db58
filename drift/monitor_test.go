package drift

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

type telemetry struct {
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	logs   *oteltest.Logs
	lp     *sdklog.LoggerProvider
}

// newTelemetry wires a monitor to oteltest's providers, so that at the end
// of tb every metric and log record the monitor emitted is checked against
// the README's published table (names, units, attribute keys and types,
// scope).
func newTelemetry(tb testing.TB) *telemetry {
	m, l := oteltest.NewMetrics(tb), oteltest.NewLogs(tb)
	return &telemetry{reader: m.Reader(), mp: m.Provider, logs: l, lp: l.Provider}
}

// points returns metric name → "feature" attribute → value.
func (t *telemetry) points(tb testing.TB) map[string]map[string]float64 {
	tb.Helper()
	var rm metricdata.ResourceMetrics
	if err := t.reader.Collect(context.Background(), &rm); err != nil {
		tb.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != semconv.ScopeDrift || sm.Scope.Version != semconv.Version {
			tb.Errorf("scope %q %q", sm.Scope.Name, sm.Scope.Version)
		}
		for _, mt := range sm.Metrics {
			vals := map[string]float64{}
			key := func(s attribute.Set) string {
				v, _ := s.Value(semconv.AimsDriftFeature)
				return v.AsString()
			}
			switch d := mt.Data.(type) {
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					vals[key(p.Attributes)] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					vals[key(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					vals[key(p.Attributes)] = float64(p.Value)
				}
			}
			out[mt.Name] = vals
		}
	}
	return out
}

func testProfiles(t testing.TB, rng *rand.Rand) Profiles {
	age, err := NewNumericProfile("age", normals(rng, 2000, 40, 10))
	if err != nil {
		t.Fatal(err)
	}
	income, _ := NewNumericProfile("income", normals(rng, 800, 50, 5))
	score, _ := NewNumericProfile("prediction", normals(rng, 2000, 0.3, 0.1))
	colors := make([]string, 1500)
	for i := range colors {
		colors[i] = []string{"red", "green", "blue"}[rng.IntN(3)]
	}
	color, _ := NewCategoricalProfile("color", colors)
	return Profiles{Numeric: []*NumericProfile{age, income, score}, Categorical: []*CategoricalProfile{color}}
}

func TestMonitorDetectsDriftAndEmits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp), WithCountWindow(500))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	feed := func(n int, ageShift float64, color string) {
		for i := 0; i < n; i++ {
			c := []string{"red", "green", "blue"}[rng.IntN(3)]
			if color != "" && i%2 == 0 {
				c = color
			}
			if err := m.Observe(map[string]float64{"age": 40 + ageShift + 10*rng.NormFloat64(), "income": 50 + 5*rng.NormFloat64()},
				map[string]string{"color": c}); err != nil {
				t.Fatal(err)
			}
			if err := m.ObservePrediction(0.3 + 0.1*rng.NormFloat64()); err != nil {
				t.Fatal(err)
			}
		}
	}
	feed(500, 0, "")
	rep, err := m.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Features {
		if !f.Evaluated || f.Drift {
			t.Errorf("stationary: feature %+v", f)
		}
	}
	if len(tel.logs.Records()) != 0 {
		t.Errorf("events on a stationary stream: %d", len(tel.logs.Records()))
	}
	// Shift age by one standard deviation, and push "purple", unseen in the
	// reference.
	feed(500, 10, "purple")
	rep, err = m.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]FeatureReport{}
	for _, f := range rep.Features {
		got[f.Feature] = f
	}
	if !got["age"].Drift || got["age"].Result.Method != MethodWassersteinNormed {
		t.Errorf("age: %+v, want drift by normed Wasserstein (n_ref > 1000)", got["age"])
	}
	if !got["color"].Drift || got["color"].Result.Method != MethodJensenShannon {
		t.Errorf("color: %+v, want drift by Jensen-Shannon", got["color"])
	}
	if got["income"].Drift || got["income"].Result.Method != MethodKS || got["income"].Observations != 500 {
		t.Errorf("income: %+v, want no drift by KS on 500 observations", got["income"])
	}
	if !rep.DatasetEvaluated || rep.Dataset.Drifted != 2 || rep.Dataset.Drift != true {
		t.Errorf("dataset: %+v, want 2 of 4 drifted → drift at share 0.5", rep.Dataset)
	}
	evs := tel.logs.Records()
	byFeature := map[string]map[string]attribute.Value{}
	datasetEvents := 0
	for _, e := range evs {
		a := oteltest.Attrs(e)
		if a[string(semconv.AimsControlID)].AsString() != "A.6.2.6" {
			t.Errorf("event %s without aims.control.id A.6.2.6", e.EventName())
		}
		switch e.EventName() {
		case semconv.EventDriftFeature:
			byFeature[a[string(semconv.AimsDriftFeature)].AsString()] = a
		case semconv.EventDriftDataset:
			datasetEvents++
			if a[string(semconv.AimsDriftState)].AsString() != "drift" {
				t.Errorf("dataset event state %v", a[string(semconv.AimsDriftState)])
			}
		default:
			t.Errorf("unexpected event %q", e.EventName())
		}
	}
	if len(byFeature) != 2 || byFeature["age"] == nil || byFeature["color"] == nil || datasetEvents != 1 {
		t.Errorf("events: features %v, dataset %d; want age and color, one dataset event", byFeature, datasetEvents)
	}
	if a := byFeature["age"]; a != nil && (a[string(semconv.AimsDriftState)].AsString() != "drift" || a[string(semconv.AimsDriftMethod)].AsString() != "wasserstein_normed" || a[string(semconv.AimsDriftScore)].AsFloat64() < 0.1) {
		t.Errorf("age event attributes %v", a)
	}
	pts := tel.points(t)
	if s := pts[semconv.MetricDriftScore]["age"]; math.Abs(s-got["age"].Result.Score) > 1e-12 {
		t.Errorf("score gauge for age %v, report %v", s, got["age"].Result.Score)
	}
	if p, ok := pts[semconv.MetricDriftPValue]["income"]; !ok || p != got["income"].Result.PValue {
		t.Errorf("p-value gauge for income %v (%v), report %v", p, ok, got["income"].Result.PValue)
	}
	if _, ok := pts[semconv.MetricDriftPValue]["age"]; ok {
		t.Error("p-value gauge for a distance-based test")
	}
	if pts[semconv.MetricDriftWindowObservations]["age"] != 500 {
		t.Errorf("window gauge %v, want 500 (count window bounds memory)", pts[semconv.MetricDriftWindowObservations]["age"])
	}
	if pts[semconv.MetricDriftDatasetShare][""] != 0.5 {
		t.Errorf("share gauge %v", pts[semconv.MetricDriftDatasetShare])
	}
	// Recovery emits "recovered" once.
	feed(500, 0, "")
	if _, err := m.Evaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	recovered := 0
	for _, e := range tel.logs.Records()[len(evs):] {
		if oteltest.Attrs(e)[string(semconv.AimsDriftState)].AsString() == "recovered" {
			recovered++
		}
	}
	if recovered != 3 {
		t.Errorf("%d recovered events, want 3 (age, color, dataset)", recovered)
	}
}

// TestMonitorEventsCarryCallerTraceContext checks that the events an
// evaluation emits (aims.drift.window, aims.drift.feature and
// aims.drift.dataset) are emitted with the context passed to Evaluate, so
// they carry the caller's trace and span IDs.
func TestMonitorEventsCarryCallerTraceContext(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp),
		WithCountWindow(500), WithWindowExport())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	feedDrifted(t, m, rng, 500)
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("caller").Start(context.Background(), "evaluate-drift")
	if _, err := m.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	span.End()
	kinds := map[string]int{}
	for _, r := range tel.logs.Records() {
		kinds[r.EventName()]++
		if r.TraceID() != span.SpanContext().TraceID() || r.SpanID() != span.SpanContext().SpanID() {
			t.Errorf("event %s: trace %s span %s, want the caller's %s %s", r.EventName(), r.TraceID(), r.SpanID(),
				span.SpanContext().TraceID(), span.SpanContext().SpanID())
		}
	}
	for _, ev := range []string{semconv.EventDriftWindow, semconv.EventDriftFeature, semconv.EventDriftDataset} {
		if kinds[ev] == 0 {
			t.Errorf("no %s event (events %v)", ev, kinds)
		}
	}
}

// cancellingProcessor cancels a context at its first record, and notes
// each record whose context had ended when it was emitted.
type cancellingProcessor struct {
	sdklog.Processor
	cancel context.CancelFunc
	mu     sync.Mutex
	ended  []string
}

func (p *cancellingProcessor) OnEmit(ctx context.Context, r *sdklog.Record) error {
	p.mu.Lock()
	if ctx.Err() != nil {
		p.ended = append(p.ended, r.EventName())
	}
	p.mu.Unlock()
	p.cancel()
	return p.Processor.OnEmit(ctx, r)
}

// TestMonitorEventsSurviveCancelledContext checks that a context ended
// during an evaluation does not reach the log processors: the verdict
// changes the evaluation recorded are not found again by the next one
// (and the interval loop's context ends at Close), so their events must
// not be handed to an exporter that drops records of an ended context.
func TestMonitorEventsSurviveCancelledContext(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	logs := &oteltest.LogExporter{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proc := &cancellingProcessor{Processor: sdklog.NewSimpleProcessor(logs), cancel: cancel}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(proc))
	m, err := NewMonitor(testProfiles(t, rng), WithLoggerProvider(lp), WithCountWindow(500), WithWindowExport())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	feedDrifted(t, m, rng, 500)
	if _, err := m.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() == nil {
		t.Fatal("no event emitted")
	}
	if len(proc.ended) != 0 {
		t.Errorf("events emitted with an ended context: %v", proc.ended)
	}
	feature := 0
	for _, r := range logs.Records() {
		if r.EventName() == semconv.EventDriftFeature {
			feature++
		}
	}
	if feature == 0 {
		t.Errorf("no %s event after the context ended", semconv.EventDriftFeature)
	}
}

// feedDrifted observes n vectors whose income and prediction follow the
// reference of testProfiles while age is shifted by one standard deviation
// and color is a category the reference never saw.
func feedDrifted(t *testing.T, m *Monitor, rng *rand.Rand, n int) {
	t.Helper()
	for range n {
		if err := m.Observe(map[string]float64{"age": 50 + 10*rng.NormFloat64(), "income": 50 + 5*rng.NormFloat64()},
			map[string]string{"color": "purple"}); err != nil {
			t.Fatal(err)
		}
		if err := m.ObservePrediction(0.3 + 0.1*rng.NormFloat64()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMonitorBadInputAndDropPolicy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp), WithMinObservations(10))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	if err := m.Observe(map[string]float64{"nope": 1}, nil); err == nil {
		t.Error("unknown feature accepted")
	}
	if err := m.Observe(map[string]float64{"color": 1}, nil); err == nil {
		t.Error("number for a categorical feature accepted")
	}
	if err := m.Observe(nil, map[string]string{"age": "x"}); err == nil {
		t.Error("string for a numeric feature accepted")
	}
	for i := 0; i < 5; i++ {
		_ = m.Observe(map[string]float64{"age": math.NaN(), "income": math.Inf(1)}, nil)
	}
	for i := 0; i < 20; i++ {
		_ = m.ObserveNumeric("age", 40)
	}
	rep, err := m.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Features {
		switch f.Feature {
		case "age":
			if f.Dropped != 5 || f.Observations != 20 || !f.Evaluated {
				t.Errorf("age: %+v, want 5 dropped, 20 observed, evaluated", f)
			}
		case "income":
			if f.Dropped != 5 || f.Evaluated || f.Error == "" {
				t.Errorf("income: %+v, want dropped 5 and not evaluated (too few)", f)
			}
		}
	}
	if got := tel.points(t)[semconv.MetricDriftDropped]["age"]; got != 5 {
		t.Errorf("dropped counter %v, want 5", got)
	}
	if _, err := NewMonitor(Profiles{}); err == nil {
		t.Error("monitor without profiles")
	}
	p := testProfiles(t, rng)
	p.Numeric = append(p.Numeric, p.Numeric[0])
	if _, err := NewMonitor(p); err == nil {
		t.Error("duplicate feature accepted")
	}
	if _, err := NewMonitor(testProfiles(t, rng), WithCountWindow(1)); err == nil {
		t.Error("window 1 accepted")
	}
}

func TestMonitorTimeWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp),
		WithTimeWindow(time.Minute), WithClock(clock), WithMinObservations(5))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	for i := 0; i < 100; i++ {
		_ = m.ObserveNumeric("age", 40)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	for i := 0; i < 7; i++ {
		_ = m.ObserveNumeric("age", 41)
	}
	rep, _ := m.Evaluate(context.Background())
	for _, f := range rep.Features {
		if f.Feature == "age" && f.Observations != 7 {
			t.Errorf("time window kept %d observations, want the 7 recent ones", f.Observations)
		}
	}
}

func TestMonitorOutcomeDetector(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	drifted := false
	for i := 0; i < 3000; i++ {
		p := 0.1
		if i >= 1000 {
			p = 0.5
		}
		s, err := m.ObserveOutcome(rng.Float64() < p)
		if err != nil {
			t.Fatal(err)
		}
		drifted = drifted || (s == SignalDrift && i >= 1000)
	}
	if !drifted {
		t.Fatal("DDM did not flag an error rate going from 10% to 50%")
	}
	found := false
	for _, e := range tel.logs.Records() {
		if e.EventName() == semconv.EventDriftChange {
			a := oteltest.Attrs(e)
			found = a[string(semconv.AimsControlID)].AsString() == "A.6.2.6" && a[string(semconv.AimsDriftDetector)].AsString() == "ddm"
		}
	}
	if !found {
		t.Error("no aims.drift.change event with control A.6.2.6")
	}
	if r := tel.points(t)[semconv.MetricDriftErrorRate][""]; r < 0.4 || r > 0.6 {
		t.Errorf("error-rate gauge %v, want ≈ 0.5 over the last 1000 outcomes", r)
	}
}

// The scheduled evaluation runs in a goroutine that Close must stop.
func TestMonitorScheduleAndCloseStopsGoroutine(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	profiles := testProfiles(t, rng)
	before := runtime.NumGoroutine()
	tel := newTelemetry(t)
	m, err := NewMonitor(profiles, WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp), WithInterval(5*time.Millisecond), WithMinObservations(5))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				_ = m.ObserveNumeric("age", float64(40+g))
				_ = m.ObservePrediction(0.3)
			}
		}(g)
	}
	wg.Wait()
	deadline := time.Now().Add(time.Minute) // a hang detector, not a timing assertion
	for m.Last().Time.IsZero() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if m.Last().Time.IsZero() {
		t.Fatal("scheduled evaluation never ran")
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := m.ObserveNumeric("age", 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Observe after Close: %v", err)
	}
	if _, err := m.Evaluate(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Evaluate after Close: %v", err)
	}
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before NewMonitor", n, before)
	}
}

func TestMonitorObserveDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(newTelemetry(t).mp), WithLoggerProvider(newTelemetry(t).lp))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	num := map[string]float64{"age": 40, "income": 50}
	cat := map[string]string{"color": "red"}
	if a := testing.AllocsPerRun(1000, func() { _ = m.Observe(num, cat) }); a != 0 {
		t.Errorf("Observe allocates %.1f times", a)
	}
}
