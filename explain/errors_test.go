package explain

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBadInputErrors(t *testing.T) {
	ctx := context.Background()
	bg := NewMatrix(4, 3)
	for i := range bg.Data {
		bg.Data[i] = float64(i % 5)
	}
	f := Func(func(x []float64) float64 { return x[0] + x[1]*x[2] })
	ctors := map[string]func(Model, Matrix, ...Option) (Explainer, error){
		"exact":       func(m Model, b Matrix, o ...Option) (Explainer, error) { return NewExact(m, b, o...) },
		"kernel":      func(m Model, b Matrix, o ...Option) (Explainer, error) { return NewKernel(m, b, o...) },
		"permutation": func(m Model, b Matrix, o ...Option) (Explainer, error) { return NewPermutation(m, b, o...) },
		"linear": func(_ Model, b Matrix, o ...Option) (Explainer, error) {
			return NewLinear([]float64{1, 2, 3}, 0, b, o...)
		},
	}
	expect := func(t *testing.T, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to mention %q", err, want)
		}
	}
	for name, ctor := range ctors {
		t.Run(name, func(t *testing.T) {
			e, err := ctor(f, bg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Explain(ctx, []float64{1, 2})
			expect(t, err, "row has 2 features, the background has 3")
			_, err = e.Explain(ctx, []float64{1, math.NaN(), 2})
			expect(t, err, "feature 1 of the row is NaN")
			_, err = e.Explain(ctx, []float64{1, 2, math.Inf(-1)})
			expect(t, err, "feature 2 of the row is -Inf")
			rows := NewMatrix(4, 3)
			rows.Data[2*3+1] = math.NaN()
			_, err = e.ExplainBatch(ctx, rows)
			expect(t, err, "row 2: explain: feature 1 of the row is NaN")
			_, err = e.ExplainBatch(ctx, NewMatrix(2, 4))
			expect(t, err, "rows have 4 features, the explainer expects 3")
			_, err = e.ExplainBatch(ctx, Matrix{Rows: 2, Cols: 3, Data: make([]float64, 5)})
			expect(t, err, "needs 6 values, has 5")
			_, err = ctor(f, NewMatrix(0, 3))
			expect(t, err, "background set is empty")
			nanBG := NewMatrix(2, 3)
			nanBG.Data[4] = math.NaN()
			_, err = ctor(f, nanBG)
			expect(t, err, "background row 1 feature 1 is NaN")
			_, err = ctor(f, bg, WithBackgroundWeights([]float64{1, 2}))
			expect(t, err, "2 background weights for 4 background rows")
			_, err = ctor(f, bg, WithBackgroundWeights([]float64{1, -1, 1, 1}))
			expect(t, err, "weight 1 is -1")
			_, err = ctor(f, bg, WithGroups(Group{Name: "g", Features: []int{0, 5}}))
			expect(t, err, "names feature 5")
			_, err = ctor(f, bg, WithFeatureNames("a"))
			expect(t, err, "1 feature names for 3 features")
			if name == "linear" {
				return
			}
			failing := Func(func(x []float64) float64 { return math.NaN() })
			e, err = ctor(failing, bg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Explain(ctx, []float64{1, 2, 3})
			expect(t, err, "model returned NaN")
			boom := errors.New("boom")
			e, _ = ctor(errModel{boom}, bg)
			_, err = e.Explain(ctx, []float64{1, 2, 3})
			if !errors.Is(err, boom) {
				t.Errorf("model error not wrapped: %v", err)
			}
			e, _ = ctor(f, bg, WithLink(LinkLogit))
			_, err = e.Explain(ctx, []float64{1, 2, 3})
			expect(t, err, "logit link needs a model output in (0,1)")
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			e, _ = ctor(f, bg)
			if _, err = e.Explain(cancelled, []float64{1, 2, 3}); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled: %v", err)
			}
			if _, err := ctor(nil, bg); err == nil {
				t.Error("nil model accepted")
			}
		})
	}
	if _, err := NewExact(f, NewMatrix(2, 30)); err == nil || !strings.Contains(err.Error(), "limit is 24") {
		t.Errorf("30 players accepted by exact: %v", err)
	}
	if _, err := NewLinear([]float64{1}, 0, bg); err == nil {
		t.Error("linear weight count mismatch accepted")
	}
}

type errModel struct{ err error }

func (m errModel) Predict(context.Context, Matrix, []float64) error { return m.err }

func TestTopFeaturesMismatchedLengths(t *testing.T) {
	for _, e := range []Explanation{
		{FeatureNames: []string{"a"}, Values: []float64{1, 2}},
		{FeatureNames: []string{"a", "b", "c"}, Values: []float64{1, 2}},
	} {
		if names, err := TopFeatures(e, 2); err == nil || !strings.Contains(err.Error(), "feature names for") {
			t.Errorf("TopFeatures(%d names, %d values) = %q, %v; want an error", len(e.FeatureNames), len(e.Values), names, err)
		}
	}
}

