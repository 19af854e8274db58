package explain

import (
	"context"
	"fmt"
	"math/bits"
)

// ExactExplainer computes exact interventional Shapley values by
// evaluating the game on all 2^M coalitions (Shapley 1953; the
// interventional game of Lundberg & Lee 2017). The cost is 2^M·N model
// evaluations per row for N background rows, which is the right choice up
// to M ≈ 12–16 features; use [KernelExplainer] or [PermutationExplainer]
// beyond that.
type ExactExplainer struct {
	c *core
	// order holds every coalition except ∅ and F in Gray-code order, so
	// consecutive coalitions differ by one player.
	order []uint64
	// weight[s] = s!(M−s−1)!/M!, the Shapley weight of a coalition of size s.
	weight []float64
}

// NewExact returns an exact explainer of model over the background rows.
// Options: [WithLink], [WithFeatureNames], [WithBackgroundWeights],
// [WithGroups], [WithWorkers], [WithTracerProvider], [WithMaxExactPlayers].
func NewExact(model Model, background Matrix, opts ...Option) (*ExactExplainer, error) {
	c, err := newCore(model, background, opts)
	if err != nil {
		return nil, err
	}
	m := len(c.g.players)
	if m > c.cfg.maxExactM || m > 30 {
		return nil, fmt.Errorf("explain: exact enumeration of %d players needs 2^%d coalitions per row; the limit is %d players (use the kernel or permutation explainer)", m, m, min(c.cfg.maxExactM, 30))
	}
	full := uint64(1)<<m - 1
	order := make([]uint64, 0, max(0, (1<<m)-2))
	for k := uint64(0); k <= full; k++ {
		g := k ^ (k >> 1)
		if g != 0 && g != full {
			order = append(order, g)
		}
	}
	return &ExactExplainer{c: c, order: order, weight: shapleyWeights(m)}, nil
}

// shapleyWeights returns w[s] = s!(m−s−1)!/m! = 1/(m·C(m−1,s)).
func shapleyWeights(m int) []float64 {
	w := make([]float64, m)
	binom := 1.0 // C(m−1, s)
	for s := 0; s < m; s++ {
		w[s] = 1 / (float64(m) * binom)
		binom = binom * float64(m-1-s) / float64(s+1)
	}
	return w
}

// Explain returns the exact Shapley values of the prediction for x.
func (e *ExactExplainer) Explain(ctx context.Context, x []float64) (out Explanation, err error) {
	ctx, span, ex, err := e.c.start(ctx, MethodExact, x)
	defer func() { span.end(ctx, &out, err, e.c.cfg.topK) }()
	if err != nil {
		return Explanation{}, err
	}
	m := len(e.c.g.players)
	v := make([]float64, 1<<m)
	v[0], v[len(v)-1] = ex.BaseValue, ex.Prediction
	vals := make([]float64, len(e.order))
	evals, err := e.c.g.values(ctx, x, e.order, 1, vals)
	if err != nil {
		return Explanation{}, err
	}
	for t, s := range e.order {
		v[s] = vals[t]
	}
	ex.ModelEvaluations += evals
	ex.Values = combineShapley(v, m, e.weight)
	ex.StdErr = make([]float64, m)
	ex.Exact = true
	ex.AdditivityResidual = residual(ex.BaseValue, ex.Values, ex.Prediction)
	if err := checkFinite(&ex); err != nil {
		return Explanation{}, err
	}
	return ex, nil
}

// combineShapley turns coalition values v[S] (bit i of S = player i) into
// Shapley values φ_i = Σ_{S ∌ i} w(|S|)·(v(S∪{i}) − v(S)).
func combineShapley(v []float64, m int, w []float64) []float64 {
	phi := make([]float64, m)
	for s := range v {
		ws := w[min(bits.OnesCount(uint(s)), m-1)]
		for i := 0; i < m; i++ {
			if s&(1<<i) == 0 {
				phi[i] += ws * (v[s|1<<i] - v[s])
			}
		}
	}
	return phi
}

// ExplainBatch explains every row of x.
func (e *ExactExplainer) ExplainBatch(ctx context.Context, x Matrix) ([]Explanation, error) {
	return batch(ctx, x, e.c.g.bg.Cols, e.c.cfg.workers, e.Explain)
}
