package fairness

import (
	"context"
	"errors"
	"fmt"
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
)

func (m *Monitor) registerMetrics() error {
	meter := m.cfg.tel.Meter(semconv.ScopeFairness)
	gauge := func(name, unit, desc string) (metric.Float64ObservableGauge, error) {
		return meter.Float64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
	}
	sr, err1 := gauge(semconv.MetricFairnessSelectionRate, "1", "Selection rate per group in the monitoring window")
	tpr, err2 := gauge(semconv.MetricFairnessTPR, "1", "True positive rate per group over labelled decisions in the window")
	fpr, err3 := gauge(semconv.MetricFairnessFPR, "1", "False positive rate per group over labelled decisions in the window")
	acc, err4 := gauge(semconv.MetricFairnessAccuracy, "1", "Accuracy per group over labelled decisions in the window")
	disp, err5 := gauge(semconv.MetricFairnessDisparity, "1", "Between-groups disparity over eligible groups in the window")
	dec, err6 := meter.Int64ObservableGauge(semconv.MetricFairnessGroupDecisions, metric.WithUnit("{decision}"), metric.WithDescription("Decisions per group in the window"))
	lab, err7 := meter.Int64ObservableGauge(semconv.MetricFairnessGroupLabeled, metric.WithUnit("{decision}"), metric.WithDescription("Labelled decisions per group in the window"))
	pend, err8 := meter.Int64ObservableGauge(semconv.MetricFairnessPendingLabels, metric.WithUnit("{decision}"), metric.WithDescription("Decisions waiting for their label"))
	unm, err9 := meter.Int64Counter(semconv.MetricFairnessUnmatchedLabels, metric.WithUnit("{label}"), metric.WithDescription("Labels whose decision was unknown, evicted or outside the window"))
	small, err11 := meter.Int64ObservableGauge(semconv.MetricFairnessGroupSmall, metric.WithUnit("1"), metric.WithDescription("1 when the group has fewer (labelled) decisions in the window than the minimum group size, else 0"))
	ilow, err12 := meter.Float64ObservableGauge(semconv.MetricFairnessIntervalLower, metric.WithUnit("1"), metric.WithDescription("Lower bound of the bootstrap interval of a group rate or a disparity in the final window"))
	iup, err13 := meter.Float64ObservableGauge(semconv.MetricFairnessIntervalUpper, metric.WithUnit("1"), metric.WithDescription("Upper bound of the bootstrap interval of a group rate or a disparity in the final window"))
	lim, err10 := meter.Int64Counter(semconv.MetricFairnessLimitReached, metric.WithUnit("{decision}"), metric.WithDescription("Decisions that reached a group bound (counted under the overflow level, never rejected)"))
	cum, err14 := cumulativeInstruments(meter)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8, err9, err10, err11, err12, err13, err14); err != nil {
		return fmt.Errorf("fairness: creating monitor instruments: %w", err)
	}
	dispAttrs := map[Disparity]metric.MeasurementOption{}
	for _, d := range allDisparities {
		dispAttrs[d] = metric.WithAttributeSet(attribute.NewSet(semconv.AimsFairnessDisparity.String(string(d))))
	}
	limAttr := func(v string) []metric.AddOption {
		return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(semconv.AimsFairnessLimit.String(v)))}
	}
	// The counters are synchronous: each change of the monitor's counts is
	// added where it happens, so the SDK's cumulative sums carry on across
	// monitors created one after the other on the same provider (a
	// configuration reload) instead of dropping back to the new monitor's
	// counts under the series' old start time.
	m.inst = counters{cum: cum, unmatched: unm, limit: lim,
		limLevels: limAttr("levels"), limGroups: limAttr("groups"), limLength: limAttr("value_length")}
	// Every series starts at 0, as the observed counters used to report.
	ctx := context.Background()
	unm.Add(ctx, 0)
	for _, at := range [][]metric.AddOption{m.inst.limLevels, m.inst.limGroups, m.inst.limLength} {
		lim.Add(ctx, 0, at...)
	}
	reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		m.mu.Lock()
		var evs []thresholdEvent
		// Crossings brought about by the window moving are emitted (and
		// handed to the alarm handler) after the lock is released, so a
		// service whose traffic stopped still gets them at its next
		// collection.
		defer func() { m.unlockDeliver(context.Background(), evs) }()
		if m.exported {
			return nil
		}
		final := m.closed && m.sealed
		if final {
			// The final window is reported once, by the first collection
			// after Close (its own flush, or the next collection of a
			// provider that cannot be flushed), and then the callback
			// lets go of the provider.
			m.exported = true
			reg := m.reg
			// Unregistering waits for the collection this callback is
			// part of, so it cannot happen here.
			go func() { _ = reg.Unregister() }()
		} else {
			evs = m.advanceEvaluate()
		}
		if final && m.final != nil {
			observeIntervals(o, ilow, iup, m.final)
		}
		for g := range m.groups {
			gs := m.groupStats(g)
			at := m.groups[g].attrs
			o.ObserveInt64(dec, gs.Decisions, at)
			o.ObserveInt64(lab, gs.Labeled, at)
			isSmall := int64(0)
			if gs.Small || gs.SmallLabeled {
				isSmall = 1
			}
			o.ObserveInt64(small, isSmall, at)
			for _, x := range []struct {
				inst metric.Float64ObservableGauge
				v    float64
			}{{sr, gs.SelectionRate}, {tpr, gs.TruePositiveRate}, {fpr, gs.FalsePositiveRate}, {acc, gs.Accuracy}} {
				if !math.IsNaN(x.v) {
					o.ObserveFloat64(x.inst, x.v, at)
				}
			}
		}
		for _, d := range allDisparities {
			if v := m.disparity(d).value; !math.IsNaN(v) {
				o.ObserveFloat64(disp, v, dispAttrs[d])
			}
		}
		o.ObserveInt64(pend, int64(m.pending.n))
		return nil
	}, sr, tpr, fpr, acc, disp, dec, lab, pend, small, ilow, iup)
	if err != nil {
		return fmt.Errorf("fairness: registering monitor callback: %w", err)
	}
	m.reg = reg
	return nil
}

