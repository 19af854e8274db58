package auditreport

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/fairness"
)

// FourFifths is the adverse-impact threshold of the four-fifths rule: a
// group whose selection rate is below 4/5 of the highest group's rate shows
// evidence of adverse impact (EEOC Uniform Guidelines, 29 CFR 1607.4(D)).
const FourFifths = fairness.FourFifthsThreshold

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
	// The window gauges are per instance: a system with several
	// instances gets one window view per instance (the key "system\x00
	// instance"), never one mixing their latest values.
	multi := instancesBySystem(in.Metrics)
	viewOf := func(sys string, res map[string]any) string {
		if len(multi[sys]) > 1 {
			return sys + "\x00" + windowInstance(otlpfile.String(res, string(semconv.AimsSystemInstance)))
		}
		return sys
	}
	// latest[view][metric][group]
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
		sys := viewOf(systemOf(p.Attributes, p.Resource), p.Resource)
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
			Instance:   otlpfile.String(l.Resource, string(semconv.AimsSystemInstance)),
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
	for _, view := range systems {
		sys, inst, _ := strings.Cut(view, "\x00")
		// Charts are titled in words: the view key's NUL has no place
		// in an SVG (XML 1.0 excludes it from its characters).
		title := sys
		if inst != "" {
			title += ", instance " + inst
		}
		m := fairnessMonitor(title, latest[view], disp[view], series[view])
		m.System, m.Instance = sys, inst
		s.Monitors = append(s.Monitors, m)
	}
	s.Monitors = append(s.Monitors, fleetMonitors(in.Metrics, multi)...)
	sort.SliceStable(s.Monitors, func(i, j int) bool {
		a, b := s.Monitors[i], s.Monitors[j]
		if a.System != b.System {
			return a.System < b.System
		}
		return a.Fleet && !b.Fleet // the whole system first, then each instance
	})
	markSameAsFailingGroup(&s)
	markSameAsInstance(&s)
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
		// An impact ratio of exactly four fifths passes, also when the
		// division rounds it just below (20/30 against 25/30 gives
		// 0.7999999999999999).
		if fairness.ImpactRatioPasses(ratio) {
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
		if !m.Counted() {
			continue
		}
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

// markSameAsInstance sets FairnessEvent.SameAsInstance on each violation
// an instance reports while another instance of the same system has the
// same threshold (disparity, comparison and limit) violated, with no
// recovery reported since: each instance's monitor watches its own window
// and reports the system's disparity on its own, so the fleet's replicas
// report one violation several times. Events are in time order.
func markSameAsInstance(s *FairnessSection) {
	// threshold key → instance → when its ongoing violation began
	open := map[string]map[string]time.Time{}
	for i := range s.Events {
		e := &s.Events[i]
		limit := "-"
		if e.Threshold != nil {
			limit = fmt.Sprint(*e.Threshold)
		}
		key := strings.Join([]string{e.System, e.Disparity, e.Comparison, limit}, "\x00")
		insts, self := open[key], windowInstance(e.Instance)
		switch e.State {
		case "violated":
			if insts == nil {
				insts = map[string]time.Time{}
				open[key] = insts
			}
			var first string
			var since time.Time
			for inst, t := range insts {
				if inst == self {
					continue
				}
				if first == "" || t.Before(since) || t.Equal(since) && inst < first {
					first, since = inst, t
				}
			}
			if first != "" {
				e.SameAsInstance = first
			}
			if _, ok := insts[self]; !ok {
				insts[self] = e.Time
			}
		case "recovered":
			delete(insts, self)
		}
	}
}

// fairnessCounts returns the failing groups, the threshold violations and
// the distinct fairness alerts (failing groups plus violations not about a
// failing group) of s. A violation that repeats another instance's
// ongoing one (SameAsInstance) is the same violation of the system and is
// not counted again.
func fairnessCounts(s *FairnessSection) (failingGroups, violations, alerts int) {
	for _, m := range s.Monitors {
		if !m.Counted() {
			continue
		}
		for _, g := range m.Groups {
			if g.FourFifths == VerdictFail {
				failingGroups++
			}
		}
	}
	alerts = failingGroups
	for _, e := range s.Events {
		if e.State == "violated" && e.SameAsInstance == "" {
			violations++
			if !e.SameAsFailingGroup {
				alerts++
			}
		}
	}
	return failingGroups, violations, alerts
}

// Counted says whether the monitor's verdicts count in the summary: the
// whole system's view, or the only view of a system with one instance;
// not the per-instance windows of a fleet.
func (m FairnessMonitor) Counted() bool { return m.Instance == "" }

// instancesBySystem returns the instances (aims.system.instance of the
// resource) that exported fairness group metrics or cumulative counts, by
// system.
func instancesBySystem(points []otlpfile.Point) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, p := range points {
		if !strings.HasPrefix(p.Metric, "aims.fairness.") {
			continue
		}
		sys := systemOf(p.Attributes, p.Resource)
		if out[sys] == nil {
			out[sys] = map[string]bool{}
		}
		out[sys][otlpfile.String(p.Resource, string(semconv.AimsSystemInstance))] = true
	}
	return out
}

