package drift

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// CategoricalHistogram counts two categorical samples over the sorted
// union of their categories, so a category unseen in the reference (or
// missing from the current sample) gets a zero count on that side.
func CategoricalHistogram(reference, current []string) (Histogram, error) {
	if len(reference) == 0 {
		return Histogram{}, fmt.Errorf("drift: categorical: reference sample is empty: %w", ErrTooFew)
	}
	if len(current) == 0 {
		return Histogram{}, fmt.Errorf("drift: categorical: current sample is empty: %w", ErrTooFew)
	}
	rc := countStrings(reference)
	cc := countStrings(current)
	cats := make([]string, 0, len(rc)+len(cc))
	for k := range rc {
		cats = append(cats, k)
	}
	for k := range cc {
		if _, ok := rc[k]; !ok {
			cats = append(cats, k)
		}
	}
	slices.Sort(cats)
	return histogramFromCounts(cats, rc, cc, len(reference), len(current)), nil
}

func countStrings(x []string) map[string]int {
	m := map[string]int{}
	for _, v := range x {
		m[v]++
	}
	return m
}

func histogramFromCounts(cats []string, rc, cc map[string]int, nRef, nCur int) Histogram {
	h := Histogram{Kind: BinningDistinct, Categories: cats, RefCounts: make([]int, len(cats)), CurCounts: make([]int, len(cats)), NRef: nRef, NCur: nCur}
	for i, k := range cats {
		h.RefCounts[i] = rc[k]
		h.CurCounts[i] = cc[k]
	}
	return h
}

// chi2SF is the chi-squared survival function with df degrees of freedom
// (scipy chdtrc = cephes igamc(df/2, x/2)).
func chi2SF(x float64, df int) float64 {
	if math.IsInf(x, 1) {
		return 0
	}
	if x <= 0 {
		return 1
	}
	return mathext.GammaIncRegComp(float64(df)/2, x/2)
}

// ChiSquareGoF is Evidently's chi-squared test: Pearson's goodness of fit of
// the current counts against the reference counts scaled to the current
// size, f_exp = ref_count · n_cur/n_ref, with k−1 degrees of freedom
// (scipy.stats.chisquare). A category unseen in the reference has f_exp = 0:
// the statistic is +Inf and p = 0 (drift), as in Evidently. A category
// neither sample has (a declared level, an empty bin) is left out, and
// k counts the others: scipy's 0/0 would make the statistic NaN, and
// Evidently never builds such a histogram. Drift when p < threshold
// (Evidently: 0.05).
func ChiSquareGoF(h Histogram, threshold float64) (Result, error) {
	if err := checkThreshold("chisquare", threshold, true); err != nil {
		return Result{}, err
	}
	k := len(h.RefCounts)
	if k == 0 || h.NRef == 0 || h.NCur == 0 {
		return Result{}, fmt.Errorf("drift: chisquare: empty histogram: %w", ErrTooFew)
	}
	if err := h.Validate(); err != nil {
		return Result{}, fmt.Errorf("drift: chisquare: %w", err)
	}
	norm := float64(h.NCur) / float64(h.NRef)
	var sObs, sExp float64
	stat := 0.0
	used := 0
	for i := 0; i < k; i++ {
		if h.RefCounts[i] == 0 && h.CurCounts[i] == 0 {
			continue
		}
		used++
		obs := float64(h.CurCounts[i])
		exp := float64(h.RefCounts[i]) * norm
		sObs += obs
		sExp += exp
		d := obs - exp
		stat += d * d / exp
	}
	if rd := math.Abs(sObs-sExp) / math.Min(sObs, sExp); rd > 1e-8 {
		return Result{}, fmt.Errorf("drift: chisquare: observed total %g and expected total %g differ (counts do not cover the samples)", sObs, sExp)
	}
	var p float64
	if used <= 1 {
		// scipy returns NaN for zero degrees of freedom; one category that
		// both samples share has not drifted.
		p = 1
	} else {
		p = chi2SF(stat, used-1)
	}
	return pvalueResult(MethodChiSquare, stat, p, threshold, PValueBelow, "goodness_of_fit"), nil
}

// ContingencyResult adds the table details to [Result].
type ContingencyResult struct {
	Result
	// DOF is the degrees of freedom, K−1 for K categories.
	DOF int `json:"dof"`
	// Expected is the 2×K table of expected frequencies under independence.
	Expected [2][]float64 `json:"expected"`
	// Yates reports that Yates' continuity correction was applied (DOF = 1).
	Yates bool `json:"yates"`
}

