package fairness

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Aggregation says how equalized-odds disparities combine the TPR and FPR
// terms.
type Aggregation int

const (
	// WorstCase takes the larger difference (smaller ratio) of TPR and FPR.
	WorstCase Aggregation = iota
	// Mean takes the mean of the two terms.
	Mean
)

// String returns fairlearn's name of the aggregation.
func (a Aggregation) String() string {
	if a == Mean {
		return "mean"
	}
	return "worst_case"
}

// FourFifthsThreshold is the ratio below which the four-fifths rule (US
// EEOC Uniform Guidelines, 29 CFR 1607.4(D)) indicates adverse impact: a
// ratio of exactly four fifths is no adverse impact (see LimitTolerance).
const FourFifthsThreshold = 0.8

// LimitTolerance is the relative tolerance, four units in the last place
// of 1 (4·2⁻⁵²), with which every threshold of this package is decided:
// the four-fifths rule (Stratum.PassesFourFifths, Frame.PassesFourFifths,
// PrivilegedComparison.PassesFourFifths) and the Monitor's thresholds
// (WithThreshold), on entering a violation and on recovering from it.
//
// A disparity is computed in floating point and carries a rounding error
// of a few ulps: selection rates of 20/30 and 25/30 have the ratio 4/5
// exactly, but (20.0/30)/(25.0/30) is 0.7999999999999999 (the value
// reported, as fairlearn reports it). A violation is strictly beyond the
// limit (a ratio below it, a difference above it), so a value that equals
// the limit in exact arithmetic must not violate it. The rule is:
//
//   - a ratio v violates limit l when v < l − LimitTolerance·|l| (the
//     error of a quotient is relative to the quotient);
//   - a difference v violates limit l when v > l + LimitTolerance·max(1, |l|)
//     (the error of a difference of rates is relative to the rates, which
//     are at most 1, not to the difference).
//
// A value within the tolerance of the limit counts as equal to it and
// passes. NaN never violates a Monitor threshold and never passes the
// four-fifths rule.
const LimitTolerance = 4 * 0x1p-52

// ratioBelow reports whether ratio v violates limit: v < limit beyond
// rounding error (LimitTolerance). False for NaN.
func ratioBelow(v, limit float64) bool {
	return v < limit-LimitTolerance*math.Abs(limit)
}

// differenceAbove reports whether difference v violates limit: v > limit
// beyond rounding error (LimitTolerance). False for NaN.
func differenceAbove(v, limit float64) bool {
	return v > limit+LimitTolerance*math.Max(1, math.Abs(limit))
}

// ImpactRatioPasses reports whether an impact ratio (a group's selection
// rate over the highest group's) passes the four-fifths rule: it is not
// below FourFifthsThreshold beyond rounding error (LimitTolerance), and
// not NaN. Frame, Stratum and the audit report decide by it.
func ImpactRatioPasses(ratio float64) bool {
	return !math.IsNaN(ratio) && !ratioBelow(ratio, FourFifthsThreshold)
}

// DemographicParityDifference is the selection-rate difference between
// groups (fairlearn's demographic_parity_difference).
func (s *Stratum) DemographicParityDifference(method Method) float64 {
	v, _ := s.Difference(SelectionRate, method)
	return v
}

// DemographicParityRatio is the selection-rate ratio between groups
// (fairlearn's demographic_parity_ratio).
func (s *Stratum) DemographicParityRatio(method Method) float64 {
	v, _ := s.Ratio(SelectionRate, method)
	return v
}

// EqualOpportunityDifference is the true-positive-rate difference between
// groups (fairlearn's equal_opportunity_difference).
func (s *Stratum) EqualOpportunityDifference(method Method) float64 {
	v, _ := s.Difference(TruePositiveRate, method)
	return v
}

// EqualOpportunityRatio is the true-positive-rate ratio between groups
// (fairlearn's equal_opportunity_ratio).
func (s *Stratum) EqualOpportunityRatio(method Method) float64 {
	v, _ := s.Ratio(TruePositiveRate, method)
	return v
}

// EqualizedOddsDifference combines the TPR and FPR differences (fairlearn's
// equalized_odds_difference). WorstCase follows Python's max([tpr, fpr]):
// NaN when the TPR term is NaN, the TPR term when only FPR is NaN. Mean
// skips NaN terms, as pandas does.
func (s *Stratum) EqualizedOddsDifference(method Method, agg Aggregation) float64 {
	tpr, _ := s.Difference(TruePositiveRate, method)
	fpr, _ := s.Difference(FalsePositiveRate, method)
	if agg == Mean {
		return meanSkipNaN(tpr, fpr)
	}
	if equalizedOddsPicksFPR(tpr, fpr, false) {
		return fpr
	}
	return tpr
}

