package explain

import (
	"fmt"
	"math"
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

// condition words the change of the unit led by column j in the
// counterfactual cx: "income ≥ 52,100", "debt ≤ 3,000", "purpose = 2"
// for a category coded as a number, "region = region_north" for a one-hot
// group (the column that became 1).
func (s *cfSearch) condition(cx []float64, j int) string {
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
	v, step := roundAway(cx[j], s.x[j])
	rel := "≥"
	if cx[j] < s.x[j] {
		rel = "≤"
	}
	return name + " " + rel + " " + formatNumber(v, step)
}

// roundAway rounds v to a step that reads well — hundreds from 1,000 on,
// units from 1 on, two significant digits below 1 — in the direction away
// from the original value orig. A counterfactual that raised income to
// 52,071 then reads "income ≥ 52,100": the rounded sentence asks for at
// least the change the search found, so it stays true, where rounding to
// the nearest (52,000) would promise the outcome for an income the search
// never showed to be enough. It returns the rounded value and the step.
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
	rnd := math.Ceil
	if v < orig {
		rnd = math.Floor
	}
	if step >= 1 {
		return rnd(v/step) * step, step
	}
	// Divide by a power of ten rather than multiply by its inexact
	// reciprocal, so 0.35 stays 0.35.
	inv := math.Round(1 / step)
	if math.IsInf(inv, 0) { // subnormal v: the step has no finite reciprocal
		return v, step
	}
	return rnd(v*inv) / inv, step
}

// formatNumber prints v with as many decimals as step has and thousands
// separators: 52100 → "52,100", 0.35 → "0.35".
func formatNumber(v, step float64) string {
	decimals := 0
	if step < 1 {
		decimals = int(math.Round(-math.Log10(step)))
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
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