// unnamedInstance names, in a system with several instances, the
// instance whose resource carries no aims.system.instance: its window is
// one instance's like any other, never the whole system's.
const unnamedInstance = "(no aims.system.instance)"

// windowInstance is the name an instance's view goes by: its
// aims.system.instance, or unnamedInstance when it has none.
func windowInstance(inst string) string {
	if inst == "" {
		return unnamedInstance
	}
	return inst
}

// fleetMinGroup is the group size below which a group takes no part in
// the whole system's disparities (the monitor's default).
const fleetMinGroup = 30

// InstanceCounts are one system's cumulative fairness counts, instance
// by instance (CumulativeCounts).
type InstanceCounts struct {
	// Instances are the instances (aims.system.instance), sorted.
	Instances []string
	// Counts holds each instance's counts, in the order of Instances, each
	// sorted by group: ready for fairness.SumGroupCounts.
	Counts [][]fairness.GroupCounts
	// Refused are the instances whose counts cannot be added up exactly,
	// with the reason: a point whose value is not a whole number a double
	// holds exactly (at most 2^53), a negative point of a monotonic sum or
	// a negative cumulative count (impossible: left out, the instance's
	// earlier points would pass for its counts), or series whose total
	// does not fit an int64. They are in neither Instances nor Counts: a partial or
	// wrapped-around count would read as a plausible one.
	Refused map[string]error
	// AsOf is the time of the latest point read.
	AsOf time.Time
}

// CumulativeCounts rebuilds, by system, each instance's fairness counts
// from the aims.fairness.cumulative.* points of a Collector's output: the
// latest point of every series, added up per group. A restarted instance's
// counters are a new series (a new start time), so its earlier life's
// counts still count. Sums exported with delta temporality add up every
// distinct interval (start and end time) once, a repeated one counting
// once; the deltas of the selected count (an up-down counter) may be
// negative. Points that are not finite or name no group are skipped. An
// instance with a count that is not a whole number of at most 2^53 (the
// integers a double holds exactly), a negative point of a monotonic sum
// (which never decreases) or a negative cumulative count, or whose series
// add up beyond an int64, is refused (InstanceCounts.Refused) with the
// reason. The report's whole-system view is built from
// it, and so is any other reader's fleet view.
func CumulativeCounts(points []otlpfile.Point) map[string]InstanceCounts {
	type key struct {
		sys, inst, metric, group string
		start                    int64
		end                      int64 // delta points only: each interval is its own
	}
	type instKey struct{ sys, inst string }
	latest := map[key]latestValue{}
	refused := map[instKey]error{}
	for _, p := range points {
		delta := p.Temporality == "delta"
		if known, _ := (&fairness.GroupCounts{}).AddCount(p.Metric, 0); !known || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue
		}
		k := key{systemOf(p.Attributes, p.Resource), otlpfile.String(p.Resource, string(semconv.AimsSystemInstance)), p.Metric,
			otlpfile.String(p.Attributes, string(semconv.AimsFairnessGroup)), p.Start.UnixNano(), 0}
		if delta {
			k.end = p.Time.UnixNano()
		}
		if k.group == "" {
			continue
		}
		if why := impossibleCount(p, delta); why != "" {
			ik := instKey{k.sys, k.inst}
			if refused[ik] == nil {
				refused[ik] = fmt.Errorf("%s of group %q is %g, %s (%s)", p.Metric, k.group, p.Value, why, p.Where())
			}
			continue
		}
		if cur, ok := latest[k]; !ok || !p.Time.Before(cur.t) {
			latest[k] = latestValue{p.Value, p.Time}
		}
	}
	counts := map[string]map[string]map[string]*fairness.GroupCounts{} // system, instance, group
	asOf := map[string]time.Time{}
	for k, lv := range latest {
		if counts[k.sys] == nil {
			counts[k.sys] = map[string]map[string]*fairness.GroupCounts{}
		}
		byGroup := counts[k.sys][k.inst]
		if byGroup == nil {
			byGroup = map[string]*fairness.GroupCounts{}
			counts[k.sys][k.inst] = byGroup
		}
		c := byGroup[k.group]
		if c == nil {
			c = &fairness.GroupCounts{Group: k.group}
			byGroup[k.group] = c
		}
		if _, err := c.AddCount(k.metric, int64(lv.v)); err != nil && refused[instKey{k.sys, k.inst}] == nil {
			refused[instKey{k.sys, k.inst}] = err
		}
		if lv.t.After(asOf[k.sys]) {
			asOf[k.sys] = lv.t
		}
	}
	out := make(map[string]InstanceCounts, len(counts))
	for sys, byInst := range counts {
		ic := InstanceCounts{AsOf: asOf[sys]}
		for inst := range byInst {
			if err := refused[instKey{sys, inst}]; err != nil {
				if ic.Refused == nil {
					ic.Refused = map[string]error{}
				}
				ic.Refused[inst] = err
				continue
			}
			ic.Instances = append(ic.Instances, inst)
		}
		sort.Strings(ic.Instances)
		for _, inst := range ic.Instances {
			var cs []fairness.GroupCounts
			for _, c := range byInst[inst] {
				cs = append(cs, *c)
			}
			sort.Slice(cs, func(i, j int) bool { return cs[i].Group < cs[j].Group })
			ic.Counts = append(ic.Counts, cs)
		}
		out[sys] = ic
	}
	return out
}

