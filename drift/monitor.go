package drift

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Profiles is the reference a [Monitor] compares with: one profile per
// feature, built offline and shipped with the model (it is
// JSON-serialisable). A profile for the model's score, named by
// [WithPredictionFeature] (default "prediction"), enables
// [Monitor.ObservePrediction].
type Profiles struct {
	Numeric     []*NumericProfile     `json:"numeric,omitempty"`     // references of the numerical features
	Categorical []*CategoricalProfile `json:"categorical,omitempty"` // references of the categorical features
}

// NumericTest tests a current window against a numeric profile.
type NumericTest func(p *NumericProfile, current []float64) (Result, error)

// CategoricalTest tests a current window against a categorical profile.
type CategoricalTest func(p *CategoricalProfile, current []string) (Result, error)

// ErrClosed is returned by a closed [Monitor].
var ErrClosed = errors.New("drift: monitor is closed")

type numFeature struct {
	profile *NumericProfile
	win     ring[float64]
	dropped int64
	attrs   metric.MeasurementOption
	// addAttrs holds attrs for the dropped counter, built once so that
	// adding to it does not allocate.
	addAttrs []metric.AddOption
}

type catFeature struct {
	profile *CategoricalProfile
	win     ring[string]
	attrs   metric.MeasurementOption
	// known maps each category of the profile to the profile's own copy
	// of it, limit is the longest value kept whole (see keep).
	known map[string]string
	limit int
}

// FeatureReport is one feature's outcome in an evaluation.
type FeatureReport struct {
	// Feature names the feature, as in its profile.
	Feature string `json:"feature"`
	// Observations is the number of values tested.
	Observations int `json:"observations"`
	// Dropped counts non-finite values dropped since the monitor started.
	Dropped int64 `json:"dropped"`
	// Evaluated is false when the window was too small or the test failed.
	Evaluated bool `json:"evaluated"`
	// Result is the test result (zero when not evaluated).
	Result Result `json:"result"`
	// Drift is the verdict after the dataset-level correction.
	Drift bool `json:"drift"`
	// Error says why the feature was not evaluated.
	Error string `json:"error,omitempty"`
}

// Report is the outcome of one evaluation.
type Report struct {
	Time     time.Time       `json:"time"`     // when the evaluation ran (the monitor's clock)
	Features []FeatureReport `json:"features"` // one per profiled feature, in name order
	// Dataset is the dataset verdict over the evaluated features; valid when
	// DatasetEvaluated.
	Dataset DatasetResult `json:"dataset"`
	// DatasetEvaluated is false when no feature could be evaluated.
	DatasetEvaluated bool `json:"dataset_evaluated"`
	// Outcome is the error-rate detector's state at the evaluation.
	Outcome OutcomeReport `json:"outcome"`
}

// OutcomeReport is the state of the outcome (error-rate) detector fed by
// [Monitor.ObserveOutcome]. The same numbers are exported as the gauges
// aims.drift.outcome.error_rate and aims.drift.outcome.state and the
// counter aims.drift.outcome.changes.
type OutcomeReport struct {
	// Detector names the detector (WithOutcomeDetector; "ddm" by default).
	Detector string `json:"detector"`
	// Observations is the number of outcomes in the outcome window.
	Observations int `json:"observations"`
	// ErrorRate is the share of wrong predictions in the outcome window
	// (0 without observations).
	ErrorRate float64 `json:"error_rate"`
	// State is the detector's signal after the latest outcome: "none",
	// "warning" or "drift".
	State string `json:"state"`
	// Changes counts the drift signals since the monitor started.
	Changes int64 `json:"changes"`
}

