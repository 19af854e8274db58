package tree

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/aimskit/aimskit/explain"
)

// Interventional SHAP values in output space (probabilities): the exact
// Shapley values of v(S) = mean_b g(f(x_S, b_rest)) for a non-linear output
// transform g. The game is the average of one game per background row b,
// so φ = mean_b φ_b, and for one b only the k features on which x and b
// differ (and that some tree splits on) can matter; the others are null
// players. For those k features, every tree is walked as in the margin
// algorithm, which yields, for each reachable leaf with value v, the sets A
// (must come from x) and B (must come from b): the tree adds
// v·[A ⊆ S]·[B ∩ S = ∅] to the margin of coalition S. Expanding
// [B ∩ S = ∅] = Σ_{C ⊆ B} (−1)^|C| [C ⊆ S] (inclusion–exclusion) turns every
// term into point masses h[A ∪ C], and one subset-sum (zeta) transform,
// F[S] = Σ_{T ⊆ S} h[T], gives all 2^k coalition margins in O(k·2^k). The
// Shapley values of g(F[S]) follow from the usual weighted sum
// φ_i = Σ_{S ∌ i} |S|!(k−|S|−1)!/k! · (g(S ∪ i) − g(S)).

// maxOutputSpaceFeatures bounds k, the number of differing features per
// (row, background row) pair: the tables have 2^k entries.
const maxOutputSpaceFeatures = 20

// outScratch is one worker's reusable state for output-space values.
type outScratch struct {
	x      []float64 // canonical row
	b      []float64 // current canonical background row
	pos    []int32   // bit of each feature in the differing set, or -1
	diff   []int32   // the differing features
	tables []float64 // K × 2^k coalition margins
	g      []float64 // 2^k transformed outputs of the class
	m      []float64 // K margins of one coalition
	_      cacheLinePad
}

// collect walks tree node ni for the current (x, b) pair and adds the
// leaf terms to h (A: bits that must come from x, B: from b).
func (e *Ensemble) collect(s *outScratch, ni int32, A, B uint32, h []float64) {
	n := &e.nodes[ni]
	if n.feature < 0 {
		v := e.value[ni]
		// Σ_{C ⊆ B} (−1)^|C| v at A ∪ C.
		c := B
		for {
			if bits.OnesCount32(c)&1 == 0 {
				h[A|c] += v
			} else {
				h[A|c] -= v
			}
			if c == 0 {
				break
			}
			c = (c - 1) & B
		}
		return
	}
	f := n.feature
	p := s.pos[f]
	if p < 0 {
		// x and b agree on f, so they take the same child.
		e.collect(s, n.next(s.x[f]), A, B, h)
		return
	}
	bit := uint32(1) << uint(p)
	switch {
	case A&bit != 0:
		e.collect(s, n.next(s.x[f]), A, B, h)
	case B&bit != 0:
		e.collect(s, n.next(s.b[f]), A, B, h)
	default:
		cx, cb := n.next(s.x[f]), n.next(s.b[f])
		if cx == cb {
			e.collect(s, cx, A, B, h)
			return
		}
		e.collect(s, cx, A|bit, B, h)
		e.collect(s, cb, A, B|bit, h)
	}
}

// shapleyWeightTable returns w[k][s] = s!(k−s−1)!/k! for k ≤ kmax.
func shapleyWeightTable(kmax int) [][]float64 {
	w := make([][]float64, kmax+1)
	for k := 1; k <= kmax; k++ {
		w[k] = make([]float64, k)
		// w(s) = 1 / (k · C(k−1, s))
		c := 1.0
		for s := 0; s < k; s++ {
			if s > 0 {
				c = c * float64(k-s) / float64(s)
			}
			w[k][s] = 1 / (float64(k) * c)
		}
	}
	return w
}

