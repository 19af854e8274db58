package explain_test

import (
	"context"
	"fmt"
	"math"

	"github.com/aimskit/aimskit/explain"
)

// A model over three features and a small background set.
func exampleSetup() (explain.Func, explain.Matrix) {
	model := explain.Func(func(x []float64) float64 { return 2*x[0] + x[1]*x[2] })
	bg := explain.NewMatrix(4, 3)
	copy(bg.Data, []float64{
		0, 0, 0,
		1, 1, 0,
		0, 1, 1,
		1, 0, 1,
	})
	return model, bg
}

func ExampleNewExact() {
	model, bg := exampleSetup()
	ex, err := explain.NewExact(model, bg, explain.WithFeatureNames("income", "debt", "tenure"))
	if err != nil {
		panic(err)
	}
	e, err := ex.Explain(context.Background(), []float64{1, 2, 3})
	if err != nil {
		panic(err)
	}
	fmt.Printf("base %.3f + Σφ = prediction %.3f (exact: %v)\n", e.BaseValue, e.Prediction, e.Exact)
	for i, name := range e.FeatureNames {
		fmt.Printf("%-6s %+.3f\n", name, e.Values[i])
	}
	// Output:
	// base 1.250 + Σφ = prediction 8.000 (exact: true)
	// income +1.000
	// debt   +2.625
	// tenure +3.125
}

func ExampleNewKernel() {
	model, bg := exampleSetup()
	// With the default budget (2M+2048 capped at 2^M−2) three features are
	// enumerated completely, so Kernel SHAP is exact.
	k, err := explain.NewKernel(model, bg)
	if err != nil {
		panic(err)
	}
	e, err := k.Explain(context.Background(), []float64{1, 2, 3})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v %.3f %.3f %.3f exact=%v\n", e.Method, e.Values[0], e.Values[1], e.Values[2], e.Exact)
	// Output: kernel 1.000 2.625 3.125 exact=true
}

func ExampleNewPermutation() {
	model, bg := exampleSetup()
	p, err := explain.NewPermutation(model, bg, explain.WithSeed(3), explain.WithPermutations(64, 1024), explain.WithTolerance(0.05))
	if err != nil {
		panic(err)
	}
	e, err := p.Explain(context.Background(), []float64{1, 2, 3})
	if err != nil {
		panic(err)
	}
	sum := e.BaseValue
	for _, v := range e.Values {
		sum += v
	}
	fmt.Printf("additive: %v, income %.2f ± %.2f\n", math.Abs(sum-e.Prediction) < 1e-12, e.Values[0], e.StdErr[0])
	// Output: additive: true, income 1.00 ± 0.00
}

func ExampleNewLinear() {
	bg := explain.NewMatrix(2, 2)
	copy(bg.Data, []float64{0, 10, 2, 30}) // means 1 and 20
	// A logistic model σ(0.5·x0 − 0.1·x1 + 1), explained on its log-odds.
	l, err := explain.NewLinear([]float64{0.5, -0.1}, 1, bg, explain.WithLink(explain.LinkLogit))
	if err != nil {
		panic(err)
	}
	e, _ := l.Explain(context.Background(), []float64{3, 25})
	fmt.Printf("margin %.2f = %.2f %+.2f %+.2f, probability %.3f\n", e.Prediction, e.BaseValue, e.Values[0], e.Values[1], e.Output)
	// Output: margin 0.00 = -0.50 +1.00 -0.50, probability 0.500
}

func ExampleReasonCodes() {
	bg := explain.NewMatrix(2, 3)
	copy(bg.Data, []float64{0.2, 0, 40, 0.4, 2, 60})
	l, _ := explain.NewLinear([]float64{-5, -0.4, 0.03}, 2, bg, explain.WithFeatureNames("debt_ratio", "late_payments", "income"))
	x := []float64{0.7, 3, 55}
	e, _ := l.Explain(context.Background(), x)
	ref, _ := explain.ColumnMeans(bg, nil)
	reasons, _ := explain.ReasonCodes(e, explain.ReasonOptions{
		TopK: 2, // an approval score: lower is adverse
		Descriptions: map[string]explain.FeatureDescription{
			"debt_ratio":    {Code: "R01", WhenHigh: "Debt is high relative to income"},
			"late_payments": {Code: "R02", WhenHigh: "Too many late payments"},
		},
		Input: x, Reference: ref,
	})
	for _, r := range reasons {
		fmt.Printf("%d. %s %s (%.0f%%)\n", r.Rank, r.Code, r.Text, 100*r.Share)
	}
	// Output:
	// 1. R01 Debt is high relative to income (68%)
	// 2. R02 Too many late payments (27%)
}

func ExampleCounterfactuals() {
	// Approve when 0.1·income − 0.2·debt ≥ 1.
	model := explain.Func(func(x []float64) float64 { return 0.1*x[0] - 0.2*x[1] + 0*x[2] })
	x := []float64{30, 12, 45} // income, debt, age → score 0.6
	res, err := explain.Counterfactuals(context.Background(), model, x, explain.Above(1), explain.CounterfactualOptions{
		K:            2,
		FeatureNames: []string{"income", "debt", "age"},
		Constraints: []explain.FeatureConstraint{
			{Range: &explain.Range{Min: 0, Max: 100}},
			{Range: &explain.Range{Min: 0, Max: 50}, Monotone: explain.MonotoneDecreasing},
			{Immutable: true},
		},
		Seed: 1,
	})
	if err != nil {
		panic(err)
	}
	for _, cf := range res.Counterfactuals {
		fmt.Printf("change %v: score %.2f, valid %v\n", cf.ChangedNames, cf.Output, cf.Valid)
	}
	fmt.Printf("validity %.0f%%\n", 100*res.Validity)
	// Output:
	// change [debt]: score 1.00, valid true
	// change [income]: score 1.00, valid true
	// validity 100%
}

func ExampleSummarizeBackground() {
	// 1,000 background rows around two clusters, summarised to 2 weighted rows.
	data := explain.NewMatrix(1000, 2)
	for i := 0; i < 1000; i++ {
		if i%4 == 0 {
			copy(data.Row(i), []float64{10, 1})
		} else {
			copy(data.Row(i), []float64{0, float64(i % 2)})
		}
	}
	bg, weights, err := explain.SummarizeBackground(context.Background(), data, nil, 2, 1)
	if err != nil {
		panic(err)
	}
	for i := 0; i < bg.Rows; i++ {
		fmt.Printf("%v weight %.2f\n", bg.Row(i), weights[i])
	}
	model := explain.Func(func(x []float64) float64 { return x[0] + x[1] })
	ex, _ := explain.NewExact(model, bg, explain.WithBackgroundWeights(weights))
	e, _ := ex.Explain(context.Background(), []float64{5, 1})
	fmt.Printf("base %.2f\n", e.BaseValue)
	// Output:
	// [0 1] weight 0.75
	// [10 1] weight 0.25
	// base 3.50
}
