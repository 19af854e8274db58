package aims

import (
	"context"
	"math"
	"strings"
	"testing"
)

// A counterfactual change with one non-finite end is refused; the error
// (which a gate puts into its span's status) names the feature and the
// end at fault, and does not repeat the other, finite end: the person's
// input value ("from") or the value suggested to them ("to").
func TestCheckEncodableDoesNotRepeatFiniteCounterfactualValue(t *testing.T) {
	dl, err := NewDecisionLog(WithPrivacy(PrivacyPolicy{Inputs: NewAllowList("income"), Attributions: AttributionsAll}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dl.Close(context.Background()) })
	for _, ch := range []FeatureChange{
		{Feature: "income", From: 41234.5, To: math.NaN()},
		{Feature: "income", From: math.Inf(1), To: 41234.5},
	} {
		d, err := NewDecision(context.Background(), "credit")
		if err != nil {
			t.Fatal(err)
		}
		d.Subject, d.Output = "hs256:k1:0123456789abcdef0123456789abcdef", "deny"
		d.Explanation = &Explanation{Method: "linear", Counterfactuals: []Counterfactual{{Summary: "more income", Changes: []FeatureChange{ch}}}}
		err = dl.Record(context.Background(), d)
		if err == nil {
			t.Fatalf("change %+v recorded", ch)
		}
		msg := err.Error()
		if strings.Contains(msg, "41234") {
			t.Errorf("the error repeats the finite value: %v", err)
		}
		if !strings.Contains(msg, `"income"`) || !strings.Contains(msg, "not a finite number") {
			t.Errorf("the error %q does not name the feature and the rule", msg)
		}
	}
}
