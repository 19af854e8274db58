package fairness

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// crossBoth feeds M 10 approvals and F 10 denials: F becomes eligible on
// its 10th decision, when both the DP ratio (0) and the DP difference (1)
// cross their limits in the same Observe.
func crossBoth(t *testing.T, m *Monitor) {
	t.Helper()
	for i := range 10 {
		if err := m.Observe("m"+strconv.Itoa(i), []string{"M"}, 1); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		if err := m.Observe("f"+strconv.Itoa(i), []string{"F"}, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func twoThresholds() []MonitorOption {
	return []MonitorOption{WithMinGroupDecisions(10),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8}),
		WithThreshold(Threshold{Disparity: DemographicParityDifference, Limit: 0.2})}
}

// The Observe that crosses both thresholds emits both events; Close adds
// none and leaves the final window for the next collection.
func TestMonitorCloseFlushesFinalState(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"sex"}, append(tel.opts(), twoThresholds()...)...)
	if err != nil {
		t.Fatal(err)
	}
	crossBoth(t, m)
	if n := len(tel.logs.Records()); n != 2 {
		t.Fatalf("%d events before Close, want 2 (both crossings of the Observe)", n)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := tel.logs.Records()
	if len(recs) != 2 {
		t.Fatalf("%d events after Close, want 2", len(recs))
	}
	for i, want := range []Disparity{DemographicParityRatio, DemographicParityDifference} {
		a := oteltest.Attrs(recs[i])
		if got := a[string(semconv.AimsFairnessDisparity)].AsString(); got != string(want) {
			t.Errorf("event %d is about %s, want %s", i, got, want)
		}
		if got := a[string(semconv.AimsFairnessState)].AsString(); got != "violated" {
			t.Errorf("event %d state %q", i, got)
		}
	}
	g := tel.gauges(t)
	if sr := g[semconv.MetricFairnessSelectionRate]; sr["sex=M"] != 1 || sr["sex=F"] != 0 || len(sr) != 2 {
		t.Errorf("final selection rates %v", sr)
	}
	if d := g[semconv.MetricFairnessDisparity]; d[string(DemographicParityDifference)] != 1 || d[string(DemographicParityRatio)] != 0 {
		t.Errorf("final disparities %v", d)
	}
	if n := g[semconv.MetricFairnessGroupDecisions]; n["sex=M"] != 10 || n["sex=F"] != 10 {
		t.Errorf("final decisions %v", n)
	}
	if g := tel.gauges(t); len(g[semconv.MetricFairnessSelectionRate]) != 0 {
		t.Errorf("reported again after the final collection: %v", g)
	}
	if err := m.Close(context.Background()); err != nil || len(tel.logs.Records()) != 2 {
		t.Errorf("second Close: %v, %d events", err, len(tel.logs.Records()))
	}
}

// A time window is brought up to the moment of Close, then frozen: the
// final gauges do not change with the clock afterwards.
func TestMonitorCloseFreezesTimeWindow(t *testing.T) {
	tel := newTelemetry(t)
	now := time.Unix(1_700_000_000, 0)
	m, err := NewMonitor([]string{"g"}, append(tel.opts(), WithTimeWindow(time.Minute, 6),
		WithClock(func() time.Time { return now }), WithMinGroupDecisions(1))...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := m.Observe(strconv.Itoa(i), []string{"a"}, i%2); err != nil {
			t.Fatal(err)
		}
		now = now.Add(20 * time.Second)
	}
	// At Close (80 s) the window holds the buckets from 30 s on: the
	// decisions at 40 s and 60 s.
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if got := tel.gauges(t)[semconv.MetricFairnessGroupDecisions]["g=a"]; got != 2 {
		t.Errorf("final window holds %v decisions, want 2", got)
	}
}

// Close gives up emitting when ctx has ended, and says so; the monitor is
// closed all the same.
func TestMonitorCloseRespectsContext(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"sex"}, append(tel.opts(), twoThresholds()...)...)
	if err != nil {
		t.Fatal(err)
	}
	crossBoth(t, m)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with an ended context: %v, want context.Canceled", err)
	}
	if err := m.Observe("x", []string{"F"}, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Observe after Close: %v", err)
	}
	// Nothing pending: an ended context is no reason to fail.
	m2, err := NewMonitor([]string{"sex"}, tel.opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Close(ctx); err != nil {
		t.Errorf("Close without pending work: %v", err)
	}
}

