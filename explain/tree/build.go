package tree

import (
	"fmt"
	"math"
	"sort"
)

// SplitRule says how a row value is compared with a node's threshold.
type SplitRule int

// The split rules of the supported model formats.
const (
	// LessFloat32 is XGBoost's rule: the value is rounded to float32 and goes
	// left iff float32(x) < threshold; a value equal to the threshold goes
	// right. Margins are accumulated in float32, as XGBoost does.
	LessFloat32 SplitRule = iota
	// LessEqual is scikit-learn's rule: go left iff x <= threshold, compared
	// in float64. Margins are accumulated in float64.
	LessEqual
	// Less goes left iff x < threshold, compared in float64.
	Less
)

// Tree is one decision tree in struct-of-arrays form, indexed by node id,
// with the root at node 0. All slices have the same length; nodes that are
// not reachable from the root are ignored.
type Tree struct {
	// Left and Right are the child node ids; -1 in Left marks a leaf.
	Left, Right []int
	// Feature is the split feature of an internal node.
	Feature []int
	// Threshold is the split threshold of an internal node.
	Threshold []float64
	// DefaultLeft is the direction a missing (NaN) value takes at an
	// internal node. Nil means missing values go right.
	DefaultLeft []bool
	// Value is the leaf output (already scaled by any learning rate).
	// Entries at internal nodes are ignored.
	Value []float64
	// Cover is the training weight (XGBoost sum_hessian, scikit-learn
	// weighted_n_node_samples) that reached each node. Path-dependent
	// TreeSHAP needs it; nil is allowed for a model that only predicts.
	Cover []float64
	// Group is the output group (class) the tree adds to.
	Group int
	// Categories marks categorical splits; nil means none. When
	// Categories[i] is non-nil, internal node i is a partition split on
	// Feature[i] and Threshold[i] is ignored: a value whose category (the
	// value truncated to an integer) is listed goes right, any other value
	// (including negative values and values of 2^24 or more) goes left, and
	// a missing value takes DefaultLeft. This is XGBoost's rule; a format
	// whose listed categories go left swaps Left and Right.
	Categories [][]int
}

// Spec describes an ensemble for [New].
type Spec struct {
	Trees       []Tree // the trees; each adds its leaf value to its group's margin
	NumFeatures int    // columns of an input row; split features index them
	// NumGroups is the number of output groups (0 is read as 1).
	NumGroups int
	// Intercept is the margin-space intercept, one value per group or a
	// single value used for every group. Nil means 0.
	Intercept []float64
	Rule      SplitRule // how rows are compared with thresholds (zero: LessFloat32, XGBoost's)
	Transform Transform // maps margins to outputs (zero: Identity)
	// FeatureNames are optional; when given there must be NumFeatures.
	FeatureNames []string
	// ObjectiveName is the training objective, recorded for reference.
	ObjectiveName string
}

// New validates spec and builds an [Ensemble]. It walks every tree from its
// root, so dangling child indices, cycles, out-of-range features and
// non-finite values are reported as errors.
func New(spec Spec) (*Ensemble, error) { return newEnsemble(spec, buildRules{}) }

// buildRules relaxes [New]'s checks for a loader whose format allows what
// a hand-built spec should not have.
type buildRules struct {
	// zeroCovers: see [newEnsemble].
	zeroCovers bool
	// noTrees allows an ensemble without trees, whose margin is the
	// intercept: XGBoost saves one (num_boost_round=0) and predicts
	// base_score with it.
	noTrees bool
}

