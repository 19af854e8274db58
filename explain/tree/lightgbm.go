package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// LightGBM's text model format (Booster.save_model, "version=v3" and
// "version=v4"): a header of key=value lines, then one block per tree
// ("Tree=N" followed by key=value lines), then "end of trees" (files
// written by LightGBM 2.0.x and 2.1.x, version v2 or none, have no such
// line and go on with "feature importances:" instead). Child
// indices are node indices when non-negative and ^leaf (that is, -leaf-1)
// when negative. Leaf values already include the shrinkage (learning rate)
// and any boost_from_average init score, so the intercept is zero.
//
// The ensemble's canonical node (x < thr goes left, NaN takes a default
// direction) cannot express LightGBM's categorical splits or its
// zero-as-missing rule directly. A LightGBM split on feature f sends each
// value to the left or the right; the set of values going left is a finite
// union of intervals, so such a node is converted into a small binary
// subtree of threshold splits on f whose leaves are copies of the original
// left or right subtree. The copies' covers are scaled so that the share of
// the node's cover reaching all copies of a child equals the original
// child's share, which leaves both the predicted function and the
// path-dependent TreeSHAP game (cover-weighted conditional expectations)
// unchanged. The common numerical split with missing type None or NaN
// needs no expansion and becomes one node.

// lgbZeroThreshold is LightGBM's kZeroThreshold (1e-35f, compared in
// double): a value with |x| <= it counts as zero for zero-as-missing splits.
var lgbZeroThreshold = float64(float32(1e-35))

// lgbMaxNodes bounds the nodes that expansion may add beyond four times
// the file's own node count, so that a malformed or hostile file with
// nested categorical splits cannot exhaust memory through subtree copies,
// while large models without such splits always load.
var lgbMaxNodes = 1 << 20 // a variable so that tests can lower it

// lgbMaxCatWords bounds the length of one categorical bitset (32 categories
// per word); LightGBM caps categories far below this.
const lgbMaxCatWords = 1 << 20

// lgbField is one key=value line of the file.
type lgbField struct {
	val  string
	line int
}

// lgbBlock is the header or one tree block.
type lgbBlock struct {
	name   string // "header" or "Tree=N"
	line   int
	fields map[string]lgbField
	flags  map[string]int // bare lines such as "average_output"
}

// lgbError formats a parse error that names the line and field.
func lgbError(line int, format string, args ...any) error {
	return fmt.Errorf("tree: lightgbm model: line %d: %s", line, fmt.Sprintf(format, args...))
}

// LoadLightGBMFile reads a LightGBM text model file (see [LoadLightGBM]).
func LoadLightGBMFile(path string) (*Ensemble, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tree: %w", err)
	}
	defer f.Close()
	e, err := LoadLightGBM(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return e, nil
}

// LoadLightGBM reads a model saved by LightGBM's Booster.save_model in its
// text format (version v3 or v4, and the v2 or unversioned files of
// LightGBM 2.0.5 to 2.1.x, which have no "end of trees" line; the older
// tree format of 2.0.0 to 2.0.4, without num_cat, is refused). The
// ensemble predicts as LightGBM does: a row goes left iff
// x <= threshold, compared in float64, margins are
// summed in float64, and missing values follow the node's decision_type:
// missing type NaN sends NaN to the default direction; type Zero sends NaN
// and values with |x| <= 1e-35 to the default direction; type None treats
// NaN as 0. Categorical splits send a value left iff it is a non-negative
// category (truncated to an integer) whose bit is set in the split's
// bitset; NaN and negative values go right.
//
// Node covers are the internal_count and leaf_count fields; when a model
// lacks them it predicts but path-dependent TreeSHAP reports an error.
// [Ensemble.LeafIndex] reports node ids of the converted trees, which
// differ from LightGBM's leaf indices.
//
// Supported objectives: the identity-link regression and ranking losses
// (regression, regression_l1, huber, fair, quantile, mape, lambdarank,
// rank_xendcg), binary and cross_entropy (sigmoid), multiclass (softmax),
// multiclassova (a sigmoid per class) and poisson, gamma and tweedie (exp).
// Random forests (average_output) average their iterations, as LightGBM
// does, up to rounding: leaves are scaled by 1/iterations, so margins may
// differ from LightGBM's in the last bits; a forest saved by LightGBM 2.x
// (model version v2) predicts the average without the objective's
// transform, as LightGBM 2.x did, later ones with it. Linear trees, sigmoid
// parameters other than 1 and other objectives give an error wrapping
// [ErrUnsupported].
func LoadLightGBM(r io.Reader) (*Ensemble, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("tree: lightgbm model: read: %w", err)
	}
	return ParseLightGBM(data)
}