// Monitor watches a running model's inputs, predictions and outcomes for
// drift against reference profiles. Observe* calls are cheap (a bounded
// ring write under a mutex, no allocation but a copy of a categorical
// value the profile does not know, at most [MaxCategoryLength] bytes and
// a hash); Evaluate (on demand, or every
// [WithInterval]) tests each feature's window, updates the OpenTelemetry
// gauges (score and p-value per feature, dataset share, window sizes) and
// emits an event with aims.control.id = A.6.2.6 whenever a feature or the
// dataset starts or stops drifting, and when the outcome detector signals a
// change. Memory is bounded by the count window per feature. A Monitor is
// safe for concurrent use; Close stops its goroutine and makes a final
// evaluation whose gauges the next collection exports.
type Monitor struct {
	cfg    monitorConfig
	logger otellog.Logger

	mu       sync.Mutex
	closed   bool
	num      map[string]*numFeature
	cat      map[string]*catFeature
	names    []string
	last     Report
	drifting map[string]bool
	dsDrift  bool
	outcome  Detector
	errs     ring[float64]
	// outSignal is the outcome detector's latest signal, outChanges the
	// drift signals so far.
	outSignal  Signal
	outChanges int64
	reg        metric.Registration
	// dropped and changes are the synchronous counters aims.drift.dropped
	// and aims.drift.outcome.changes, added to where the counts change so
	// that the SDK's sums carry on across monitors sharing a provider.
	dropped, changes metric.Int64Counter
	detAttrs         []metric.AddOption
	// outSeen is set once an outcome was observed: the changes series
	// starts then, at 0.
	outSeen bool
	// sealed is set when Close has made the final evaluation, exported
	// once a collection has observed that final state; the callback then
	// reports nothing more.
	sealed, exported bool

	// evalSem is a one-slot semaphore that serialises evaluations; unlike a
	// mutex it is taken in a select on the caller's context, so Evaluate
	// and Close give up at their deadline when another evaluation (with a
	// slow alarm handler, say) holds it.
	evalSem  chan struct{}
	stopLoop context.CancelFunc
	done     chan struct{}
}

// NewMonitor returns a monitor for the features in profiles.
func NewMonitor(profiles Profiles, opts ...MonitorOption) (*Monitor, error) {
	cfg, err := newMonitorConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.minObs > cfg.window {
		return nil, fmt.Errorf("drift: monitor: min observations %d not in [1, window %d]", cfg.minObs, cfg.window)
	}
	m := &Monitor{cfg: cfg, num: map[string]*numFeature{}, cat: map[string]*catFeature{}, drifting: map[string]bool{},
		errs: newRing[float64](cfg.outcomeWin), evalSem: make(chan struct{}, 1)}
	for _, p := range profiles.Numeric {
		if p == nil || p.Feature == "" {
			return nil, errors.New("drift: monitor: numeric profile without a feature name")
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("drift: monitor: %w", err)
		}
		if _, err := p.prepared(); err != nil {
			return nil, err
		}
		if m.has(p.Feature) {
			return nil, fmt.Errorf("drift: monitor: feature %q has two profiles", p.Feature)
		}
		at := metric.WithAttributeSet(attribute.NewSet(semconv.AimsDriftFeature.String(p.Feature)))
		m.num[p.Feature] = &numFeature{profile: p, win: newRing[float64](cfg.window), attrs: at, addAttrs: []metric.AddOption{at}}
		m.names = append(m.names, p.Feature)
	}
	for _, p := range profiles.Categorical {
		if p == nil || p.Feature == "" {
			return nil, errors.New("drift: monitor: categorical profile without a feature name")
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("drift: monitor: %w", err)
		}
		if m.has(p.Feature) {
			return nil, fmt.Errorf("drift: monitor: feature %q has two profiles", p.Feature)
		}
		m.cat[p.Feature] = newCatFeature(p, cfg.window)
		m.names = append(m.names, p.Feature)
	}
	if len(m.names) == 0 {
		return nil, fmt.Errorf("drift: monitor: no profiles: %w", ErrTooFew)
	}
	sort.Strings(m.names)
	det, err := cfg.outcome()
	if err != nil {
		return nil, fmt.Errorf("drift: monitor: outcome detector: %w", err)
	}
	m.outcome = det
	m.logger = cfg.tel.Logger(semconv.ScopeDrift)
	if err := m.registerMetrics(); err != nil {
		return nil, err
	}
	if cfg.interval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		m.stopLoop, m.done = cancel, make(chan struct{})
		go m.loop(ctx)
	}
	return m, nil
}

