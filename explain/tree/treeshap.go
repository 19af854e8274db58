package tree

// Path-dependent TreeSHAP: Lundberg, Erion, Chen, DeGrave, Prutkin, Nair,
// Katz, Himmelfarb, Bansal, Lee (2020), "From local explanations to global
// understanding with explainable AI for trees", Nature Machine Intelligence
// 2:56–67, Algorithm 2 (and Lundberg, Erion, Lee 2018, arXiv:1802.03888,
// Algorithm 2). The recursion keeps, for the path from the root to the
// current node, the unique features met so far with their "zero fraction"
// (share of training cover that follows the path when the feature is
// unknown) and "one fraction" (1 if the row itself follows the path), plus
// the permutation weights of every subset size. EXTEND adds a feature,
// UNWIND removes one, and at a leaf the unwound weight sums (UNWOUNDSUM, see
// shapWalker.leaf) give each feature's share of the leaf value. Cost O(L·D²) per tree and row.
//
// The conditioned variant (condition ±1 on one feature) is the one XGBoost
// and shap use for SHAP interaction values: the conditioned feature is kept
// out of the path, and its splits either follow the row ("on") or split the
// condition fraction by cover ("off").

// pathElem is one unique feature on the current root-to-node path.
type pathElem struct {
	feature int32
	zero    float64 // fraction of cover that flows down this path when the feature is absent
	one     float64 // 1 if the row follows this path, else 0
	weight  float64 // permutation weight of the subset size this slot stands for
}

// pathBufferLen is the path scratch a tree of the given depth needs: the
// recursion at depth L uses a fresh region of at most L+1 elements.
func pathBufferLen(depth int) int { return (depth + 2) * (depth + 3) / 2 }

// pathCoef holds, for a path whose last index is d, the ratios the
// EXTEND/UNWIND recurrences multiply by, so that the inner loops do not
// divide: up[d][i] = (d+1)/(i+1), down[d][i] = (d−i)/(d+1),
// frac[d][i] = (i+1)/(d+1) and back[d][i] = (d+1)/(d−i).
var pathCoef = func() (c struct{ up, down, frac, back [][]float64 }) {
	n := maxTreeDepth + 2
	c.up, c.down, c.frac, c.back = make([][]float64, n), make([][]float64, n), make([][]float64, n), make([][]float64, n)
	for d := 0; d < n; d++ {
		c.up[d], c.down[d], c.frac[d], c.back[d] = make([]float64, d+1), make([]float64, d+1), make([]float64, d+1), make([]float64, d+1)
		for i := 0; i <= d; i++ {
			c.up[d][i] = float64(d+1) / float64(i+1)
			c.down[d][i] = float64(d-i) / float64(d+1)
			c.frac[d][i] = float64(i+1) / float64(d+1)
			if i < d {
				c.back[d][i] = float64(d+1) / float64(d-i)
			}
		}
	}
	return c
}()

// extendPath appends feature f with fractions zf, of to a path of d
// elements (EXTEND in the paper), updating the subset-size weights.
func extendPath(path []pathElem, d int, zf, of float64, f int32) {
	w := 0.0
	if d == 0 {
		w = 1
	}
	path[d] = pathElem{feature: f, zero: zf, one: of, weight: w}
	frac, down := pathCoef.frac[d], pathCoef.down[d]
	path = path[:d+1]
	for i := d - 1; i >= 0; i-- {
		wi := path[i].weight
		path[i+1].weight += of * wi * frac[i]
		path[i].weight = zf * wi * down[i]
	}
}

// unwindPath removes element k from a path whose last index is d (UNWIND),
// undoing its effect on the weights.
func unwindPath(path []pathElem, d, k int) {
	one, zero := path[k].one, path[k].zero
	path = path[:d+1]
	next := path[d].weight
	if one != 0 {
		up, down := pathCoef.up[d], pathCoef.down[d]
		inv := 1 / one
		for i := d - 1; i >= 0; i-- {
			tmp := path[i].weight
			path[i].weight = next * up[i] * inv
			next = tmp - path[i].weight*zero*down[i]
		}
	} else {
		back := pathCoef.back[d]
		inv := 1 / zero
		for i := d - 1; i >= 0; i-- {
			path[i].weight = path[i].weight * back[i] * inv
		}
	}
	for i := k; i < d; i++ {
		path[i].feature = path[i+1].feature
		path[i].zero = path[i+1].zero
		path[i].one = path[i+1].one
	}
}

