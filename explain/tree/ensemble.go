package tree

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// node is one live node of an ensemble, stored in a single flat array shared
// by all trees so that a walk touches one compact slice. Deleted and
// unreachable nodes of the source file are dropped when the ensemble is
// built, child indices are absolute positions in that array, and the two
// children of a node are adjacent (right = left+1), so that choosing a
// child is an addition rather than a branch.
type node struct {
	// thr is the split threshold in the ensemble's canonical form: after the
	// row value has been put through [Ensemble.canonRow], the row goes left
	// iff value < thr. XGBoost thresholds are float32 values; sklearn's
	// "x <= t" rule is turned into "x < nextafter(t, +Inf)" at load time.
	thr float64
	// missing is the value a NaN is replaced with: -Inf sends it left
	// (default left), +Inf right. Thresholds are finite, so this is exact.
	missing float64
	// feature is the split feature, or -1 at a leaf.
	feature int32
	// left is the left child's index; the right child is left+1. At a
	// leaf it indexes the leaf's TreeSHAP table entry (or is -1).
	left int32
	// cat, when non-nil, makes this a categorical split (thr is unused):
	// see [catSplit.next].
	cat *catSplit
}

// catSplit is the category set of a categorical split, sorted and without
// duplicates. XGBoost's rule (common::Decision): a value whose category
// (the value truncated to an integer) is in the set goes right; any other
// value, including negative values and values of 2^24 or more, goes left;
// a missing value takes the default direction.
type catSplit struct {
	set []int32
}

// maxCategory is XGBoost's bound on category values (OutOfRangeCat, 2^24,
// the largest integer range a float32 holds exactly).
const maxCategory = 1 << 24

// has reports whether canonical value v is a category of the set.
func (c *catSplit) has(v float64) bool {
	if !(v >= 0 && v < maxCategory) {
		return false
	}
	k := int32(v)
	lo, hi := 0, len(c.set)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.set[m] < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(c.set) && c.set[lo] == k
}

// Ensemble is an immutable additive tree ensemble: the margin of output group
// k is the intercept of group k plus the sum of the leaf values reached in
// the trees of group k. An Ensemble is safe for concurrent use.
//
// Build one with [LoadXGBoostJSON], [LoadXGBoostFile], [LoadSklearnJSON] or
// [New].
type Ensemble struct {
	nodes []node
	value []float64 // leaf value at leaves; cover-weighted mean below internal nodes
	cover []float64 // node cover (XGBoost sum_hessian, sklearn weighted samples)

	roots    []int32 // root node of each tree, in file order
	group    []int32 // output group of each tree
	depth    []int32 // depth (edges from root to deepest leaf) of each tree
	maxDepth int

	numFeatures int
	numGroups   int
	intercept   []float64 // margin intercept per group

	// float32 reproduces XGBoost's arithmetic: row values are rounded to
	// float32 before comparison and margins are accumulated in float32.
	float32 bool

	transform     Transform
	objectiveName string
	featureNames  []string

	// sourceID maps a node to its id within its tree in the source arrays.
	sourceID []int32
	// hasCover reports whether node covers were supplied (TreeSHAP needs them).
	hasCover bool

	// treeFeatures[t] lists the distinct split features of tree t, sorted.
	treeFeatures [][]int32

	// leafTab holds the per-leaf TreeSHAP tables (nil: not eligible).
	leafTab *leafTables
	// interTab holds the interaction tables, built on first use.
	interOnce sync.Once
	interTab  *interactionTables

	// linear is a gblinear booster's weights (nil for tree models).
	linear *linearModel

	// p32 (float32 models) or p64 (the others) is the prediction layout
	// of the nodes: see [pnode].
	p32 *predictor[int32, uint32]
	p64 *predictor[int64, uint64]
}

// tables returns the per-leaf TreeSHAP tables, or nil.
func (e *Ensemble) tables() *leafTables { return e.leafTab }

// NumFeatures returns the number of input features a row must have.
func (e *Ensemble) NumFeatures() int { return e.numFeatures }

// NumGroups returns the number of output groups: 1 for regression and binary
// classification, K for a K-class model (multi:softprob, multi:softmax),
// T for a T-target model (several labels or quantiles).
func (e *Ensemble) NumGroups() int { return e.numGroups }

// NumTrees returns the number of trees.
func (e *Ensemble) NumTrees() int { return len(e.roots) }

// MaxDepth returns the depth of the deepest tree (a single leaf has depth 0).
func (e *Ensemble) MaxDepth() int { return e.maxDepth }

// Transform returns the function that maps margins to outputs.
func (e *Ensemble) Transform() Transform { return e.transform }

// ObjectiveName returns the training objective recorded in the model file
// (for example "binary:logistic"), or "" when none was recorded.
func (e *Ensemble) ObjectiveName() string { return e.objectiveName }

// FeatureNames returns the feature names stored in the model file, or nil.
func (e *Ensemble) FeatureNames() []string { return append([]string(nil), e.featureNames...) }

// Intercept returns the margin-space intercept added to group k (for XGBoost
// models, the objective's transform of base_score).
func (e *Ensemble) Intercept(k int) float64 {
	if k < 0 || k >= e.numGroups {
		return math.NaN()
	}
	return e.intercept[k]
}

// canonRow writes the canonical form of row into dst (len(dst) == len(row)):
// rounded to float32 for XGBoost models, and with ±Inf replaced by
// ±MaxFloat64, which takes the same direction at every (finite) threshold
// and keeps the branch-free comparison in [node.next] exact.
func (e *Ensemble) canonRow(dst, row []float64) {
	dst = dst[:len(row)]
	if e.float32 {
		for i, v := range row {
			dst[i] = clampInf(float64(float32(v)))
		}
		return
	}
	for i, v := range row {
		dst[i] = clampInf(v)
	}
}

