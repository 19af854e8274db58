package tree

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"unsafe"
)

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
//
// Links are byte offsets rather than indices, so that a step of the walk
// is a handful of instructions with every address one base plus an offset:
// col is where the split feature's keys start in a column block of rows
// (see [walkAdd]) and left is where the left child starts in
// the node array; the right child follows it. A block holds a column for
// every feature, or, when the trees split on fewer features than the model
// has, only for those (see [predictor.colFeature]): a model of a million
// hashed features whose trees use a few dozen then walks blocks of a few
// dozen columns instead of a million.
type pnode[K int32 | int64, U uint32 | uint64] struct {
	thr  K
	span U
	col  uint32 // block column × predictChunk × key size (0 at a leaf)
	left uint32 // byte offset of the left child; a leaf's own offset
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
	if unsafe.Sizeof(k) == 4 {
		k32 := int32(k)
		return float64(math.Float32frombits(uint32(k32 ^ (k32 >> 31 & math.MaxInt32))))
	}
	k64 := int64(k)
	return math.Float64frombits(uint64(k64 ^ (k64 >> 63 & math.MaxInt64)))
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
	// m is the number of columns of a block of rows: the model's number of
	// features, or len(colFeature).
	m int
	// colFeature, when not nil, lists the feature each block column holds:
	// the distinct split features of the trees, ascending. It is nil when
	// the trees use every feature; then column f holds feature f.
	colFeature []int32
}

// nodeSize and colSize are the sizes of a node and of one feature's column
// in a block of rows, in bytes.
func (p *predictor[K, U]) nodeSize() uintptr { return unsafe.Sizeof(pnode[K, U]{}) }
func (p *predictor[K, U]) colSize() uintptr {
	var k K
	return predictChunk * unsafe.Sizeof(k)
}

// newPredictor builds the prediction layout of e's nodes. It refuses a
// model whose offsets would not fit the layout's 32 bits (over 178 million
// nodes, or splits on over 8 million features) and checks every link,
// because [walkAdd] follows them without bounds checks.
func newPredictor[K int32 | int64, U uint32 | uint64](e *Ensemble, key func(float64) K) (*predictor[K, U], error) {
	p := &predictor[K, U]{nodes: make([]pnode[K, U], len(e.nodes)), key: key, roots: e.roots, depth: e.depth, m: e.numFeatures}
	// The block columns: the split features, when they are fewer than the
	// model's. Features out of range are left to the loop below, which
	// refuses them.
	var used []int32
	for _, n := range e.nodes {
		if n.feature >= 0 && n.feature < int32(e.numFeatures) {
			used = append(used, n.feature)
		}
	}
	slices.Sort(used)
	used = slices.Compact(used)
	if len(used) == 0 {
		used = append(used, 0) // leaves only: one column, never read
	}
	if len(used) < e.numFeatures {
		p.colFeature, p.m = slices.Clip(used), len(used)
	}
	ns, cs := p.nodeSize(), p.colSize()
	if uint64(len(e.nodes))*uint64(ns) > math.MaxUint32 || uint64(p.m)*uint64(cs) > math.MaxUint32 {
		return nil, fmt.Errorf("tree: %d nodes splitting on %d features are beyond the predictor's layout", len(e.nodes), p.m)
	}
	missing := key(math.NaN())
	for i, n := range e.nodes {
		if n.feature < 0 {
			p.nodes[i] = pnode[K, U]{thr: valueBits[K](e.value[i]), left: uint32(uintptr(i) * ns)}
			continue
		}
		if n.feature >= int32(e.numFeatures) || n.left < 0 || int(n.left)+1 >= len(e.nodes) {
			return nil, fmt.Errorf("tree: node %d links beyond the model (feature %d, left child %d)", i, n.feature, n.left)
		}
		thr := key(n.thr)
		span := U(missing - thr) // keys thr .. missing-1 go right
		if n.missing > 0 {
			span++ // and the missing key too
		}
		col := n.feature
		if p.colFeature != nil {
			c, ok := slices.BinarySearch(p.colFeature, n.feature)
			if !ok {
				return nil, fmt.Errorf("tree: internal error: node %d splits on feature %d, which has no block column", i, n.feature)
			}
			col = int32(c)
		}
		p.nodes[i] = pnode[K, U]{thr: thr, span: span, col: uint32(uintptr(col) * cs), left: uint32(uintptr(n.left) * ns)}
		if n.cat != nil {
			if p.cat == nil {
				p.cat = make([]*catSplit, len(e.nodes))
			}
			p.cat[i] = n.cat
		}
	}
	for _, r := range e.roots {
		if r < 0 || int(r) >= len(e.nodes) {
			return nil, fmt.Errorf("tree: root %d is beyond the model's %d nodes", r, len(e.nodes))
		}
	}
	if p.cat != nil {
		p.catTree = make([]bool, len(e.roots))
		for t := range e.roots {
			p.catTree[t] = e.treeHasCat(t)
		}
	}
	return p, nil
}