// ParseLightGBM parses a LightGBM text model held in memory; see
// [LoadLightGBM].
func ParseLightGBM(data []byte) (*Ensemble, error) {
	header, trees, err := lgbSplit(data)
	if err != nil {
		return nil, err
	}
	return lgbBuild(header, trees)
}

// lgbSplit cuts the file into its header and tree blocks.
func lgbSplit(data []byte) (*lgbBlock, []*lgbBlock, error) {
	lines := bytes.Split(data, []byte("\n"))
	header := &lgbBlock{name: "header", line: 1, fields: map[string]lgbField{}, flags: map[string]int{}}
	cur := header
	var trees []*lgbBlock
	sawMagic, sawEnd := false, false
	for i, raw := range lines {
		ln := i + 1
		s := strings.TrimSpace(string(raw))
		if s == "" {
			continue
		}
		if !sawMagic {
			if s != "tree" {
				return nil, nil, lgbError(ln, "first line is %q, want \"tree\" (not a LightGBM text model)", truncate(s))
			}
			sawMagic = true
			continue
		}
		if s == "end of trees" {
			sawEnd = true
			break
		}
		if rest, ok := strings.CutPrefix(s, "Tree="); ok {
			idx, err := strconv.Atoi(rest)
			if err != nil {
				return nil, nil, lgbError(ln, "Tree=%q is not an integer", truncate(rest))
			}
			if idx != len(trees) {
				return nil, nil, lgbError(ln, "Tree=%d where Tree=%d was expected", idx, len(trees))
			}
			cur = &lgbBlock{name: "Tree=" + rest, line: ln, fields: map[string]lgbField{}}
			trees = append(trees, cur)
			continue
		}
		if cur != header && lgbTrailer(s) {
			// LightGBM 2.0.x and 2.1.x wrote no "end of trees": the
			// section after the last tree ends the trees, as it does in
			// LightGBM's own loader.
			sawEnd = true
			break
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			if cur == header {
				header.flags[s] = ln
				continue
			}
			return nil, nil, lgbError(ln, "%s: line %q is not key=value", cur.name, truncate(s))
		}
		if _, dup := cur.fields[k]; dup {
			return nil, nil, lgbError(ln, "%s: field %s given twice", cur.name, truncate(k))
		}
		cur.fields[k] = lgbField{val: v, line: ln}
	}
	if !sawMagic {
		return nil, nil, errors.New("tree: lightgbm model: empty input")
	}
	if !sawEnd {
		return nil, nil, lgbError(len(lines), "no \"end of trees\" line, nor a \"feature importances:\" or \"parameters:\" section, after the last tree (truncated file?)")
	}
	return header, trees, nil
}

// lgbTrailer reports whether line s (trimmed) opens one of the sections
// that LightGBM writes after the trees. Versions 2.2.0 and later end the
// trees with "end of trees" (then "feature_importances:"); 2.0.x and
// 2.1.x (model version v2, or no version line) go straight on to
// "feature importances:" or "parameters:", and the Python package may
// append "pandas_categorical:...". LightGBM's loader stops at
// the first line after the tree blocks that is not "Tree=", so these
// files load there. Only the known section lines end the trees here: any
// other line that is not key=value, such as a key cut short by a
// truncated file, is still an error, and a file that ends without one of
// them is refused as truncated.
func lgbTrailer(s string) bool {
	switch s {
	case "feature importances:", "feature_importances:", "parameters:":
		return true
	}
	return strings.HasPrefix(s, "pandas_categorical:")
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// need returns a required field or an error naming it.
func (b *lgbBlock) need(key string) (lgbField, error) {
	f, ok := b.fields[key]
	if !ok {
		return lgbField{}, lgbError(b.line, "%s: missing field %s", b.name, key)
	}
	return f, nil
}

func (b *lgbBlock) int(key string) (int, error) {
	f, err := b.need(key)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(f.val))
	if err != nil {
		return 0, lgbError(f.line, "%s: field %s = %q is not an integer", b.name, key, truncate(f.val))
	}
	return v, nil
}