func clampInf(v float64) float64 {
	if v > math.MaxFloat64 {
		return math.MaxFloat64
	}
	if v < -math.MaxFloat64 {
		return -math.MaxFloat64
	}
	return v
}

// next returns the child of internal node n that a canonical value v takes:
// a missing value follows the default direction, otherwise v < thr goes
// left (categorical splits: see [catSplit]).
func (n *node) next(v float64) int32 {
	if n.cat != nil {
		return n.catNext(v)
	}
	if v != v { // NaN
		v = n.missing
	}
	// Branch-free v >= thr. v is finite or the ±Inf of missing, and thr is
	// finite (or +Inf at a predictor leaf, where v is finite or −Inf), so
	// v−thr is exactly signed, +0 when equal; adding +0 turns the −0 of
	// v = −0, thr = +0 into +0. The row goes right when the sign bit is
	// clear. Splits are unpredictable, so a branch here mispredicts often.
	d := v - n.thr + 0
	return n.left + 1 - int32(math.Float64bits(d)>>63)
}

// catNext is next for a categorical split.
func (n *node) catNext(v float64) int32 {
	if v != v {
		if n.missing < 0 {
			return n.left
		}
		return n.left + 1
	}
	if n.cat.has(v) {
		return n.left + 1
	}
	return n.left
}

// leaf walks tree t on a canonical row and returns the leaf node index,
// converting the row's values to keys as it goes (the batch path converts
// a block of rows once, in predictRows).
func (e *Ensemble) leaf(t int, row []float64) int32 {
	if e.p32 != nil {
		return leafAt(e.p32, t, row)
	}
	return leafAt(e.p64, t, row)
}

// leafAt is leaf on predictor p.
func leafAt[K int32 | int64, U uint32 | uint64](p *predictor[K, U], t int, row []float64) int32 {
	i := p.roots[t]
	for s := int32(0); s < p.depth[t]; s++ {
		k := p.key(row[p.rowFeature(i)])
		if p.cat != nil {
			i = p.catStep(i, k)
		} else {
			i = p.step(i, k)
		}
	}
	return i
}

// marginCanon writes the margins of a canonical row into out (len numGroups).
func (e *Ensemble) marginCanon(row []float64, out []float64) {
	copy(out, e.intercept)
	if e.float32 {
		// XGBoost sums float32 leaf values in file order, starting from the
		// float32 intercept; doing the same is bit-exact. out[k] always holds
		// a float32 value, so the round trip through float64 is exact.
		if e.numGroups == 1 {
			acc := float32(out[0])
			for t := range e.roots {
				acc += float32(e.value[e.leaf(t, row)])
			}
			out[0] = float64(acc)
			return
		}
		for t := range e.roots {
			g := e.group[t]
			out[g] = float64(float32(out[g]) + float32(e.value[e.leaf(t, row)]))
		}
		return
	}
	if e.numGroups == 1 {
		acc := out[0]
		for t := range e.roots {
			acc += e.value[e.leaf(t, row)]
		}
		out[0] = acc
		return
	}
	for t := range e.roots {
		out[e.group[t]] += e.value[e.leaf(t, row)]
	}
}

// checkRow reports a row whose length does not match the model.
func (e *Ensemble) checkRow(row []float64) error {
	if len(row) != e.numFeatures {
		return fmt.Errorf("tree: row has %d features, model expects %d", len(row), e.numFeatures)
	}
	return nil
}

// PredictMargin writes the margin (raw score before the objective's
// transform) of each output group for one row into out, which must have
// length [Ensemble.NumGroups]. NaN marks a missing value.
func (e *Ensemble) PredictMargin(row []float64, out []float64) error {
	if err := e.checkRow(row); err != nil {
		return err
	}
	if len(out) != e.numGroups {
		return fmt.Errorf("tree: output has %d slots, model has %d output groups", len(out), e.numGroups)
	}
	var stack [32]float64
	var buf []float64
	if len(row) > len(stack) {
		buf = make([]float64, len(row))
	} else {
		buf = stack[:len(row)]
	}
	e.canonRow(buf, row)
	e.marginCanon(buf, out)
	if e.linear != nil {
		return e.addLinearMargin(buf, out)
	}
	return nil
}

// PredictOutput writes the output-space prediction (the objective's transform
// of the margins: identity, sigmoid, softmax or exp) for one row into out,
// which must have length [Ensemble.NumGroups]. An output beyond float64's
// range (exp of a margin above about 709.78) is an error.
func (e *Ensemble) PredictOutput(row []float64, out []float64) error {
	if err := e.PredictMargin(row, out); err != nil {
		return err
	}
	e.transform.apply(out)
	return e.transform.checkOutputs(out, len(out), 0)
}

// LeafIndex writes, for every tree, the index in the source file's node
// arrays of the leaf the row reaches (XGBoost's pred_leaf) into out, which
// must have length [Ensemble.NumTrees].
func (e *Ensemble) LeafIndex(row []float64, out []int) error {
	if err := e.checkRow(row); err != nil {
		return err
	}
	if len(out) != len(e.roots) {
		return fmt.Errorf("tree: leaf output has %d slots, model has %d trees", len(out), len(e.roots))
	}
	buf := make([]float64, len(row))
	e.canonRow(buf, row)
	for t := range e.roots {
		out[t] = int(e.sourceID[e.leaf(t, buf)])
	}
	return nil
}

// errNoTrees is returned for an ensemble without trees.
var errNoTrees = errors.New("tree: model has no trees")