// EqualizedOddsRatio combines the TPR and FPR ratios (fairlearn's
// equalized_odds_ratio), with the NaN behaviour of Python's min and
// pandas' mean.
func (s *Stratum) EqualizedOddsRatio(method Method, agg Aggregation) float64 {
	tpr, _ := s.Ratio(TruePositiveRate, method)
	fpr, _ := s.Ratio(FalsePositiveRate, method)
	if agg == Mean {
		return meanSkipNaN(tpr, fpr)
	}
	if equalizedOddsPicksFPR(tpr, fpr, true) {
		return fpr
	}
	return tpr
}

// equalizedOddsPicksFPR reports whether the worst case of equalized odds
// is the FPR term: fairlearn's max([tpr, fpr]) of the differences, or
// min([tpr, fpr]) of the ratios, with Python's NaN behaviour (a NaN TPR
// term is returned, a NaN FPR term is not). Stratum and the Monitor share
// it.
func equalizedOddsPicksFPR(tpr, fpr float64, ratio bool) bool {
	if ratio {
		return fpr < tpr
	}
	return fpr > tpr
}

// PassesFourFifths reports whether the demographic-parity ratio between
// groups is at least 0.8, up to rounding error (LimitTolerance): an exact
// 4/5, which computes as 0.7999999999999999, passes. NaN fails.
func (s *Stratum) PassesFourFifths() bool {
	return ImpactRatioPasses(s.DemographicParityRatio(BetweenGroups))
}