// ints parses a space-separated list of integers of length n (n < 0: any).
func (b *lgbBlock) ints(key string, n int) ([]int, error) {
	f, err := b.need(key)
	if err != nil {
		return nil, err
	}
	parts := strings.Fields(f.val)
	if n >= 0 && len(parts) != n {
		return nil, lgbError(f.line, "%s: field %s has %d values, want %d", b.name, key, len(parts), n)
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil, lgbError(f.line, "%s: field %s: value %d (%q) is not an integer", b.name, key, i, truncate(p))
		}
		out[i] = v
	}
	return out, nil
}

// floats parses a space-separated list of n finite numbers.
func (b *lgbBlock) floats(key string, n int) ([]float64, error) {
	f, err := b.need(key)
	if err != nil {
		return nil, err
	}
	parts := strings.Fields(f.val)
	if len(parts) != n {
		return nil, lgbError(f.line, "%s: field %s has %d values, want %d", b.name, key, len(parts), n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, lgbError(f.line, "%s: field %s: value %d (%q) is not a finite number", b.name, key, i, truncate(p))
		}
		out[i] = v
	}
	return out, nil
}

// lgbObjective is how a LightGBM objective maps margins to outputs.
type lgbObjective struct {
	transform Transform
	multi     bool // needs num_class > 1
	sigmoid   bool // has a sigmoid:<s> parameter that must be 1
}

var lgbObjectives = map[string]lgbObjective{
	"regression":    {transform: Identity},
	"regression_l1": {transform: Identity},
	"huber":         {transform: Identity},
	"fair":          {transform: Identity},
	"quantile":      {transform: Identity},
	"mape":          {transform: Identity},
	"lambdarank":    {transform: Identity},
	"rank_xendcg":   {transform: Identity},
	"custom":        {transform: Identity},
	"binary":        {transform: Sigmoid, sigmoid: true},
	"cross_entropy": {transform: Sigmoid},
	"multiclass":    {transform: Softmax, multi: true},
	"multiclassova": {transform: Sigmoid, multi: true, sigmoid: true},
	"poisson":       {transform: Exp},
	"gamma":         {transform: Exp},
	"tweedie":       {transform: Exp},
}

// lgbParseObjective reads "binary sigmoid:1", "multiclass num_class:3", ...
func lgbParseObjective(f lgbField) (string, lgbObjective, error) {
	parts := strings.Fields(f.val)
	if len(parts) == 0 {
		return "", lgbObjective{}, lgbError(f.line, "header: field objective is empty")
	}
	name := parts[0]
	obj, ok := lgbObjectives[name]
	if !ok {
		return "", lgbObjective{}, unsupported("lightgbm objective %q (line %d)", truncate(name), f.line)
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, ":")
		switch k {
		case "sigmoid":
			s, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return "", lgbObjective{}, lgbError(f.line, "header: field objective: sigmoid parameter %q is not a number", truncate(v))
			}
			if obj.sigmoid && s != 1 {
				return "", lgbObjective{}, unsupported("lightgbm objective %s with sigmoid:%v (only 1 is supported; line %d)", name, s, f.line)
			}
		case "sqrt":
			return "", lgbObjective{}, unsupported("lightgbm objective %s with sqrt (reg_sqrt) output (line %d)", name, f.line)
		}
	}
	return name, obj, nil
}

