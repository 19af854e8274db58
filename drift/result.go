package drift

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Method names a drift test. It appears in [Result.Method] and in telemetry.
type Method string

// The tests this package implements.
const (
	MethodKS                 Method = "ks"
	MethodWasserstein        Method = "wasserstein"
	MethodWassersteinNormed  Method = "wasserstein_normed"
	MethodAndersonDarling    Method = "anderson_darling"
	MethodCramerVonMises     Method = "cramer_von_mises"
	MethodPSI                Method = "psi"
	MethodKLDivergence       Method = "kl_div"
	MethodJensenShannon      Method = "jensenshannon"
	MethodChiSquare          Method = "chisquare"
	MethodChiSquareContingen Method = "chi2_contingency"
	MethodZTest              Method = "z"
)

// Direction says which side of the threshold means drift.
type Direction int

const (
	// PValueBelow: drift when the p-value is below the threshold (p-value tests).
	PValueBelow Direction = iota
	// PValueAtOrBelow: drift when the p-value is at or below the threshold
	// (Evidently's rule for the KS test).
	PValueAtOrBelow
	// ScoreAtOrAbove: drift when the distance is at or above the threshold.
	ScoreAtOrAbove
)

// Result is the outcome of one drift test.
type Result struct {
	// Method is the test that produced the result.
	Method Method `json:"method"`
	// Statistic is the test statistic or distance.
	Statistic float64 `json:"statistic"`
	// PValue is the p-value; NaN when the test has none (distances).
	PValue float64 `json:"p_value"`
	// HasPValue reports whether PValue is defined.
	HasPValue bool `json:"has_p_value"`
	// Score is the number compared with Threshold: the p-value for tests,
	// the statistic for distances.
	Score float64 `json:"score"`
	// Threshold is the decision threshold used.
	Threshold float64 `json:"threshold"`
	// Direction says how Score is compared with Threshold.
	Direction Direction `json:"direction"`
	// Drift is the verdict.
	Drift bool `json:"drift"`
	// Detail names the variant used, e.g. "exact" or "asymp" for KS, or the
	// binning for PSI.
	Detail string `json:"detail,omitempty"`
	// Notes carries warnings of the kind scipy emits (p-value capped, …).
	Notes []string `json:"notes,omitempty"`
}

// verdict fills Score and Drift from the statistic or p-value.
func (r *Result) verdict() {
	if r.Direction == ScoreAtOrAbove {
		r.Score = r.Statistic
		r.Drift = r.Score >= r.Threshold
		return
	}
	r.Score = r.PValue
	if r.Direction == PValueAtOrBelow {
		r.Drift = r.Score <= r.Threshold
	} else {
		r.Drift = r.Score < r.Threshold
	}
}

func pvalueResult(m Method, stat, p, threshold float64, dir Direction, detail string) Result {
	r := Result{Method: m, Statistic: stat, PValue: p, HasPValue: true, Threshold: threshold, Direction: dir, Detail: detail}
	r.verdict()
	return r
}

func distanceResult(m Method, stat, threshold float64, detail string) Result {
	r := Result{Method: m, Statistic: stat, PValue: math.NaN(), Threshold: threshold, Direction: ScoreAtOrAbove, Detail: detail}
	r.verdict()
	return r
}

// ErrNonFinite is wrapped by errors about NaN or infinite input values.
var ErrNonFinite = errors.New("drift: non-finite value")

// ErrTooFew is wrapped by errors about samples too small for a test.
var ErrTooFew = errors.New("drift: too few observations")

// checkThreshold rejects a threshold that would silently disable the
// verdict: NaN or infinite, a p-value threshold outside (0, 1), or a
// negative distance threshold. Every comparison with NaN is false, so a
// NaN threshold would report no drift whatever the data.
func checkThreshold(test string, t float64, pvalue bool) error {
	switch {
	case math.IsNaN(t) || math.IsInf(t, 0):
		return fmt.Errorf("drift: %s: threshold %v is not a finite number", test, t)
	case pvalue && (t <= 0 || t >= 1):
		return fmt.Errorf("drift: %s: p-value threshold %v is not in (0, 1)", test, t)
	case !pvalue && t < 0:
		return fmt.Errorf("drift: %s: threshold %v is negative", test, t)
	}
	return nil
}

// checkStatistic turns a statistic that overflowed float64 (finite inputs
// near its limits) into an error instead of a NaN or infinite verdict.
func checkStatistic(test string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("drift: %s: the statistic overflows float64 for these values (%v); rescale the feature", test, v)
	}
	return nil
}

// checkSample rejects empty samples and non-finite values.
func checkSample(test, name string, x []float64, min int) error {
	if len(x) < min {
		if len(x) == 0 {
			return fmt.Errorf("drift: %s: %s sample is empty: %w", test, name, ErrTooFew)
		}
		return fmt.Errorf("drift: %s: %s sample has %d observations, need at least %d: %w", test, name, len(x), min, ErrTooFew)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("drift: %s: %s[%d] is %v (use DropNonFinite first): %w", test, name, i, v, ErrNonFinite)
		}
	}
	return nil
}

// DropNonFinite returns the finite values of x (a new slice, x is not
// modified) and how many NaN or infinite values were dropped.
func DropNonFinite(x []float64) (clean []float64, dropped int) {
	clean = make([]float64, 0, len(x))
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			dropped++
			continue
		}
		clean = append(clean, v)
	}
	return clean, dropped
}

// jsonFloat encodes NaN as null and ±Inf as "+Inf"/"-Inf", which
// encoding/json cannot represent as numbers.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte("null"), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch s {
	case "null":
		*f = jsonFloat(math.NaN())
		return nil
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
		return nil
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}

type resultJSON struct {
	Method    Method    `json:"method"`
	Statistic jsonFloat `json:"statistic"`
	PValue    jsonFloat `json:"p_value"`
	HasPValue bool      `json:"has_p_value"`
	Score     jsonFloat `json:"score"`
	Threshold jsonFloat `json:"threshold"`
	Direction Direction `json:"direction"`
	Drift     bool      `json:"drift"`
	Detail    string    `json:"detail,omitempty"`
	Notes     []string  `json:"notes,omitempty"`
}

// MarshalJSON writes NaN (no p-value) as null and infinities as strings.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{r.Method, jsonFloat(r.Statistic), jsonFloat(r.PValue), r.HasPValue, jsonFloat(r.Score),
		jsonFloat(r.Threshold), r.Direction, r.Drift, r.Detail, r.Notes})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Result{Method: j.Method, Statistic: float64(j.Statistic), PValue: float64(j.PValue), HasPValue: j.HasPValue,
		Score: float64(j.Score), Threshold: float64(j.Threshold), Direction: j.Direction, Drift: j.Drift, Detail: j.Detail, Notes: j.Notes}
	return nil
}