func (m *Monitor) has(name string) bool {
	_, a := m.num[name]
	_, b := m.cat[name]
	return a || b
}

// loop evaluates every interval until ctx (cancelled by Close) ends.
func (m *Monitor) loop(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(m.cfg.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// Errors are reported per feature in the report and metrics.
			_, _ = m.Evaluate(ctx)
		}
	}
}

// Observe records one feature vector. Numeric values go to numeric
// features, strings to categorical ones; features not in the vector are
// left alone. NaN and ±Inf numeric values are dropped and counted (the
// aims.drift.dropped counter). A name without a profile, or a value of the
// wrong kind for its feature, is an error and nothing is recorded.
func (m *Monitor) Observe(numeric map[string]float64, categorical map[string]string) error {
	now := m.cfg.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for k := range numeric {
		if _, ok := m.num[k]; !ok {
			if _, isCat := m.cat[k]; isCat {
				return fmt.Errorf("drift: monitor: feature %q is categorical, got a number", k)
			}
			return fmt.Errorf("drift: monitor: unknown numeric feature %q", k)
		}
	}
	for k := range categorical {
		if _, ok := m.cat[k]; !ok {
			if _, isNum := m.num[k]; isNum {
				return fmt.Errorf("drift: monitor: feature %q is numeric, got a string", k)
			}
			return fmt.Errorf("drift: monitor: unknown categorical feature %q", k)
		}
	}
	for k, v := range numeric {
		f := m.num[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			f.dropped++
			m.dropped.Add(context.Background(), 1, f.addAttrs...)
			continue
		}
		f.win.push(v, now)
	}
	for k, v := range categorical {
		f := m.cat[k]
		f.win.push(f.keep(v), now)
	}
	return nil
}

// ObserveNumeric records one value of one numeric feature (non-finite
// values are dropped and counted).
func (m *Monitor) ObserveNumeric(feature string, x float64) error {
	now := m.cfg.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	f, ok := m.num[feature]
	if !ok {
		return fmt.Errorf("drift: monitor: unknown numeric feature %q", feature)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		f.dropped++
		m.dropped.Add(context.Background(), 1, f.addAttrs...)
		return nil
	}
	f.win.push(x, now)
	return nil
}

// ObservePrediction records one model score against the prediction profile.
func (m *Monitor) ObservePrediction(score float64) error {
	return m.ObserveNumeric(m.cfg.prediction, score)
}

// ObserveOutcome records whether a labelled prediction was wrong. It feeds
// the outcome detector (DDM by default) and the error-rate gauge; a change
// signal emits an aims.drift.change event. It returns the detector's signal.
// The event is emitted without a trace context; ObserveOutcomeContext takes
// the caller's.
func (m *Monitor) ObserveOutcome(wrong bool) (Signal, error) {
	return m.ObserveOutcomeContext(context.Background(), wrong)
}

// ObserveOutcomeContext is ObserveOutcome with the caller's context (of the
// request that brought the label): the aims.drift.change event is emitted
// with ctx, so it carries ctx's trace context.
func (m *Monitor) ObserveOutcomeContext(ctx context.Context, wrong bool) (Signal, error) {
	x := 0.0
	if wrong {
		x = 1
	}
	now := m.cfg.now()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return SignalNone, ErrClosed
	}
	m.errs.push(x, now.UnixNano())
	s := m.outcome.Update(x)
	m.outSignal = s
	if s == SignalDrift {
		m.outChanges++
		m.changes.Add(context.Background(), 1, m.detAttrs...)
	} else if !m.outSeen {
		m.changes.Add(context.Background(), 0, m.detAttrs...)
	}
	m.outSeen = true
	m.mu.Unlock()
	if s == SignalDrift {
		var r otellog.Record
		r.SetEventName(semconv.EventDriftChange)
		r.SetTimestamp(now)
		r.SetSeverity(otellog.SeverityWarn)
		r.SetSeverityText("WARN")
		r.SetBody(attribute.StringValue(fmt.Sprintf("%s detected a change in the error rate", m.cfg.outcomeName)))
		r.AddAttributes(semconv.AimsControlID.String(m.cfg.controlID), semconv.AimsDriftDetector.String(m.cfg.outcomeName),
			semconv.AimsDriftState.String("drift"))
		// Without the caller's cancellation: the change is counted, so
		// its evidence is not lost because the request ended.
		m.logger.Emit(context.WithoutCancel(ctx), r)
	}
	return s, nil
}

