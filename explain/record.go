package explain

import (
	"fmt"

	"github.com/aimskit/aimskit/internal/record"
)

// Record returns the explanation in the shape of a decision record
// (aims.Explanation is the same type), with the reason codes and the
// counterfactuals to tell the person affected. A service puts it into a
// decision in one line:
//
//	d.Explanation = e.Record(reasons, cf.Counterfactuals...)
//
// where reasons come from [ReasonCodes] and cf from [Counterfactuals]
// (either may be nil). Every feature becomes an attribution (Values in
// link space, as Prediction and BaseValue); a reason's Text becomes the
// Description and its Direction "adverse" or "favourable"; counterfactuals
// keep their Summary, Changes and Outcome, and those that did not reach
// the goal (Valid false) are left out, since their sentence would be
// untrue. Record keeps every attribution: which of them a record may
// keep is the privacy policy's decision, made where the decision is
// recorded.
func (e Explanation) Record(reasons []ReasonCode, cfs ...Counterfactual) *record.Explanation {
	out := &record.Explanation{Method: string(e.Method), BaseValue: e.BaseValue, Prediction: e.Prediction}
	if len(e.Values) > 0 {
		out.Attributions = make([]record.Attribution, len(e.Values))
	}
	for i, v := range e.Values {
		name := fmt.Sprintf("x%d", i)
		if i < len(e.FeatureNames) {
			name = e.FeatureNames[i]
		}
		out.Attributions[i] = record.Attribution{Feature: name, Contribution: v}
	}
	for _, r := range reasons {
		out.ReasonCodes = append(out.ReasonCodes, record.ReasonCode{
			Rank: r.Rank, Code: r.Code, Feature: r.Feature, Description: r.Text,
			Direction: r.Direction.record(), Contribution: r.Contribution,
		})
	}
	for _, c := range cfs {
		if !c.Valid {
			continue
		}
		out.Counterfactuals = append(out.Counterfactuals, record.Counterfactual{
			Summary: c.Summary, Changes: append([]FeatureChange(nil), c.Changes...), Outcome: c.Outcome,
		})
	}
	return out
}

// record is the decision record's word for the direction.
func (d Direction) record() string {
	switch d {
	case TowardAdverse:
		return "adverse"
	case TowardFavorable:
		return "favourable"
	}
	return ""
}
