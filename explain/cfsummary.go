package explain

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// outcomeText opens a counterfactual's summary: the caller's wording of
// the outcome, else the goal itself.
func (s *cfSearch) outcomeText() string {
	switch {
	case s.opts.OutcomeText != "":
		return s.opts.OutcomeText
	case s.opts.Outcome != "":
		return s.opts.Outcome
	}
	g := s.goal
	switch {
	case math.IsInf(g.Max, 1):
		return fmt.Sprintf("output ≥ %g", g.Min)
	case math.IsInf(g.Min, -1):
		// Below(t) stores the largest number under t.
		return fmt.Sprintf("output < %g", math.Nextafter(g.Max, math.Inf(1)))
	}
	return fmt.Sprintf("output in [%g, %g]", g.Min, g.Max)
}

// The precision levels of a summary's numbers: a step that reads well
// (roundAway), a step ten times finer, and the counterfactual's exact
// values.
const (
	levelReadable = iota
	levelFiner
	levelExact
)

// summaries words each chosen counterfactual (see Counterfactual.Summary).
// A number is stated rounded away from the original value, within the
// feature's permitted values, and only if the model reaches the goal at the
// point the summary states: every rounded feature at its stated value, the
// others at the counterfactual's. That point is checked with one model call
// for all the counterfactuals at a level; those whose point misses the goal
// are stated at the next level, and at the last with the counterfactual's
// own values, which the search found to reach it.
func (s *cfSearch) summaries(ctx context.Context, chosen []*cand) ([]string, error) {
	out := make([]string, len(chosen))
	todo := make([]int, 0, len(chosen))
	for i := range chosen {
		todo = append(todo, i)
	}
	for level := levelReadable; level < levelExact && len(todo) > 0; level++ {
		var rows [][]float64
		var idx []int
		for _, i := range todo {
			c := chosen[i]
			if c.gap != 0 { // not a counterfactual: state what it is
				continue
			}
			p := s.statedPoint(c.x, level)
			if slices.Equal(p, c.x) { // nothing rounded: the search's own point
				out[i] = s.summary(c.x, level)
				continue
			}
			rows, idx = append(rows, p), append(idx, i)
		}
		todo = todo[:0]
		if len(rows) == 0 {
			break
		}
		y, err := s.score(ctx, rows)
		if err != nil {
			return nil, err
		}
		for r, i := range idx {
			if s.goal.gap(y[r]) == 0 {
				out[i] = s.summary(chosen[i].x, level)
			} else {
				todo = append(todo, i)
			}
		}
	}
	for i, c := range chosen {
		if out[i] == "" {
			out[i] = s.summary(c.x, levelExact)
		}
	}
	return out, nil
}

// summary words the counterfactual cx with its numbers at a precision
// level: "approved if income ≥ 52,100 and debt ≤ 3,000".
func (s *cfSearch) summary(cx []float64, level int) string {
	var conds []string
	for j := range cx {
		if s.leader(j) && s.unitChanged(cx, s.x, j) {
			conds = append(conds, s.condition(cx, j, level))
		}
	}
	return s.outcomeText() + " if " + strings.Join(conds, " and ")
}

// statedPoint is cx with every changed numeric feature at the value its
// condition states at level.
func (s *cfSearch) statedPoint(cx []float64, level int) []float64 {
	p := append([]float64(nil), cx...)
	for j := range cx {
		if s.numeric(j) && cx[j] != s.x[j] {
			p[j], _ = s.stated(cx, j, level)
		}
	}
	return p
}

// numeric reports whether column j is a numeric feature (neither one-hot
// nor categorical), whose condition states a rounded number.
func (s *cfSearch) numeric(j int) bool {
	f := s.feas[j]
	return f.onehot == nil && !f.categorial
}