// observeIntervals reports the final intervals: per group and rate
// (attributes aims.fairness.group.name and aims.fairness.rate) and per
// disparity (aims.fairness.disparity); bounds that are NaN are left out.
func observeIntervals(o metric.Observer, lower, upper metric.Float64ObservableGauge, iv *MonitorIntervals) {
	put := func(v Interval, set attribute.Set) {
		at := metric.WithAttributeSet(set)
		if !math.IsNaN(v.Lower) {
			o.ObserveFloat64(lower, v.Lower, at)
		}
		if !math.IsNaN(v.Upper) {
			o.ObserveFloat64(upper, v.Upper, at)
		}
	}
	for _, g := range iv.Groups {
		name := g.Name
		for _, r := range []struct {
			rate string
			v    Interval
		}{{"selection_rate", g.SelectionRate}, {"true_positive_rate", g.TruePositiveRate},
			{"false_positive_rate", g.FalsePositiveRate}, {"accuracy", g.Accuracy}} {
			put(r.v, attribute.NewSet(semconv.AimsFairnessGroup.String(name), semconv.AimsFairnessRate.String(r.rate)))
		}
	}
	for _, d := range allDisparities {
		put(iv.Disparities[d], attribute.NewSet(semconv.AimsFairnessDisparity.String(string(d))))
	}
}

// cumulative are the instruments of the per-group counts since the
// monitor started (aims.fairness.cumulative.*). They are synchronous, so
// the SDK accumulates them across monitors sharing a meter provider.
type cumulative struct {
	decisions metric.Int64Counter
	selected  metric.Int64UpDownCounter
	// conf is indexed as groupCounts.conf: tn, fp, fn, tp.
	conf [4]metric.Int64Counter
}

// counters are the monitor's synchronous instruments and their cached
// attribute options.
type counters struct {
	cum                             cumulative
	unmatched, limit                metric.Int64Counter
	limLevels, limGroups, limLength []metric.AddOption
}

func cumulativeInstruments(meter metric.Meter) (cumulative, error) {
	var c cumulative
	counter := func(name, desc string) (metric.Int64Counter, error) {
		return meter.Int64Counter(name, metric.WithUnit("{decision}"), metric.WithDescription(desc))
	}
	// The SDK reads the instruments of a collection one after the other,
	// in the order they were created, while Observe and ObserveLabel go
	// on adding to them. The decisions are created last, so they are read
	// last: the selected count read earlier never exceeded the decisions
	// of its moment (Observe adds a decision before its selection), the
	// confusion counts only grow and never exceed the labelled decisions,
	// so every count an export reads is at most the decisions it reads
	// (FleetStatsOf refuses more).
	var errs [6]error
	c.selected, errs[1] = meter.Int64UpDownCounter(semconv.MetricFairnessCumulativeSelected, metric.WithUnit("{decision}"),
		metric.WithDescription("Decisions per group since the meter provider started (every monitor on it) whose final outcome is positive"))
	c.conf[3], errs[2] = counter(semconv.MetricFairnessCumulativeTruePositives, "Labelled decisions per group since the meter provider started (every monitor on it) with final outcome 1 and label 1")
	c.conf[1], errs[3] = counter(semconv.MetricFairnessCumulativeFalsePositives, "Labelled decisions per group since the meter provider started (every monitor on it) with final outcome 1 and label 0")
	c.conf[0], errs[4] = counter(semconv.MetricFairnessCumulativeTrueNegatives, "Labelled decisions per group since the meter provider started (every monitor on it) with final outcome 0 and label 0")
	c.conf[2], errs[5] = counter(semconv.MetricFairnessCumulativeFalseNegatives, "Labelled decisions per group since the meter provider started (every monitor on it) with final outcome 0 and label 1")
	c.decisions, errs[0] = counter(semconv.MetricFairnessCumulativeDecisions, "Decisions per group since the meter provider started (every monitor on it)")
	return c, errors.Join(errs[:]...)
}

// start makes a new group's series exist from 0, as the observed counters
// used to report them.
func (c cumulative) start(at []metric.AddOption) {
	ctx := context.Background()
	c.decisions.Add(ctx, 0, at...)
	c.selected.Add(ctx, 0, at...)
	for _, x := range c.conf {
		x.Add(ctx, 0, at...)
	}
}