// outcomeReport is the outcome detector's state; lock held.
func (m *Monitor) outcomeReport() OutcomeReport {
	r := OutcomeReport{Detector: m.cfg.outcomeName, Observations: m.errs.n, State: m.outSignal.String(), Changes: m.outChanges}
	if m.errs.n > 0 {
		s := 0.0
		for k := 0; k < m.errs.n; k++ {
			s += m.errs.vals[(m.errs.start+k)%len(m.errs.vals)]
		}
		r.ErrorRate = s / float64(m.errs.n)
	}
	return r
}

// Last returns the report of the latest evaluation (zero before the first).
func (m *Monitor) Last() Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// cutoff is the oldest observation time (UnixNano) a window holds at now:
// WithTimeWindow's age, or no limit.
func (m *Monitor) cutoff(now time.Time) int64 {
	if m.cfg.maxAge > 0 {
		return now.Add(-m.cfg.maxAge).UnixNano()
	}
	return math.MinInt64
}

// windowsSince copies every feature's window from cutoff on. Under m.mu.
func (m *Monitor) windowsSince(cutoff int64) (map[string][]float64, map[string][]string) {
	numWins := make(map[string][]float64, len(m.num))
	for k, f := range m.num {
		numWins[k] = f.win.since(cutoff)
	}
	catWins := make(map[string][]string, len(m.cat))
	for k, f := range m.cat {
		catWins[k] = f.win.since(cutoff)
	}
	return numWins, catWins
}

// Evaluate tests every feature's window now, updates the gauges and emits
// events for features and the dataset whose verdict changed. The events
// carry ctx's values (its trace and span IDs) but not its cancellation: a
// ctx that ends once the verdicts are found does not drop them. Features
// with fewer than the minimum observations are reported as not evaluated.
// Evaluations run one at a time: Evaluate first waits for one in progress
// (and its alarm handler, WithAlarmHandler) to finish, and returns
// ctx.Err() if ctx ends meanwhile.
func (m *Monitor) Evaluate(ctx context.Context) (Report, error) {
	return m.evaluate(ctx, false)
}