func lgbBuild(h *lgbBlock, blocks []*lgbBlock) (*Ensemble, error) {
	if v, ok := h.fields["version"]; ok && v.val != "v3" && v.val != "v4" && v.val != "v2" {
		return nil, unsupported("lightgbm model version %q (line %d)", truncate(v.val), v.line)
	}
	_, average := h.flags["average_output"]
	numClass, err := h.int("num_class")
	if err != nil {
		return nil, err
	}
	perIter := 1
	if _, ok := h.fields["num_tree_per_iteration"]; ok {
		if perIter, err = h.int("num_tree_per_iteration"); err != nil {
			return nil, err
		}
	}
	maxFeature, err := h.int("max_feature_idx")
	if err != nil {
		return nil, err
	}
	if numClass < 1 {
		return nil, lgbError(h.fields["num_class"].line, "header: num_class is %d", numClass)
	}
	if perIter != numClass {
		return nil, lgbError(h.fields["num_tree_per_iteration"].line, "header: num_tree_per_iteration is %d but num_class is %d", perIter, numClass)
	}
	if maxFeature < 0 || maxFeature >= 1<<24 {
		return nil, lgbError(h.fields["max_feature_idx"].line, "header: max_feature_idx is %d", maxFeature)
	}
	numFeatures := maxFeature + 1
	objName, obj := "", lgbObjective{transform: Identity}
	if f, ok := h.fields["objective"]; ok {
		if objName, obj, err = lgbParseObjective(f); err != nil {
			return nil, err
		}
	}
	if obj.multi != (numClass > 1) {
		line := h.fields["num_class"].line
		if obj.multi {
			return nil, lgbError(line, "header: objective %s with num_class %d", objName, numClass)
		}
		return nil, unsupported("lightgbm objective %s with num_class %d (line %d)", objName, numClass, line)
	}
	var names []string
	if f, ok := h.fields["feature_names"]; ok {
		names = strings.Fields(f.val)
		if len(names) != numFeatures {
			return nil, lgbError(f.line, "header: field feature_names has %d names for max_feature_idx %d", len(names), maxFeature)
		}
	}
	if len(blocks) == 0 {
		return nil, errNoTrees
	}
	if len(blocks)%perIter != 0 {
		return nil, lgbError(blocks[len(blocks)-1].line, "%d trees is not a multiple of num_tree_per_iteration %d", len(blocks), perIter)
	}
	spec := Spec{
		Trees:         make([]Tree, len(blocks)),
		NumFeatures:   numFeatures,
		NumGroups:     numClass,
		Rule:          Less,
		Transform:     obj.transform,
		FeatureNames:  names,
		ObjectiveName: objName,
	}
	raws := make([]*lgbTree, len(blocks))
	budget := lgbMaxNodes
	for t, b := range blocks {
		if raws[t], err = lgbParseTree(b, numFeatures); err != nil {
			return nil, err
		}
		budget += 4 * (2*raws[t].numLeaves - 1)
	}
	withCover := true
	for t, b := range blocks {
		tr, err := raws[t].convert(b, &budget)
		if err != nil {
			return nil, err
		}
		tr.Group = t % perIter
		if tr.Cover == nil {
			withCover = false
		}
		spec.Trees[t] = tr
	}
	if !withCover {
		for t := range spec.Trees {
			spec.Trees[t].Cover = nil
		}
	}
	if average {
		// A random forest (boosting=rf) averages its iterations: LightGBM
		// divides the summed raw score by the number of iterations. Scaling
		// every leaf by 1/iterations is the same average up to rounding
		// (it sums v/T instead of dividing Σv by T) and keeps TreeSHAP's
		// values additive.
		inv := 1 / float64(len(blocks)/perIter)
		for t := range spec.Trees {
			for i := range spec.Trees[t].Value {
				spec.Trees[t].Value[i] *= inv
			}
		}
		// LightGBM 2.x (model version v2) returned a forest's average
		// without the objective's transform; 3.x and later apply it.
		if v, ok := h.fields["version"]; ok && v.val == "v2" {
			spec.Transform = Identity
		}
	}
	e, err := New(spec)
	if err != nil {
		return nil, fmt.Errorf("%w (lightgbm model)", err)
	}
	return e, nil
}

