package tree

import "math"

// pnode is one node of the prediction layout: the ensemble's nodes copied
// into a compact array of 16 bytes (float32 models) or 24 bytes (float64
// models) a node, without the categorical set pointer and the TreeSHAP
// fields, so that one tree of the benchmark model (127 nodes) takes 2 KiB
// and stays in L1 while a block of rows walks it.
//
// The layout follows what the fast tree predictors teach (XGBoost's
// predictor with its 64-row blocks, Treelite's compiled models, Asadi et
// al., "Runtime Optimizations for Tree-Based Machine Learning Models",
// IEEE TKDE 26(9), 2014): a flat array, children side by side, one tree
// walked for a block of rows at a time, and the branch at each split
// replaced by arithmetic, because split outcomes are close to random and a
// mispredicted branch costs more than the whole comparison.
//
// Values are compared as order-preserving integer keys (see [key32]) in
// which a missing value is the largest key. A split then is one range test:
// the row goes right iff thr <= key < thr+span, computed as one unsigned
// comparison; span ends just below the missing key when missing values go
// left and just above it when they go right, and is 0 at a leaf, which
// therefore loops to itself.
type pnode[K int32 | int64, U uint32 | uint64] struct {
	thr     K
	span    U
	feature int32 // split feature (0 at a leaf)
	left    int32 // left child (right = left+1); a leaf's own index
}

// key32 maps a float32 to an int32 with the same order (-0 and +0 share a
// key); NaN, the missing value, maps to the largest int32.
func key32(x float32) int32 {
	if x != x {
		return math.MaxInt32
	}
	b := int32(math.Float32bits(x + 0)) // +0 turns -0 into +0
	return b ^ (b >> 31 & math.MaxInt32)
}

// key64 is key32 for float64.
func key64(x float64) int64 {
	if x != x {
		return math.MaxInt64
	}
	b := int64(math.Float64bits(x + 0))
	return b ^ (b >> 63 & math.MaxInt64)
}

// keyValue inverts key32/key64 (the missing key gives NaN).
func keyValue[K int32 | int64](k K) float64 {
	switch k := any(k).(type) {
	case int32:
		return float64(math.Float32frombits(uint32(k ^ (k >> 31 & math.MaxInt32))))
	case int64:
		return math.Float64frombits(uint64(k ^ (k >> 63 & math.MaxInt64)))
	}
	panic("unreachable")
}

// predictor walks trees on rows of keys: int32 keys of float32 values for
// XGBoost models (their thresholds and row values are float32, so
// comparing float32 keys is exactly XGBoost's rule), int64 keys otherwise.
type predictor[K int32 | int64, U uint32 | uint64] struct {
	nodes []pnode[K, U]
	// key maps a canonical row value to its key.
	key func(float64) K
	// cat holds each node's categorical set (nil for numeric splits); it is
	// nil when no tree has a categorical split.
	cat []*catSplit
	// catTree marks the trees that have a categorical split; they take the
	// general walk. nil when there are none.
	catTree []bool
	roots   []int32
	depth   []int32
}

// newPredictor builds the prediction layout of e's nodes.
func newPredictor[K int32 | int64, U uint32 | uint64](e *Ensemble, key func(float64) K) *predictor[K, U] {
	p := &predictor[K, U]{nodes: make([]pnode[K, U], len(e.nodes)), key: key, roots: e.roots, depth: e.depth}
	missing := key(math.NaN())
	for i, n := range e.nodes {
		if n.feature < 0 {
			p.nodes[i] = pnode[K, U]{left: int32(i)}
			continue
		}
		thr := key(n.thr)
		span := U(missing - thr) // keys thr .. missing-1 go right
		if n.missing > 0 {
			span++ // and the missing key too
		}
		p.nodes[i] = pnode[K, U]{thr: thr, span: span, feature: n.feature, left: n.left}
		if n.cat != nil {
			if p.cat == nil {
				p.cat = make([]*catSplit, len(e.nodes))
			}
			p.cat[i] = n.cat
		}
	}
	if p.cat != nil {
		p.catTree = make([]bool, len(e.roots))
		for t := range e.roots {
			p.catTree[t] = e.treeHasCat(t)
		}
	}
	return p
}

// treeHasCat reports whether tree t has a categorical split.
func (e *Ensemble) treeHasCat(t int) bool {
	end := int32(len(e.nodes))
	if t+1 < len(e.roots) {
		end = e.roots[t+1]
	}
	for i := e.roots[t]; i < end; i++ {
		if e.nodes[i].cat != nil {
			return true
		}
	}
	return false
}

// b2i is 1 for true; the compiler turns it into a flag move, not a branch.
func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// step is the child of numeric node n that key k takes.
func step[K int32 | int64, U uint32 | uint64](n *pnode[K, U], k K) int32 {
	return n.left + b2i(U(k-n.thr) < n.span)
}

// catStep is step for a node that may be categorical.
func (p *predictor[K, U]) catStep(i int32, k K) int32 {
	n := &p.nodes[i]
	c := p.cat[i]
	if c == nil {
		return step(n, k)
	}
	v := keyValue(k)
	if v != v {
		return n.left + b2i(n.span > U(p.key(math.NaN())-n.thr))
	}
	return n.left + b2i(c.has(v))
}

// leaf returns the leaf that a row of keys reaches in tree t.
func (p *predictor[K, U]) leaf(t int, row []K) int32 {
	i := p.roots[t]
	d := p.depth[t]
	if p.catTree != nil && p.catTree[t] {
		for s := int32(0); s < d; s++ {
			i = p.catStep(i, row[p.nodes[i].feature])
		}
		return i
	}
	nodes := p.nodes
	for s := int32(0); s < d; s++ {
		n := &nodes[i]
		i = step(n, row[n.feature])
	}
	return i
}

// walkBlock writes into leaves the leaf that each of the n rows of keys
// (row-major, M columns) reaches in tree t. Every tree is walked for
// exactly its depth (leaves loop to themselves), eight rows in lockstep:
// their dependency chains are independent, so the CPU overlaps their loads.
func (p *predictor[K, U]) walkBlock(t int, rows []K, M, n int, leaves []int32) {
	r := 0
	if p.catTree == nil || !p.catTree[t] {
		nodes := p.nodes
		root, depth := p.roots[t], int(p.depth[t])
		for ; r+8 <= n; r += 8 {
			b := rows[r*M : (r+8)*M]
			i0, i1, i2, i3, i4, i5, i6, i7 := root, root, root, root, root, root, root, root
			for s := 0; s < depth; s++ {
				n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
				n4, n5, n6, n7 := &nodes[i4], &nodes[i5], &nodes[i6], &nodes[i7]
				i0 = step(n0, b[n0.feature])
				i1 = step(n1, b[M+int(n1.feature)])
				i2 = step(n2, b[2*M+int(n2.feature)])
				i3 = step(n3, b[3*M+int(n3.feature)])
				i4 = step(n4, b[4*M+int(n4.feature)])
				i5 = step(n5, b[5*M+int(n5.feature)])
				i6 = step(n6, b[6*M+int(n6.feature)])
				i7 = step(n7, b[7*M+int(n7.feature)])
			}
			leaves[r], leaves[r+1], leaves[r+2], leaves[r+3] = i0, i1, i2, i3
			leaves[r+4], leaves[r+5], leaves[r+6], leaves[r+7] = i4, i5, i6, i7
		}
	}
	for ; r < n; r++ {
		leaves[r] = p.leaf(t, rows[r*M:(r+1)*M])
	}
}
