package explain

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// explainers returns the exact explainer, Kernel SHAP at full budget and a
// permutation explainer for model over bg, with the same options.
func explainers(t *testing.T, model Model, bg Matrix, opts ...Option) map[string]Explainer {
	t.Helper()
	ex, err := NewExact(model, bg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	m := bg.Cols
	ke, err := NewKernel(model, bg, append(opts, WithSamples(1<<m))...)
	if err != nil {
		t.Fatal(err)
	}
	pe, err := NewPermutation(model, bg, append(opts, WithPermutations(64, 64))...)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Explainer{"exact": ex, "kernel": ke, "permutation": pe}
}

func randomMatrix(rng *rand.Rand, rows, cols int) Matrix {
	m := NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

var nonlinear = Func(func(x []float64) float64 {
	return x[0]*x[1] + math.Sin(x[2]) + math.Max(0, x[3]-x[0]) + x[1]*x[2]*x[4]
})

func TestEfficiency(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	bg := randomMatrix(rng, 15, 5)
	ctx := context.Background()
	for name, e := range explainers(t, nonlinear, bg) {
		for r := 0; r < 3; r++ {
			x := randomMatrix(rng, 1, 5).Data
			ex, err := e.Explain(ctx, x)
			if err != nil {
				t.Fatal(err)
			}
			fx := nonlinear(x)
			if math.Abs(ex.Prediction-fx) > 1e-12 || math.Abs(residual(ex.BaseValue, ex.Values, fx)) > 1e-9 {
				t.Errorf("%s: base %v + Σφ %v ≠ f(x) %v", name, ex.BaseValue, ex.Values, fx)
			}
		}
	}
}

func TestSymmetry(t *testing.T) {
	f := Func(func(x []float64) float64 { return x[0]*x[1] + math.Tanh(x[0]+x[1]) + x[2]*x[0]*x[1] + x[3] })
	rng := rand.New(rand.NewPCG(2, 2))
	half := randomMatrix(rng, 8, 4)
	bg := NewMatrix(16, 4) // every row also appears with columns 0 and 1 swapped
	for i := 0; i < 8; i++ {
		r := half.Row(i)
		copy(bg.Row(2*i), r)
		copy(bg.Row(2*i+1), []float64{r[1], r[0], r[2], r[3]})
	}
	x := []float64{0.7, 0.7, -1.2, 0.3}
	for name, e := range explainers(t, f, bg) {
		ex, err := e.Explain(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		bound := 1e-9 + 5*(ex.StdErr[0]+ex.StdErr[1])
		if math.Abs(ex.Values[0]-ex.Values[1]) > bound {
			t.Errorf("%s: symmetric players got %v and %v", name, ex.Values[0], ex.Values[1])
		}
	}
}

func TestDummy(t *testing.T) {
	f := Func(func(x []float64) float64 { return x[0]*x[1] + math.Sin(x[3]) }) // ignores x2
	rng := rand.New(rand.NewPCG(3, 3))
	bg := randomMatrix(rng, 12, 4)
	x := []float64{1, -2, 5, 0.5}
	for name, e := range explainers(t, f, bg) {
		ex, err := e.Explain(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ex.Values[2]) > 1e-12 {
			t.Errorf("%s: dummy feature got %v", name, ex.Values[2])
		}
	}
}

func TestLinearity(t *testing.T) {
	f := Func(func(x []float64) float64 { return x[0]*x[1] + math.Sin(x[2]) })
	g := Func(func(x []float64) float64 { return math.Max(x[0], x[2]) * x[3] })
	h := Func(func(x []float64) float64 { return 2*f(x) - 3*g(x) })
	rng := rand.New(rand.NewPCG(4, 4))
	bg := randomMatrix(rng, 10, 4)
	x := []float64{0.3, -1, 2, 1.5}
	ctx := context.Background()
	for _, name := range []string{"exact", "kernel"} {
		ef, eg, eh := explainers(t, f, bg)[name], explainers(t, g, bg)[name], explainers(t, h, bg)[name]
		a, err1 := ef.Explain(ctx, x)
		b, err2 := eg.Explain(ctx, x)
		c, err3 := eh.Explain(ctx, x)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		for i := range c.Values {
			if want := 2*a.Values[i] - 3*b.Values[i]; math.Abs(c.Values[i]-want) > 1e-9 {
				t.Errorf("%s feature %d: φ(2f−3g) = %v, want %v", name, i, c.Values[i], want)
			}
		}
	}
}

// A one-hot block is one player: its value equals the Shapley value of the
// same game written with the category as one integer-coded feature.
func TestGroupedOneHot(t *testing.T) {
	effect := []float64{0, 1.5, -2}
	oneHot := Func(func(x []float64) float64 { // x0, one-hot x1..x3, x4
		cat := 0.0
		for k := 0; k < 3; k++ {
			cat += effect[k] * x[1+k]
		}
		return x[0]*cat + x[4]*x[0]
	})
	coded := Func(func(x []float64) float64 { // x0, category index x1, x2
		return x[0]*effect[int(x[1])] + x[2]*x[0]
	})
	rng := rand.New(rand.NewPCG(5, 5))
	n := 12
	bgHot, bgCode := NewMatrix(n, 5), NewMatrix(n, 3)
	for i := 0; i < n; i++ {
		a, b, c := rng.NormFloat64(), rng.IntN(3), rng.NormFloat64()
		copy(bgCode.Row(i), []float64{a, float64(b), c})
		hot := []float64{a, 0, 0, 0, c}
		hot[1+b] = 1
		copy(bgHot.Row(i), hot)
	}
	x := []float64{1.2, 0, 0, 1, -0.4}
	ctx := context.Background()
	want, err := mustExact(t, coded, bgCode).Explain(ctx, []float64{1.2, 2, -0.4})
	if err != nil {
		t.Fatal(err)
	}
	opts := []Option{WithFeatureNames("a", "cat_0", "cat_1", "cat_2", "c"), WithGroups(Group{Name: "cat", Features: []int{1, 2, 3}})}
	for name, e := range explainers3(t, oneHot, bgHot, opts...) {
		got, err := e.Explain(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Values) != 3 || got.FeatureNames[1] != "cat" || got.FeatureNames[2] != "c" {
			t.Fatalf("%s: players %v", name, got.FeatureNames)
		}
		for i := range want.Values {
			if math.Abs(got.Values[i]-want.Values[i]) > 1e-9+5*got.StdErr[i] {
				t.Errorf("%s player %d: %v, want %v", name, i, got.Values[i], want.Values[i])
			}
		}
	}
	le, err := NewLinear([]float64{1, 2, 3, 4, 5}, 0, bgHot, opts...)
	if err != nil {
		t.Fatal(err)
	}
	lx, _ := le.Explain(ctx, x)
	means := make([]float64, 5)
	for i := 0; i < n; i++ {
		for j, v := range bgHot.Row(i) {
			means[j] += v / float64(n)
		}
	}
	wantCat := 2*(x[1]-means[1]) + 3*(x[2]-means[2]) + 4*(x[3]-means[3])
	if math.Abs(lx.Values[1]-wantCat) > 1e-12 {
		t.Errorf("linear group value %v, want %v", lx.Values[1], wantCat)
	}
}

func mustExact(t *testing.T, m Model, bg Matrix, opts ...Option) *ExactExplainer {
	t.Helper()
	e, err := NewExact(m, bg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// explainers3 is explainers for a game of three players.
func explainers3(t *testing.T, model Model, bg Matrix, opts ...Option) map[string]Explainer {
	t.Helper()
	ke, err := NewKernel(model, bg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	pe, err := NewPermutation(model, bg, append(opts, WithPermutations(256, 256))...)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Explainer{"exact": mustExact(t, model, bg, opts...), "kernel": ke, "permutation": pe}
}
