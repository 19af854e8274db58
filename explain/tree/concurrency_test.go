package tree

import (
	"context"
	"sync"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// Explainers and the ensemble are shared by concurrent callers; results
// must not depend on what else runs (checked under -race).
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	e, x, bg := logisticCase(t)
	pd, err := NewPathDependent(e, WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	iv, err := NewInterventional(e, bg, WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	wantPD, err := pd.ExplainBatch(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	wantIV, err := iv.ExplainBatch(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < x.Rows; i += 6 {
				a, err := pd.Explain(ctx, x.Row(i))
				if err != nil {
					t.Error(err)
					return
				}
				b, err := iv.Explain(ctx, x.Row(i))
				if err != nil {
					t.Error(err)
					return
				}
				for j := range a.Values {
					if a.Values[j] != wantPD[i].Values[j] || b.Values[j] != wantIV[i].Values[j] {
						t.Errorf("row %d feature %d differs under concurrency", i, j)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
}

// TreeSHAP and prediction allocate per call, never per row: the scratch is
// per worker.
func TestNoPerRowAllocation(t *testing.T) {
	ctx := context.Background()
	e, x, _ := logisticCase(t)
	M := e.NumFeatures()
	big := explain.NewMatrix(3*x.Rows, M)
	for i := 0; i < big.Rows; i++ {
		copy(big.Row(i), x.Row(i%x.Rows))
	}
	allocs := func(m explain.Matrix, f func(explain.Matrix) error) float64 {
		return testing.AllocsPerRun(2, func() {
			if err := f(m); err != nil {
				t.Fatal(err)
			}
		})
	}
	contribs := make([]float64, big.Rows*(M+1))
	margins := make([]float64, big.Rows)
	for name, f := range map[string]func(explain.Matrix) error{
		"contributions": func(m explain.Matrix) error {
			return e.Contributions(ctx, m, contribs[:m.Rows*(M+1)], WithWorkers(1))
		},
		"contributions (recursive)": func(m explain.Matrix) error {
			return e.Contributions(ctx, m, contribs[:m.Rows*(M+1)], WithWorkers(1), withRecursion())
		},
		"margins": func(m explain.Matrix) error {
			return e.PredictMargins(ctx, m, margins[:m.Rows], WithWorkers(1))
		},
	} {
		small, large := allocs(x, f), allocs(big, f)
		if large > small {
			t.Errorf("%s: %v allocations for %d rows, %v for %d rows", name, small, x.Rows, large, big.Rows)
		}
	}
}