func TestTopFeaturesNegativeK(t *testing.T) {
	e := Explanation{FeatureNames: []string{"a", "b"}, Values: []float64{1, -2}}
	if _, err := TopFeatures(e, -1); err == nil {
		t.Error("TopFeatures(k=-1): no error")
	}
	names, err := TopFeatures(e, 5)
	if err != nil || len(names) != 2 || names[0] != "b" || names[1] != "a" {
		t.Errorf("TopFeatures(k=5) = %q, %v", names, err)
	}
}

// TestOverflowingValuesAreErrors: finite model outputs whose differences
// overflow float64 give an error naming the player, not ±Inf values (found
// by FuzzExact); background weights whose sum overflows are normalised
// without turning every weight into 0, which silently made the base value
// 0 (found by the explainer fuzz seeds).
func TestOverflowingValuesAreErrors(t *testing.T) {
	ctx := context.Background()
	bg := Matrix{Rows: 1, Cols: 2, Data: []float64{1, 0}}
	huge := Func(func(x []float64) float64 {
		if x[1] > 0 {
			return 1.5e308
		}
		return -1.5e308
	})
	ctors := map[string]func(Model, Matrix, ...Option) (Explainer, error){
		"exact":       func(m Model, b Matrix, o ...Option) (Explainer, error) { return NewExact(m, b, o...) },
		"kernel":      func(m Model, b Matrix, o ...Option) (Explainer, error) { return NewKernel(m, b, o...) },
		"permutation": func(m Model, b Matrix, o ...Option) (Explainer, error) { return NewPermutation(m, b, o...) },
		"auto":        New,
	}
	linear := Func(func(x []float64) float64 { return x[0] + x[1] })
	wbg := Matrix{Rows: 2, Cols: 2, Data: []float64{0.5, 0.5, 1, 1}}
	for name, ctor := range ctors {
		e, err := ctor(huge, bg, WithFeatureNames("income", "debt"))
		if err != nil {
			t.Fatal(err)
		}
		ex, err := e.Explain(ctx, []float64{1, 1})
		if err == nil || !strings.Contains(err.Error(), "value of debt is +Inf") {
			t.Errorf("%s: %+v, %v; want an error about debt's value", name, ex, err)
		}
		e, err = ctor(linear, wbg, WithBackgroundWeights([]float64{1e308, 1e308}))
		if err != nil {
			t.Fatal(err)
		}
		if ex, err := e.Explain(ctx, []float64{3, 3}); err != nil || ex.BaseValue != 1.5 {
			t.Errorf("%s: weights 1e308, 1e308: base value %v, %v; want 1.5", name, ex.BaseValue, err)
		}
	}
}

// errAfter is a context whose Err reports context.Canceled from its
// (n+1)th call on: a cancellation that lands at a known point of the work,
// with no clock and no hook in the code under test.
type errAfter struct {
	context.Context
	left atomic.Int64
}

func (c *errAfter) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestKernelBootstrapStopsWhenCancelled: Kernel SHAP's bootstrap (up to
// MaxBootstrap refits, each a full least-squares fit, which can take far
// longer than the model evaluations) once took no context and ran every
// refit of a cancelled explanation. It must stop at the refit where the
// context ends, and run them all when it does not.
func TestKernelBootstrapStopsWhenCancelled(t *testing.T) {
	const m = 12
	plan := newKernelPlan(m, 200, rand.New(rand.NewPCG(1, 2))) // 200 of 4094 coalitions: sampled
	if plan.complete() {
		t.Fatal("the plan enumerates every coalition; the bootstrap would not run")
	}
	y := make([]float64, len(plan.weights))
	for i := range y {
		y[i] = float64(i%7) + 0.5
	}
	for _, calls := range []int64{0, 1, 25} {
		ctx := &errAfter{Context: context.Background()}
		ctx.left.Store(calls)
		if _, err := kernelBootstrap(ctx, plan, y, 0, 3, MaxBootstrap, 1); !errors.Is(err, context.Canceled) {
			t.Errorf("bootstrap whose context ends after %d looks: %v, want context.Canceled", calls, err)
		}
		if n := ctx.left.Load(); n != -1 {
			t.Errorf("context ending after %d looks: the bootstrap looked %d times more after it ended", calls, -1-n)
		}
	}
	se, err := kernelBootstrap(context.Background(), plan, y, 0, 3, 20, 1)
	if err != nil || len(se) != m {
		t.Fatalf("uncancelled bootstrap: %d standard errors, %v", len(se), err)
	}
	// Through Explain: a context that ends during the fit is returned.
	bg := NewMatrix(1, m)
	x := make([]float64, m)
	for j := range x {
		x[j] = float64(j + 1)
	}
	k, err := NewKernel(Func(func(x []float64) float64 { return x[0] + 2*x[1] }), bg, WithSamples(200), WithBootstrap(MaxBootstrap), WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := k.Explain(ctx, x); !errors.Is(err, context.Canceled) {
		t.Errorf("Explain with an ended context: %v", err)
	}
}
