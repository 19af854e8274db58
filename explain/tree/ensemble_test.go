package tree

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// stump returns a one-split ensemble on feature 0 at threshold thr with
// leaves -1 (left) and +1 (right).
func stump(t *testing.T, thr float64, rule SplitRule, defaultLeft bool) *Ensemble {
	t.Helper()
	e, err := New(Spec{
		Trees: []Tree{{
			Left: []int{1, -1, -1}, Right: []int{2, -1, -1}, Feature: []int{0, 0, 0},
			Threshold: []float64{thr, 0, 0}, DefaultLeft: []bool{defaultLeft, false, false},
			Value: []float64{0, -1, 1}, Cover: []float64{2, 1, 1},
		}},
		NumFeatures: 1,
		Rule:        rule,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func margin(t *testing.T, e *Ensemble, v float64) float64 {
	t.Helper()
	out := []float64{0}
	if err := e.PredictMargin([]float64{v}, out); err != nil {
		t.Fatal(err)
	}
	// The batch path must agree with the single-row path.
	batch := make([]float64, 5)
	x := explain.Matrix{Rows: 5, Cols: 1, Data: []float64{v, v, v, v, v}}
	if err := e.PredictMargins(context.Background(), x, batch); err != nil {
		t.Fatal(err)
	}
	for _, b := range batch {
		if b != out[0] {
			t.Fatalf("batch margin %v, single-row %v", b, out[0])
		}
	}
	return out[0]
}

func TestSplitRules(t *testing.T) {
	negZero := math.Copysign(0, -1)
	belowF32 := math.Nextafter(0.3, 0) // rounds to float32(0.3)? checked below
	thr32 := float64(float32(0.3))
	cases := []struct {
		name        string
		thr         float64
		rule        SplitRule
		defaultLeft bool
		x           float64
		want        float64
	}{
		{"xgb equal goes right", thr32, LessFloat32, false, thr32, 1},
		{"xgb next float32 below goes left", thr32, LessFloat32, false, float64(math.Nextafter32(float32(thr32), -1)), -1},
		{"xgb float64 just below rounds to threshold", thr32, LessFloat32, false, math.Nextafter(thr32, -1), 1},
		{"xgb NaN default left", thr32, LessFloat32, true, math.NaN(), -1},
		{"xgb NaN default right", thr32, LessFloat32, false, math.NaN(), 1},
		{"xgb +Inf goes right", thr32, LessFloat32, true, math.Inf(1), 1},
		{"xgb -Inf goes left", thr32, LessFloat32, false, math.Inf(-1), -1},
		{"xgb -0 at threshold 0 goes right", 0, LessFloat32, false, negZero, 1},
		{"xgb huge value rounds to +Inf", 1e30, LessFloat32, false, 1e300, 1},
		{"sklearn equal goes left", 0.3, LessEqual, false, 0.3, -1},
		{"sklearn above goes right", 0.3, LessEqual, false, math.Nextafter(0.3, 1), 1},
		{"sklearn float64 below goes left", 0.3, LessEqual, false, belowF32, -1},
		{"sklearn -0 at threshold 0 goes left", 0, LessEqual, false, negZero, -1},
		{"sklearn NaN goes right", 0.3, LessEqual, false, math.NaN(), 1},
		{"less equal goes right", 0.3, Less, false, 0.3, 1},
		{"less -0 at 0 goes right", 0, Less, false, negZero, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := stump(t, c.thr, c.rule, c.defaultLeft)
			if got := margin(t, e, c.x); got != c.want {
				t.Errorf("x=%v thr=%v: margin %v, want %v", c.x, c.thr, got, c.want)
			}
		})
	}
}

func TestTransforms(t *testing.T) {
	m := []float64{0, math.Log(3)}
	Softmax.apply(m)
	if math.Abs(m[0]-0.25) > 1e-15 || math.Abs(m[1]-0.75) > 1e-15 {
		t.Errorf("softmax = %v", m)
	}
	big := []float64{1000, 1000}
	Softmax.apply(big)
	if big[0] != 0.5 || big[1] != 0.5 {
		t.Errorf("softmax of large margins = %v (overflow?)", big)
	}
	if s := sigmoid(-1000); s != 0 || math.IsNaN(s) {
		t.Errorf("sigmoid(-1000) = %v", s)
	}
	if s := sigmoid(0); s != 0.5 {
		t.Errorf("sigmoid(0) = %v", s)
	}
}

// An exp output beyond float64's range is an error, not +Inf: a count or
// gamma model with a margin above 709.78 (found reading PredictOutputs
// while writing the loaders' fuzz property; FuzzTreeModelEdits has the
// case as a seed).
func TestExpOutputOverflow(t *testing.T) {
	e, err := New(Spec{
		Trees: []Tree{{
			Left: []int{1, -1, -1}, Right: []int{2, -1, -1}, Feature: []int{0, 0, 0},
			Threshold: []float64{0.5, 0, 0}, Value: []float64{0, 1, 1000}, Cover: []float64{2, 1, 1},
		}},
		NumFeatures: 1, Rule: Less, Transform: Exp,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x := explain.Matrix{Rows: 2, Cols: 1, Data: []float64{0, 1}}
	out := make([]float64, 2)
	if err := e.PredictMargins(ctx, x, out); err != nil || out[1] != 1000 {
		t.Fatalf("margins %v, %v", out, err)
	}
	const want = "row 1 group 0 overflows float64"
	if err := e.PredictOutputs(ctx, x, out); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("PredictOutputs: %v, want an error mentioning %q", err, want)
	}
	if err := e.PredictOutput([]float64{1}, out[:1]); err == nil || !strings.Contains(err.Error(), "overflows float64") {
		t.Errorf("PredictOutput: %v", err)
	}
	v, err := e.Model(WithOutputSpace())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Predict(ctx, x, out); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ModelView.Predict: %v", err)
	}
	if err := e.PredictOutputs(ctx, explain.Matrix{Rows: 1, Cols: 1, Data: []float64{0}}, out[:1]); err != nil || out[0] != math.E {
		t.Errorf("exp(1) = %v, %v", out[0], err)
	}
}

// The output-space interventional explainer of an exp model reports an
// output beyond float64's range as an error, not as ±Inf or NaN values.
func TestInterventionalOutputSpaceOverflow(t *testing.T) {
	e, err := New(Spec{
		Trees: []Tree{{
			Left: []int{1, -1, -1}, Right: []int{2, -1, -1}, Feature: []int{0, 0, 0},
			Threshold: []float64{0.5, 0, 0}, Value: []float64{0, 1, 1000}, Cover: []float64{2, 1, 1},
		}},
		NumFeatures: 1, Rule: Less, Transform: Exp,
	})
	if err != nil {
		t.Fatal(err)
	}
	iv, err := NewInterventional(e, explain.Matrix{Rows: 1, Cols: 1, Data: []float64{0}}, WithOutputSpace())
	if err != nil {
		t.Fatal(err)
	}
	if ex, err := iv.Explain(context.Background(), []float64{1}); err == nil || !strings.Contains(err.Error(), "overflows float64") {
		t.Errorf("explanation %+v, %v; want an overflow error", ex, err)
	}
	if ex, err := iv.Explain(context.Background(), []float64{0.25}); err != nil || ex.Prediction != math.E {
		t.Errorf("a row at margin 1: %+v, %v", ex, err)
	}
}
