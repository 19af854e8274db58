package aims_test

import (
	"context"
	"testing"

	"github.com/aimskit/aimskit/aims"
)

// AttributionsNone keeps no reason-code contributions, and
// AttributionsOfAllowedInputs only those of allow-listed features: a
// reason code that names no feature cannot be shown to be about an
// allowed one, so its contribution goes too (its code, description and
// direction, what the person is told, stay).
func TestReasonCodeWithoutFeatureLosesContribution(t *testing.T) {
	for _, pol := range []aims.AttributionPolicy{aims.AttributionsNone, aims.AttributionsOfAllowedInputs} {
		p := aims.PrivacyPolicy{Inputs: aims.NewAllowList("income"), Attributions: pol}
		d, err := aims.NewDecision(context.Background(), "credit")
		if err != nil {
			t.Fatal(err)
		}
		d.Output = "deny"
		d.Explanation = &aims.Explanation{Method: "linear", ReasonCodes: []aims.ReasonCode{
			{Rank: 1, Code: "R07", Description: "age counted against the outcome", Direction: "adverse", Contribution: 0.7325},
		}}
		if err := p.Clean(&d); err != nil {
			t.Fatal(err)
		}
		rc := d.Explanation.ReasonCodes[0]
		if rc.Contribution != 0 {
			t.Errorf("%v: the reason code without a feature kept its contribution %v", pol, rc.Contribution)
		}
		if rc.Code != "R07" || rc.Description == "" || rc.Direction != "adverse" {
			t.Errorf("%v: the reason code lost what the person is told: %+v", pol, rc)
		}
	}
}
