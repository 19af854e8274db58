package explain

import (
	"context"
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
)

// KernelExplainer is Kernel SHAP (Lundberg & Lee 2017, "A Unified Approach
// to Interpreting Model Predictions", Theorem 2): Shapley values as the
// solution of a weighted least-squares fit of the coalition values with
// the Shapley kernel weights, constrained so that base + Σφ = prediction.
// It follows shap 0.46's KernelExplainer: the same coalition plan (see
// kernelPlan), the same elimination of the last varying player to enforce
// additivity, and players whose columns equal the background everywhere
// get exactly 0. Unlike shap it never applies L1 feature selection (shap's
// "auto" l1_reg, used below 20% coverage): every varying player is fitted.
// It also tells a varying column by exact comparison, where shap uses
// np.isclose (a difference under about 1e-8 counts as none): a feature
// whose value differs from the background by less than that, yet moves a
// model that scales it up, gets its Shapley value here, while shap gives
// it 0 and spreads its effect over the others.
//
// When the budget covers all 2^M−2 proper coalitions the fit is exact and
// the explanation says so; otherwise StdErr holds bootstrap standard
// errors over the sampled coalitions.
type KernelExplainer struct {
	c *core
}

// NewKernel returns a Kernel SHAP explainer of model over the background.
// Options: [WithSamples] (default 2M+2048, capped at 2^M−2), [WithSeed],
// [WithBootstrap], [WithLink], [WithFeatureNames], [WithBackgroundWeights],
// [WithGroups], [WithWorkers], [WithTracerProvider].
func NewKernel(model Model, background Matrix, opts ...Option) (*KernelExplainer, error) {
	c, err := newCore(model, background, opts)
	if err != nil {
		return nil, err
	}
	return &KernelExplainer{c: c}, nil
}

// Explain returns the Kernel SHAP values of the prediction for x. It
// returns ctx.Err() when ctx ends, during the model evaluations, the fit
// or the bootstrap refits alike.
func (k *KernelExplainer) Explain(ctx context.Context, x []float64) (out Explanation, err error) {
	ctx, span, ex, err := k.c.start(ctx, MethodKernel, x)
	defer func() { span.end(ctx, &out, err, k.c.cfg.topK) }()
	if err != nil {
		return Explanation{}, err
	}
	g := k.c.g
	mAll := len(g.players)
	ex.Values = make([]float64, mAll)
	ex.StdErr = make([]float64, mAll)
	varying := g.varyingPlayers(x)
	m := len(varying)
	delta := ex.Prediction - ex.BaseValue
	switch m {
	case 0:
		ex.Exact = true
	case 1:
		ex.Values[varying[0]] = delta
		ex.Exact = true
	default:
		rng := rand.New(rand.NewPCG(k.c.cfg.seed, 0x6b65726e656c))
		plan := newKernelPlan(m, k.c.cfg.nsamples, rng)
		n := len(plan.weights)
		wordsP := (mAll + 63) / 64
		pm := make([]uint64, n*wordsP) // plan positions → player bits
		for t := 0; t < n; t++ {
			src := plan.masks[t*plan.words : (t+1)*plan.words]
			for w, word := range src {
				for word != 0 {
					pos := w*64 + bits.TrailingZeros64(word)
					word &= word - 1
					p := varying[pos]
					pm[t*wordsP+p/64] |= 1 << (p % 64)
				}
			}
		}
		y := make([]float64, n)
		evals, err := g.valuesInGrayOrder(ctx, x, pm, wordsP, y)
		if err != nil {
			return Explanation{}, err
		}
		ex.ModelEvaluations += evals
		phi, err := kernelSolve(ctx, plan, plan.weights, y, ex.BaseValue, delta)
		if err != nil {
			return Explanation{}, err
		}
		for i, p := range varying {
			ex.Values[p] = phi[i]
		}
		if plan.complete() {
			ex.Exact = true
		} else if k.c.cfg.bootstrap > 0 {
			se, err := kernelBootstrap(ctx, plan, y, ex.BaseValue, delta, k.c.cfg.bootstrap, k.c.cfg.seed)
			if err != nil {
				return Explanation{}, err
			}
			for i, p := range varying {
				ex.StdErr[p] = se[i]
			}
		}
	}
	ex.AdditivityResidual = residual(ex.BaseValue, ex.Values, ex.Prediction)
	if err := checkFinite(&ex); err != nil {
		return Explanation{}, err
	}
	return ex, nil
}

