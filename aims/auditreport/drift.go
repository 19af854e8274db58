package auditreport

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// driftSeries are the drift monitor's gauges the report shows, with the
// label used for those that carry no feature attribute.
var driftSeries = map[string]string{
	semconv.MetricDriftScore:        "",
	semconv.MetricDriftPValue:       "",
	semconv.MetricDriftDatasetShare: "(dataset: share of drifted features)",
	semconv.MetricDriftErrorRate:    "(outcome error rate)",
}

// driftEvents are the drift monitor's event names.
var driftEvents = map[string]bool{
	semconv.EventDriftFeature: true,
	semconv.EventDriftDataset: true,
	semconv.EventDriftChange:  true,
}

// driftStateDrift is the aims.drift.state of an event that starts drift.
const driftStateDrift = "drift"

type driftKey struct{ sys, inst, feature, method, metric string }

func buildDrift(in *Input) DriftSection {
	s := DriftSection{}
	if in.Metrics == nil && in.Logs == nil {
		s.Note = "No collector output was available, so drift scores and events could not be read."
		return s
	}
	// The gauges are per instance: a system with several instances gets
	// one series per instance, never one mixing their scores.
	insts := map[string]map[string]bool{}
	for _, p := range in.Metrics {
		if _, ok := driftSeries[p.Metric]; ok {
			sys := systemOf(p.Attributes, p.Resource)
			if insts[sys] == nil {
				insts[sys] = map[string]bool{}
			}
			insts[sys][otlpfile.String(p.Resource, string(semconv.AimsSystemInstance))] = true
		}
	}
	series := map[driftKey][]selPoint{}
	for _, p := range in.Metrics {
		label, ok := driftSeries[p.Metric]
		if !ok || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue
		}
		f := otlpfile.String(p.Attributes, string(semconv.AimsDriftFeature))
		if f == "" {
			f = label
		}
		if f == "" {
			continue
		}
		k := driftKey{sys: systemOf(p.Attributes, p.Resource), feature: f, method: otlpfile.String(p.Attributes, string(semconv.AimsDriftMethod)), metric: p.Metric}
		if len(insts[k.sys]) > 1 {
			k.inst = windowInstance(otlpfile.String(p.Resource, string(semconv.AimsSystemInstance)))
		}
		series[k] = append(series[k], selPoint{p.Time, p.Value})
	}
	for k, pts := range series {
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].t.Before(pts[j].t) })
		f := DriftFeature{System: k.sys, Instance: k.inst, Feature: k.feature, Method: k.method, Metric: k.metric, Points: len(pts), Min: math.Inf(1), Max: math.Inf(-1)}
		for _, p := range pts {
			f.Min, f.Max = math.Min(f.Min, p.v), math.Max(f.Max, p.v)
		}
		last := pts[len(pts)-1]
		f.Latest, f.AsOf = last.v, last.t
		s.Features = append(s.Features, f)
	}
	sort.Slice(s.Features, func(i, j int) bool {
		a, b := s.Features[i], s.Features[j]
		if a.System != b.System {
			return a.System < b.System
		}
		if a.Instance != b.Instance {
			return a.Instance < b.Instance
		}
		if a.Feature != b.Feature {
			return a.Feature < b.Feature
		}
		if a.Metric != b.Metric {
			return a.Metric < b.Metric
		}
		return a.Method < b.Method
	})
	var marks []time.Time
	for _, l := range in.Logs {
		if !driftEvents[l.EventName] {
			continue
		}
		e := DriftEvent{
			Time: l.Time, System: systemOf(l.Attributes, l.Resource), Name: l.EventName,
			Instance: otlpfile.String(l.Resource, string(semconv.AimsSystemInstance)),
			Feature:  otlpfile.String(l.Attributes, string(semconv.AimsDriftFeature)),
			State:    otlpfile.String(l.Attributes, string(semconv.AimsDriftState)),
			Method:   otlpfile.String(l.Attributes, string(semconv.AimsDriftMethod)),
			Control:  controlOf(l.Attributes),
		}
		if e.Method == "" {
			e.Method = otlpfile.String(l.Attributes, string(semconv.AimsDriftDetector))
		}
		if v, ok := otlpfile.Float(l.Attributes, string(semconv.AimsDriftScore)); ok {
			e.Score = &v
		} else if v, ok := otlpfile.Float(l.Attributes, string(semconv.AimsDriftShare)); ok {
			e.Score = &v
		}
		if v, ok := otlpfile.Float(l.Attributes, string(semconv.AimsDriftThreshold)); ok {
			e.Threshold = &v
		}
		if b, ok := l.Body.(string); ok {
			e.Detail = b
		}
		if e.State == driftStateDrift {
			marks = append(marks, e.Time)
		}
		s.Events = append(s.Events, e)
	}
	sort.SliceStable(s.Events, func(i, j int) bool { return s.Events[i].Time.Before(s.Events[j].Time) })
	markDriftSameAsInstance(&s)
	s.Available = len(s.Features) > 0 || len(s.Events) > 0
	if !s.Available {
		s.Note = "The collector output holds no drift metrics or events."
		return s
	}
	// Distances and p-values read in opposite directions, so they get
	// separate charts.
	distances, pvalues := map[string][]selPoint{}, map[string][]selPoint{}
	for k, pts := range series {
		if k.metric != semconv.MetricDriftScore {
			continue
		}
		name := k.feature
		if k.method != "" {
			name += " (" + k.method + ")"
		}
		if k.inst != "" {
			name = k.inst + ": " + name
		}
		if k.sys != "" && len(systemsOf(series)) > 1 {
			name = k.sys + ": " + name
		}
		if isPValueMethod(k.method) {
			pvalues[name] = pts
		} else {
			distances[name] = pts
		}
	}
	if len(distances) > 0 {
		s.Charts = append(s.Charts, driftChart("Drift distance by feature over time (higher means more drift)", "distance", distances, marks))
	}
	if len(pvalues) > 0 {
		s.Charts = append(s.Charts, driftChart("Drift-test p-value by feature over time (lower means more drift)", "p-value", pvalues, marks))
	}
	return s
}