func TestMonitorOptionErrors(t *testing.T) {
	for _, c := range []struct {
		opt  MonitorOption
		want string
	}{
		{WithCountWindow(0), "WithCountWindow: window 0 not in 1..16777216"},
		{WithTimeWindow(-time.Second, 4), "WithTimeWindow: window -1s must be positive"},
		{WithTimeWindow(time.Minute, 0), "WithTimeWindow: needs 1..65536 buckets, got 0"},
		{WithTimeWindow(3*time.Nanosecond, 4), "WithTimeWindow: window 3ns is too short for 4 buckets"},
		{WithMaxPending(0), "WithMaxPending: 0 not in 1..4194304"},
		{WithMaxGroups(-1), "WithMaxGroups: -1 not in 2..4096"},
		{WithMinGroupDecisions(-1), "WithMinGroupDecisions: -1 is negative"},
		{WithThreshold(Threshold{Disparity: "nope"}), `WithThreshold: unknown disparity "nope"`},
		{WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: nan()}), "WithThreshold: the limit on demographic_parity_ratio is NaN"},
		{WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8, Hysteresis: nan()}), "hysteresis on demographic_parity_ratio is NaN"},
		{WithClock(nil), "WithClock: nil clock"},
	} {
		_, err := NewMonitor([]string{"g"}, c.opt)
		if err == nil || !strings.HasPrefix(err.Error(), "fairness: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	// Every bad option is reported, not just the first.
	_, err := NewMonitor([]string{"g"}, WithCountWindow(0), WithMaxGroups(0))
	if err == nil || !strings.Contains(err.Error(), "WithCountWindow") || !strings.Contains(err.Error(), "WithMaxGroups") {
		t.Errorf("two bad options: %v", err)
	}
	// A nil option and nil providers are no error.
	m, err := NewMonitor([]string{"g"}, nil, WithMeterProvider(nil), WithLoggerProvider(nil))
	if err != nil {
		t.Fatal(err)
	}
	_ = m.Close(context.Background())
}

func TestFrameOptionErrors(t *testing.T) {
	d := synth(50, 1, false)
	for _, c := range []struct {
		opt  Option
		want string
	}{
		{WithMinGroupSize(-1), "WithMinGroupSize: -1 is negative"},
		{WithMetrics(), "WithMetrics: no metrics given"},
		{WithMetrics(Metric{}), "WithMetrics: a metric has no name"},
		{WithMetrics(CalibrationError(5), CalibrationError(10)), "one calibration bin count, got 5 and 10"},
	} {
		_, err := NewFrame(context.Background(), d, c.opt)
		if err == nil || !strings.HasPrefix(err.Error(), "fairness: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	if _, err := NewFrame(context.Background(), d, nil, WithMinGroupSize(0)); err != nil {
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

	for name, opts := range map[string][]MonitorOption{
		"absent": nil,
		"nil":    {WithMeterProvider(nil), WithLoggerProvider(nil)},
	} {
		m, err := NewMonitor([]string{"sex"}, append(opts, twoThresholds()...)...)
		if err != nil {
			t.Fatal(err)
		}
		before := len(logs.Records())
		crossBoth(t, m)
		if got := tel.gauges(t)[semconv.MetricFairnessSelectionRate]; got["sex=M"] != 1 {
			t.Errorf("%s providers: global meter saw selection rates %v", name, got)
		}
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(logs.Records()) - before; n != 2 {
			t.Errorf("%s providers: global logger saw %d events, want 2", name, n)
		}
		tel.gauges(t) // the final collection, so the next monitor starts clean
	}
}

func nan() float64 { return zero / zero }

var zero = 0.0

// TestMonitorCloseGivesUpOnSlowAlarmHandler covers an alarm handler that
// does slow I/O (aims.AlarmHandler writing a ledger record): one Observe
// crosses both thresholds and hands the first crossing to the handler,
// which blocks, the second waiting behind it. Close must wait for the
// handler, to keep the alarms in order, but without the monitor's lock,
// so Snapshot and ObserveLabel go on meanwhile, and only until its
// context ends; then it returns ctx.Err() with the monitor closed, and
// the Observe's second crossing still follows its first. Close once waited for the handler with the
// lock held, ignoring its deadline and blocking every other call.
func TestMonitorCloseGivesUpOnSlowAlarmHandler(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var got alarmLog
	handler := func(ctx context.Context, a Alarm) {
		got.handle(ctx, a)
		if len(got.all()) == 1 {
			close(entered)
			<-release
		}
	}
	m, err := NewMonitor([]string{"sex"}, append(twoThresholds(), WithMinGroupDecisions(1), WithAlarmHandler(handler))...)
	if err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	if err := m.Observe("f", []string{"F"}, 0); err != nil {
		t.Fatal(err)
	}
	observed := make(chan error, 1)
	go func() { observed <- m.Observe("m", []string{"M"}, 1) }() // crosses both
	<-entered

	hang := time.After(time.Minute) // a hang detector, not a timing assertion
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- m.Close(ctx) }()
	// Whether or not Close has started waiting yet, these take the lock:
	// they must return while the handler is still blocked.
	calls := make(chan struct{})
	go func() {
		defer close(calls)
		_ = m.Snapshot()
		if err := m.ObserveLabel("unknown", 1); !errors.Is(err, ErrUnknownDecision) && !errors.Is(err, ErrClosed) {
			t.Errorf("ObserveLabel during Close: %v", err)
		}
	}()
	select {
	case <-calls:
	case <-hang:
		t.Fatal("Snapshot or ObserveLabel blocked while Close waited for the alarm handler")
	}
	cancel()
	select {
	case err := <-closed:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Close ended by its context: %v, want context.Canceled", err)
		}
	case <-hang:
		t.Fatal("Close ignored its context while the alarm handler was busy")
	}
	if err := m.Observe("late", []string{"F"}, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Observe after Close gave up: %v, want ErrClosed", err)
	}
	_ = m.Snapshot()

	released = true
	close(release)
	if err := <-observed; err != nil {
		t.Fatal(err)
	}
	alarms := got.all()
	if len(alarms) != 2 || alarms[0].Disparity != DemographicParityRatio || alarms[1].Disparity != DemographicParityDifference ||
		!alarms[0].Active || !alarms[1].Active {
		t.Errorf("alarms %+v, want the ratio's violation, then the difference's", alarms)
	}
}
