package tree

import (
	"context"
	"fmt"

	"github.com/aimskit/aimskit/explain"
)

// Interventional TreeSHAP (Lundberg et al. 2020, "From local explanations
// to global understanding with explainable AI for trees", Methods,
// "Interventional Tree SHAP"): the exact Shapley values of the game
//
//	v(S) = (1/N) Σ_b f(z),  z_j = x_j for j ∈ S, b_j otherwise,
//
// for a background set of N rows b. The game is an average of one game per
// background row, and each of those is a sum over trees, so the values are
// computed per (row, background row, tree) and averaged.
//
// For one tree and one background row, walk the tree with both x and b. At a
// node on feature j, if x and b take the same child the node does not
// depend on whether j ∈ S. Otherwise the walk branches: the child x takes
// requires j ∈ S, the child b takes requires j ∉ S (once decided, later
// splits on j follow the same source). A leaf with value v reached with the
// sets A (features that must come from x, |A| = a) and B (must come from b,
// |B| = c) contributes v·[A ⊆ S, B ∩ S = ∅], a game whose Shapley values are
// v·(a−1)!c!/(a+c)! for each feature in A and −v·a!(c−1)!/(a+c)! for each
// feature in B. Cost O(N·T·L) per row for T trees of L leaves.

// intervWeights holds (a−1)!c!/(a+c)! at [a][c], the Shapley weight of a
// feature in A for a leaf with |A| = a, |B| = c. The weight of a feature in
// B is the same expression with a and c swapped.
type intervWeights [][]float64

func newIntervWeights(depth int) intervWeights {
	n := depth + 1
	fact := make([]float64, 2*n+1)
	fact[0] = 1
	for i := 1; i < len(fact); i++ {
		fact[i] = fact[i-1] * float64(i)
	}
	w := make(intervWeights, n+1)
	for a := range w {
		w[a] = make([]float64, n+1)
		for c := range w[a] {
			if a >= 1 {
				w[a][c] = fact[a-1] * fact[c] / fact[a+c]
			}
		}
	}
	return w
}

// intervWalker is one worker's reusable state for interventional TreeSHAP.
type intervWalker struct {
	nodes   []node
	value   []float64
	weights intervWeights
	x, b    []float64 // canonical row and background row
	phi     []float64 // output for the current group, len M
	// state[j] is 0 (undecided), 1 (from x) or 2 (from b).
	state []uint8
	// fromX and fromB list the decided features in order.
	fromX, fromB []int32
	_            cacheLinePad
}

func (w *intervWalker) recurse(ni int32) {
	// Nodes where only one child is possible are followed in a loop; the
	// walk branches only where x and b part ways on an undecided feature.
	for {
		n := &w.nodes[ni]
		if n.feature < 0 {
			w.leaf(ni)
			return
		}
		f := n.feature
		switch w.state[f] {
		case 1:
			ni = n.next(w.x[f])
			continue
		case 2:
			ni = n.next(w.b[f])
			continue
		}
		cx, cb := n.next(w.x[f]), n.next(w.b[f])
		if cx == cb {
			ni = cx
			continue
		}
		w.state[f] = 1
		w.fromX = append(w.fromX, f)
		w.recurse(cx)
		w.fromX = w.fromX[:len(w.fromX)-1]
		w.state[f] = 2
		w.fromB = append(w.fromB, f)
		w.recurse(cb)
		w.fromB = w.fromB[:len(w.fromB)-1]
		w.state[f] = 0
		return
	}
}

// leaf adds the Shapley values of the leaf's unanimity-style game.
func (w *intervWalker) leaf(ni int32) {
	a, c := len(w.fromX), len(w.fromB)
	if a+c == 0 {
		return // reached by x and b alike: no feature matters
	}
	v := w.value[ni]
	if a > 0 {
		wp := v * w.weights[a][c]
		for _, f := range w.fromX {
			w.phi[f] += wp
		}
	}
	if c > 0 {
		wn := v * w.weights[c][a]
		for _, f := range w.fromB {
			w.phi[f] -= wn
		}
	}
}

// Background is a set of reference rows prepared for interventional
// TreeSHAP: the rows in the ensemble's canonical form and their margins.
// It is immutable and safe for concurrent use.
type Background struct {
	e       *Ensemble
	n       int
	rows    []float64 // canonical, n × M
	margins []float64 // n × K
	mean    []float64 // mean margin per group
	masks   *bgMasks  // per-leaf summary (nil: use the recursion)
	// linMean is the mean of each feature, missing counted as 0 (gblinear
	// models only; see [linearModel]).
	linMean []float64
}

// NewBackground prepares the rows of bg (NaN = missing) as the reference
// distribution of interventional TreeSHAP. Each background row costs one
// tree walk per explained row and tree, so a few hundred rows are usually
// plenty.
func (e *Ensemble) NewBackground(bg explain.Matrix) (*Background, error) {
	if err := e.checkMatrix(bg); err != nil {
		return nil, fmt.Errorf("%w (background)", err)
	}
	if bg.Rows == 0 {
		return nil, fmt.Errorf("tree: background has no rows")
	}
	M, K := e.numFeatures, e.numGroups
	b := &Background{e: e, n: bg.Rows, rows: make([]float64, bg.Rows*M), margins: make([]float64, bg.Rows*K), mean: make([]float64, K)}
	for i := 0; i < bg.Rows; i++ {
		r := b.rows[i*M : (i+1)*M]
		e.canonRow(r, bg.Row(i))
		e.marginCanon(r, b.margins[i*K:(i+1)*K])
		if e.linear != nil {
			if err := e.addLinearMargin(r, b.margins[i*K:(i+1)*K]); err != nil {
				return nil, fmt.Errorf("%w (background row %d)", err, i)
			}
		}
		for k := 0; k < K; k++ {
			b.mean[k] += b.margins[i*K+k]
		}
	}
	for k := range b.mean {
		b.mean[k] /= float64(bg.Rows)
	}
	b.masks = e.buildBGMasks(b.rows, b.n)
	if e.linear != nil {
		b.linMean = linearMeans(b.rows, b.n, M)
	}
	return b, nil
}