// ExplainBatch explains every row of x.
func (k *KernelExplainer) ExplainBatch(ctx context.Context, x Matrix) ([]Explanation, error) {
	return batch(ctx, x, k.c.g.bg.Cols, k.c.cfg.workers, k.Explain)
}

// varyingPlayers lists the players with at least one column that differs
// from x in some background row. The others cannot change any coalition
// value, so their Shapley value is exactly 0 (the dummy axiom).
func (g *game) varyingPlayers(x []float64) []int {
	var out []int
	for p, cols := range g.players {
	scan:
		for r := 0; r < g.bg.Rows; r++ {
			row := g.bg.Row(r)
			for _, c := range cols {
				if row[c] != x[c] {
					out = append(out, p)
					break scan
				}
			}
		}
	}
	return out
}

// kernelSolve fits φ by weighted least squares subject to Σφ = delta: the
// last player is eliminated, φ_L = delta − Σ_{j<L} φ_j, which turns the
// constrained problem into an unconstrained one in M−1 unknowns (shap's
// KernelExplainer.solve):
//
//	minimise Σ_t w_t (y_t − base − z_tL·delta − Σ_{j<L} (z_tj − z_tL) φ_j)².
//
// It returns ctx.Err() if ctx ends while it accumulates the normal
// equations (O(n·M²), checked every solveCheckRows coalitions).
func kernelSolve(ctx context.Context, p *kernelPlan, w, y []float64, base, delta float64) ([]float64, error) {
	return kernelSolveWith(ctx, p, w, y, base, delta, nil)
}

// solveCheckRows is how many coalitions kernelSolveWith accumulates between
// two looks at its context: each costs O(M²), so the look is negligible.
const solveCheckRows = 64

// solveSpace holds kernelSolveWith's buffers, reused across bootstrap refits.
type solveSpace struct{ a, b, row, a0, b0 []float64 }

func kernelSolveWith(ctx context.Context, p *kernelPlan, w, y []float64, base, delta float64, ws *solveSpace) ([]float64, error) {
	m := p.m
	n1 := m - 1
	if ws == nil {
		ws = &solveSpace{}
	}
	if len(ws.a) != n1*n1 {
		ws.a, ws.a0 = make([]float64, n1*n1), make([]float64, n1*n1)
		ws.b, ws.b0, ws.row = make([]float64, n1), make([]float64, n1), make([]float64, n1)
	}
	a, b, row := ws.a, ws.b, ws.row
	clear(a)
	clear(b)
	last := m - 1
	for t, wt := range w {
		if t%solveCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if wt == 0 {
			continue
		}
		mask := p.masks[t*p.words : (t+1)*p.words]
		zl := 0.0
		if mask[last/64]&(1<<(last%64)) != 0 {
			zl = 1
		}
		for j := 0; j < n1; j++ {
			zj := 0.0
			if mask[j/64]&(1<<(j%64)) != 0 {
				zj = 1
			}
			row[j] = zj - zl
		}
		r := y[t] - base - zl*delta
		for i := 0; i < n1; i++ {
			if row[i] == 0 {
				continue
			}
			wi := wt * row[i]
			b[i] += wi * r
			for j := 0; j < n1; j++ {
				a[i*n1+j] += wi * row[j]
			}
		}
	}
	a0, b0 := ws.a0, ws.b0
	copy(a0, a)
	copy(b0, b)
	beta, err := solveSymmetric(a, b, n1)
	if err != nil {
		// Too few distinct coalitions to identify every value (a tiny
		// budget): fall back to a slightly ridged fit, as shap falls back
		// to a least-squares solve, rather than failing.
		diag := 0.0
		for i := 0; i < n1; i++ {
			diag = math.Max(diag, a0[i*n1+i])
		}
		if diag == 0 {
			return nil, err
		}
		for i := 0; i < n1; i++ {
			a0[i*n1+i] += 1e-8 * diag
		}
		if beta, err = solveSymmetric(a0, b0, n1); err != nil {
			return nil, err
		}
	}
	phi := make([]float64, m)
	sum := 0.0
	for j, v := range beta {
		phi[j] = v
		sum += v
	}
	phi[last] = delta - sum
	return phi, nil
}