// markDriftSameAsInstance sets DriftEvent.SameAsInstance on the feature
// and dataset events (aims.drift.feature, aims.drift.dataset) that repeat
// another instance's: a start of drift while another instance of the same
// system reports the same feature (or the dataset) drifting with no
// recovery since, and a recovery while another instance still does. Each
// instance tests its own window, so the replicas of a fleet report one
// episode of the system several times. Events are in time order.
func markDriftSameAsInstance(s *DriftSection) {
	// key → instance → when its ongoing drift began
	open := map[string]map[string]time.Time{}
	for i := range s.Events {
		e := &s.Events[i]
		if e.Name != semconv.EventDriftFeature && e.Name != semconv.EventDriftDataset {
			continue
		}
		key := strings.Join([]string{e.System, e.Name, e.Feature}, "\x00")
		insts, self := open[key], windowInstance(e.Instance)
		var first string
		var since time.Time
		for inst, t := range insts {
			if inst != self && (first == "" || t.Before(since) || t.Equal(since) && inst < first) {
				first, since = inst, t
			}
		}
		switch e.State {
		case driftStateDrift:
			e.SameAsInstance = first
			if insts == nil {
				insts = map[string]time.Time{}
				open[key] = insts
			}
			if _, ok := insts[self]; !ok {
				insts[self] = e.Time
			}
		case "recovered":
			e.SameAsInstance = first
			delete(insts, self)
		}
	}
}

// Alerts counts the events that started drift (not recoveries) in the
// systems: a start of drift that repeats another instance's ongoing one
// (SameAsInstance) is not counted again. Change-detector signals
// (aims.drift.change), which have no recovery, count one by one, each
// instance's detector firing on its own outcomes.
func (s *DriftSection) Alerts() int {
	n := 0
	for _, e := range s.Events {
		if (e.State == driftStateDrift || e.State == "") && e.SameAsInstance == "" {
			n++
		}
	}
	return n
}

// Recoveries counts the events that ended drift in the systems: a
// recovery of one instance while another instance of the same system
// still drifts (SameAsInstance) is not counted.
func (s *DriftSection) Recoveries() int {
	n := 0
	for _, e := range s.Events {
		if e.State != driftStateDrift && e.State != "" && e.SameAsInstance == "" {
			n++
		}
	}
	return n
}

func systemsOf(series map[driftKey][]selPoint) map[string]bool {
	out := map[string]bool{}
	for k := range series {
		out[k.sys] = true
	}
	return out
}

// Reading says how to read a drift score of this series.
func (f DriftFeature) Reading() string {
	switch {
	case f.Metric == semconv.MetricDriftPValue:
		return "p-value (lower = drift)"
	case f.Metric != semconv.MetricDriftScore:
		return ""
	case isPValueMethod(f.Method):
		return "p-value (lower = drift)"
	case f.Method != "":
		return "distance (higher = drift)"
	}
	return ""
}

// isPValueMethod reports whether a drift method's score is a p-value, for
// which lower means more drift (the drift package scores statistical tests
// by p-value and distances by the distance).
func isPValueMethod(m string) bool {
	switch strings.ToLower(m) {
	case "ks", "anderson_darling", "cramer_von_mises", "chisquare", "chi2_contingency", "z":
		return true
	}
	return false
}

// Source names where the series comes from: the system, and the instance
// when the system has several.
func (f DriftFeature) Source() string {
	if f.Instance == "" {
		return f.System
	}
	return f.System + ", instance " + f.Instance
}