// impossibleCount says why the value of a fairness count point is one no
// monitor exports, or "" when it is possible. A monotonic sum never
// decreases (OpenTelemetry metrics data model, "Sums"): a monotonic
// cumulative point counts from its start time and a monotonic delta point
// is an increase, so neither is negative; a cumulative count (the selected
// count is an up-down counter) is a number of decisions, never negative.
// Only a delta of the selected count, a change, may be.
func impossibleCount(p otlpfile.Point, delta bool) string {
	switch {
	case p.Value < 0 && p.Monotonic:
		return "negative on a monotonic sum, which never decreases"
	case p.Value < 0 && !delta:
		return "a negative cumulative count of decisions"
	case math.Abs(p.Value) > maxExactCount || p.Value != math.Trunc(p.Value):
		return "not a count a double holds exactly"
	}
	return ""
}

// maxExactCount is the largest count a double-valued data point carries
// exactly (2^53): beyond it, neighbouring counts cannot be told apart.
const maxExactCount = 1 << 53

// sumFitting leaves out of the sums each instance whose counts would take
// a group's total beyond an int64 (no monitor can have counted it; wrapped
// around, it would read as plausible), and names it in excluded. The
// instances are added in increasing order of their largest count, so the
// one left out is the one with the larger counts; the work is linear in
// the counts.
func sumFitting(insts []string, parts [][]fairness.GroupCounts, excluded []string) ([]string, [][]fairness.GroupCounts, []string) {
	largest := make([]int64, len(parts))
	order := make([]int, len(parts))
	for i, cs := range parts {
		order[i] = i
		for _, c := range cs {
			largest[i] = max(largest[i], c.Decisions, c.Selected, c.TruePositives, c.FalsePositives, c.TrueNegatives, c.FalseNegatives)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return largest[order[a]] < largest[order[b]] })
	acc := map[string]fairness.GroupCounts{}
	keep := make([]bool, len(parts))
	for _, i := range order {
		next := make(map[string]fairness.GroupCounts, len(parts[i]))
		var err error
		for _, c := range parts[i] {
			cur, ok := next[c.Group]
			if !ok {
				cur = acc[c.Group]
				cur.Group = c.Group
			}
			var s []fairness.GroupCounts
			if s, err = fairness.SumGroupCounts([]fairness.GroupCounts{cur}, []fairness.GroupCounts{c}); err != nil {
				var oe *fairness.CountOverflowError
				if errors.As(err, &oe) {
					err = fmt.Errorf("its %s of group %q take the whole system's total beyond an int64", oe.Count, oe.Group)
				}
				break
			}
			next[c.Group] = s[0]
		}
		if err != nil {
			excluded = append(excluded, fmt.Sprintf("%s (%v)", windowInstance(insts[i]), err))
			continue
		}
		for g, c := range next {
			acc[g] = c
		}
		keep[i] = true
	}
	var ki []string
	var kp [][]fairness.GroupCounts
	for i := range parts {
		if keep[i] {
			ki, kp = append(ki, insts[i]), append(kp, parts[i])
		}
	}
	return ki, kp, excluded
}

