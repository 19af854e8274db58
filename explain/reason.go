package explain

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
