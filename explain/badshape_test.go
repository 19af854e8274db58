package explain

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// A shape whose Rows×Cols wraps around int to the length of Data is not a
// valid matrix: Validate must say so, and no constructor or batch call may
// size an allocation from the bogus row count.
func TestMatrixValidateShapeOverflow(t *testing.T) {
	data := []float64{1, 2, 3, 4}
	bad := []Matrix{
		{Rows: (1 << 62) + 1, Cols: 4, Data: data}, // 4·(2^62+1) ≡ 4 (mod 2^64)
		{Rows: 1 << 32, Cols: 1 << 32, Data: nil},  // 2^64 ≡ 0
	}
	for _, m := range bad {
		if err := m.Validate(); err == nil {
			t.Errorf("Validate(%d×%d with %d values) = nil, want an error", m.Rows, m.Cols, len(m.Data))
		}
	}
	f := Func(func(r []float64) float64 { return r[0] })
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("NewKernel with an overflowing background shape panicked: %v", r)
			}
		}()
		if _, err := NewKernel(f, bad[0]); err == nil {
			t.Error("NewKernel accepted a background whose shape overflows")
		}
	}()
	e, err := NewPermutation(f, Matrix{Rows: 1, Cols: 4, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("ExplainBatch with an overflowing shape panicked: %v", r)
			}
		}()
		if _, err := e.ExplainBatch(context.Background(), bad[0]); err == nil {
			t.Error("ExplainBatch accepted a batch whose shape overflows")
		}
	}()
}

// The permutation count is the caller's: beyond MaxPermutations it is an
// error, and within it the explainer's memory does not grow with the
// count, since it draws the pairs in rounds of bounded size.
func TestPermutationCountBounded(t *testing.T) {
	bg := Matrix{Rows: 2, Cols: 4, Data: []float64{0, 0, 0, 0, 1, 1, 1, 1}}
	f := Func(func(r []float64) float64 { return r[0]*r[1]*r[2] + r[3] })
	if _, err := NewPermutation(f, bg, WithPermutations(1<<40, 1<<40)); err == nil {
		t.Error("WithPermutations(2^40, 2^40) accepted, want an error naming MaxPermutations")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	stop := modelFunc(func(ctx context.Context, x Matrix, out []float64) error {
		if calls.Add(1) > 2 { // v(∅) and v(F) first, then cancel on the first coalition
			cancel()
			return ctx.Err()
		}
		return f.Predict(ctx, x, out)
	})
	pe, err := NewPermutation(stop, bg, WithPermutations(1<<20, 1<<20), WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = pe.Explain(ctx, []float64{3, 4, 5, 6})
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("Explain succeeded although its context was cancelled")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("Explain allocated %d bytes before its first coalition call; want the round size bounded (< 16 MiB)", got)
	}
}

// modelFunc adapts a batch function to Model.
type modelFunc func(ctx context.Context, x Matrix, out []float64) error

func (f modelFunc) Predict(ctx context.Context, x Matrix, out []float64) error { return f(ctx, x, out) }

// WithRowsPerCall accepts any n >= 1; a count near math.MaxInt means
// "as many coalitions per call as there are" and must not overflow the
// per-call sizing.
func TestRowsPerCallHuge(t *testing.T) {
	bg := Matrix{Rows: 3, Cols: 4, Data: []float64{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3}}
	f := Func(func(r []float64) float64 { return r[0]*r[1]*r[2] + r[3] })
	x := []float64{3, 4, 5, 6}
	ctors := map[string]func(...Option) (Explainer, error){
		"exact":       func(o ...Option) (Explainer, error) { return NewExact(f, bg, o...) },
		"kernel":      func(o ...Option) (Explainer, error) { return NewKernel(f, bg, o...) },
		"permutation": func(o ...Option) (Explainer, error) { return NewPermutation(f, bg, o...) },
	}
	for name, ctor := range ctors {
		for _, n := range []int{math.MaxInt, math.MaxInt - 1, math.MaxInt / 2} {
			t.Run(name, func(t *testing.T) {
				want, err := ctor()
				if err != nil {
					t.Fatal(err)
				}
				got, err := ctor(WithRowsPerCall(n))
				if err != nil {
					t.Fatal(err)
				}
				we, err := want.Explain(context.Background(), x)
				if err != nil {
					t.Fatal(err)
				}
				var ge Explanation
				func() {
					defer func() {
						if r := recover(); r != nil {
							err = fmt.Errorf("panic: %v", r)
						}
					}()
					ge, err = got.Explain(context.Background(), x)
				}()
				if err != nil {
					t.Fatalf("WithRowsPerCall(%d): %v", n, err)
				}
				for i := range we.Values {
					if math.Abs(ge.Values[i]-we.Values[i]) > 1e-9 {
						t.Errorf("WithRowsPerCall(%d): value %d = %v, want %v", n, i, ge.Values[i], we.Values[i])
					}
				}
			})
		}
	}
}

// Sample budgets size in-memory plans (Kernel SHAP's coalitions, LIME's
// perturbation rows) and are the caller's: past the documented maximum
// they are errors, not allocations.
func TestSampleBudgetsBounded(t *testing.T) {
	train := Matrix{Rows: 3, Cols: 2, Data: []float64{0, 1, 1, 0, 2, 3}}
	f := Func(func(r []float64) float64 { return r[0] + r[1] })
	for _, n := range []int{1 << 40, math.MaxInt} {
		if _, err := NewKernel(f, train, WithSamples(n)); err == nil || !strings.Contains(err.Error(), "MaxSamples") {
			t.Errorf("NewKernel(WithSamples(%d)) error = %v, want one naming MaxSamples", n, err)
		}
		if _, err := NewLIME(f, train, WithLIMESamples(n)); err == nil || !strings.Contains(err.Error(), "MaxLIMESamples") {
			t.Errorf("NewLIME(WithLIMESamples(%d)) error = %v, want one naming MaxLIMESamples", n, err)
		}
	}
	if _, err := NewKernel(f, train, WithSamples(MaxSamples)); err != nil {
		t.Errorf("WithSamples(MaxSamples): %v", err)
	}
	if _, err := NewLIME(f, train, WithLIMESamples(MaxLIMESamples)); err != nil {
		t.Errorf("WithLIMESamples(MaxLIMESamples): %v", err)
	}
}

// A NaN value has no magnitude to rank by; sorting by |value| with it in
// the slice breaks the comparison's order and misranks the finite values
// too. TopFeatures must refuse non-finite values, as ReasonCodes does.
func TestTopFeaturesRefusesNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		e := Explanation{FeatureNames: []string{"small", "bad", "large", "mid"}, Values: []float64{1, bad, 3, 2}}
		if got, err := TopFeatures(e, 4); err == nil {
			t.Errorf("TopFeatures with a %v value = %v, want an error", bad, got)
		}
	}
}