// newEnsemble is [New] with the relaxations of rules. With zeroCovers, an internal node whose cover is 0
// does not make the spec an error: the ensemble is built without covers
// (it predicts, and path-dependent TreeSHAP reports [errNoCover]).
// XGBoost's refresh updater (process_type=update, updater=refresh)
// writes such covers for the nodes its data did not reach, and XGBoost
// predicts with the model. The covers must still be finite, non-negative
// and add up, so that a corrupt file is still refused.
func newEnsemble(spec Spec, rules buildRules) (*Ensemble, error) {
	if spec.NumFeatures <= 0 {
		return nil, fmt.Errorf("tree: number of features is %d, must be positive", spec.NumFeatures)
	}
	if len(spec.Trees) == 0 && !rules.noTrees {
		return nil, errNoTrees
	}
	groups := spec.NumGroups
	if groups == 0 {
		groups = 1
	}
	if groups < 0 {
		return nil, fmt.Errorf("tree: number of output groups is %d", spec.NumGroups)
	}
	if !spec.Transform.valid() {
		return nil, fmt.Errorf("tree: unknown transform %d", spec.Transform)
	}
	if spec.Transform.vector() && groups < 2 {
		return nil, fmt.Errorf("tree: %s needs at least 2 output groups, have %d", spec.Transform, groups)
	}
	if spec.Rule < LessFloat32 || spec.Rule > Less {
		return nil, fmt.Errorf("tree: unknown split rule %d", spec.Rule)
	}
	if spec.FeatureNames != nil && len(spec.FeatureNames) != spec.NumFeatures {
		return nil, fmt.Errorf("tree: %d feature names for %d features", len(spec.FeatureNames), spec.NumFeatures)
	}
	e := &Ensemble{
		numFeatures:   spec.NumFeatures,
		numGroups:     groups,
		intercept:     make([]float64, groups),
		float32:       spec.Rule == LessFloat32,
		transform:     spec.Transform,
		objectiveName: spec.ObjectiveName,
		featureNames:  append([]string(nil), spec.FeatureNames...),
		hasCover:      true,
	}
	if len(e.featureNames) == 0 {
		e.featureNames = nil
	}
	switch len(spec.Intercept) {
	case 0:
	case 1:
		for k := range e.intercept {
			e.intercept[k] = spec.Intercept[0]
		}
	case groups:
		copy(e.intercept, spec.Intercept)
	default:
		return nil, fmt.Errorf("tree: %d intercepts for %d output groups", len(spec.Intercept), groups)
	}
	for k, v := range e.intercept {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("tree: intercept of group %d is %v", k, v)
		}
	}
	for t := range spec.Trees {
		if spec.Trees[t].Cover == nil {
			e.hasCover = false
		}
	}
	sawZero := false
	for t := range spec.Trees {
		if err := e.addTree(t, &spec.Trees[t], spec.Rule, rules.zeroCovers, &sawZero); err != nil {
			return nil, err
		}
	}
	if sawZero {
		e.hasCover = false
	}
	if err := e.checkRange(); err != nil {
		return nil, err
	}
	if e.hasCover {
		e.computeMeans()
		e.leafTab = e.buildLeafTables()
	}
	var err error
	if e.float32 {
		e.p32, err = newPredictor[int32, uint32](e, func(v float64) int32 { return key32(float32(v)) })
	} else {
		e.p64, err = newPredictor[int64, uint64](e, key64)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// checkRange makes sure that no row can give a margin, or a TreeSHAP
// value, beyond the range of the arithmetic: the intercept plus the
// largest |leaf| of each tree of a group must stay within float32's range
// for XGBoost's float32 margins, and within a sixteenth of float64's for
// the float64 rules, which leaves room for TreeSHAP's differences of
// expected values (each value is at most twice the sum). Leaves near the
// limits otherwise gave +Inf margins and ±Inf or NaN contributions.
func (e *Ensemble) checkRange() error {
	limit, arith := math.MaxFloat64/16, "float64"
	if e.float32 {
		limit, arith = math.MaxFloat32/2, "float32"
	}
	bound := make([]float64, e.numGroups)
	trees := make([]int, e.numGroups)
	for k, v := range e.intercept {
		bound[k] = math.Abs(v)
	}
	for t, root := range e.roots {
		end := int32(len(e.nodes))
		if t+1 < len(e.roots) {
			end = e.roots[t+1]
		}
		largest := 0.0
		for i := root; i < end; i++ {
			if e.nodes[i].feature < 0 {
				largest = math.Max(largest, math.Abs(e.value[i]))
			}
		}
		g := e.group[t]
		bound[g] += largest
		trees[g]++
	}
	for k, b := range bound {
		if !(b <= limit) {
			return fmt.Errorf("tree: output group %d can reach a margin of %g (intercept %g plus the largest leaf of each of its %d trees), beyond what %s margins and contributions can hold", k, b, e.intercept[k], trees[k], arith)
		}
	}
	return nil
}

// maxTreeDepth bounds the depth of a tree: TreeSHAP's scratch grows with
// the square of the depth, and no boosted tree is this deep.
const maxTreeDepth = 64

// addTree validates tree t and appends its reachable nodes in breadth-first
// order, children after their parent and siblings side by side. An
// internal node with cover 0 is an error unless zeroCovers is set; then it
// sets *sawZero.
func (e *Ensemble) addTree(t int, tr *Tree, rule SplitRule, zeroCovers bool, sawZero *bool) error {
	n := len(tr.Left)
	if n == 0 {
		return fmt.Errorf("tree: tree %d has no nodes", t)
	}
	for _, c := range []struct {
		name string
		l    int
	}{{"right children", len(tr.Right)}, {"features", len(tr.Feature)}, {"thresholds", len(tr.Threshold)}, {"values", len(tr.Value)}} {
		if c.l != n {
			return fmt.Errorf("tree: tree %d has %d left children but %d %s", t, n, c.l, c.name)
		}
	}
	if tr.DefaultLeft != nil && len(tr.DefaultLeft) != n {
		return fmt.Errorf("tree: tree %d has %d nodes but %d default directions", t, n, len(tr.DefaultLeft))
	}
	if tr.Cover != nil && len(tr.Cover) != n {
		return fmt.Errorf("tree: tree %d has %d nodes but %d covers", t, n, len(tr.Cover))
	}
	if tr.Categories != nil && len(tr.Categories) != n {
		return fmt.Errorf("tree: tree %d has %d nodes but %d category sets", t, n, len(tr.Categories))
	}
	if tr.Group < 0 || tr.Group >= e.numGroups {
		return fmt.Errorf("tree: tree %d adds to output group %d, model has %d groups", t, tr.Group, e.numGroups)
	}

	base := int32(len(e.nodes))
	seen := make([]bool, n)
	features := map[int32]bool{}
	depth := 0
	// Breadth-first walk from the root. Each queued item is a source node
	// id, its depth and the slot already reserved for it; the two children
	// of a node get adjacent slots.
	type item struct {
		id, depth int
		slot      int32
	}
	e.nodes = append(e.nodes, node{})
	e.value = append(e.value, 0)
	e.cover = append(e.cover, 0)
	e.sourceID = append(e.sourceID, 0)
	queue := []item{{id: 0, slot: base}}
	for q := 0; q < len(queue); q++ {
		it := queue[q]
		if it.id < 0 || it.id >= n {
			return fmt.Errorf("tree: tree %d: child index %d out of range [0,%d)", t, it.id, n)
		}
		if seen[it.id] {
			return fmt.Errorf("tree: tree %d: node %d is reached twice (not a tree)", t, it.id)
		}
		seen[it.id] = true
		if it.depth > maxTreeDepth {
			return fmt.Errorf("tree: tree %d is deeper than %d levels", t, maxTreeDepth)
		}
		depth = max(depth, it.depth)
		cover := 0.0
		if tr.Cover != nil {
			cover = tr.Cover[it.id]
			if math.IsNaN(cover) || math.IsInf(cover, 0) || cover < 0 {
				return fmt.Errorf("tree: tree %d node %d has cover %v", t, it.id, cover)
			}
		}
		nd := node{feature: -1, left: -1}
		val := 0.0
		if tr.Left[it.id] == -1 {
			val = tr.Value[it.id]
			if math.IsNaN(val) || math.IsInf(val, 0) {
				return fmt.Errorf("tree: tree %d leaf %d has value %v", t, it.id, val)
			}
		} else {
			f := tr.Feature[it.id]
			if f < 0 || f >= e.numFeatures {
				return fmt.Errorf("tree: tree %d node %d splits on feature %d, model has %d features", t, it.id, f, e.numFeatures)
			}
			var cats []int
			if tr.Categories != nil {
				cats = tr.Categories[it.id]
			}
			thr := tr.Threshold[it.id]
			if cats != nil {
				cs, err := newCatSplit(cats)
				if err != nil {
					return fmt.Errorf("tree: tree %d node %d: %w", t, it.id, err)
				}
				nd.cat = cs
				thr = 0
			}
			if math.IsNaN(thr) || math.IsInf(thr, 0) {
				return fmt.Errorf("tree: tree %d node %d has threshold %v", t, it.id, thr)
			}
			if tr.Cover != nil && cover <= 0 {
				if !zeroCovers {
					return fmt.Errorf("tree: tree %d internal node %d has cover %v, must be positive", t, it.id, cover)
				}
				*sawZero = true
			}
			if err := checkChildCover(t, it.id, tr, seen); err != nil {
				return err
			}
			nd.feature = int32(f)
			switch rule {
			case LessFloat32:
				nd.thr = float64(float32(thr))
			case LessEqual:
				nd.thr = math.Nextafter(thr, math.Inf(1))
			case Less:
				nd.thr = thr
			}
			if math.IsInf(nd.thr, 0) {
				return fmt.Errorf("tree: tree %d node %d has threshold %v, too large to compare", t, it.id, thr)
			}
			nd.missing = math.Inf(1)
			if tr.DefaultLeft != nil && tr.DefaultLeft[it.id] {
				nd.missing = math.Inf(-1)
			}
			features[int32(f)] = true
			nd.left = int32(len(e.nodes))
			e.nodes = append(e.nodes, node{}, node{})
			e.value = append(e.value, 0, 0)
			e.cover = append(e.cover, 0, 0)
			e.sourceID = append(e.sourceID, 0, 0)
			queue = append(queue,
				item{id: tr.Left[it.id], depth: it.depth + 1, slot: nd.left},
				item{id: tr.Right[it.id], depth: it.depth + 1, slot: nd.left + 1})
		}
		e.nodes[it.slot] = nd
		e.value[it.slot] = val
		e.cover[it.slot] = cover
		e.sourceID[it.slot] = int32(it.id)
	}
	fs := make([]int32, 0, len(features))
	for f := range features {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i] < fs[j] })
	e.roots = append(e.roots, base)
	e.group = append(e.group, int32(tr.Group))
	e.depth = append(e.depth, int32(depth))
	e.treeFeatures = append(e.treeFeatures, fs)
	if depth > e.maxDepth {
		e.maxDepth = depth
	}
	return nil
}