// valueBits is a leaf value's bits as a key-sized integer: float32 bits
// for int32 keys (the leaf values of those models are float32 values, so
// nothing is rounded), float64 bits otherwise. See [leafValue].
func valueBits[K int32 | int64](v float64) K {
	var k K
	if unsafe.Sizeof(k) == 4 {
		return K(int32(math.Float32bits(float32(v))))
	}
	return K(int64(math.Float64bits(v)))
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

// feature is the block column of node i's split feature.
func (p *predictor[K, U]) feature(i int32) int32 { return int32(uintptr(p.nodes[i].col) / p.colSize()) }

// rowFeature is the split feature of node i: its index in a row.
func (p *predictor[K, U]) rowFeature(i int32) int32 {
	c := p.feature(i)
	if p.colFeature != nil {
		return p.colFeature[c]
	}
	return c
}

// step is the child of numeric node i that key k takes.
func (p *predictor[K, U]) step(i int32, k K) int32 {
	n := &p.nodes[i]
	return int32(uintptr(n.left)/p.nodeSize()) + b2i(U(k-n.thr) < n.span)
}

// catStep is step for a node that may be categorical.
func (p *predictor[K, U]) catStep(i int32, k K) int32 {
	c := p.cat[i]
	if c == nil {
		return p.step(i, k)
	}
	n := &p.nodes[i]
	left := int32(uintptr(n.left) / p.nodeSize())
	v := keyValue(k)
	if v != v {
		return left + b2i(n.span > U(p.key(math.NaN())-n.thr))
	}
	return left + b2i(c.has(v))
}

// leafCol returns the leaf that row r of a column block (see [walkAdd])
// reaches in tree t, which may have categorical splits.
func (p *predictor[K, U]) leafCol(t int, cols []K, r int) int32 {
	i := p.roots[t]
	for s := int32(0); s < p.depth[t]; s++ {
		i = p.catStep(i, cols[int(p.feature(i))*predictChunk+r])
	}
	return i
}

// stepAt is one step of the block walk: the byte offset of the child that
// the row at lane offset lane of the column block cols takes from the node
// at byte offset o of nodes. The offsets were checked by [newPredictor]
// and the block holds predictChunk rows of every block column (p.m; each
// node's column is below it), so every address is inside its array.
func stepAt[K int32 | int64, U uint32 | uint64](nodes, cols unsafe.Pointer, o uint32, lane uintptr) uint32 {
	n := (*pnode[K, U])(unsafe.Add(nodes, o))
	k := *(*K)(unsafe.Add(cols, uintptr(n.col)+lane))
	return n.left + uint32(b2i(U(k-n.thr) < n.span))*uint32(unsafe.Sizeof(*n))
}

// leafValue is the value of the leaf at byte offset o of nodes: a leaf
// keeps its value's bits in thr, which no walk reads (its span is 0), and
// F has the size of K (float32 values with int32 keys, float64 with int64).
func leafValue[K int32 | int64, U uint32 | uint64, F float32 | float64](nodes unsafe.Pointer, o uint32) F {
	return *(*F)(unsafe.Add(nodes, uintptr(o)+unsafe.Offsetof(pnode[K, U]{}.thr)))
}

// walkAdd adds to acc[r*NG+g] the value of the leaf that each of the first
// n rows of a column block reaches in tree t. The block holds predictChunk
// rows column by column (cols[c*predictChunk+r] is column c of row r: feature
// c, or feature p.colFeature[c] when the block holds only split features), so
// the eight rows walked in lockstep read their keys at fixed distances
// from one base. Every tree is walked for exactly its depth (leaves loop to
// themselves); the lanes' dependency chains are independent, so the CPU
// overlaps their loads. Rows past n up to the next multiple of eight are
// walked and added too, into slots nobody reads: acc must hold
// predictChunk rows.
func walkAdd[K int32 | int64, U uint32 | uint64, F float32 | float64](p *predictor[K, U], t int, cols []K, n int, acc []F, NG, g int) error {
	// The walk reads without bounds checks, so what it reads is checked
	// here, once a tree and block.
	if len(cols) < p.m*predictChunk || len(acc) < predictChunk*NG || n < 0 || n > predictChunk || g < 0 || g >= NG {
		return fmt.Errorf("tree: internal error: block of %d rows (%d keys, %d sums) for %d columns and group %d of %d", n, len(cols), len(acc), p.m, g, NG)
	}
	var k K
	var f F
	if unsafe.Sizeof(f) != unsafe.Sizeof(k) {
		return errors.New("tree: internal error: leaf values and keys differ in size")
	}
	ns := uint32(p.nodeSize())
	nodes := unsafe.Pointer(unsafe.SliceData(p.nodes))
	if p.catTree != nil && p.catTree[t] {
		for r := 0; r < n; r++ { // categorical trees are rare; keep the fast path small
			acc[r*NG+g] += leafValue[K, U, F](nodes, uint32(p.leafCol(t, cols, r))*ns)
		}
		return nil
	}
	ks := unsafe.Sizeof(k)
	root, depth := uint32(p.roots[t])*ns, int(p.depth[t])
	for r := 0; r < n; r += 8 {
		c := unsafe.Pointer(&cols[r])
		o0, o1, o2, o3, o4, o5, o6, o7 := root, root, root, root, root, root, root, root
		for s := 0; s < depth; s++ {
			o0 = stepAt[K, U](nodes, c, o0, 0)
			o1 = stepAt[K, U](nodes, c, o1, ks)
			o2 = stepAt[K, U](nodes, c, o2, 2*ks)
			o3 = stepAt[K, U](nodes, c, o3, 3*ks)
			o4 = stepAt[K, U](nodes, c, o4, 4*ks)
			o5 = stepAt[K, U](nodes, c, o5, 5*ks)
			o6 = stepAt[K, U](nodes, c, o6, 6*ks)
			o7 = stepAt[K, U](nodes, c, o7, 7*ks)
		}
		a := acc[r*NG : (r+8)*NG]
		a[g] += leafValue[K, U, F](nodes, o0)
		a[NG+g] += leafValue[K, U, F](nodes, o1)
		a[2*NG+g] += leafValue[K, U, F](nodes, o2)
		a[3*NG+g] += leafValue[K, U, F](nodes, o3)
		a[4*NG+g] += leafValue[K, U, F](nodes, o4)
		a[5*NG+g] += leafValue[K, U, F](nodes, o5)
		a[6*NG+g] += leafValue[K, U, F](nodes, o6)
		a[7*NG+g] += leafValue[K, U, F](nodes, o7)
	}
	return nil
}