func meanSkipNaN(xs ...float64) float64 {
	var sum float64
	n := 0
	for _, x := range xs {
		if !math.IsNaN(x) {
			sum += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// DemographicParityDifference: see Stratum.DemographicParityDifference. It
// fails for frames with control features, and with ErrZeroWeight when the
// sample weights sum to zero (as do the other Frame disparity methods).
func (f *Frame) DemographicParityDifference(method Method) (float64, error) {
	s, err := f.weightedSingle()
	if err != nil {
		return math.NaN(), err
	}
	return s.DemographicParityDifference(method), nil
}

// DemographicParityRatio: see Stratum.DemographicParityRatio.
func (f *Frame) DemographicParityRatio(method Method) (float64, error) {
	s, err := f.weightedSingle()
	if err != nil {
		return math.NaN(), err
	}
	return s.DemographicParityRatio(method), nil
}

// EqualOpportunityDifference: see Stratum.EqualOpportunityDifference.
func (f *Frame) EqualOpportunityDifference(method Method) (float64, error) {
	s, err := f.weightedSingle()
	if err != nil {
		return math.NaN(), err
	}
	return s.EqualOpportunityDifference(method), nil
}

// EqualOpportunityRatio: see Stratum.EqualOpportunityRatio.
func (f *Frame) EqualOpportunityRatio(method Method) (float64, error) {
	s, err := f.weightedSingle()
	if err != nil {
		return math.NaN(), err
	}
	return s.EqualOpportunityRatio(method), nil
}

// EqualizedOddsDifference: see Stratum.EqualizedOddsDifference.
func (f *Frame) EqualizedOddsDifference(method Method, agg Aggregation) (float64, error) {
	s, err := f.weightedSingle()
	if err != nil {
		return math.NaN(), err
	}
	return s.EqualizedOddsDifference(method, agg), nil
}

// EqualizedOddsRatio: see Stratum.EqualizedOddsRatio.
func (f *Frame) EqualizedOddsRatio(method Method, agg Aggregation) (float64, error) {
	s, err := f.weightedSingle()
	if err != nil {
		return math.NaN(), err
	}
	return s.EqualizedOddsRatio(method, agg), nil
}

// PrivilegedComparison compares a declared privileged group with its
// complement, following AIF360's ClassificationMetric formulas with
// (weighted) counts and IEEE division (x/0 = ±Inf, 0/0 = NaN).
type PrivilegedComparison struct {
	// Privileged is the declared privileged group, feature name → level.
	Privileged map[string]string
	// NPrivileged and NUnprivileged are row counts (never weighted).
	NPrivileged, NUnprivileged int64
	// Privileged and unprivileged selection rates, P(ŷ=1).
	SelectionRatePrivileged, SelectionRateUnprivileged float64
	// DisparateImpact is SR_unprivileged / SR_privileged.
	DisparateImpact float64
	// StatisticalParityDifference is SR_unprivileged − SR_privileged.
	StatisticalParityDifference float64
	// True and false positive rates of both sides.
	TPRPrivileged, TPRUnprivileged, FPRPrivileged, FPRUnprivileged float64
	// EqualOpportunityDifference is TPR_unprivileged − TPR_privileged.
	EqualOpportunityDifference float64
	// AverageOddsDifference is ½((FPR_u − FPR_p) + (TPR_u − TPR_p)).
	AverageOddsDifference float64
	// PassesFourFifths is DisparateImpact ≥ 0.8 up to rounding error
	// (LimitTolerance; NaN fails).
	PassesFourFifths bool
	// Undefined is true when the privileged or the unprivileged side has
	// no rows or zero total weight (a declared level absent from the data, as often happens in
	// a short monitoring window, or every row privileged). The rates of
	// the empty side and every difference and ratio built on them are then
	// NaN, as AIF360 reports them (its 0/0), and UndefinedReason says why.
	Undefined bool
	// UndefinedReason explains Undefined; empty when the comparison is
	// defined.
	UndefinedReason string
}

// Privileged compares the rows matching every feature → level pair of
// privileged (sensitive features only) with all other rows. Control
// features are ignored: the comparison covers all rows. It fails when no
// group is declared or a feature is not a sensitive feature of the frame.
// A level that does not occur in the data, or a side without rows, is not
// an error: the comparison is returned with Undefined set and NaN for the
// values of the empty side, as AIF360 does.
func (f *Frame) Privileged(privileged map[string]string) (PrivilegedComparison, error) {
	if len(privileged) == 0 {
		return PrivilegedComparison{}, fmt.Errorf("fairness: no privileged group declared")
	}
	featIdx := map[string]int{}
	for i, n := range f.sensitive {
		featIdx[n] = i
	}
	keys := make([]string, 0, len(privileged))
	for k := range privileged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := featIdx[k]; !ok {
			return PrivilegedComparison{}, fmt.Errorf("fairness: privileged group names feature %q, which is not a sensitive feature (have %s)", k, strings.Join(f.sensitive, ", "))
		}
	}
	var priv, unpriv Counts
	for _, s := range f.strata {
		for _, g := range s.Groups {
			match := true
			for k, v := range privileged {
				if g.Group[featIdx[k]] != v {
					match = false
					break
				}
			}
			if match {
				priv = priv.Add(g.Counts)
			} else {
				unpriv = unpriv.Add(g.Counts)
			}
		}
	}
	p := PrivilegedComparison{Privileged: privileged, NPrivileged: priv.N, NUnprivileged: unpriv.N}
	switch {
	case priv.N == 0 && unpriv.N == 0:
		p.Undefined, p.UndefinedReason = true, "the frame has no rows"
	case priv.N == 0:
		p.Undefined, p.UndefinedReason = true, fmt.Sprintf("privileged group %s has no rows", describeGroup(privileged, keys))
	case unpriv.N == 0:
		p.Undefined, p.UndefinedReason = true, fmt.Sprintf("every row is in privileged group %s; the unprivileged group has no rows", describeGroup(privileged, keys))
	case priv.Weight() == 0:
		p.Undefined, p.UndefinedReason = true, fmt.Sprintf("privileged group %s has zero total sample weight", describeGroup(privileged, keys))
	case unpriv.Weight() == 0:
		p.Undefined, p.UndefinedReason = true, "the unprivileged group has zero total sample weight"
	}
	p.SelectionRatePrivileged = priv.PredictedPositives() / priv.Weight()
	p.SelectionRateUnprivileged = unpriv.PredictedPositives() / unpriv.Weight()
	p.DisparateImpact = p.SelectionRateUnprivileged / p.SelectionRatePrivileged
	p.StatisticalParityDifference = p.SelectionRateUnprivileged - p.SelectionRatePrivileged
	p.TPRPrivileged = priv.TP / priv.Positives()
	p.TPRUnprivileged = unpriv.TP / unpriv.Positives()
	p.FPRPrivileged = priv.FP / priv.Negatives()
	p.FPRUnprivileged = unpriv.FP / unpriv.Negatives()
	p.EqualOpportunityDifference = p.TPRUnprivileged - p.TPRPrivileged
	p.AverageOddsDifference = 0.5 * ((p.FPRUnprivileged - p.FPRPrivileged) + (p.TPRUnprivileged - p.TPRPrivileged))
	p.PassesFourFifths = ImpactRatioPasses(p.DisparateImpact)
	return p, nil
}

// describeGroup renders feature=level pairs in the order of keys.
func describeGroup(g map[string]string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, g[k])
	}
	return strings.Join(parts, ", ")
}

// weightedSingle is single, failing with ErrZeroWeight when the rows'
// sample weights sum to zero (every group rate would be a silent NaN).
func (f *Frame) weightedSingle() (*Stratum, error) {
	s, err := f.single()
	if err != nil {
		return nil, err
	}
	if c := s.Overall.Counts; c.N > 0 && c.Weight() == 0 {
		return nil, fmt.Errorf("%w: %d rows carry no weight, so every group rate is 0/0", ErrZeroWeight, c.N)
	}
	return s, nil
}

// PassesFourFifths reports whether the demographic-parity ratio between
// groups is at least 0.8 up to rounding error; see Stratum.PassesFourFifths. It fails with
// ErrZeroWeight when the sample weights sum to zero.
func (f *Frame) PassesFourFifths() (bool, error) {
	s, err := f.weightedSingle()
	if err != nil {
		return false, err
	}
	return s.PassesFourFifths(), nil
}