// evaluate is Evaluate; final is Close's last evaluation, which runs
// after the monitor stopped accepting observations.
func (m *Monitor) evaluate(ctx context.Context, final bool) (Report, error) {
	if m.evalSem == nil {
		return Report{}, errors.New("drift: monitor not created with NewMonitor")
	}
	// An ended context fails deterministically, whether or not the
	// semaphore is free (select picks at random among ready cases).
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	select {
	case m.evalSem <- struct{}{}:
	case <-ctx.Done():
		return Report{}, ctx.Err()
	}
	defer func() { <-m.evalSem }()
	now := m.cfg.now()
	cutoff := m.cutoff(now)
	// Copy the windows under the lock; test outside it so Observe is never
	// blocked by a test.
	m.mu.Lock()
	if m.closed && !final {
		m.mu.Unlock()
		return Report{}, ErrClosed
	}
	numWins, catWins := m.windowsSince(cutoff)
	dropped := make(map[string]int64, len(m.num))
	for k, f := range m.num {
		dropped[k] = f.dropped
	}
	outcome := m.outcomeReport()
	m.mu.Unlock()

	rep, err := m.test(ctx, now, numWins, catWins, dropped)
	if err != nil {
		return Report{}, err
	}
	rep.Outcome = outcome
	// Events are emitted with the caller's context, so they carry its
	// trace and span IDs, but without its cancellation: a verdict change
	// recorded below is not found again by the next evaluation, and the
	// loop's context (and often Close's) has ended by the time the final
	// verdicts are emitted, while an SDK processor that exports on Emit
	// (sdklog.SimpleProcessor) hands the context to the exporter, which
	// drops the record if it has ended.
	ectx := context.WithoutCancel(ctx)
	if m.cfg.exportWindows {
		m.emitWindows(ectx, now, numWins, catWins)
	}

	// Record the report and find the verdicts that changed.
	type change struct {
		f     FeatureReport
		drift bool
	}
	var changes []change
	m.mu.Lock()
	if m.closed && !final {
		m.mu.Unlock()
		return rep, ErrClosed
	}
	m.last = rep
	for _, f := range rep.Features {
		if !f.Evaluated {
			continue
		}
		if f.Drift != m.drifting[f.Feature] {
			m.drifting[f.Feature] = f.Drift
			changes = append(changes, change{f, f.Drift})
		}
	}
	dsChanged := rep.DatasetEvaluated && rep.Dataset.Drift != m.dsDrift
	if dsChanged {
		m.dsDrift = rep.Dataset.Drift
	}
	m.mu.Unlock()
	for _, c := range changes {
		m.emitFeature(ectx, now, c.f)
	}
	if dsChanged {
		m.emitDataset(ectx, now, rep.Dataset)
	}
	if m.cfg.onAlarm != nil {
		// Still serialised by evalSem, so the handler sees the verdicts in
		// the order the evaluations found them; not cancelled with ctx
		// (the loop's context ends at Close, whose final verdicts count).
		for _, c := range changes {
			m.cfg.onAlarm(ectx, m.featureAlarm(now, c.f))
		}
		if dsChanged {
			m.cfg.onAlarm(ectx, m.datasetAlarm(now, rep.Dataset))
		}
	}
	return rep, nil
}

// test runs the monitor's tests on windows of values, feature by feature,
// and applies the dataset-level correction: the part of an evaluation that
// EvaluateProfiles shares, so a fleet's merged windows are judged by the
// same code as one monitor's window.
func (m *Monitor) test(ctx context.Context, now time.Time, numWins map[string][]float64, catWins map[string][]string, dropped map[string]int64) (Report, error) {
	rep := Report{Time: now}
	results := map[string]Result{}
	for _, name := range m.names {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		fr := FeatureReport{Feature: name, Dropped: dropped[name]}
		var res Result
		var err error
		if f := m.num[name]; f != nil {
			w := numWins[name]
			fr.Observations = len(w)
			if len(w) >= m.cfg.minObs {
				res, err = m.cfg.numTest(f.profile, w)
			}
		} else {
			w := catWins[name]
			fr.Observations = len(w)
			if len(w) >= m.cfg.minObs {
				res, err = m.cfg.catTest(m.cat[name].profile, w)
			}
		}
		switch {
		case fr.Observations < m.cfg.minObs:
			fr.Error = fmt.Sprintf("%d observations in the window, need %d", fr.Observations, m.cfg.minObs)
		case err != nil:
			fr.Error = err.Error()
		default:
			fr.Evaluated, fr.Result, fr.Drift = true, res, res.Drift
			results[name] = res
		}
		rep.Features = append(rep.Features, fr)
	}
	if len(results) > 0 {
		ds, err := DatasetDrift(results, m.cfg.share, m.cfg.correction)
		if err != nil {
			return Report{}, err
		}
		rep.Dataset, rep.DatasetEvaluated = ds, true
		corrected := map[string]bool{}
		for _, f := range ds.Features {
			corrected[f.Feature] = f.Drift
		}
		for i := range rep.Features {
			if rep.Features[i].Evaluated {
				rep.Features[i].Drift = corrected[rep.Features[i].Feature]
			}
		}
	}
	return rep, nil
}

func state(drift bool) (string, otellog.Severity, string) {
	if drift {
		return "drift", otellog.SeverityWarn, "WARN"
	}
	return "recovered", otellog.SeverityInfo, "INFO"
}

