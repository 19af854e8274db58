package auditreport

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// FourFifths is the adverse-impact threshold of the four-fifths rule: a
// group whose selection rate is below 4/5 of the highest group's rate shows
// evidence of adverse impact (EEOC Uniform Guidelines, 29 CFR 1607.4(D)).
const FourFifths = 0.8

// groupMetrics are the per-group gauges of the fairness monitor, in the
// order the table shows them.
var groupMetrics = []string{
	semconv.MetricFairnessGroupDecisions,
	semconv.MetricFairnessGroupLabeled,
	semconv.MetricFairnessSelectionRate,
	semconv.MetricFairnessTPR,
	semconv.MetricFairnessFPR,
	semconv.MetricFairnessAccuracy,
}

type latestValue struct {
	v float64
	t time.Time
}

type selPoint struct {
	t time.Time
	v float64
}

func buildFairness(in *Input) FairnessSection {
	s := FairnessSection{}
	if in.Metrics == nil && in.Logs == nil {
		s.Note = "No collector output was available, so the fairness monitor's metrics and events could not be read."
		return s
	}
	// latest[system][metric][group]
	latest := map[string]map[string]map[string]latestValue{}
	disp := map[string]map[string]latestValue{}
	series := map[string]map[string][]selPoint{}
	isGroupMetric := map[string]bool{}
	for _, m := range groupMetrics {
		isGroupMetric[m] = true
	}
	for _, p := range in.Metrics {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue
		}
		sys := systemOf(p.Attributes, p.Resource)
		switch {
		case isGroupMetric[p.Metric]:
			g := otlpfile.String(p.Attributes, string(semconv.AimsFairnessGroup))
			if g == "" {
				continue
			}
			bySys := latest[sys]
			if bySys == nil {
				bySys = map[string]map[string]latestValue{}
				latest[sys] = bySys
			}
			byGroup := bySys[p.Metric]
			if byGroup == nil {
				byGroup = map[string]latestValue{}
				bySys[p.Metric] = byGroup
			}
			if cur, ok := byGroup[g]; !ok || !p.Time.Before(cur.t) {
				byGroup[g] = latestValue{p.Value, p.Time}
			}
			if p.Metric == semconv.MetricFairnessSelectionRate {
				if series[sys] == nil {
					series[sys] = map[string][]selPoint{}
				}
				series[sys][g] = append(series[sys][g], selPoint{p.Time, p.Value})
			}
		case p.Metric == semconv.MetricFairnessDisparity:
			name := otlpfile.String(p.Attributes, string(semconv.AimsFairnessDisparity))
			if disp[sys] == nil {
				disp[sys] = map[string]latestValue{}
			}
			if cur, ok := disp[sys][name]; !ok || !p.Time.Before(cur.t) {
				disp[sys][name] = latestValue{p.Value, p.Time}
			}
			if latest[sys] == nil {
				latest[sys] = map[string]map[string]latestValue{}
			}
		}
	}
	for _, l := range in.Logs {
		if l.EventName != semconv.EventFairnessThreshold {
			continue
		}
		e := FairnessEvent{
			Time: l.Time, System: systemOf(l.Attributes, l.Resource),
			Disparity:  otlpfile.String(l.Attributes, string(semconv.AimsFairnessDisparity)),
			State:      otlpfile.String(l.Attributes, string(semconv.AimsFairnessState)),
			Comparison: otlpfile.String(l.Attributes, string(semconv.AimsFairnessComparison)),
			GroupMin:   otlpfile.String(l.Attributes, string(semconv.AimsFairnessGroupMin)),
			GroupMax:   otlpfile.String(l.Attributes, string(semconv.AimsFairnessGroupMax)),
			Control:    controlOf(l.Attributes),
		}
		if v, ok := otlpfile.Float(l.Attributes, string(semconv.AimsFairnessValue)); ok {
			e.Value = &v
		}
		if v, ok := otlpfile.Float(l.Attributes, string(semconv.AimsFairnessThreshold)); ok {
			e.Threshold = &v
		}
		s.Events = append(s.Events, e)
	}
	sort.SliceStable(s.Events, func(i, j int) bool { return s.Events[i].Time.Before(s.Events[j].Time) })

	systems := make([]string, 0, len(latest))
	for sys := range latest {
		systems = append(systems, sys)
	}
	sort.Strings(systems)
	for _, sys := range systems {
		s.Monitors = append(s.Monitors, fairnessMonitor(sys, latest[sys], disp[sys], series[sys]))
	}
	markSameAsFailingGroup(&s)
	s.Available = len(s.Monitors) > 0 || len(s.Events) > 0
	if !s.Available {
		s.Note = "The collector output holds no fairness monitor metrics or events."
	}
	return s
}