// Len returns the number of background rows.
func (b *Background) Len() int { return b.n }

// ExpectedMargins returns the mean background margin of each output group:
// the base value of interventional explanations in margin space.
func (b *Background) ExpectedMargins() []float64 { return append([]float64(nil), b.mean...) }

// InterventionalContributions computes interventional TreeSHAP values in
// margin space against the background bg: exact Shapley values of
// v(S) = mean_b margin(x_S, b_rest). out has the layout of
// [Ensemble.Contributions]; column M holds the mean background margin, and
// each row sums to its margin. Rows are spread over GOMAXPROCS workers
// unless [WithWorkers] says otherwise.
func (e *Ensemble) InterventionalContributions(ctx context.Context, x explain.Matrix, bg *Background, out []float64, opts ...Option) error {
	if bg == nil || bg.e != e {
		return fmt.Errorf("tree: background was prepared for a different model (use NewBackground on this ensemble)")
	}
	if err := e.checkMatrix(x); err != nil {
		return err
	}
	M, K := e.numFeatures, e.numGroups
	stride := K * (M + 1)
	if len(out) != x.Rows*stride {
		return fmt.Errorf("tree: contribution output has %d slots, need %d rows × %d groups × %d", len(out), x.Rows, K, M+1)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return err
	}
	workers := clampWorkers(cfg.workers, x.Rows)
	if err := e.interventionalTrees(ctx, x, bg, out, workers, cfg.recursive); err != nil {
		return err
	}
	return e.addLinearInterventional(x, bg, out)
}

// interventionalTrees is InterventionalContributions for the trees.
func (e *Ensemble) interventionalTrees(ctx context.Context, x explain.Matrix, bg *Background, out []float64, workers int, recursive bool) error {
	M, K := e.numFeatures, e.numGroups
	stride := K * (M + 1)
	weights := newIntervWeights(e.maxDepth)
	if bg.masks != nil && !recursive {
		ws := make([]*intervMaskWalker, workers)
		for i := range ws {
			ws[i] = &intervMaskWalker{
				maskWalker: maskWalker{nodes: e.nodes, lt: e.leafTab, row: padded[float64](M), fails: padded[int32](M)},
				bm:         bg.masks, weights: weights, sumA: padded[float64](maxMaskPathFeatures + 1),
			}
		}
		return forRows(ctx, x.Rows, workers, func(wi, lo, hi int) error {
			w := ws[wi]
			for i := lo; i < hi; i++ {
				e.canonRow(w.row, x.Row(i))
				o := out[i*stride : (i+1)*stride]
				clear(o)
				for t, root := range e.roots {
					g := int(e.group[t])
					w.phi = o[g*(M+1) : g*(M+1)+M]
					w.walk(root)
				}
				e.finishInterv(o, bg)
			}
			return nil
		})
	}
	walkers := make([]*intervWalker, workers)
	for i := range walkers {
		walkers[i] = e.newIntervWalker(weights)
	}
	return forRows(ctx, x.Rows, workers, func(wi, lo, hi int) error {
		w := walkers[wi]
		for i := lo; i < hi; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			e.canonRow(w.x, x.Row(i))
			e.intervRow(w, bg, out[i*stride:(i+1)*stride])
		}
		return nil
	})
}

func (e *Ensemble) newIntervWalker(weights intervWeights) *intervWalker {
	M := e.numFeatures
	return &intervWalker{
		nodes: e.nodes, value: e.value, weights: weights,
		x:     padded[float64](M),
		state: padded[uint8](M),
		fromX: make([]int32, 0, e.maxDepth+1+32),
		fromB: make([]int32, 0, e.maxDepth+1+32),
	}
}

// intervRow writes the interventional values of the canonical row w.x
// into out (K × (M+1)).
func (e *Ensemble) intervRow(w *intervWalker, bg *Background, out []float64) {
	M := e.numFeatures
	clear(out)
	for r := 0; r < bg.n; r++ {
		w.b = bg.rows[r*M : (r+1)*M]
		for t, root := range e.roots {
			g := int(e.group[t])
			w.phi = out[g*(M+1) : g*(M+1)+M]
			w.recurse(root)
		}
	}
	e.finishInterv(out, bg)
}

// finishInterv turns summed per-background-row values into means and sets
// the bias column to the mean background margin.
func (e *Ensemble) finishInterv(out []float64, bg *Background) {
	M, K := e.numFeatures, e.numGroups
	inv := 1 / float64(bg.n)
	for k := 0; k < K; k++ {
		o := out[k*(M+1) : (k+1)*(M+1)]
		for j := 0; j < M; j++ {
			o[j] *= inv
		}
		o[M] = bg.mean[k]
	}
}