// stated returns the value the condition of numeric column j states for
// the counterfactual cx at a precision level, and its text. The value is
// cx[j] rounded away from the original (levelReadable: roundAway's step;
// levelFiner: a tenth of it), so the sentence asks for at least the
// change the search found, then brought back into the feature's permitted
// range when rounding left it. A value that would still not be permitted
// (an integer feature at a fractional step, say), or would not be on
// cx[j]'s side of the original, is cx[j] itself; so is every value at
// levelExact. Rounded values read with the step's decimals, others in the
// fewest digits that give the value back exactly.
func (s *cfSearch) stated(cx []float64, j, level int) (float64, string) {
	v, orig := cx[j], s.x[j]
	if level >= levelExact {
		return v, formatExact(v)
	}
	_, step := roundAway(v, orig)
	if level == levelFiner {
		step /= 10
	}
	r := roundAwayStep(v, orig, step)
	f := s.feas[j]
	clamped := r < f.lo || r > f.hi
	r = math.Min(math.Max(r, f.lo), f.hi)
	if math.IsNaN(r) || math.IsInf(r, 0) || !s.ok(j, r) || v > orig && r < v || v < orig && r > v {
		return v, formatExact(v)
	}
	if clamped || level != levelReadable {
		return r, formatExact(r)
	}
	return r, formatNumber(r, step)
}

// condition words the change of the unit led by column j in the
// counterfactual cx at a precision level: "income ≥ 52,100", "debt ≤
// 3,000", "purpose = 2" for a category coded as a number, "region =
// region_north" for a one-hot group (the column that became 1).
func (s *cfSearch) condition(cx []float64, j, level int) string {
	f := s.feas[j]
	name := s.unitName[j]
	switch {
	case f.onehot != nil:
		for _, c := range f.onehot {
			if cx[c] == 1 {
				return name + " = " + s.names[c]
			}
		}
		return name + " changed" // unreachable: a feasible group has one column set
	case f.categorial:
		return fmt.Sprintf("%s = %g", name, cx[j])
	}
	_, text := s.stated(cx, j, level)
	rel := "≥"
	if cx[j] < s.x[j] {
		rel = "≤"
	}
	return name + " " + rel + " " + text
}

// roundAway rounds v to a step that reads well — hundreds from 1,000 on,
// units from 1 on, two significant digits below 1 — in the direction away
// from the original value orig. A counterfactual that raised income to
// 52,071 then reads "income ≥ 52,100": the rounded sentence asks for at
// least the change the search found, where rounding to the nearest
// (52,000) would promise the outcome for an income the search never showed
// to be enough. The summary states the rounded value only within the
// permitted range and where the model reaches the goal (summaries). It
// returns the rounded value and the step.
func roundAway(v, orig float64) (float64, float64) {
	a := math.Abs(v)
	var step float64
	switch {
	case a >= 1000:
		step = 100
	case a >= 1:
		step = 1
	case a == 0:
		return 0, 1
	default:
		step = math.Pow(10, math.Floor(math.Log10(a))-1)
	}
	return roundAwayStep(v, orig, step), step
}

// roundAwayStep rounds v to a multiple of step (a power of ten) away from
// orig.
func roundAwayStep(v, orig, step float64) float64 {
	rnd := math.Ceil
	if v < orig {
		rnd = math.Floor
	}
	if step >= 1 {
		return rnd(v/step) * step
	}
	// Divide by a power of ten rather than multiply by its inexact
	// reciprocal, so 0.35 stays 0.35.
	inv := math.Round(1 / step)
	if math.IsInf(inv, 0) { // subnormal v: the step has no finite reciprocal
		return v
	}
	return rnd(v*inv) / inv
}

// formatExact prints v in the fewest decimals that give it back exactly,
// with thousands separators: 1001.5 → "1,001.5".
func formatExact(v float64) string {
	return groupThousands(v, strconv.FormatFloat(math.Abs(v), 'f', -1, 64))
}

// formatNumber prints v with as many decimals as step has and thousands
// separators: 52100 → "52,100", 0.35 → "0.35".
func formatNumber(v, step float64) string {
	decimals := 0
	if step < 1 {
		decimals = int(math.Round(-math.Log10(step)))
	}
	return groupThousands(v, strconv.FormatFloat(math.Abs(v), 'f', decimals, 64))
}

// groupThousands writes the digits s of |v| with thousands separators and
// v's sign (none when s reads as zero).
func groupThousands(v float64, s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