// interventionalOutput writes, for every row of x, the output-space
// interventional values of class into vals (rows × (M+1)); column M is the
// mean background output.
func (e *Ensemble) interventionalOutput(ctx context.Context, x explain.Matrix, bg *Background, class, workers int, vals []float64) error {
	M, K := e.numFeatures, e.numGroups
	used := make([]bool, M)
	for _, fs := range e.treeFeatures {
		for _, f := range fs {
			used[f] = true
		}
	}
	if e.linear != nil {
		for j := range used {
			for g := 0; g < K; g++ {
				used[j] = used[j] || e.linear.w[j*K+g] != 0
			}
		}
	}
	base := 0.0
	m := make([]float64, K)
	for r := 0; r < bg.n; r++ {
		copy(m, bg.margins[r*K:(r+1)*K])
		e.transform.apply(m)
		base += m[class]
	}
	base /= float64(bg.n)
	weights := shapleyWeightTable(maxOutputSpaceFeatures)
	workers = clampWorkers(workers, x.Rows)
	scratch := make([]*outScratch, workers)
	for i := range scratch {
		scratch[i] = &outScratch{
			x: padded[float64](M), pos: padded[int32](M), diff: make([]int32, 0, M+32),
			m: padded[float64](K),
		}
	}
	return forRows(ctx, x.Rows, workers, func(wi, lo, hi int) error {
		s := scratch[wi]
		for i := lo; i < hi; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			e.canonRow(s.x, x.Row(i))
			out := vals[i*(M+1) : (i+1)*(M+1)]
			clear(out)
			for r := 0; r < bg.n; r++ {
				s.b = bg.rows[r*M : (r+1)*M]
				if err := e.outputPair(s, used, class, weights, out); err != nil {
					return fmt.Errorf("%w (row %d, background row %d)", err, i, r)
				}
			}
			inv := 1 / float64(bg.n)
			for j := 0; j < M; j++ {
				out[j] *= inv
			}
			out[M] = base
		}
		return nil
	})
}

// outputPair adds the Shapley values of the one-background-row game
// g(f(x_S, b_rest)) for the pair (s.x, s.b) to out.
func (e *Ensemble) outputPair(s *outScratch, used []bool, class int, weights [][]float64, out []float64) error {
	s.diff = s.diff[:0]
	for j := range s.pos {
		s.pos[j] = -1
		xv, bv := s.x[j], s.b[j]
		same := xv == bv || (xv != xv && bv != bv)
		if used[j] && !same {
			s.pos[j] = int32(len(s.diff))
			s.diff = append(s.diff, int32(j))
		}
	}
	k := len(s.diff)
	if k == 0 {
		return nil
	}
	if k > maxOutputSpaceFeatures {
		return fmt.Errorf("tree: %w: output-space interventional SHAP needs 2^%d coalitions: the row differs from a background row in %d used features (limit %d); explain in margin space instead", ErrUnsupported, k, k, maxOutputSpaceFeatures)
	}
	size := 1 << k
	K := e.numGroups
	if cap(s.tables) < K*size {
		s.tables = make([]float64, K*size)
		s.g = make([]float64, size)
	}
	s.tables = s.tables[:K*size]
	s.g = s.g[:size]
	clear(s.tables)
	for t, root := range e.roots {
		g := int(e.group[t])
		e.collect(s, root, 0, 0, s.tables[g*size:(g+1)*size])
	}
	if e.linear != nil {
		if err := e.collectLinear(s, size); err != nil {
			return err
		}
	}
	for g := 0; g < K; g++ {
		h := s.tables[g*size : (g+1)*size]
		for i := 0; i < k; i++ {
			bit := 1 << i
			for S := 0; S < size; S++ {
				if S&bit != 0 {
					h[S] += h[S^bit]
				}
			}
		}
	}
	for S := 0; S < size; S++ {
		for g := 0; g < K; g++ {
			s.m[g] = e.intercept[g] + s.tables[g*size+S]
		}
		e.transform.apply(s.m)
		s.g[S] = s.m[class]
	}
	w := weights[k]
	for i := 0; i < k; i++ {
		bit := 1 << i
		phi := 0.0
		for S := 0; S < size; S++ {
			if S&bit == 0 {
				phi += w[bits.OnesCount(uint(S))] * (s.g[S|bit] - s.g[S])
			}
		}
		out[s.diff[i]] += phi
	}
	return nil
}
