package auditreport

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aimskit/aimskit/internal/otlpjson"
)

// The drift monitor's telemetry is recognised by its name space: every
// metric and event of package drift is named aims.drift.*, and per-feature
// values carry the feature in aims.drift.feature. Matching the prefix
// rather than a fixed list keeps the report working when the monitor adds
// scores.
const (
	driftPrefix     = "aims.drift."
	driftFeatureKey = "aims.drift.feature"
)

// isDriftScore reports whether a drift metric is a drift score (plotted)
// rather than a p-value, count or threshold.
func isDriftScore(name string) bool {
	return strings.HasPrefix(name, driftPrefix) && strings.Contains(name, "score")
}

type driftKey struct{ sys, feature, metric string }

func buildDrift(in *Input) DriftSection {
	s := DriftSection{}
	if in.Metrics == nil && in.Logs == nil {
		s.Note = "No collector output was available, so drift scores and events could not be read."
		return s
	}
	series := map[driftKey][]selPoint{}
	for _, p := range in.Metrics {
		if !strings.HasPrefix(p.Metric, driftPrefix) || p.Kind == "histogram" || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue
		}
		f := otlpjson.String(p.Attributes, driftFeatureKey)
		if f == "" {
			continue
		}
		k := driftKey{systemOf(p.Attributes, p.Resource), f, p.Metric}
		series[k] = append(series[k], selPoint{p.Time, p.Value})
	}
	for k, pts := range series {
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].t.Before(pts[j].t) })
		f := DriftFeature{System: k.sys, Feature: k.feature, Metric: k.metric, Points: len(pts), Max: math.Inf(-1)}
		for _, p := range pts {
			f.Max = math.Max(f.Max, p.v)
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
		if a.Feature != b.Feature {
			return a.Feature < b.Feature
		}
		return a.Metric < b.Metric
	})
	for _, l := range in.Logs {
		if !strings.HasPrefix(l.EventName, driftPrefix) {
			continue
		}
		s.Events = append(s.Events, DriftEvent{
			Time: l.Time, System: systemOf(l.Attributes, l.Resource), Name: l.EventName,
			Feature: otlpjson.String(l.Attributes, driftFeatureKey),
			Detail:  driftDetail(l.Attributes), Control: controlOf(l.Attributes),
		})
	}
	sort.SliceStable(s.Events, func(i, j int) bool { return s.Events[i].Time.Before(s.Events[j].Time) })
	s.Available = len(s.Features) > 0 || len(s.Events) > 0
	if !s.Available {
		s.Note = "The collector output holds no drift metrics or events."
		return s
	}
	scores := map[string][]selPoint{}
	for k, pts := range series {
		if isDriftScore(k.metric) {
			name := k.feature
			if k.sys != "" {
				name = k.sys + ": " + k.feature
			}
			if !strings.HasSuffix(k.metric, "score") {
				name += " (" + strings.TrimPrefix(k.metric, driftPrefix) + ")"
			}
			scores[name] = pts
		}
	}
	if len(scores) > 0 {
		var marks []time.Time
		for _, e := range s.Events {
			marks = append(marks, e.Time)
		}
		s.Chart = driftChart(scores, marks)
	}
	return s
}

// driftDetail renders the other aims.drift.* attributes of an event as
// key=value pairs, in key order.
func driftDetail(attrs map[string]any) string {
	var keys []string
	for k := range attrs {
		if strings.HasPrefix(k, driftPrefix) && k != driftFeatureKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := attrs[k]
		if f, ok := v.(float64); ok {
			v = fmt.Sprintf("%.4g", f)
		}
		parts = append(parts, fmt.Sprintf("%s=%v", strings.TrimPrefix(k, driftPrefix), v))
	}
	return strings.Join(parts, ", ")
}
