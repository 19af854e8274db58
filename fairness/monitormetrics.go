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
	unm, err9 := meter.Int64ObservableCounter(semconv.MetricFairnessUnmatchedLabels, metric.WithUnit("{label}"), metric.WithDescription("Labels whose decision was unknown, evicted or outside the window"))
	small, err11 := meter.Int64ObservableGauge(semconv.MetricFairnessGroupSmall, metric.WithUnit("1"), metric.WithDescription("1 when the group has fewer (labelled) decisions in the window than the minimum group size, else 0"))
	ilow, err12 := meter.Float64ObservableGauge(semconv.MetricFairnessIntervalLower, metric.WithUnit("1"), metric.WithDescription("Lower bound of the bootstrap interval of a group rate or a disparity in the final window"))
	iup, err13 := meter.Float64ObservableGauge(semconv.MetricFairnessIntervalUpper, metric.WithUnit("1"), metric.WithDescription("Upper bound of the bootstrap interval of a group rate or a disparity in the final window"))
	lim, err10 := meter.Int64ObservableCounter(semconv.MetricFairnessLimitReached, metric.WithUnit("{decision}"), metric.WithDescription("Decisions that reached a group bound (counted under the overflow level, never rejected)"))
	cum, err14 := cumulativeInstruments(meter)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8, err9, err10, err11, err12, err13, err14); err != nil {
		return fmt.Errorf("fairness: creating monitor instruments: %w", err)
	}
	dispAttrs := map[Disparity]metric.MeasurementOption{}
	for _, d := range allDisparities {
		dispAttrs[d] = metric.WithAttributeSet(attribute.NewSet(semconv.AimsFairnessDisparity.String(string(d))))
	}
	limAttr := func(v string) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(semconv.AimsFairnessLimit.String(v)))
	}
	limLevels, limGroups, limLength := limAttr("levels"), limAttr("groups"), limAttr("value_length")
	reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		m.mu.Lock()
		defer m.mu.Unlock()
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
		} else if !m.closed && m.ring == nil {
			m.advance()
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
			cum.observe(o, &m.cum[g], at)
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
		o.ObserveInt64(unm, m.unmatched+m.evicted+m.late)
		o.ObserveInt64(lim, m.overLevels, limLevels)
		o.ObserveInt64(lim, m.overGroups, limGroups)
		o.ObserveInt64(lim, m.truncated, limLength)
		return nil
	}, append([]metric.Observable{sr, tpr, fpr, acc, disp, dec, lab, pend, unm, lim, small, ilow, iup}, cum.all()...)...)
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
// monitor started (aims.fairness.cumulative.*).
type cumulative struct {
	decisions      metric.Int64ObservableCounter
	selected       metric.Int64ObservableUpDownCounter
	tp, fp, tn, fn metric.Int64ObservableCounter
}

func cumulativeInstruments(meter metric.Meter) (cumulative, error) {
	var c cumulative
	counter := func(name, desc string) (metric.Int64ObservableCounter, error) {
		return meter.Int64ObservableCounter(name, metric.WithUnit("{decision}"), metric.WithDescription(desc))
	}
	var errs [6]error
	c.decisions, errs[0] = counter(semconv.MetricFairnessCumulativeDecisions, "Decisions per group since the monitor started")
	c.selected, errs[1] = meter.Int64ObservableUpDownCounter(semconv.MetricFairnessCumulativeSelected, metric.WithUnit("{decision}"),
		metric.WithDescription("Decisions per group since the monitor started whose final outcome is positive"))
	c.tp, errs[2] = counter(semconv.MetricFairnessCumulativeTruePositives, "Labelled decisions per group since the monitor started with final outcome 1 and label 1")
	c.fp, errs[3] = counter(semconv.MetricFairnessCumulativeFalsePositives, "Labelled decisions per group since the monitor started with final outcome 1 and label 0")
	c.tn, errs[4] = counter(semconv.MetricFairnessCumulativeTrueNegatives, "Labelled decisions per group since the monitor started with final outcome 0 and label 0")
	c.fn, errs[5] = counter(semconv.MetricFairnessCumulativeFalseNegatives, "Labelled decisions per group since the monitor started with final outcome 0 and label 1")
	return c, errors.Join(errs[:]...)
}

func (c cumulative) all() []metric.Observable {
	return []metric.Observable{c.decisions, c.selected, c.tp, c.fp, c.tn, c.fn}
}

// observe reports one group's counts since the monitor started.
func (c cumulative) observe(o metric.Observer, g *groupCounts, at metric.ObserveOption) {
	o.ObserveInt64(c.decisions, g.decisions, at)
	o.ObserveInt64(c.selected, g.predPos, at)
	o.ObserveInt64(c.tn, g.conf[0], at)
	o.ObserveInt64(c.fp, g.conf[1], at)
	o.ObserveInt64(c.fn, g.conf[2], at)
	o.ObserveInt64(c.tp, g.conf[3], at)
}
