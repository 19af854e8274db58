// Package record holds the plain-data shapes that a decision record shares
// with the packages that produce its parts. aims aliases them
// (aims.Explanation is record.Explanation), and explain returns them, so an
// explanation goes into a decision without conversion code while explain
// still imports nothing public of this module.
package record

// Explanation is the plain-data form of an explained decision: feature
// attributions, ranked reason codes and counterfactual summaries.
type Explanation struct {
	// Method is the explanation method ("exact", "kernel", "tree", "linear" …).
	Method string `json:"method,omitempty"`
	// BaseValue is the expected model output over the background data.
	BaseValue float64 `json:"base_value"`
	// Prediction is the model output being explained.
	Prediction float64 `json:"prediction"`
	// Attributions holds one contribution per feature.
	Attributions []Attribution `json:"attributions,omitempty"`
	// ReasonCodes are the principal reasons, most important first.
	ReasonCodes []ReasonCode `json:"reason_codes,omitempty"`
	// Counterfactuals say what would have changed the outcome.
	Counterfactuals []Counterfactual `json:"counterfactuals,omitempty"`
}

// Attribution is one feature's contribution to a prediction.
type Attribution struct {
	Feature      string  `json:"feature"`
	Contribution float64 `json:"contribution"`
}

// ReasonCode is one principal reason for a decision, as told to the person
// affected (for example in an adverse-action notice).
type ReasonCode struct {
	Rank         int     `json:"rank"`
	Code         string  `json:"code"`
	Feature      string  `json:"feature,omitempty"`
	Description  string  `json:"description"`
	Direction    string  `json:"direction,omitempty"` // "adverse" or "favourable"
	Contribution float64 `json:"contribution"`
}

// Counterfactual summarises one change to the inputs that would have
// reached a different outcome.
type Counterfactual struct {
	// Summary is a sentence for people, e.g. "approved if income ≥ 52,000".
	Summary string `json:"summary"`
	// Changes lists the features that change and their new values.
	Changes []FeatureChange `json:"changes,omitempty"`
	// Outcome is the output the changed inputs reach.
	Outcome string `json:"outcome,omitempty"`
}

// FeatureChange is one feature moved by a counterfactual.
type FeatureChange struct {
	Feature string  `json:"feature"`
	From    float64 `json:"from"`
	To      float64 `json:"to"`
}
