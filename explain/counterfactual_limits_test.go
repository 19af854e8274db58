package explain

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
)

// cancellingModel scores rows with creditModel and cancels the search's
// context on its second call, so that a search the caller's sizes would
// make endless stops; calls counts them.
type cancellingModel struct {
	cancel context.CancelFunc
	calls  atomic.Int64
}

func (m *cancellingModel) Predict(ctx context.Context, x Matrix, out []float64) error {
	if m.calls.Add(1) == 2 {
		m.cancel()
	}
	return creditModel.Predict(ctx, x, out)
}

// TestCounterfactualSizesAreBounded: K, Population and Generations are
// caller-supplied sizes of allocations and of the work of the search. A
// size beyond any sensible search must be refused with an error before the
// model is called, never make the search panic (4·K wrapping around to a
// negative capacity, a population of MaxInt rows) or run until cancelled.
func TestCounterfactualSizesAreBounded(t *testing.T) {
	x := []float64{30, 40, 20, 1, 1, 3}
	for name, opts := range map[string]CounterfactualOptions{
		"K":           {K: math.MaxInt},
		"Population":  {Population: math.MaxInt},
		"Generations": {Generations: math.MaxInt},
	} {
		opts.Data, opts.Constraints, opts.FeatureNames = creditData(), creditConstraints(), creditNames
		ctx, cancel := context.WithCancel(context.Background())
		m := &cancellingModel{cancel: cancel}
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			_, err = Counterfactuals(ctx, m, x, Above(0.5), opts)
			return err
		}()
		cancelled := ctx.Err() != nil
		cancel()
		if err == nil || cancelled || m.calls.Load() > 0 {
			t.Errorf("%s = MaxInt: error %v after %d model calls (want an error before any)", name, err, m.calls.Load())
		}
	}
}