// lgbTree is one tree as stored in the file.
type lgbTree struct {
	numLeaves     int
	splitFeature  []int
	threshold     []float64
	decisionType  []int
	left, right   []int
	leafValue     []float64
	leafCount     []float64 // nil when absent
	internalCount []float64 // nil when absent
	catBoundaries []int
	catThreshold  []uint32
}

func lgbParseTree(b *lgbBlock, numFeatures int) (*lgbTree, error) {
	n, err := b.int("num_leaves")
	if err != nil {
		return nil, err
	}
	if n < 1 || n > lgbMaxNodes {
		return nil, lgbError(b.fields["num_leaves"].line, "%s: num_leaves is %d", b.name, n)
	}
	if _, ok := b.fields["num_cat"]; !ok {
		// LightGBM 2.0.5 and later write num_cat in every tree and refuse a
		// tree without it. Earlier files (2.0.0 to 2.0.4) decide splits
		// differently: decision_type 1 is a categorical equality test and
		// values near zero (and NaN, read as 0) take the node's
		// default_value; read with today's rules they would predict wrongly.
		return nil, unsupported("lightgbm model without num_cat in %s (line %d): the tree format of LightGBM 2.0.4 and earlier (default_value splits); re-save it with a later LightGBM", b.name, b.line)
	}
	if f, ok := b.fields["is_linear"]; ok && strings.TrimSpace(f.val) != "0" {
		return nil, unsupported("lightgbm linear trees (%s, line %d)", b.name, f.line)
	}
	t := &lgbTree{numLeaves: n}
	if t.leafValue, err = b.floats("leaf_value", n); err != nil {
		return nil, err
	}
	if f, ok := b.fields["leaf_count"]; ok {
		if n == 1 && strings.TrimSpace(f.val) == "" {
			// LightGBM writes a constant tree (one leaf, no split met the
			// requirements) with empty per-node fields, "leaf_count="
			// among them. A lone leaf's cover is never read: TreeSHAP
			// weighs branches by the covers of internal nodes, and a tree
			// without any only adds its value to the bias.
			t.leafCount = []float64{0}
		} else if t.leafCount, err = b.floats("leaf_count", n); err != nil {
			return nil, err
		}
	}
	if n == 1 {
		return t, nil
	}
	m := n - 1
	if t.splitFeature, err = b.ints("split_feature", m); err != nil {
		return nil, err
	}
	if t.threshold, err = b.floats("threshold", m); err != nil {
		return nil, err
	}
	if t.decisionType, err = b.ints("decision_type", m); err != nil {
		return nil, err
	}
	if t.left, err = b.ints("left_child", m); err != nil {
		return nil, err
	}
	if t.right, err = b.ints("right_child", m); err != nil {
		return nil, err
	}
	if _, ok := b.fields["internal_count"]; ok {
		if t.internalCount, err = b.floats("internal_count", m); err != nil {
			return nil, err
		}
	}
	if (t.internalCount == nil) != (t.leafCount == nil) {
		return nil, lgbError(b.line, "%s: internal_count and leaf_count must be given together", b.name)
	}
	for _, c := range [][]float64{t.leafCount, t.internalCount} {
		for i, v := range c {
			if v < 0 {
				return nil, lgbError(b.line, "%s: negative count %v at index %d", b.name, v, i)
			}
		}
	}
	numCat, err := b.int("num_cat")
	if err != nil {
		return nil, err
	}
	if numCat < 0 || numCat > m {
		return nil, lgbError(b.fields["num_cat"].line, "%s: num_cat is %d for %d splits", b.name, numCat, m)
	}
	for i, dt := range t.decisionType {
		line := b.fields["decision_type"].line
		if dt < 0 || dt > 15 || (dt>>2)&3 == 3 {
			return nil, lgbError(line, "%s: field decision_type: value %d at node %d is invalid", b.name, dt, i)
		}
		f := t.splitFeature[i]
		if f < 0 || f >= numFeatures {
			return nil, lgbError(b.fields["split_feature"].line, "%s: field split_feature: node %d splits on feature %d, model has %d features", b.name, i, f, numFeatures)
		}
		if dt&1 != 0 && numCat == 0 {
			return nil, lgbError(line, "%s: field decision_type: node %d is categorical but num_cat is 0", b.name, i)
		}
	}
	if numCat > 0 {
		if t.catBoundaries, err = b.ints("cat_boundaries", numCat+1); err != nil {
			return nil, err
		}
		ct, err := b.ints("cat_threshold", -1)
		if err != nil {
			return nil, err
		}
		line := b.fields["cat_boundaries"].line
		if t.catBoundaries[0] != 0 || t.catBoundaries[numCat] != len(ct) {
			return nil, lgbError(line, "%s: field cat_boundaries must run from 0 to %d (the length of cat_threshold)", b.name, len(ct))
		}
		for i := 1; i <= numCat; i++ {
			if w := t.catBoundaries[i] - t.catBoundaries[i-1]; w < 0 || w > lgbMaxCatWords {
				return nil, lgbError(line, "%s: field cat_boundaries: bitset %d has %d words", b.name, i-1, w)
			}
		}
		t.catThreshold = make([]uint32, len(ct))
		for i, v := range ct {
			if v < 0 || v > math.MaxUint32 {
				return nil, lgbError(b.fields["cat_threshold"].line, "%s: field cat_threshold: value %d (%d) is not a 32-bit word", b.name, i, v)
			}
			t.catThreshold[i] = uint32(v)
		}
		for i, dt := range t.decisionType {
			if dt&1 == 0 {
				continue
			}
			c := t.threshold[i]
			if c != math.Trunc(c) || c < 0 || c >= float64(numCat) {
				return nil, lgbError(b.fields["threshold"].line, "%s: field threshold: categorical node %d names bitset %v, tree has %d", b.name, i, c, numCat)
			}
		}
	}
	// The structure must be a tree rooted at node 0: every child index in
	// range and every node and leaf reached at most once (no cycles).
	seenNode := make([]bool, m)
	seenLeaf := make([]bool, n)
	stack := []int{0}
	seenNode[0] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, side := range []struct {
			name string
			c    int
		}{{"left_child", t.left[i]}, {"right_child", t.right[i]}} {
			line := b.fields[side.name].line
			c := side.c
			if c >= 0 {
				if c >= m {
					return nil, lgbError(line, "%s: field %s: node %d has child %d, tree has %d internal nodes", b.name, side.name, i, c, m)
				}
				if seenNode[c] {
					return nil, lgbError(line, "%s: field %s: node %d is reached twice (cycle or shared subtree)", b.name, side.name, c)
				}
				seenNode[c] = true
				stack = append(stack, c)
				continue
			}
			l := ^c
			if l >= n {
				return nil, lgbError(line, "%s: field %s: node %d has leaf child %d (~%d), tree has %d leaves", b.name, side.name, i, c, l, n)
			}
			if seenLeaf[l] {
				return nil, lgbError(line, "%s: field %s: leaf %d is reached twice", b.name, side.name, l)
			}
			seenLeaf[l] = true
		}
	}
	return t, nil
}

// goesLeft is LightGBM's Tree::Decision for internal node i and value x
// (NumericalDecision and CategoricalDecision in include/LightGBM/tree.h).
func (t *lgbTree) goesLeft(i int, x float64) bool {
	dt := t.decisionType[i]
	if dt&1 != 0 {
		// static_cast<int>(x) < 0 (or NaN, or beyond int range) goes right.
		if math.IsNaN(x) || x <= -1 || x >= 1<<31 {
			return false
		}
		c := int(x) // truncation toward zero, as static_cast<int>
		k := int(t.threshold[i])
		lo, hi := t.catBoundaries[k], t.catBoundaries[k+1]
		if c/32 >= hi-lo {
			return false
		}
		return t.catThreshold[lo+c/32]>>(c%32)&1 != 0
	}
	missing := (dt >> 2) & 3
	if math.IsNaN(x) && missing != 2 {
		x = 0
	}
	if (missing == 1 && x >= -lgbZeroThreshold && x <= lgbZeroThreshold) || (missing == 2 && math.IsNaN(x)) {
		return dt&2 != 0
	}
	return x <= t.threshold[i]
}