// emitFeature emits f's aims.drift.feature event with ctx.
func (m *Monitor) emitFeature(ctx context.Context, now time.Time, f FeatureReport) {
	st, sev, sevText := state(f.Drift)
	var r otellog.Record
	r.SetEventName(semconv.EventDriftFeature)
	r.SetTimestamp(now)
	r.SetSeverity(sev)
	r.SetSeverityText(sevText)
	r.SetBody(attribute.StringValue(featureSummary(st, f)))
	r.AddAttributes(
		semconv.AimsControlID.String(m.cfg.controlID),
		semconv.AimsDriftFeature.String(f.Feature),
		semconv.AimsDriftState.String(st),
		semconv.AimsDriftMethod.String(string(f.Result.Method)),
		semconv.AimsDriftScore.Float64(f.Result.Score),
		semconv.AimsDriftStatistic.Float64(f.Result.Statistic),
		semconv.AimsDriftThreshold.Float64(f.Result.Threshold),
		semconv.AimsDriftWindowObservations.Int(f.Observations),
	)
	if f.Result.HasPValue {
		r.AddAttributes(semconv.AimsDriftPValue.Float64(f.Result.PValue))
	}
	m.logger.Emit(ctx, r)
}

// emitDataset emits ds's aims.drift.dataset event with ctx.
func (m *Monitor) emitDataset(ctx context.Context, now time.Time, ds DatasetResult) {
	st, sev, sevText := state(ds.Drift)
	var r otellog.Record
	r.SetEventName(semconv.EventDriftDataset)
	r.SetTimestamp(now)
	r.SetSeverity(sev)
	r.SetSeverityText(sevText)
	r.SetBody(attribute.StringValue(datasetSummary(st, ds)))
	r.AddAttributes(
		semconv.AimsControlID.String(m.cfg.controlID),
		semconv.AimsDriftState.String(st),
		semconv.AimsDriftShare.Float64(ds.Share),
		semconv.AimsDriftThreshold.Float64(ds.ShareThreshold),
		semconv.AimsDriftCorrection.String(string(ds.Correction)),
	)
	m.logger.Emit(ctx, r)
}

