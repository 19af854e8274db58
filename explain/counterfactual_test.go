package explain

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// creditModel is a logistic approval model over
// age, income (k€), debt (k€), gender (0/1), education (0..3), years_at_job.
var creditModel = Func(func(x []float64) float64 {
	z := -6 + 0.03*x[0] + 0.08*x[1] - 0.15*x[2] + 0*x[3] + 0.6*x[4] + 0.1*x[5]
	return 1 / (1 + math.Exp(-z))
})

var creditNames = []string{"age", "income", "debt", "gender", "education", "years_at_job"}

func creditData() Matrix {
	rng := rand.New(rand.NewPCG(9, 9))
	m := NewMatrix(200, 6)
	for i := 0; i < m.Rows; i++ {
		copy(m.Row(i), []float64{
			float64(20 + rng.IntN(50)), 20 + 80*rng.Float64(), 40 * rng.Float64(),
			float64(rng.IntN(2)), float64(rng.IntN(4)), float64(rng.IntN(30)),
		})
	}
	return m
}

func creditConstraints() []FeatureConstraint {
	return []FeatureConstraint{
		{Monotone: MonotoneIncreasing, Integer: true, Range: &Range{18, 70}}, // age only increases
		{Range: &Range{0, 120}},        // income
		{Monotone: MonotoneDecreasing}, // debt can only be paid down
		{Immutable: true},              // gender
		{Categories: []float64{0, 1, 2, 3}, Monotone: MonotoneIncreasing}, // education level
		{Integer: true, Monotone: MonotoneIncreasing},                     // years at job
	}
}

func TestCounterfactualsRespectConstraintsAndReachGoal(t *testing.T) {
	x := []float64{30, 35, 25, 1, 1, 2}
	ctx := context.Background()
	if p := creditModel(x); p >= 0.5 {
		t.Fatalf("test input is already approved: %v", p)
	}
	data := creditData()
	cons := creditConstraints()
	opts := CounterfactualOptions{K: 3, FeatureNames: creditNames, Constraints: cons, Data: data, Seed: 7}
	res, err := Counterfactuals(ctx, creditModel, x, Above(0.5), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Counterfactuals) != 3 || res.Validity != 1 {
		t.Fatalf("got %d counterfactuals, validity %v", len(res.Counterfactuals), res.Validity)
	}
	dataMin, dataMax := make([]float64, 6), make([]float64, 6)
	for j := range dataMin {
		dataMin[j], dataMax[j] = math.Inf(1), math.Inf(-1)
		for i := 0; i < data.Rows; i++ {
			dataMin[j] = math.Min(dataMin[j], data.Row(i)[j])
			dataMax[j] = math.Max(dataMax[j], data.Row(i)[j])
		}
	}
	for ci, cf := range res.Counterfactuals {
		// Validity, recomputed independently.
		if p := creditModel(cf.X); p < 0.5 || p != cf.Output || !cf.Valid {
			t.Errorf("cf %d: output %v (reported %v, valid %v)", ci, p, cf.Output, cf.Valid)
		}
		var changed []int
		for j, v := range cf.X {
			if v == x[j] {
				continue
			}
			changed = append(changed, j)
			c := cons[j]
			if c.Immutable {
				t.Errorf("cf %d: immutable %s changed to %v", ci, creditNames[j], v)
			}
			if c.Range != nil && (v < c.Range.Min || v > c.Range.Max) {
				t.Errorf("cf %d: %s = %v outside %v", ci, creditNames[j], v, *c.Range)
			}
			if c.Range == nil && c.Categories == nil && (v < dataMin[j] || v > dataMax[j]) {
				t.Errorf("cf %d: %s = %v outside the data range", ci, creditNames[j], v)
			}
			if c.Monotone == MonotoneIncreasing && v < x[j] || c.Monotone == MonotoneDecreasing && v > x[j] {
				t.Errorf("cf %d: %s moved against its direction: %v → %v", ci, creditNames[j], x[j], v)
			}
			if c.Integer && v != math.Trunc(v) {
				t.Errorf("cf %d: integer %s = %v", ci, creditNames[j], v)
			}
			if c.Categories != nil && !containsFloat(c.Categories, v) {
				t.Errorf("cf %d: %s = %v not a category", ci, creditNames[j], v)
			}
		}
		if !reflect.DeepEqual(changed, cf.Changed) || cf.Sparsity != len(changed) {
			t.Errorf("cf %d: changed %v, reported %v (sparsity %d)", ci, changed, cf.Changed, cf.Sparsity)
		}
		if cf.Distance <= 0 {
			t.Errorf("cf %d: distance %v", ci, cf.Distance)
		}
	}
	if res.Diversity <= 0 || res.Proximity <= 0 || res.Sparsity < 1 || res.ModelEvaluations == 0 {
		t.Errorf("metrics %+v", res)
	}
	// Deterministic for a seed.
	again, err := Counterfactuals(ctx, creditModel, x, Above(0.5), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, res) {
		t.Error("same seed gave a different result")
	}
}