// ChiSquareContingency is Pearson's chi-squared test of independence on the
// 2×K table [reference counts; current counts], as scipy's
// chi2_contingency(correction=True): expected = row·column/total, Yates'
// correction when there is one degree of freedom (each observed count moved
// toward its expectation by min(0.5, |diff|)). Drift when p < threshold.
func ChiSquareContingency(h Histogram, threshold float64) (ContingencyResult, error) {
	if err := checkThreshold("chisquare_contingency", threshold, true); err != nil {
		return ContingencyResult{}, err
	}
	k := len(h.RefCounts)
	if k == 0 {
		return ContingencyResult{}, fmt.Errorf("drift: chi2_contingency: empty histogram: %w", ErrTooFew)
	}
	if err := h.Validate(); err != nil {
		return ContingencyResult{}, fmt.Errorf("drift: chi2_contingency: %w", err)
	}
	obs := [2][]float64{make([]float64, k), make([]float64, k)}
	var rows [2]float64
	cols := make([]float64, k)
	for j := 0; j < k; j++ {
		obs[0][j] = float64(h.RefCounts[j])
		obs[1][j] = float64(h.CurCounts[j])
		rows[0] += obs[0][j]
		rows[1] += obs[1][j]
		cols[j] = obs[0][j] + obs[1][j]
	}
	total := rows[0] + rows[1]
	var exp [2][]float64
	for r := 0; r < 2; r++ {
		exp[r] = make([]float64, k)
		for j := 0; j < k; j++ {
			exp[r][j] = rows[r] * cols[j] / total
			if exp[r][j] == 0 {
				return ContingencyResult{}, fmt.Errorf("drift: chi2_contingency: expected frequency is zero at (%d, %d) (a sample or a category is empty)", r, j)
			}
		}
	}
	dof := k - 1
	res := ContingencyResult{DOF: dof, Expected: exp}
	if dof == 0 {
		res.Result = pvalueResult(MethodChiSquareContingen, 0, 1, threshold, PValueBelow, "")
		return res, nil
	}
	stat := 0.0
	for r := 0; r < 2; r++ {
		for j := 0; j < k; j++ {
			o := obs[r][j]
			if dof == 1 {
				d := exp[r][j] - o
				o += math.Copysign(math.Min(0.5, math.Abs(d)), d) * signum(d)
			}
			d := o - exp[r][j]
			stat += d * d / exp[r][j]
		}
	}
	res.Yates = dof == 1
	res.Result = pvalueResult(MethodChiSquareContingen, stat, chi2SF(stat, dof), threshold, PValueBelow, "")
	return res, nil
}

// signum is 1 for non-zero input, 0 for zero (Copysign carries the sign).
func signum(x float64) float64 {
	if x == 0 {
		return 0
	}
	return 1
}

// ZTestProportions is Evidently's two-proportion z-test for a column with
// at most two values: the share of the first category in each sample,
// pooled standard error, two-sided p = 2·(1 − Φ(|z|)). When both samples
// hold the same single value (one category, or all of both samples in
// one of two) p = 1. Drift when p < threshold (0.05).
func ZTestProportions(h Histogram, threshold float64) (Result, error) {
	if err := checkThreshold("z", threshold, true); err != nil {
		return Result{}, err
	}
	k := len(h.RefCounts)
	if k > 2 {
		return Result{}, fmt.Errorf("drift: z-test: %d categories, the z-test takes at most 2", k)
	}
	if h.NRef == 0 || h.NCur == 0 {
		return Result{}, fmt.Errorf("drift: z-test: empty sample: %w", ErrTooFew)
	}
	if err := h.Validate(); err != nil {
		return Result{}, fmt.Errorf("drift: z-test: %w", err)
	}
	if k == 1 {
		return pvalueResult(MethodZTest, 0, 1, threshold, PValueBelow, ""), nil
	}
	n1, n2 := float64(h.NRef), float64(h.NCur)
	p1 := float64(h.RefCounts[0]) / n1
	p2 := float64(h.CurCounts[0]) / n2
	P := (p1*n1 + p2*n2) / (n1 + n2)
	if P == 0 || P == 1 {
		// Both samples lie wholly in one category: as with one category,
		// nothing drifted (the formula's 0/0 would be NaN).
		return pvalueResult(MethodZTest, 0, 1, threshold, PValueBelow, ""), nil
	}
	z := (p1 - p2) / math.Sqrt(P*(1-P)*(1/n1+1/n2))
	p := 2 * (1 - normCDF(math.Abs(z)))
	return pvalueResult(MethodZTest, z, p, threshold, PValueBelow, ""), nil
}

// normCDF is the standard normal CDF in cephes ndtr's arrangement.
func normCDF(a float64) float64 {
	x := a * math.Sqrt2 / 2
	z := math.Abs(x)
	var y float64
	if z < math.Sqrt2/2 {
		y = 0.5 + 0.5*math.Erf(x)
	} else {
		y = 0.5 * math.Erfc(z)
		if x > 0 {
			y = 1 - y
		}
	}
	return y
}

// CategoricalPSI is [PSI] on a categorical histogram (one bin per category).
func CategoricalPSI(reference, current []string, threshold float64) (Result, error) {
	if err := checkThreshold("psi", threshold, false); err != nil {
		return Result{}, err
	}
	h, err := CategoricalHistogram(reference, current)
	if err != nil {
		return Result{}, err
	}
	return PSIFromHistogram(h, threshold)
}

// CategoricalJensenShannon is [JensenShannon] on a categorical histogram.
func CategoricalJensenShannon(reference, current []string, threshold float64, base2 bool) (Result, error) {
	if err := checkThreshold("jensenshannon", threshold, false); err != nil {
		return Result{}, err
	}
	h, err := CategoricalHistogram(reference, current)
	if err != nil {
		return Result{}, err
	}
	return JSFromHistogram(h, threshold, base2)
}
