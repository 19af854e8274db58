package drift

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// AndersonResult adds the critical values of the k-sample Anderson–Darling
// test to [Result].
type AndersonResult struct {
	Result
	// CriticalValues at the significance levels in SignificanceLevels.
	CriticalValues []float64 `json:"critical_values"`
	// SignificanceLevels are 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001.
	SignificanceLevels []float64 `json:"significance_levels"`
	// Capped reports that the p-value was clipped to [0.001, 0.25]: the
	// interpolation table does not reach beyond it.
	Capped bool `json:"capped"`
}

var (
	adB0  = [...]float64{0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085}
	adB1  = [...]float64{-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615}
	adB2  = [...]float64{-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154}
	adSig = [...]float64{0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001}
)

// AndersonDarling runs the k-sample Anderson–Darling test of Scholz &
// Stephens, "K-Sample Anderson-Darling Tests", JASA 82(399), 1987, in the
// midrank form for data with ties (their eq. 7), standardised and with the
// approximate p-value interpolated from their Table 2 as scipy 1.10's
// anderson_ksamp(samples, midrank=True) does: a quadratic fit of log(level)
// against the critical values, clipped to [0.001, 0.25] (Capped is set and a
// note added when clipped). threshold is the p-value threshold (drift when
// p < threshold). At least two samples, each non-empty, and at least two
// distinct values overall are required.
func AndersonDarling(threshold float64, samples ...[]float64) (AndersonResult, error) {
	if err := checkThreshold("anderson_darling", threshold, true); err != nil {
		return AndersonResult{}, err
	}
	k := len(samples)
	if k < 2 {
		return AndersonResult{}, fmt.Errorf("drift: anderson_darling needs at least two samples, got %d: %w", k, ErrTooFew)
	}
	total := 0
	for i, s := range samples {
		name := fmt.Sprintf("sample %d", i)
		if k == 2 {
			name = [2]string{"reference", "current"}[i]
		}
		if err := checkSample("anderson_darling", name, s, 1); err != nil {
			return AndersonResult{}, err
		}
		total += len(s)
	}
	sorted := make([][]float64, k)
	Z := make([]float64, 0, total)
	for i, s := range samples {
		sorted[i] = sortedCopy(s)
		Z = append(Z, s...)
	}
	if total < 4 {
		// The variance of the statistic (Scholz and Stephens 1987,
		// eq. 4) divides by (N-1)(N-2)(N-3).
		return AndersonResult{}, fmt.Errorf("drift: anderson_darling needs at least 4 observations in all, got %d: %w", total, ErrTooFew)
	}
	sortFloats(Z)
	N := float64(total)
	// Distinct values and their multiplicities.
	zstar := make([]float64, 0)
	lj := make([]float64, 0)
	left := make([]float64, 0) // number of Z values < zstar
	for i := 0; i < len(Z); {
		j := i
		for j < len(Z) && Z[j] == Z[i] {
			j++
		}
		zstar = append(zstar, Z[i])
		lj = append(lj, float64(j-i))
		left = append(left, float64(i))
		i = j
	}
	if len(zstar) < 2 {
		return AndersonResult{}, errors.New("drift: anderson_darling needs more than one distinct observation")
	}
	allDistinct := len(zstar) == total
	var a2 neumaier
	for i := 0; i < k; i++ {
		s := sorted[i]
		ni := float64(len(s))
		var inner neumaier
		p := 0
		for z, v := range zstar {
			l := 1.0
			if !allDistinct {
				l = lj[z]
			}
			Bj := left[z] + l/2
			lo := p
			for p < len(s) && s[p] < v {
				p++
			}
			lo = p
			for p < len(s) && s[p] == v {
				p++
			}
			fij := float64(p - lo)
			Mij := float64(p) - fij/2
			num := N*Mij - Bj*ni
			inner.add(l / N * num * num / (Bj*(N-Bj) - N*l/4))
		}
		a2.add(inner.sum() / ni)
	}
	A2kN := a2.sum() * (N - 1) / N

	H := 0.0
	for _, s := range samples {
		H += 1 / float64(len(s))
	}
	var hs neumaier
	var g neumaier
	// hs_cs[i] = Σ_{m=N-1}^{N-1-i} 1/m for i = 0..N-3; g = Σ hs_cs[i]/(i+2).
	for i, m := 0, total-1; m > 1; i, m = i+1, m-1 {
		hs.add(1 / float64(m))
		g.add(hs.sum() / float64(i+2))
	}
	h := hs.sum() + 1
	gg := g.sum()
	kf := float64(k)
	a := (4*gg-6)*(kf-1) + (10-6*gg)*H
	b := (2*gg-4)*kf*kf + 8*h*kf + (2*gg-14*h-4)*H - 8*h + 4*gg - 6
	c := (6*h+2*gg-2)*kf*kf + (4*h-4*gg+6)*kf + (2*h-6)*H + 4*h
	d := (2*h+6)*kf*kf - 4*h*kf
	sigmasq := (a*N*N*N + b*N*N + c*N + d) / ((N - 1) * (N - 2) * (N - 3))
	m := kf - 1
	A2 := (A2kN - m) / math.Sqrt(sigmasq)
	if math.IsNaN(A2) || math.IsInf(A2, 0) {
		return AndersonResult{}, fmt.Errorf("drift: anderson_darling: the statistic is not finite for these samples (sizes too small for its variance): %w", ErrTooFew)
	}

	crit := make([]float64, len(adB0))
	for i := range crit {
		crit[i] = adB0[i] + adB1[i]/math.Sqrt(m) + adB2[i]/m
	}
	res := AndersonResult{CriticalValues: crit, SignificanceLevels: adSig[:]}
	var p float64
	var note string
	switch {
	case A2 < minOf(crit):
		p = 0.25
		res.Capped = true
		note = "p-value capped: true value larger than 0.25"
	case A2 > maxOf(crit):
		p = 0.001
		res.Capped = true
		note = "p-value floored: true value smaller than 0.001"
	default:
		p = math.Exp(quadFitEval(crit, adSig[:], A2))
	}
	res.Result = pvalueResult(MethodAndersonDarling, A2, p, threshold, PValueBelow, "midrank")
	if note != "" {
		res.Notes = []string{note}
	}
	return res, nil
}

func minOf(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = math.Min(m, v)
	}
	return m
}

func maxOf(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}

// quadFitEval fits log(sig) = c2 x² + c1 x + c0 by least squares (QR) and
// evaluates it at x0 (numpy polyfit + polyval).
func quadFitEval(xs, sig []float64, x0 float64) float64 {
	n := len(xs)
	A := mat.NewDense(n, 3, nil)
	y := mat.NewVecDense(n, nil)
	for i, x := range xs {
		A.Set(i, 0, x*x)
		A.Set(i, 1, x)
		A.Set(i, 2, 1)
		y.SetVec(i, math.Log(sig[i]))
	}
	var coef mat.VecDense
	if err := coef.SolveVec(A, y); err != nil {
		return math.NaN()
	}
	return (coef.AtVec(0)*x0+coef.AtVec(1))*x0 + coef.AtVec(2)
}