// fleetMonitors computes the whole-system view of each system with several
// instances from each instance's latest cumulative counts.
func fleetMonitors(points []otlpfile.Point, instances map[string]map[string]bool) []FairnessMonitor {
	var out []FairnessMonitor
	cumulative := CumulativeCounts(points)
	for sys, all := range instances {
		if len(all) < 2 {
			continue
		}
		ic := cumulative[sys]
		// An instance whose counts no monitor can produce (say, more
		// selected than decided) is left out of the sums, and named: it
		// must neither falsify the whole system's rates nor take the
		// whole system's view away. So is an instance that exported
		// fairness metrics but no cumulative counts (only its window
		// gauges, whose rates do not add up): its decisions are not in
		// the sums, and the view must not pass for the whole system's.
		var insts, excluded []string
		var parts [][]fairness.GroupCounts
		for _, inst := range slices.Sorted(maps.Keys(ic.Refused)) {
			excluded = append(excluded, fmt.Sprintf("%s (%v)", windowInstance(inst), ic.Refused[inst]))
		}
		counted := make(map[string]bool, len(ic.Instances))
		for _, inst := range ic.Instances {
			counted[inst] = true
		}
		for _, inst := range sortedKeys(all) {
			if _, refused := ic.Refused[inst]; !refused && !counted[inst] {
				excluded = append(excluded, windowInstance(inst)+" (no aims.fairness.cumulative.* counts were read for it, only window values, which do not add up: its decisions are not in these sums)")
			}
		}
		for i, inst := range ic.Instances {
			if _, err := fairness.FleetStatsOf(ic.Counts[i], 0); err != nil {
				excluded = append(excluded, fmt.Sprintf("%s (%v)", windowInstance(inst), err))
				continue
			}
			insts, parts = append(insts, inst), append(parts, ic.Counts[i])
		}
		insts, parts, excluded = sumFitting(insts, parts, excluded)
		fleet, err := fairness.SumGroupCounts(parts...)
		if err != nil {
			continue // sumFitting left out every replica that overflows
		}
		st, err := fairness.FleetStatsOf(fleet, fleetMinGroup)
		if err != nil {
			continue // sums of consistent counts are consistent
		}
		at := ic.AsOf
		byMetric := map[string]map[string]latestValue{}
		put := func(metric, group string, v float64) {
			if math.IsNaN(v) {
				return
			}
			if byMetric[metric] == nil {
				byMetric[metric] = map[string]latestValue{}
			}
			byMetric[metric][group] = latestValue{v, at}
		}
		for _, g := range st.Groups {
			put(semconv.MetricFairnessGroupDecisions, g.Name, float64(g.Decisions))
			put(semconv.MetricFairnessGroupLabeled, g.Name, float64(g.Labeled))
			put(semconv.MetricFairnessSelectionRate, g.Name, g.SelectionRate)
			put(semconv.MetricFairnessTPR, g.Name, g.TruePositiveRate)
			put(semconv.MetricFairnessFPR, g.Name, g.FalsePositiveRate)
			put(semconv.MetricFairnessAccuracy, g.Name, g.Accuracy)
		}
		disp := map[string]latestValue{}
		for d, v := range st.Disparities {
			if !math.IsNaN(v) {
				disp[string(d)] = latestValue{v, at}
			}
		}
		m := fairnessMonitor(sys, byMetric, disp, nil)
		sort.Strings(excluded)
		m.Fleet, m.Excluded = true, excluded
		for _, inst := range insts {
			m.Instances = append(m.Instances, windowInstance(inst))
		}
		out = append(out, m)
	}
	return out
}

// Title names the view: the monitor of a system, the whole system of a
// fleet, or one instance's window.
func (m FairnessMonitor) Title() string {
	name := "Fairness monitor"
	if m.System != "" {
		name += " of " + m.System
	}
	at := fmtTime(m.AsOf)
	switch {
	case m.Fleet:
		return fmt.Sprintf("%s, whole system (%d instances) — cumulative counts as of %s", name, len(m.Instances), at)
	case m.Instance != "":
		return fmt.Sprintf("%s on instance %s — latest window values as of %s", name, m.Instance, at)
	}
	return name + " — latest values as of " + at
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fleetExcluded counts the instances the whole-system views of s leave
// out (FairnessMonitor.Excluded).
func fleetExcluded(s *FairnessSection) int {
	n := 0
	for _, m := range s.Monitors {
		if m.Fleet {
			n += len(m.Excluded)
		}
	}
	return n
}