func (m *Monitor) registerMetrics() error {
	meter := m.cfg.tel.Meter(semconv.ScopeDrift)
	score, err1 := meter.Float64ObservableGauge(semconv.MetricDriftScore, metric.WithUnit("1"), metric.WithDescription("Latest drift score per feature (p-value or distance)"))
	pval, err2 := meter.Float64ObservableGauge(semconv.MetricDriftPValue, metric.WithUnit("1"), metric.WithDescription("Latest drift-test p-value per feature"))
	share, err3 := meter.Float64ObservableGauge(semconv.MetricDriftDatasetShare, metric.WithUnit("1"), metric.WithDescription("Latest share of drifted features"))
	obs, err4 := meter.Int64ObservableGauge(semconv.MetricDriftWindowObservations, metric.WithUnit("{observation}"), metric.WithDescription("Observations in each feature's window"))
	drop, err5 := meter.Int64Counter(semconv.MetricDriftDropped, metric.WithUnit("{value}"), metric.WithDescription("Non-finite values dropped per feature"))
	erate, err6 := meter.Float64ObservableGauge(semconv.MetricDriftErrorRate, metric.WithUnit("1"), metric.WithDescription("Error rate over the outcome window"))
	ostate, err7 := meter.Int64ObservableGauge(semconv.MetricDriftOutcomeState, metric.WithUnit("1"), metric.WithDescription("Outcome detector's signal after the latest outcome: 0 none, 1 warning, 2 drift"))
	ochanges, err8 := meter.Int64Counter(semconv.MetricDriftOutcomeChanges, metric.WithUnit("{change}"), metric.WithDescription("Changes in the error rate the outcome detector signalled"))
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8); err != nil {
		return fmt.Errorf("drift: monitor instruments: %w", err)
	}
	detAttr := metric.WithAttributeSet(attribute.NewSet(semconv.AimsDriftDetector.String(m.cfg.outcomeName)))
	// The counters are synchronous: each change is added where it happens,
	// so the SDK's cumulative sums carry on across monitors created one
	// after the other on the same provider (a configuration reload)
	// instead of dropping back to the new monitor's counts under the
	// series' old start time.
	m.dropped, m.changes, m.detAttrs = drop, ochanges, []metric.AddOption{detAttr}
	for _, f := range m.num {
		// Every feature's series starts at 0, as the observed counter
		// used to report it.
		drop.Add(context.Background(), 0, f.addAttrs...)
	}
	withMethod := func(f string, meth Method) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(semconv.AimsDriftFeature.String(f), semconv.AimsDriftMethod.String(string(meth))))
	}
	reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.exported {
			return nil
		}
		if m.sealed {
			// The final evaluation is reported once, by the first
			// collection after Close (typically the meter provider's
			// shutdown), and then the callback lets go of the provider.
			m.exported = true
			reg := m.reg
			// Unregistering waits for the collection this callback is
			// part of, so it cannot happen here.
			go func() { _ = reg.Unregister() }()
		}
		for _, f := range m.last.Features {
			if !f.Evaluated {
				continue
			}
			at := withMethod(f.Feature, f.Result.Method)
			if !math.IsNaN(f.Result.Score) {
				o.ObserveFloat64(score, f.Result.Score, at)
			}
			if f.Result.HasPValue && !math.IsNaN(f.Result.PValue) {
				o.ObserveFloat64(pval, f.Result.PValue, at)
			}
		}
		if m.last.DatasetEvaluated {
			o.ObserveFloat64(share, m.last.Dataset.Share)
		}
		// The window is what an evaluation would test: with a time
		// window, the values younger than its age now (for a closed
		// monitor, at its final evaluation), not every value the count
		// bound still holds.
		at := m.cfg.now()
		if m.closed && !m.last.Time.IsZero() {
			at = m.last.Time
		}
		cutoff := m.cutoff(at)
		for _, f := range m.num {
			o.ObserveInt64(obs, int64(f.win.countSince(cutoff)), f.attrs)
		}
		for _, f := range m.cat {
			o.ObserveInt64(obs, int64(f.win.countSince(cutoff)), f.attrs)
		}
		if m.errs.n > 0 {
			out := m.outcomeReport()
			o.ObserveFloat64(erate, out.ErrorRate, detAttr)
			o.ObserveInt64(ostate, int64(m.outSignal), detAttr)
		}
		return nil
	}, score, pval, share, obs, erate, ostate)
	if err != nil {
		return fmt.Errorf("drift: monitor callback: %w", err)
	}
	m.reg = reg
	return nil
}

// Close stops the monitor and hands its final state to the exporters
// before it returns: it stops the evaluation goroutine (waiting for it to
// exit), stops accepting observations (they return [ErrClosed], as does
// Evaluate), evaluates the windows one last time so that every verdict
// change is emitted as an event, and then flushes the meter and logger
// providers (when they have a ForceFlush method, as the SDK's do), so the
// gauges of that final evaluation, the error rate and the outcome
// detector's state are exported even if the process exits right after.
// The final state is reported by exactly one collection (that flush, or
// with a provider that cannot be flushed, such as a manual reader, its
// next collection); after it the metric callback is unregistered; a failed
// flush is returned as an error. The final evaluation waits for one in
// progress (an Evaluate whose alarm handler is slow, say) to finish. If ctx
// ends first, Close returns ctx.Err(): the monitor is closed all the same,
// the gauges keep the last complete evaluation, the final evaluation and
// the flush are not done, and the evaluation in progress (or the
// WithInterval goroutine, already told to stop) finishes on its own later.
// Close is idempotent.
func (m *Monitor) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed || m.num == nil {
		m.closed = true
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.sealed = true
		m.mu.Unlock()
	}()
	if m.stopLoop != nil {
		m.stopLoop()
		select {
		case <-m.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if _, err := m.evaluate(ctx, true); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("drift: monitor: final evaluation: %w", err)
	}
	m.mu.Lock()
	m.sealed = true
	m.mu.Unlock()
	// Export the final evaluation, the outcome detector's state and the
	// events now, not at the providers' next interval.
	if err := m.cfg.tel.FlushMetricsAndLogs(ctx); err != nil {
		return fmt.Errorf("drift: monitor: final flush: %w", err)
	}
	return nil
}
