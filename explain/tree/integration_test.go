package tree

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// logisticCase loads the binary:logistic vector case (model b) with its
// rows and interventional background.
func logisticCase(t *testing.T) (*Ensemble, explain.Matrix, explain.Matrix) {
	t.Helper()
	var c xgbCase
	if err := json.Unmarshal(readVectorFile(t, "bin_logistic_t50_d4_f10_s102.case.json"), &c); err != nil {
		t.Fatal(err)
	}
	e, err := LoadXGBoostFile(filepath.Join(vectorDir, c.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	M := e.NumFeatures()
	return e, matrixOf(t, c.Rows, M), matrixOf(t, c.Interventional.Background, M)
}

// finiteRows returns the rows of m without NaN or ±Inf (package explain's
// model-agnostic explainers reject missing values; tree models accept them).
func finiteRows(m explain.Matrix, limit int) explain.Matrix {
	var data []float64
	for i := 0; i < m.Rows && len(data) < limit*m.Cols; i++ {
		ok := true
		for _, v := range m.Row(i) {
			ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
		}
		if ok {
			data = append(data, m.Row(i)...)
		}
	}
	return explain.Matrix{Rows: len(data) / m.Cols, Cols: m.Cols, Data: data}
}

// The explain package's exact explainer, run on the tree model through the
// explain.Model interface, must agree with interventional TreeSHAP: the
// same game solved by enumeration and by the tree algorithm.
func TestExactExplainerAgreesWithInterventional(t *testing.T) {
	ctx := context.Background()
	e, x, bg := logisticCase(t)
	x, bg = finiteRows(x, 2), finiteRows(bg, 12)
	if x.Rows < 2 || bg.Rows < 5 {
		t.Fatalf("%d NaN-free rows, %d background rows", x.Rows, bg.Rows)
	}
	for _, space := range []struct {
		name string
		opts []Option
	}{{"margin", nil}, {"probability", []Option{WithOutputSpace()}}} {
		t.Run(space.name, func(t *testing.T) {
			view, err := e.Model(space.opts...)
			if err != nil {
				t.Fatal(err)
			}
			exact, err := explain.NewExact(view, bg)
			if err != nil {
				t.Fatal(err)
			}
			iv, err := NewInterventional(e, bg, space.opts...)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < x.Rows; i++ {
				want, err := exact.Explain(ctx, x.Row(i))
				if err != nil {
					t.Fatal(err)
				}
				got, err := iv.Explain(ctx, x.Row(i))
				if err != nil {
					t.Fatal(err)
				}
				// The exact explainer sums float32 margins; interventional
				// TreeSHAP sums leaf values in float64.
				assertClose(t, "interventional vs exact", got.Values, want.Values, 1e-6)
				assertClose(t, "base value", []float64{got.BaseValue}, []float64{want.BaseValue}, 1e-6)
			}
		})
	}
}

// Reason codes and counterfactual search of package explain work on tree
// models through the Explainer and Model interfaces.
func TestReasonCodesAndCounterfactuals(t *testing.T) {
	ctx := context.Background()
	e, x, bg := logisticCase(t)
	pd, err := NewPathDependent(e)
	if err != nil {
		t.Fatal(err)
	}
	view, err := e.Model(WithOutputSpace())
	if err != nil {
		t.Fatal(err)
	}
	// Pick the row without NaNs that has the lowest probability.
	probs := make([]float64, x.Rows)
	if err := view.Predict(ctx, x, probs); err != nil {
		t.Fatal(err)
	}
	row := -1
	for i := 0; i < x.Rows; i++ {
		hasNaN := false
		for _, v := range x.Row(i) {
			hasNaN = hasNaN || math.IsNaN(v)
		}
		if !hasNaN && math.Abs(x.Row(i)[0]) < 1e5 && (row < 0 || probs[i] < probs[row]) {
			row = i
		}
	}
	if row < 0 || probs[row] >= 0.5 {
		t.Fatalf("no NaN-free row with probability < 0.5 (row %d)", row)
	}
	ex, err := pd.Explain(ctx, x.Row(row))
	if err != nil {
		t.Fatal(err)
	}
	if ex.Link != explain.LinkLogit || math.Abs(ex.Output-probs[row]) > 1e-12 {
		t.Errorf("explanation link %s output %v, want logit and %v", ex.Link, ex.Output, probs[row])
	}
	// A low probability of the positive class is adverse here.
	reasons, err := explain.ReasonCodes(ex, explain.ReasonOptions{TopK: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(reasons) == 0 {
		t.Fatal("no reason codes")
	}
	most, idx := 0.0, -1
	for j, v := range ex.Values {
		if v < most {
			most, idx = v, j
		}
	}
	if reasons[0].Feature != ex.FeatureNames[idx] {
		t.Errorf("first reason %q, want the most negative feature %q", reasons[0].Feature, ex.FeatureNames[idx])
	}

	// Counterfactuals that lift the probability above 0.5, scored by the
	// tree model itself.
	data := finiteRows(bg, bg.Rows)
	res, err := explain.Counterfactuals(ctx, view, x.Row(row), explain.Above(0.5), explain.CounterfactualOptions{K: 2, Data: data, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Counterfactuals) == 0 {
		t.Fatal("no counterfactuals")
	}
	for _, cf := range res.Counterfactuals {
		p := []float64{0}
		if err := e.PredictOutput(cf.X, p); err != nil {
			t.Fatal(err)
		}
		if !cf.Valid || p[0] < 0.5 || math.Abs(p[0]-cf.Output) > 1e-12 {
			t.Errorf("counterfactual %v: valid %v, output %v, model says %v", cf.X, cf.Valid, cf.Output, p[0])
		}
	}
}

func TestModelViews(t *testing.T) {
	ctx := context.Background()
	e, x, _ := logisticCase(t)
	margins := make([]float64, x.Rows)
	if err := e.Predict(ctx, x, margins); err != nil {
		t.Fatal(err)
	}
	view, err := e.Model(WithOutputSpace(), WithWorkers(3))
	if err != nil {
		t.Fatal(err)
	}
	probs := make([]float64, x.Rows)
	if err := view.Predict(ctx, x, probs); err != nil {
		t.Fatal(err)
	}
	for i := range probs {
		if want := 1 / (1 + math.Exp(-margins[i])); math.Abs(probs[i]-want) > 1e-15 {
			t.Errorf("row %d: probability %v, sigmoid(margin) %v", i, probs[i], want)
		}
	}
	if _, err := e.Model(WithClass(1)); err == nil {
		t.Error("class 1 of a binary model accepted")
	}
	if err := e.Predict(ctx, x, margins[:3]); err == nil {
		t.Error("short output accepted")
	}
}