func fairnessMonitor(sys string, byMetric map[string]map[string]latestValue, disp map[string]latestValue, series map[string][]selPoint) FairnessMonitor {
	m := FairnessMonitor{System: sys}
	groups := map[string]*GroupRow{}
	row := func(g string) *GroupRow {
		r := groups[g]
		if r == nil {
			r = &GroupRow{Group: g, FourFifths: VerdictUnknown}
			groups[g] = r
		}
		return r
	}
	for metric, byGroup := range byMetric {
		for g, lv := range byGroup {
			v := lv.v
			r := row(g)
			switch metric {
			case semconv.MetricFairnessGroupDecisions:
				r.Decisions = &v
			case semconv.MetricFairnessGroupLabeled:
				r.Labeled = &v
			case semconv.MetricFairnessSelectionRate:
				r.SelectionRate = &v
			case semconv.MetricFairnessTPR:
				r.TPR = &v
			case semconv.MetricFairnessFPR:
				r.FPR = &v
			case semconv.MetricFairnessAccuracy:
				r.Accuracy = &v
			}
			if lv.t.After(m.AsOf) {
				m.AsOf = lv.t
			}
		}
	}
	// The four-fifths rule compares each group's selection rate with the
	// highest rate among groups that had decisions in the window.
	best := math.Inf(-1)
	var bestRow *GroupRow
	for _, r := range groups {
		if eligible(r) && (*r.SelectionRate > best || *r.SelectionRate == best && bestRow != nil && r.Group < bestRow.Group) {
			best, bestRow = *r.SelectionRate, r
		}
	}
	for _, r := range groups {
		if !eligible(r) || best <= 0 {
			continue
		}
		ratio := *r.SelectionRate / best
		r.ImpactRatio = &ratio
		if ratio >= FourFifths {
			r.FourFifths = VerdictPass
		} else {
			r.FourFifths = VerdictFail
		}
	}
	if bestRow != nil && best > 0 {
		assessGroups(groups, bestRow)
	}
	for _, r := range groups {
		m.Groups = append(m.Groups, *r)
	}
	sort.Slice(m.Groups, func(i, j int) bool { return m.Groups[i].Group < m.Groups[j].Group })
	for name, lv := range disp {
		m.Disparities = append(m.Disparities, DisparityRow{Name: name, Value: lv.v, Time: lv.t})
		if lv.t.After(m.AsOf) {
			m.AsOf = lv.t
		}
	}
	sort.Slice(m.Disparities, func(i, j int) bool { return m.Disparities[i].Name < m.Disparities[j].Name })
	if len(m.Groups) > 0 {
		m.Chart = fairnessChart(sys, m.Groups, best)
	}
	if timeSeriesWorthDrawing(series) {
		m.TimeChart = selectionRateChart(sys, series)
	}
	return m
}

// eligible reports whether a group takes part in the four-fifths
// comparison: it has a selection rate and, when the monitor exports it, at
// least one decision in the window.
func eligible(r *GroupRow) bool {
	if r.SelectionRate == nil {
		return false
	}
	return r.Decisions == nil || *r.Decisions > 0
}

func timeSeriesWorthDrawing(series map[string][]selPoint) bool {
	for _, pts := range series {
		distinct := map[time.Time]bool{}
		for _, p := range pts {
			distinct[p.t] = true
		}
		if len(distinct) > 1 {
			return true
		}
	}
	return false
}

// markSameAsFailingGroup sets FairnessEvent.SameAsFailingGroup on each
// violation of a selection-rate disparity (demographic_parity_ratio or
// _difference) whose lowest group fails the four-fifths rule in its
// system's latest state: the group's failure and the violation are one
// disparity, so the summary counts them as one alert.
func markSameAsFailingGroup(s *FairnessSection) {
	failing := map[[2]string]bool{} // system, group
	for _, m := range s.Monitors {
		for _, g := range m.Groups {
			if g.FourFifths == VerdictFail {
				failing[[2]string{m.System, g.Group}] = true
			}
		}
	}
	for i := range s.Events {
		e := &s.Events[i]
		e.SameAsFailingGroup = e.State == "violated" && strings.HasPrefix(e.Disparity, "demographic_parity") &&
			failing[[2]string{e.System, e.GroupMin}]
	}
}

// fairnessCounts returns the failing groups, the threshold violations and
// the distinct fairness alerts (failing groups plus violations not about a
// failing group) of s.
func fairnessCounts(s *FairnessSection) (failingGroups, violations, alerts int) {
	for _, m := range s.Monitors {
		for _, g := range m.Groups {
			if g.FourFifths == VerdictFail {
				failingGroups++
			}
		}
	}
	alerts = failingGroups
	for _, e := range s.Events {
		if e.State == "violated" {
			violations++
			if !e.SameAsFailingGroup {
				alerts++
			}
		}
	}
	return failingGroups, violations, alerts
}