// shapWalker holds what one TreeSHAP pass over one row needs. It is reused
// across rows and trees by one worker, so the walk allocates nothing.
type shapWalker struct {
	nodes []node
	value []float64
	cover []float64
	row   []float64 // canonical row
	phi   []float64 // output, len M (+1 bias, not touched here)

	// Conditioning for interaction values: cond is 0 (none), +1 (feature
	// condFeature present) or -1 (absent).
	cond        int
	condFeature int32

	// Leaf scratch, maxDepth+2 entries each.
	hot              []int32
	next, totals, zo []float64
}

// leaf adds the leaf value v's share to every feature on the path (the
// loop over UNWOUNDSUM at a leaf in Algorithm 2). Two observations make this
// cheaper than d independent unwound sums:
//
//   - For an element with one fraction 0 (the row did not follow its
//     split), the unwound sum is Σ_i w_i·(d+1)/(d−i) divided by its zero
//     fraction, and its share is that sum times (0 − zero)·v. The zero
//     fraction cancels, so every such element receives the same
//     −v·Σ_i w_i·(d+1)/(d−i), computed once.
//   - The elements the row did follow each need a sequential recurrence;
//     running them side by side turns one long dependency chain per
//     element into independent chains the CPU overlaps.
func (w *shapWalker) leaf(path []pathElem, d int, v float64) {
	if d == 0 {
		return
	}
	path = path[:d+1]
	hot := w.hot[:0]
	cold := false
	for k := 1; k <= d; k++ {
		if path[k].one != 0 {
			hot = append(hot, int32(k))
		} else {
			cold = true
		}
	}
	if cold {
		back := pathCoef.back[d]
		s := 0.0
		for i := 0; i < d; i++ {
			s += path[i].weight * back[i]
		}
		s *= v
		for k := 1; k <= d; k++ {
			if path[k].one == 0 {
				w.phi[path[k].feature] -= s
			}
		}
	}
	if len(hot) == 0 {
		return
	}
	up, down := pathCoef.up[d], pathCoef.down[d]
	n := len(hot)
	next, totals, zo := w.next[:n], w.totals[:n], w.zo[:n]
	last := path[d].weight
	for j, k := range hot {
		next[j] = last
		totals[j] = 0
		zo[j] = path[k].zero / path[k].one
	}
	for i := d - 1; i >= 0; i-- {
		wi, ui, di := path[i].weight, up[i], down[i]
		for j := range next {
			tmp := next[j] * ui
			totals[j] += tmp
			next[j] = wi - tmp*zo[j]*di
		}
	}
	for j, k := range hot {
		el := &path[k]
		w.phi[el.feature] += totals[j] / el.one * (el.one - el.zero) * v
	}
}

// recurse is RECURSE(j, m, p_z, p_o, p_i) of Algorithm 2 at node ni. path
// is this call's scratch region and already holds the parent's d elements.
func (w *shapWalker) recurse(ni int32, path []pathElem, d int, pz, po float64, pf int32, condFrac float64) {
	if condFrac == 0 || (pz == 0 && po == 0) {
		// No coalition reaches this subtree: every weight below is zero.
		return
	}
	if w.cond == 0 || pf != w.condFeature {
		extendPath(path, d, pz, po, pf)
	} else {
		d-- // the conditioned feature is not put on the path
	}
	n := &w.nodes[ni]
	if n.feature < 0 {
		w.leaf(path, d, w.value[ni]*condFrac)
		return
	}
	f := n.feature
	hot := n.next(w.row[f])
	cold := 2*n.left + 1 - hot // the sibling: left and right are adjacent
	iz, io := 1.0, 1.0
	for k := 1; k <= d; k++ {
		if path[k].feature == f {
			iz, io = path[k].zero, path[k].one
			unwindPath(path, d, k)
			d--
			break
		}
	}
	hotFrac, coldFrac := condFrac, condFrac
	cn := w.cover[ni]
	hz, cz := w.cover[hot]/cn, w.cover[cold]/cn
	if f == w.condFeature {
		if w.cond > 0 {
			coldFrac = 0
		} else if w.cond < 0 {
			hotFrac *= hz
			coldFrac *= cz
		}
	}
	child := path[d+1:]
	copy(child[:d+1], path[:d+1])
	w.recurse(hot, child, d+1, iz*hz, io, f, hotFrac)
	copy(child[:d+1], path[:d+1])
	w.recurse(cold, child, d+1, iz*cz, 0, f, coldFrac)
}