// maxCoverMismatch is the relative difference allowed between a node's
// cover and the sum of its children's. Real models agree to float32
// rounding (XGBoost's sum_hessian is stored as float32: about 1e-7);
// covers that disagree more are corrupt, and TreeSHAP, which weighs each
// branch by child cover / parent cover, would turn them into values of
// any size (a parent cover of 1e-45 over children of 3 gave contributions
// of ±1.5e45 that no longer summed to the margin).
const maxCoverMismatch = 1e-3

// checkChildCover reports an internal node whose children's covers do not
// add up to its own. Children out of range or already seen (a cycle) are
// left to the walk, which reports them when it reaches them.
func checkChildCover(t, id int, tr *Tree, seen []bool) error {
	if tr.Cover == nil {
		return nil
	}
	n := len(tr.Left)
	l, r := tr.Left[id], tr.Right[id]
	if l < 0 || l >= n || r < 0 || r >= n || seen[l] || seen[r] || l == r {
		return nil
	}
	c, sum := tr.Cover[id], tr.Cover[l]+tr.Cover[r]
	if !(math.Abs(sum-c) <= maxCoverMismatch*c) {
		return fmt.Errorf("tree: tree %d node %d has cover %v but its children %d and %d have %v and %v; a node's cover must be the sum of its children's", t, id, c, l, r, tr.Cover[l], tr.Cover[r])
	}
	return nil
}

// newCatSplit checks and sorts a category set.
func newCatSplit(cats []int) (*catSplit, error) {
	set := make([]int32, 0, len(cats))
	for _, c := range cats {
		if c < 0 || c >= maxCategory {
			return nil, fmt.Errorf("category %d out of range [0, 2^24)", c)
		}
		set = append(set, int32(c))
	}
	sort.Slice(set, func(i, j int) bool { return set[i] < set[j] })
	out := set[:0]
	for i, c := range set {
		if i == 0 || c != set[i-1] {
			out = append(out, c)
		}
	}
	return &catSplit{set: out}, nil
}

// computeMeans stores at every internal node the cover-weighted mean of its
// children's values (Lundberg et al. 2020: the expected value of the
// subtree), which TreeSHAP uses for the bias term. Children come after their
// parent in the node array, so a reverse sweep sees them first.
func (e *Ensemble) computeMeans() {
	for i := len(e.nodes) - 1; i >= 0; i-- {
		n := &e.nodes[i]
		if n.feature < 0 {
			continue
		}
		l, r := n.left, n.left+1
		e.value[i] = (e.value[l]*e.cover[l] + e.value[r]*e.cover[r]) / e.cover[i]
	}
}
