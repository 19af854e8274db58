package drift

import (
	"fmt"
	"math"
	"sort"
)

// AutoTest runs the test Evidently 0.7 picks by default for a numerical
// column (registry._get_default_stattest), with its default threshold:
//
//	n_ref <= 1000, more than 5 distinct values in ref ∪ cur: KS, drift when p <= 0.05
//	n_ref <= 1000, 3–5 distinct values: chi-squared goodness of fit, drift when p < 0.05
//	n_ref <= 1000, at most 2 distinct values: two-proportion z-test, drift when p < 0.05
//	n_ref > 1000, more than 5 distinct values: normed Wasserstein, drift when >= 0.1
//	n_ref > 1000, at most 5 distinct values: Jensen–Shannon distance, drift when >= 0.1
func AutoTest(reference, current []float64) (Result, error) {
	if err := checkSample("auto", "reference", reference, 1); err != nil {
		return Result{}, err
	}
	if err := checkSample("auto", "current", current, 1); err != nil {
		return Result{}, err
	}
	u := countDistinct(reference, 6)
	if u <= 5 {
		u = countDistinct(append(append(make([]float64, 0, len(reference)+len(current)), reference...), current...), 6)
	}
	if len(reference) <= 1000 {
		if u > 5 {
			r, err := KS(reference, current)
			return r.Result, err
		}
		h := distinctHistogram(reference, current)
		if u > 2 {
			return ChiSquareGoF(h, 0.05)
		}
		return ZTestProportions(h, 0.05)
	}
	if u > 5 {
		return WassersteinNormed(reference, current)
	}
	return JSFromHistogram(distinctHistogram(reference, current), 0.1, false)
}

// AutoTestCategorical is Evidently's default for a categorical column:
// with n_ref <= 1000, chi-squared (more than 2 categories) or the z-test
// (p < 0.05 is drift); with n_ref > 1000, Jensen–Shannon distance (>= 0.1).
func AutoTestCategorical(reference, current []string) (Result, error) {
	h, err := CategoricalHistogram(reference, current)
	if err != nil {
		return Result{}, err
	}
	return autoCategoricalHistogram(h)
}

func autoCategoricalHistogram(h Histogram) (Result, error) {
	if h.NRef <= 1000 {
		if len(h.RefCounts) > 2 {
			return ChiSquareGoF(h, 0.05)
		}
		return ZTestProportions(h, 0.05)
	}
	return JSFromHistogram(h, 0.1, false)
}

// Correction is a multiple-testing correction across features.
type Correction string

// The corrections [DatasetDrift] offers.
const (
	// CorrectionNone compares each p-value with its own threshold.
	CorrectionNone Correction = "none"
	// CorrectionBonferroni compares p with threshold/m (family-wise error).
	CorrectionBonferroni Correction = "bonferroni"
	// CorrectionBH is Benjamini–Hochberg (1995) false-discovery-rate control:
	// sort the m p-values, find the largest k with p_(k) <= k·q/m, flag the
	// k smallest.
	CorrectionBH Correction = "benjamini_hochberg"
)

// FeatureResult names a feature's test result.
type FeatureResult struct {
	Feature string `json:"feature"` // the feature's name
	Result  Result `json:"result"`  // the feature's own test, before correction
	// Drift is the verdict after the dataset-level correction.
	Drift bool `json:"drift"`
}

// DatasetResult is the dataset-level verdict.
type DatasetResult struct {
	// Features holds each feature's result, in name order.
	Features []FeatureResult `json:"features"`
	// Drifted is the number of features that drifted after correction.
	Drifted int `json:"drifted"`
	// Share is Drifted / number of features.
	Share float64 `json:"share"`
	// ShareThreshold is the share at or above which the dataset drifts
	// (Evidently's default is 0.5).
	ShareThreshold float64 `json:"share_threshold"`
	// Drift is the dataset verdict: Share >= ShareThreshold.
	Drift bool `json:"drift"`
	// Correction is the multiple-testing correction applied to p-value tests.
	Correction Correction `json:"correction"`
}

// DatasetDrift combines per-feature results into a dataset verdict: the
// share of drifted features against shareThreshold, as Evidently's
// DatasetDriftMetric does. With a correction, features tested by p-value
// are re-judged jointly (alibi-detect's approach): Bonferroni compares each
// p-value with threshold/m, Benjamini–Hochberg controls the false
// discovery rate at the tests' threshold; m counts the p-value tests only.
// Distance-based results keep their own verdict.
func DatasetDrift(results map[string]Result, shareThreshold float64, corr Correction) (DatasetResult, error) {
	if math.IsNaN(shareThreshold) || shareThreshold < 0 || shareThreshold > 1 {
		return DatasetResult{}, fmt.Errorf("drift: dataset: share threshold %v is not in [0, 1]", shareThreshold)
	}
	if len(results) == 0 {
		return DatasetResult{}, fmt.Errorf("drift: dataset: no feature results: %w", ErrTooFew)
	}
	if corr == "" {
		corr = CorrectionNone
	}
	switch corr {
	case CorrectionNone, CorrectionBonferroni, CorrectionBH:
	default:
		return DatasetResult{}, fmt.Errorf("drift: dataset: unknown correction %q", corr)
	}
	names := make([]string, 0, len(results))
	for k := range results {
		names = append(names, k)
	}
	sort.Strings(names)
	out := DatasetResult{ShareThreshold: shareThreshold, Correction: corr}
	var pIdx []int
	for _, n := range names {
		r := results[n]
		out.Features = append(out.Features, FeatureResult{Feature: n, Result: r, Drift: r.Drift})
		if r.HasPValue && corr != CorrectionNone {
			if math.IsNaN(r.PValue) {
				return DatasetResult{}, fmt.Errorf("drift: dataset: feature %q has a NaN p-value", n)
			}
			pIdx = append(pIdx, len(out.Features)-1)
		}
	}
	m := float64(len(pIdx))
	switch corr {
	case CorrectionBonferroni:
		for _, i := range pIdx {
			f := &out.Features[i]
			f.Drift = f.Result.PValue < f.Result.Threshold/m || (f.Result.Direction == PValueAtOrBelow && f.Result.PValue <= f.Result.Threshold/m)
		}
	case CorrectionBH:
		sorted := append([]int(nil), pIdx...)
		sort.SliceStable(sorted, func(a, b int) bool {
			return out.Features[sorted[a]].Result.PValue < out.Features[sorted[b]].Result.PValue
		})
		kmax := 0
		for rank, i := range sorted {
			f := out.Features[i]
			if f.Result.PValue <= float64(rank+1)*f.Result.Threshold/m {
				kmax = rank + 1
			}
		}
		for rank, i := range sorted {
			out.Features[i].Drift = rank < kmax
		}
	}
	for _, f := range out.Features {
		if f.Drift {
			out.Drifted++
		}
	}
	out.Share = float64(out.Drifted) / float64(len(out.Features))
	out.Drift = out.Share >= shareThreshold
	return out, nil
}
