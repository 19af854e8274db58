package explain_test

import (
	"context"
	"fmt"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/explain"
)

// A linear approval score explains a refusal: the reasons and a
// counterfactual go into the decision record with one assignment.
func ExampleExplanation_Record() {
	ctx := context.Background()
	// score = 0.001·income − 0.004·debt − 25; approved at 0 and above.
	w, b := []float64{0.001, -0.004}, -25.0
	score := explain.Func(func(x []float64) float64 { return w[0]*x[0] + w[1]*x[1] + b })
	means := []float64{50000, 4000} // the training data's means
	bg := explain.Matrix{Rows: 1, Cols: 2, Data: means}
	ex, err := explain.NewLinear(w, b, bg, explain.WithFeatureNames("income", "debt"))
	if err != nil {
		panic(err)
	}
	x := []float64{40000, 5000}
	e, err := ex.Explain(ctx, x)
	if err != nil {
		panic(err)
	}
	reasons, err := explain.ReasonCodes(e, explain.ReasonOptions{
		Descriptions: map[string]explain.FeatureDescription{
			"income": {Code: "R03", WhenLow: "Income too low for the amount"},
			"debt":   {Code: "R01", WhenHigh: "Debt too high"},
		},
		Input: x, Reference: means,
	})
	if err != nil {
		panic(err)
	}
	cf, err := explain.Counterfactuals(ctx, score, x, explain.Above(0), explain.CounterfactualOptions{
		K: 1, FeatureNames: []string{"income", "debt"},
		Constraints: []explain.FeatureConstraint{
			{Range: &explain.Range{Min: 0, Max: 200000}, Monotone: explain.MonotoneIncreasing},
			{Immutable: true},
		},
		Outcome: "approve", OutcomeText: "approved",
	})
	if err != nil {
		panic(err)
	}

	d, err := aims.NewDecision(ctx, "credit-scoring")
	if err != nil {
		panic(err)
	}
	d.Output, d.Adverse = "deny", true
	d.Explanation = e.Record(reasons, cf.Counterfactuals...)

	for _, a := range d.Explanation.Attributions {
		fmt.Printf("%s %+.0f\n", a.Feature, a.Contribution)
	}
	for _, r := range d.Explanation.ReasonCodes {
		fmt.Printf("%d. %s %s (%s)\n", r.Rank, r.Code, r.Description, r.Direction)
	}
	fmt.Println(d.Explanation.Counterfactuals[0].Summary)
	// Output:
	// income -10
	// debt -4
	// 1. R03 Income too low for the amount (adverse)
	// 2. R01 Debt too high (adverse)
	// approved if income ≥ 45,100
}
