package explain_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/aimskit/aimskit/explain"
)

func ExampleNewLIME() {
	// A credit model with an interaction, and the training data whose
	// feature means and spreads LIME perturbs with.
	model := explain.Func(func(x []float64) float64 { return 0.02*x[0] - 0.5*x[1] + 0.01*x[0]*x[1] })
	rng := rand.New(rand.NewPCG(1, 2))
	train := explain.NewMatrix(500, 2)
	for i := 0; i < train.Rows; i++ {
		train.Row(i)[0] = 50 + 15*rng.NormFloat64() // income, k€
		train.Row(i)[1] = 2 + rng.NormFloat64()     // open loans
	}
	l, err := explain.NewLIME(model, train, explain.WithFeatureNames("income", "loans"), explain.WithSeed(42))
	if err != nil {
		panic(err)
	}
	r, err := l.ExplainLIME(context.Background(), []float64{70, 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: prediction %.2f, surrogate %.2f, R² %.2f\n", r.Method, r.Prediction, r.LocalPrediction, r.Score)
	for i, name := range r.FeatureNames {
		fmt.Printf("%-6s per sd %+.2f, contribution %+.2f\n", name, r.Coefficients[i], r.Values[i])
	}
	// Output:
	// lime: prediction 1.60, surrogate 1.63, R² 0.97
	// income per sd +0.51, contribution +0.65
	// loans  per sd +0.13, contribution -0.13
}
