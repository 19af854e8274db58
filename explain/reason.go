package explain

import (
	"fmt"
	"math"
	"sort"
)

// Direction says which way a feature pushed the explained output.
type Direction string

// The directions of a reason.
const (
	// TowardAdverse: the feature moved the output toward the adverse outcome.
	TowardAdverse Direction = "toward_adverse"
	// TowardFavorable: the feature moved the output away from the adverse outcome.
	TowardFavorable Direction = "toward_favorable"
)

// FeatureDescription is the human-readable description of one feature,
// used to word reason codes. All fields are optional.
type FeatureDescription struct {
	// Code is a stable short code for the reason (e.g. "R07"), as
	// adverse-action notices often use.
	Code string
	// Label is the plain-language name of the feature ("time at current address").
	Label string
	// WhenHigh words the reason when a high value of the feature hurt the
	// subject ("debt-to-income ratio too high").
	WhenHigh string
	// WhenLow words the reason when a low value hurt ("length of credit history too short").
	WhenLow string
}

// ReasonCode is one ranked reason derived from an [Explanation]. It is
// plain data (no raw input values) so it can travel in a decision record.
type ReasonCode struct {
	// Rank is 1 for the most important reason.
	Rank int `json:"rank"`
	// Code is the feature's reason code, or the feature name when none was given.
	Code string `json:"code"`
	// Feature is the feature (or group) name.
	Feature string `json:"feature"`
	// Text is the human-readable reason.
	Text string `json:"text"`
	// Direction says whether the feature pushed toward the adverse outcome.
	Direction Direction `json:"direction"`
	// Contribution is the Shapley value, signed so that positive means
	// toward the adverse outcome.
	Contribution float64 `json:"contribution"`
	// Share is |Contribution| divided by the sum of |values| over all
	// features: the fraction of the total attribution.
	Share float64 `json:"share"`
}

// ReasonOptions configures [ReasonCodes].
type ReasonOptions struct {
	// TopK is the number of reasons to return (default 4, the number of
	// principal reasons US adverse-action notices customarily give).
	TopK int
	// HigherIsAdverse says that a higher explained output is adverse to
	// the subject (a default probability or a risk score). When false, a
	// lower output is adverse (an approval score).
	HigherIsAdverse bool
	// Descriptions words each feature (or group), keyed by its name in
	// [Explanation.FeatureNames].
	Descriptions map[string]FeatureDescription
	// Input and Reference, when both set (one value per player), decide
	// whether a feature's value was high (Input > Reference) or low, which
	// picks WhenHigh or WhenLow. Reference is typically the background
	// means ([ColumnMeans]). They are only compared, never copied into the
	// reasons.
	Input, Reference []float64
	// IncludeFavorable also returns features that pushed away from the
	// adverse outcome, ranked after the adverse ones.
	IncludeFavorable bool
}

// ReasonCodes turns an explanation into ranked, human-readable reasons:
// the features whose Shapley values pushed the output toward the adverse
// outcome, largest push first (for adverse-action notices: the principal
// reasons for a denial). Features with a zero value are never reasons.
func ReasonCodes(e Explanation, opts ReasonOptions) ([]ReasonCode, error) {
	if len(e.FeatureNames) != len(e.Values) {
		return nil, fmt.Errorf("explain: explanation has %d feature names for %d values", len(e.FeatureNames), len(e.Values))
	}
	k := opts.TopK
	if k < 0 {
		return nil, fmt.Errorf("explain: TopK %d is negative", k)
	}
	if k == 0 {
		k = 4
	}
	compare := opts.Input != nil && opts.Reference != nil
	if compare && (len(opts.Input) != len(e.Values) || len(opts.Reference) != len(e.Values)) {
		return nil, fmt.Errorf("explain: Input has %d and Reference %d values for %d features", len(opts.Input), len(opts.Reference), len(e.Values))
	}
	total := 0.0
	for i, v := range e.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("explain: value of feature %s is %v", e.FeatureNames[i], v)
		}
		total += math.Abs(v)
	}
	type cand struct {
		i int
		c float64 // signed toward adverse
	}
	var cands []cand
	for i, v := range e.Values {
		c := v
		if !opts.HigherIsAdverse {
			c = -v
		}
		if c > 0 || (opts.IncludeFavorable && c < 0) {
			cands = append(cands, cand{i, c})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool {
		ca, cb := cands[a].c, cands[b].c
		if (ca > 0) != (cb > 0) {
			return ca > 0
		}
		return math.Abs(ca) > math.Abs(cb)
	})
	if len(cands) > k {
		cands = cands[:k]
	}
	out := make([]ReasonCode, len(cands))
	for r, cd := range cands {
		name := e.FeatureNames[cd.i]
		desc := opts.Descriptions[name]
		rc := ReasonCode{Rank: r + 1, Code: desc.Code, Feature: name, Contribution: cd.c, Direction: TowardAdverse}
		if rc.Code == "" {
			rc.Code = name
		}
		if cd.c < 0 {
			rc.Direction = TowardFavorable
		}
		if total > 0 {
			rc.Share = math.Abs(cd.c) / total
		}
		label := desc.Label
		if label == "" {
			label = name
		}
		high, known := false, false
		if compare && opts.Input[cd.i] != opts.Reference[cd.i] {
			high, known = opts.Input[cd.i] > opts.Reference[cd.i], true
		}
		switch {
		case rc.Direction == TowardAdverse && known && high && desc.WhenHigh != "":
			rc.Text = desc.WhenHigh
		case rc.Direction == TowardAdverse && known && !high && desc.WhenLow != "":
			rc.Text = desc.WhenLow
		case rc.Direction == TowardAdverse && known && high:
			rc.Text = label + " is higher than typical, which counted against the outcome"
		case rc.Direction == TowardAdverse && known:
			rc.Text = label + " is lower than typical, which counted against the outcome"
		case rc.Direction == TowardAdverse:
			rc.Text = label + " counted against the outcome"
		default:
			rc.Text = label + " counted in favour of the outcome"
		}
		out[r] = rc
	}
	return out, nil
}

// Codes returns the reason codes in rank order, for a decision record's
// aims.explanation.reason_codes attribute.
func Codes(reasons []ReasonCode) []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = r.Code
	}
	return out
}

// ColumnMeans returns the (optionally weighted) mean of every column, the
// usual Reference for [ReasonOptions].
func ColumnMeans(m Matrix, weights []float64) ([]float64, error) {
	w, err := prepareBackground(m, weights)
	if err != nil {
		return nil, err
	}
	out := make([]float64, m.Cols)
	for r := 0; r < m.Rows; r++ {
		for j, v := range m.Row(r) {
			out[j] += w[r] * v
		}
	}
	return out, nil
}
