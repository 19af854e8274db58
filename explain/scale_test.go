package explain

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// For an additive model every sampled estimator is exact: the game is
// linear in the coalition, so the Kernel SHAP fit has zero residual and
// every permutation yields the same contributions. With 70 features this
// also exercises coalitions wider than one 64-bit word.
func TestWideAdditiveModel(t *testing.T) {
	for _, m := range []int{20, 70} {
		rng := rand.New(rand.NewPCG(uint64(m), 1))
		w := make([]float64, m)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		f := Func(func(x []float64) float64 {
			s := 0.5
			for i, v := range x {
				s += w[i] * v
			}
			return s
		})
		bg := randomMatrix(rng, 8, m)
		x := randomMatrix(rng, 1, m).Data
		lin, err := NewLinear(w, 0.5, bg)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := lin.Explain(context.Background(), x)
		ke, err := NewKernel(f, bg, WithSamples(400), WithBootstrap(5))
		if err != nil {
			t.Fatal(err)
		}
		pe, err := NewPermutation(f, bg, WithPermutations(4, 4))
		if err != nil {
			t.Fatal(err)
		}
		for name, e := range map[string]Explainer{"kernel": ke, "permutation": pe} {
			got, err := e.Explain(context.Background(), x)
			if err != nil {
				t.Fatalf("M=%d %s: %v", m, name, err)
			}
			for i := range want.Values {
				if math.Abs(got.Values[i]-want.Values[i]) > 1e-9 {
					t.Errorf("M=%d %s feature %d: %v, want %v", m, name, i, got.Values[i], want.Values[i])
					break
				}
			}
			if math.Abs(got.AdditivityResidual) > 1e-9 {
				t.Errorf("M=%d %s: residual %v", m, name, got.AdditivityResidual)
			}
		}
	}
}

// The exact explainer's allocations do not grow with the number of
// coalitions: 2^12 coalitions cost no more allocations than 2^6 beyond the
// per-explanation buffers.
func TestExactAllocationsDoNotScaleWithCoalitions(t *testing.T) {
	allocs := func(m int) float64 {
		rng := rand.New(rand.NewPCG(1, uint64(m)))
		bg := randomMatrix(rng, 20, m)
		f := Func(func(x []float64) float64 { return x[0]*x[1] + x[m-1] })
		ex, err := NewExact(f, bg, WithWorkers(1), WithTracerProvider(nil))
		if err != nil {
			t.Fatal(err)
		}
		x := randomMatrix(rng, 1, m).Data
		ctx := context.Background()
		if _, err := ex.Explain(ctx, x); err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(5, func() { _, _ = ex.Explain(ctx, x) })
	}
	small, large := allocs(6), allocs(12)
	if large > small+2 {
		t.Errorf("allocations per explanation: %v with 2^6 coalitions, %v with 2^12", small, large)
	}
}

// Concurrent explanations on one explainer are safe and agree.
func TestConcurrentExplain(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	bg := randomMatrix(rng, 10, 5)
	xs := randomMatrix(rng, 8, 5)
	for name, e := range explainers(t, nonlinear, bg) {
		want, err := e.ExplainBatch(context.Background(), xs)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := 0; i < xs.Rows; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := e.Explain(context.Background(), xs.Row(i))
				if err != nil {
					t.Error(err)
					return
				}
				for j := range got.Values {
					if got.Values[j] != want[i].Values[j] {
						t.Errorf("%s row %d: concurrent %v, sequential %v", name, i, got.Values, want[i].Values)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

// A budget far too small to identify every value still gives an additive
// answer, marked inexact.
func TestKernelTinyBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	bg := randomMatrix(rng, 6, 10)
	ke, err := NewKernel(nonlinearWide, bg, WithSamples(4))
	if err != nil {
		t.Fatal(err)
	}
	e, err := ke.Explain(context.Background(), randomMatrix(rng, 1, 10).Data)
	if err != nil {
		t.Fatal(err)
	}
	if e.Exact || math.Abs(e.AdditivityResidual) > 1e-9 {
		t.Errorf("exact=%v residual=%v", e.Exact, e.AdditivityResidual)
	}
}

var nonlinearWide = Func(func(x []float64) float64 { return x[0]*x[9] + math.Sin(x[4]) + x[2] })

func TestNewPicksExactForSmallGames(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	f := Func(func(x []float64) float64 { return x[0] * x[1] })
	small, err := New(f, randomMatrix(rng, 4, 12))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := small.(*ExactExplainer); !ok {
		t.Errorf("12 players: %T", small)
	}
	large, err := New(f, randomMatrix(rng, 4, 13))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := large.(*KernelExplainer); !ok {
		t.Errorf("13 players: %T", large)
	}
	grouped, _ := New(f, randomMatrix(rng, 4, 13), WithGroups(Group{Name: "g", Features: []int{11, 12}}))
	if _, ok := grouped.(*ExactExplainer); !ok {
		t.Errorf("13 features in 12 players: %T", grouped)
	}
	if _, err := New(f, NewMatrix(0, 3)); err == nil {
		t.Error("empty background accepted")
	}
}

// With two players one antithetic pair is both orderings: exact.
func TestPermutationTwoPlayersIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	bg := randomMatrix(rng, 7, 2)
	f := Func(func(x []float64) float64 { return math.Exp(x[0]) * x[1] })
	x := []float64{0.4, -1.3}
	want, _ := mustExact(t, f, bg).Explain(context.Background(), x)
	pe, _ := NewPermutation(f, bg)
	got, err := pe.Explain(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Exact || got.ModelEvaluations != 7+1+2*7 {
		t.Errorf("exact=%v evaluations=%d", got.Exact, got.ModelEvaluations)
	}
	assertClose(t, "two players", 0, got.Values, want.Values, 1e-12)
}

// The compiled nl10 of the benchmarks is the vectors' nl10 expression.
func TestCompiledNL10MatchesExpression(t *testing.T) {
	var c shapleyCase
	if err := json.Unmarshal(loadVectors(t)["expr_nl10_m10.json"], &c); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Rows {
		if got := nl10(r.X); math.Abs(got-r.Fx) > 1e-12 {
			t.Errorf("nl10(%v) = %v, want %v", r.X, got, r.Fx)
		}
	}
}

// Identical background rows are merged: same game, fewer evaluations.
func TestDuplicateBackgroundRowsMerged(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	distinct := randomMatrix(rng, 3, 4)
	rep := NewMatrix(30, 4)
	for i := 0; i < 30; i++ {
		copy(rep.Row(i), distinct.Row(i%3))
	}
	x := []float64{0.1, 0.2, -0.3, 1}
	want, _ := mustExact(t, nonlinearWide4, distinct).Explain(context.Background(), x)
	got, err := mustExact(t, nonlinearWide4, rep).Explain(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "merged", 0, got.Values, want.Values, 1e-12)
	if got.BackgroundSize != 3 || got.ModelEvaluations != 3+1+14*3 {
		t.Errorf("background %d, evaluations %d", got.BackgroundSize, got.ModelEvaluations)
	}
}

var nonlinearWide4 = Func(func(x []float64) float64 { return x[0]*x[3] + math.Sin(x[1]*x[2]) })
