package fairness

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// jsonFloat writes NaN as null and ±Inf as "+Inf"/"-Inf", the encoding of
// the reference vectors.
type jsonFloat float64

func (x jsonFloat) MarshalJSON() ([]byte, error) {
	f := float64(x)
	switch {
	case math.IsNaN(f):
		return []byte("null"), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

type jsonCounts struct {
	N                  int64     `json:"n"`
	WeightSum          jsonFloat `json:"weight_sum"`
	TP                 jsonFloat `json:"tp"`
	FP                 jsonFloat `json:"fp"`
	FN                 jsonFloat `json:"fn"`
	TN                 jsonFloat `json:"tn"`
	Positives          jsonFloat `json:"positives"`
	Negatives          jsonFloat `json:"negatives"`
	PredictedPositives jsonFloat `json:"predicted_positives"`
}

type jsonCell struct {
	Group   map[string]string    `json:"group,omitempty"`
	Counts  jsonCounts           `json:"counts"`
	Values  map[string]jsonFloat `json:"values"`
	Defined map[string]bool      `json:"defined"`
	Empty   bool                 `json:"empty,omitempty"`
	Small   bool                 `json:"small,omitempty"`
}

type jsonMethods struct {
	BetweenGroups map[string]jsonFloat `json:"between_groups"`
	ToOverall     map[string]jsonFloat `json:"to_overall"`
}

type jsonStratum struct {
	Control     map[string]string    `json:"control,omitempty"`
	Overall     jsonCell             `json:"overall"`
	ByGroup     []jsonCell           `json:"by_group"`
	GroupMin    map[string]jsonFloat `json:"group_min"`
	GroupMax    map[string]jsonFloat `json:"group_max"`
	Difference  jsonMethods          `json:"difference"`
	Ratio       jsonMethods          `json:"ratio"`
	Disparities map[string]jsonFloat `json:"disparities"`
}

type jsonFrame struct {
	SensitiveFeatures []string          `json:"sensitive_features"`
	ControlFeatures   []string          `json:"control_features"`
	Weighted          bool              `json:"weighted"`
	MinGroupSize      int64             `json:"min_group_size"`
	Rows              int               `json:"rows"`
	Metrics           []string          `json:"metrics"`
	MetricErrors      map[string]string `json:"metric_errors"`
	Strata            []jsonStratum     `json:"strata"`
}

func (f *Frame) jsonCellOf(c *Cell) jsonCell {
	jc := jsonCell{
		Counts: jsonCounts{
			N: c.Counts.N, WeightSum: jsonFloat(c.Counts.Weight()), TP: jsonFloat(c.Counts.TP),
			FP: jsonFloat(c.Counts.FP), FN: jsonFloat(c.Counts.FN), TN: jsonFloat(c.Counts.TN),
			Positives: jsonFloat(c.Counts.Positives()), Negatives: jsonFloat(c.Counts.Negatives()),
			PredictedPositives: jsonFloat(c.Counts.PredictedPositives()),
		},
		Values:  map[string]jsonFloat{},
		Defined: map[string]bool{},
		Empty:   c.Counts.N == 0,
		Small:   c.Counts.N < f.minGroupSize,
	}
	if c.Group != nil {
		jc.Group = map[string]string{}
		for i, n := range f.sensitive {
			jc.Group[n] = c.Group[i]
		}
	}
	for mi, m := range f.metrics {
		if f.colErr[mi] != nil {
			continue
		}
		v, _ := c.Value(m)
		jc.Values[m.name] = jsonFloat(v.Value)
		jc.Defined[m.name] = v.Defined
	}
	return jc
}

// MarshalJSON renders the frame: metrics, metric errors, and per stratum
// the overall and by-group values with counts and flags, group min/max,
// differences and ratios by both methods, and the standard disparities.
// NaN is null, ±Inf the strings "+Inf"/"-Inf".
func (f *Frame) MarshalJSON() ([]byte, error) {
	jf := jsonFrame{
		SensitiveFeatures: f.sensitive, ControlFeatures: f.control, Weighted: f.weighted,
		MinGroupSize: f.minGroupSize, Rows: f.rows, MetricErrors: map[string]string{},
	}
	if jf.ControlFeatures == nil {
		jf.ControlFeatures = []string{}
	}
	for mi, m := range f.metrics {
		jf.Metrics = append(jf.Metrics, m.name)
		if f.colErr[mi] != nil {
			jf.MetricErrors[m.name] = f.colErr[mi].Error()
		}
	}
	for _, s := range f.strata {
		js := jsonStratum{
			Overall:     f.jsonCellOf(&s.Overall),
			GroupMin:    map[string]jsonFloat{},
			GroupMax:    map[string]jsonFloat{},
			Difference:  jsonMethods{map[string]jsonFloat{}, map[string]jsonFloat{}},
			Ratio:       jsonMethods{map[string]jsonFloat{}, map[string]jsonFloat{}},
			Disparities: map[string]jsonFloat{},
		}
		if s.Control != nil {
			js.Control = map[string]string{}
			for i, n := range f.control {
				js.Control[n] = s.Control[i]
			}
		}
		for i := range s.Groups {
			js.ByGroup = append(js.ByGroup, f.jsonCellOf(&s.Groups[i]))
		}
		for mi, m := range f.metrics {
			if f.colErr[mi] != nil {
				continue
			}
			lo, _ := s.GroupMin(m)
			hi, _ := s.GroupMax(m)
			js.GroupMin[m.name], js.GroupMax[m.name] = jsonFloat(lo), jsonFloat(hi)
			for _, meth := range []Method{BetweenGroups, ToOverall} {
				d, _ := s.Difference(m, meth)
				r, _ := s.Ratio(m, meth)
				if meth == BetweenGroups {
					js.Difference.BetweenGroups[m.name], js.Ratio.BetweenGroups[m.name] = jsonFloat(d), jsonFloat(r)
				} else {
					js.Difference.ToOverall[m.name], js.Ratio.ToOverall[m.name] = jsonFloat(d), jsonFloat(r)
				}
			}
		}
		for _, meth := range []Method{BetweenGroups, ToOverall} {
			sfx := "/" + meth.String()
			js.Disparities["demographic_parity_difference"+sfx] = jsonFloat(s.DemographicParityDifference(meth))
			js.Disparities["demographic_parity_ratio"+sfx] = jsonFloat(s.DemographicParityRatio(meth))
			js.Disparities["equal_opportunity_difference"+sfx] = jsonFloat(s.EqualOpportunityDifference(meth))
			js.Disparities["equal_opportunity_ratio"+sfx] = jsonFloat(s.EqualOpportunityRatio(meth))
			for _, agg := range []Aggregation{WorstCase, Mean} {
				js.Disparities["equalized_odds_difference/"+agg.String()+sfx] = jsonFloat(s.EqualizedOddsDifference(meth, agg))
				js.Disparities["equalized_odds_ratio/"+agg.String()+sfx] = jsonFloat(s.EqualizedOddsRatio(meth, agg))
			}
		}
		jf.Strata = append(jf.Strata, js)
	}
	return json.Marshal(jf)
}

// Markdown renders the frame as GitHub-flavoured Markdown tables, one per
// stratum: a row per group, then overall, min, max, differences and
// ratios. Values print with 4 decimals; "n/a" marks an empty group, a
// dagger (†) a value whose denominator is empty (reported as fairlearn
// does), an asterisk (*) a group below the minimum group size.
func (f *Frame) Markdown() string {
	var b strings.Builder
	var undefinedSeen, smallSeen bool
	var cols []Metric
	for mi, m := range f.metrics {
		if f.colErr[mi] == nil && m.name != Count.name {
			cols = append(cols, m)
		}
	}
	for si, s := range f.strata {
		if si > 0 {
			b.WriteString("\n")
		}
		if s.Control != nil {
			var parts []string
			for i, n := range f.control {
				parts = append(parts, n+"="+s.Control[i])
			}
			fmt.Fprintf(&b, "#### %s\n\n", strings.Join(parts, ", "))
		}
		b.WriteString("|")
		for _, n := range f.sensitive {
			b.WriteString(" " + mdEscape(n) + " |")
		}
		b.WriteString(" n |")
		for _, m := range cols {
			b.WriteString(" " + m.name + " |")
		}
		b.WriteString("\n|")
		for range f.sensitive {
			b.WriteString(" --- |")
		}
		b.WriteString(" ---: |")
		for range cols {
			b.WriteString(" ---: |")
		}
		b.WriteString("\n")
		row := func(labels []string, n string, val func(Metric) string) {
			b.WriteString("|")
			for _, l := range labels {
				b.WriteString(" " + mdEscape(l) + " |")
			}
			b.WriteString(" " + n + " |")
			for _, m := range cols {
				b.WriteString(" " + val(m) + " |")
			}
			b.WriteString("\n")
		}
		for i := range s.Groups {
			g := &s.Groups[i]
			n := strconv.FormatInt(g.Counts.N, 10)
			if g.Counts.N < f.minGroupSize {
				n += "*"
				smallSeen = true
			}
			row(g.Group, n, func(m Metric) string {
				v, _ := g.Value(m)
				switch {
				case v.Empty:
					return "n/a"
				case !v.Defined:
					undefinedSeen = true
					return fmtFloat(v.Value) + "†"
				}
				return fmtFloat(v.Value)
			})
		}
		pad := func(label string) []string {
			out := make([]string, len(f.sensitive))
			out[0] = "**" + label + "**"
			return out
		}
		row(pad("overall"), strconv.FormatInt(s.Overall.Counts.N, 10), func(m Metric) string {
			v, _ := s.Overall.Value(m)
			return fmtFloat(v.Value)
		})
		aggs := []struct {
			label string
			fn    func(Metric) (float64, error)
		}{
			{"min", s.GroupMin},
			{"max", s.GroupMax},
			{"difference (between groups)", func(m Metric) (float64, error) { return s.Difference(m, BetweenGroups) }},
			{"difference (to overall)", func(m Metric) (float64, error) { return s.Difference(m, ToOverall) }},
			{"ratio (between groups)", func(m Metric) (float64, error) { return s.Ratio(m, BetweenGroups) }},
			{"ratio (to overall)", func(m Metric) (float64, error) { return s.Ratio(m, ToOverall) }},
		}
		for _, a := range aggs {
			row(pad(a.label), "", func(m Metric) string {
				v, _ := a.fn(m)
				return fmtFloat(v)
			})
		}
	}
	if undefinedSeen || smallSeen {
		b.WriteString("\n")
		if undefinedSeen {
			b.WriteString("† denominator empty; the value is what fairlearn reports (0 for a rate, NaN otherwise).\n")
		}
		if smallSeen {
			fmt.Fprintf(&b, "* fewer than %d rows; values are unreliable.\n", f.minGroupSize)
		}
	}
	var errs []string
	for mi, m := range f.metrics {
		if f.colErr[mi] != nil {
			errs = append(errs, fmt.Sprintf("- %s: %v", m.name, f.colErr[mi]))
		}
	}
	if len(errs) > 0 {
		b.WriteString("\nNot computable:\n\n" + strings.Join(errs, "\n") + "\n")
	}
	return b.String()
}

func fmtFloat(x float64) string {
	if math.IsNaN(x) {
		return "NaN"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