func containsFloat(s []float64, v float64) bool {
	for _, c := range s {
		if c == v {
			return true
		}
	}
	return false
}

// A linear score with a known minimal change: only x1 matters, the
// smallest valid change sets it to the threshold.
func TestCounterfactualsFindMinimalChange(t *testing.T) {
	f := Func(func(x []float64) float64 { return 2*x[1] + 0*x[0] })
	x := []float64{3, 1}
	res, err := Counterfactuals(context.Background(), f, x, Above(5), CounterfactualOptions{
		K: 1, Constraints: []FeatureConstraint{{Range: &Range{0, 10}}, {Range: &Range{0, 10}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cf := res.Counterfactuals[0]
	if cf.X[0] != 3 || cf.X[1] < 2.5 || cf.X[1] > 2.5+0.01 {
		t.Errorf("counterfactual %v, want [3, ≈2.5]", cf.X)
	}
}

func TestCounterfactualsUnreachableNamesBindingConstraint(t *testing.T) {
	x := []float64{30, 35, 25, 1, 1, 2}
	cons := creditConstraints()
	cons[1] = FeatureConstraint{Immutable: true} // income frozen
	cons[2] = FeatureConstraint{Immutable: true} // debt frozen
	cons[5] = FeatureConstraint{Immutable: true}
	// Only age (≤ 70) and education can move: not enough for p ≥ 0.99.
	_, err := Counterfactuals(context.Background(), creditModel, x, Above(0.99), CounterfactualOptions{
		FeatureNames: creditNames, Constraints: cons, Data: creditData(), Population: 24, Generations: 15,
	})
	if err == nil {
		t.Fatal("unreachable goal accepted")
	}
	msg := err.Error()
	for _, want := range []string{"binding constraints", "income is immutable"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "gender") {
		t.Errorf("error %q names gender, which the model ignores", msg)
	}
}

func TestCounterfactualsBadInput(t *testing.T) {
	ctx := context.Background()
	x := []float64{30, 35, 25, 1, 1, 2}
	opts := CounterfactualOptions{Constraints: creditConstraints(), Data: creditData()}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Counterfactuals(cancelled, creditModel, x, Above(0.5), opts); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v", err)
	}
	if _, err := Counterfactuals(ctx, creditModel, x, Below(0.5), opts); err == nil || !strings.Contains(err.Error(), "already reaches") {
		t.Errorf("goal already met: %v", err)
	}
	nan := Func(func(x []float64) float64 {
		if x[1] > 50 {
			return math.NaN()
		}
		return 0
	})
	if _, err := Counterfactuals(ctx, nan, x, Above(0.5), opts); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN model: %v", err)
	}
	if _, err := Counterfactuals(ctx, creditModel, x[:3], Above(0.5), opts); err == nil {
		t.Error("short row accepted")
	}
	if _, err := Counterfactuals(ctx, creditModel, []float64{30, math.Inf(1), 25, 1, 1, 2}, Above(0.5), opts); err == nil {
		t.Error("infinite feature accepted")
	}
	if _, err := Counterfactuals(ctx, creditModel, x, Between(0.9, 0.1), opts); err == nil {
		t.Error("empty goal accepted")
	}
	if _, err := Counterfactuals(ctx, creditModel, x, Above(0.5), CounterfactualOptions{}); err == nil || !strings.Contains(err.Error(), "no Range") {
		t.Errorf("unbounded search: %v", err)
	}
}

// A one-hot category changes as a unit: one column set, the group named
// once, and an immutable member freezes the group.
func TestCounterfactualsOneHot(t *testing.T) {
	// columns: income, housing=rent, housing=own, housing=other
	f := Func(func(x []float64) float64 { return 0.02*x[0] + 1.0*x[2] - 0.5*x[3] })
	x := []float64{20, 1, 0, 0} // score 0.4
	opts := CounterfactualOptions{
		K:            3,
		FeatureNames: []string{"income", "rent", "own", "other"},
		Constraints:  []FeatureConstraint{{Range: &Range{Min: 0, Max: 100}}, {}, {}, {}},
		OneHot:       []Group{{Name: "housing", Features: []int{1, 2, 3}}},
		Seed:         3,
	}
	res, err := Counterfactuals(context.Background(), f, x, Above(1), opts)
	if err != nil {
		t.Fatal(err)
	}
	sawHousing := false
	for i, cf := range res.Counterfactuals {
		if f(cf.X) < 1 {
			t.Errorf("cf %d invalid: %v", i, cf.X)
		}
		ones := 0
		for _, v := range cf.X[1:] {
			if v != 0 && v != 1 {
				t.Errorf("cf %d: one-hot column value %v", i, v)
			}
			if v == 1 {
				ones++
			}
		}
		if ones != 1 {
			t.Errorf("cf %d: %d one-hot columns set: %v", i, ones, cf.X)
		}
		for _, n := range cf.ChangedNames {
			if n == "rent" || n == "own" || n == "other" {
				t.Errorf("cf %d names a one-hot column %q instead of the group", i, n)
			}
			sawHousing = sawHousing || n == "housing"
		}
		if cf.Sparsity != len(cf.ChangedNames) {
			t.Errorf("cf %d: sparsity %d for %v", i, cf.Sparsity, cf.ChangedNames)
		}
	}
	if !sawHousing {
		t.Errorf("no counterfactual changes housing: %+v", res.Counterfactuals)
	}
	opts.Constraints[2].Immutable = true
	opts.Constraints[0] = FeatureConstraint{Immutable: true}
	_, err = Counterfactuals(context.Background(), f, x, Above(1), opts)
	if err == nil || !strings.Contains(err.Error(), "housing is immutable") {
		t.Errorf("frozen group: %v", err)
	}
	opts.OneHot = []Group{{Name: "bad", Features: []int{1, 2}}}
	if _, err := Counterfactuals(context.Background(), f, []float64{20, 1, 1, 0}, Above(1), opts); err == nil {
		t.Error("input with two hot columns accepted")
	}
}

func TestCounterfactualsAllImmutable(t *testing.T) {
	f := Func(func(x []float64) float64 { return x[0] + x[1] })
	_, err := Counterfactuals(context.Background(), f, []float64{1, 2}, Above(10), CounterfactualOptions{
		FeatureNames: []string{"a", "b"},
		Constraints:  []FeatureConstraint{{Immutable: true}, {Immutable: true}},
	})
	if err == nil || !strings.Contains(err.Error(), "no feature can change") || !strings.Contains(err.Error(), "a is immutable; b is immutable") {
		t.Errorf("error %v", err)
	}
}

// TestCounterfactualExtremeInputs: inputs FuzzCounterfactuals found
// mishandled. An integer feature whose range is wider than an int panicked
// in the sampler (rand.IntN of a negative count); a category of ±Inf (or
// NaN) was accepted and returned as a counterfactual value; NaN search
// weights were accepted; ranges and MAD scales whose distances overflow
// float64 gave +Inf distances and NaN scores. Each is now a result within
// the constraints or an error that names the setting.
func TestCounterfactualExtremeInputs(t *testing.T) {
	ctx := context.Background()
	sum := Func(func(x []float64) float64 { return x[0] + x[1] })
	x := []float64{0, 0}
	res, err := Counterfactuals(ctx, sum, x, Above(1e299), CounterfactualOptions{K: 2, Constraints: []FeatureConstraint{
		{Immutable: true}, {Integer: true, Range: &Range{0, 1e300}},
	}})
	if err != nil || len(res.Counterfactuals) == 0 {
		t.Fatalf("integer feature over [0, 1e300]: %+v, %v", res, err)
	}
	for _, cf := range res.Counterfactuals {
		if v := cf.X[1]; v != math.Trunc(v) || v < 0 || v > 1e300 || sum(cf.X) < 1e299 {
			t.Errorf("integer feature over [0, 1e300]: %v", cf.X)
		}
	}
	for _, tc := range []struct {
		name string
		opts CounterfactualOptions
		want string
	}{
		{"-Inf category", CounterfactualOptions{Constraints: []FeatureConstraint{{Immutable: true}, {Categories: []float64{math.Inf(-1), 1}}}}, "x1 has category -Inf"},
		{"NaN category", CounterfactualOptions{Constraints: []FeatureConstraint{{Immutable: true}, {Categories: []float64{2, math.NaN()}}}}, "x1 has category NaN"},
		{"NaN weight", CounterfactualOptions{ProximityWeight: math.NaN(), Data: Matrix{Rows: 2, Cols: 2, Data: []float64{0, 0, 5, 5}}}, "ProximityWeight NaN"},
		{"infinite weight", CounterfactualOptions{DiversityWeight: math.Inf(1), Data: Matrix{Rows: 2, Cols: 2, Data: []float64{0, 0, 5, 5}}}, "DiversityWeight +Inf"},
		{"range wider than float64", CounterfactualOptions{Constraints: []FeatureConstraint{{Immutable: true}, {Range: &Range{-1e308, 1e308}}}}, "feature x1: a change within [-1e+308, 1e+308]"},
		{"subnormal MAD", CounterfactualOptions{Data: Matrix{Rows: 5, Cols: 2, Data: []float64{0, 0, 0, 0, 5e-324, 0, 5e-324, 0, -9, 9}}}, "feature x0: a change within [-9, 5e-324]"},
		{"huge weight", CounterfactualOptions{ProximityWeight: 1e300, Constraints: []FeatureConstraint{{Immutable: true}, {Range: &Range{-1e10, 1e10}}}}, "weighted by 1e+300 overflow"},
	} {
		_, err := Counterfactuals(ctx, sum, x, Above(1), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}