// kernelBootstrap estimates the standard error of the sampled fit by
// resampling the random draws (a draw and its complement together) with
// replacement, rescaling their weights to the same total, and refitting.
// It looks at ctx before every refit (and kernelSolveWith within one) and
// returns ctx.Err() once it has ended: reps refits (up to MaxBootstrap)
// can take far longer than the model evaluations.
func kernelBootstrap(ctx context.Context, p *kernelPlan, y []float64, base, delta float64, reps int, seed uint64) ([]float64, error) {
	var units [][2]int // [first index, count]
	for t := p.nfixed; t < len(p.weights); {
		c := 1
		if t+1 < len(p.weights) && isComplement(p, t, t+1) {
			c = 2
		}
		units = append(units, [2]int{t, c})
		t += c
	}
	se := make([]float64, p.m)
	if len(units) < 2 {
		return se, nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x626f6f74))
	w := make([]float64, len(p.weights))
	ws := &solveSpace{}
	mean := make([]float64, p.m)
	sq := make([]float64, p.m)
	done := 0
	for r := 0; r < reps; r++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		copy(w[:p.nfixed], p.weights[:p.nfixed])
		clear(w[p.nfixed:])
		for range units {
			u := units[rng.IntN(len(units))]
			for i := u[0]; i < u[0]+u[1]; i++ {
				w[i] += p.weights[i]
			}
		}
		sum := 0.0
		for _, v := range w[p.nfixed:] {
			sum += v
		}
		for i := p.nfixed; i < len(w); i++ {
			w[i] *= p.randomWeightTotal / sum
		}
		phi, err := kernelSolveWith(ctx, p, w, y, base, delta, ws)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			continue // a degenerate resample carries no information
		}
		done++
		for j, v := range phi {
			d := v - mean[j]
			mean[j] += d / float64(done)
			sq[j] += d * (v - mean[j])
		}
	}
	if done < 2 {
		return se, nil
	}
	for j := range se {
		se[j] = math.Sqrt(sq[j] / float64(done-1))
	}
	return se, nil
}

func isComplement(p *kernelPlan, a, b int) bool {
	ma := p.masks[a*p.words : (a+1)*p.words]
	mb := p.masks[b*p.words : (b+1)*p.words]
	for i := range ma {
		full := ^uint64(0)
		if i == len(ma)-1 && p.m%64 != 0 {
			full = 1<<(p.m%64) - 1
		}
		if ma[i]^mb[i] != full {
			return false
		}
	}
	return true
}

// valuesInGrayOrder evaluates the coalitions in the order of their rank in
// the binary-reflected Gray code, so that consecutive coalitions differ in
// few players: the game then rewrites few columns per coalition, and a
// batch of rows holds many columns at one value, which vectorised models
// exploit. Values are returned in the original order.
func (g *game) valuesInGrayOrder(ctx context.Context, x []float64, masks []uint64, words int, out []float64) (int, error) {
	n := len(out)
	if words != 1 || n < 3 {
		return g.values(ctx, x, masks, words, out)
	}
	order := make([]int, n)
	rank := make([]uint64, n)
	for i, m := range masks {
		order[i] = i
		r := m // inverse Gray code: r = m ^ m>>1 ^ m>>2 ^ …
		for s := uint(1); s < 64; s <<= 1 {
			r ^= r >> s
		}
		rank[i] = r
	}
	sort.Slice(order, func(a, b int) bool { return rank[order[a]] < rank[order[b]] })
	sorted := make([]uint64, n)
	for i, o := range order {
		sorted[i] = masks[o]
	}
	vals := make([]float64, n)
	evals, err := g.values(ctx, x, sorted, 1, vals)
	if err != nil {
		return 0, err
	}
	for i, o := range order {
		out[o] = vals[i]
	}
	return evals, nil
}
