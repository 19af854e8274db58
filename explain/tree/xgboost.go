package tree

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// XGBoost's JSON model format (Booster.save_model("m.json"), XGBoost 1.7
// and later), as documented in xgboost/doc/model.schema and checked against
// real 1.7.4 files. XGBoost 2.0 and later write size_leaf_vector "1" for
// scalar leaves (1.7: "0") and add iteration_indptr; 3.x writes base_score
// as a bracketed vector ("[8.74E0]"). Both are read here. Only the fields that prediction and TreeSHAP need are
// decoded. Floats are decoded into float32 fields, so the values are the
// float32 numbers XGBoost wrote (encoding/json parses float32 fields with
// ParseFloat(s, 32)).
type xgbFile struct {
	Learner *struct {
		FeatureNames     []string        `json:"feature_names"`
		FeatureTypes     []string        `json:"feature_types"`
		GradientBooster  json.RawMessage `json:"gradient_booster"`
		LearnerModelParm *struct {
			BaseScore  xgbParam `json:"base_score"`
			NumClass   xgbParam `json:"num_class"`
			NumFeature xgbParam `json:"num_feature"`
			NumTarget  xgbParam `json:"num_target"`
		} `json:"learner_model_param"`
		Objective *struct {
			Name string `json:"name"`
		} `json:"objective"`
	} `json:"learner"`
	Version []int `json:"version"`
}

// xgbBooster is learner.gradient_booster. A dart booster (XGBoost before
// 3.3) wraps a gbtree one ("gbtree") and adds one weight per tree
// ("weight_drop"). XGBoost 3.3 and later have no separate dart booster: a
// model trained with dropout is a gbtree whose model object holds the
// weights ("model": {"weight_drop": [...]}, GBTreeModel::SaveModel).
type xgbBooster struct {
	Name       string      `json:"name"`
	Gbtree     *xgbBooster `json:"gbtree"`
	WeightDrop xgbFloats   `json:"weight_drop"`
	Model      *struct {
		// Weights is a gblinear booster's model: see [xgbLinear].
		Weights xgbFloats `json:"weights"`
		Param   *struct {
			NumTrees        xgbParam `json:"num_trees"`
			NumParallelTree xgbParam `json:"num_parallel_tree"`
			SizeLeafVector  xgbParam `json:"size_leaf_vector"`
		} `json:"gbtree_model_param"`
		TreeInfo   xgbIntList `json:"tree_info"`
		Trees      []xgbTree  `json:"trees"`
		WeightDrop xgbFloats  `json:"weight_drop"`
	} `json:"model"`
}

type xgbTree struct {
	LeftChildren    xgbIntList `json:"left_children"`
	RightChildren   xgbIntList `json:"right_children"`
	SplitIndices    xgbIntList `json:"split_indices"`
	SplitConditions xgbFloats  `json:"split_conditions"`
	DefaultLeft     xgbInts    `json:"default_left"`
	SplitType       xgbInts    `json:"split_type"`
	SumHessian      xgbFloats  `json:"sum_hessian"`
	// Categorical splits: the category sets of the nodes listed in
	// categories_nodes, stored back to back in categories
	// (categories_segments[i] is the offset of set i, categories_sizes[i]
	// its length).
	Categories         xgbIntList `json:"categories"`
	CategoriesNodes    xgbIntList `json:"categories_nodes"`
	CategoriesSegments xgbIntList `json:"categories_segments"`
	CategoriesSizes    xgbIntList `json:"categories_sizes"`
	Param              *struct {
		NumNodes       xgbParam `json:"num_nodes"`
		SizeLeafVector xgbParam `json:"size_leaf_vector"`
	} `json:"tree_param"`
}

// xgbFloats is a float32 array in which null stands for NaN: XGBoost
// writes NaN (JSON token NaN, turned into null by [jsonNaNToNull]; UBJSON
// NaN, decoded as null) as the split condition of a categorical node.
// NaN anywhere it matters (a leaf value, a numerical threshold, a cover)
// is rejected when the ensemble is built.
type xgbFloats []float32

func (a *xgbFloats) UnmarshalJSON(b []byte) error {
	var raw []*float32
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*a = nil
		return nil
	}
	out := make([]float32, len(raw))
	for i, p := range raw {
		if p == nil {
			out[i] = float32(math.NaN())
		} else {
			out[i] = *p
		}
	}
	*a = out
	return nil
}

// jsonNaNToNull replaces the bare tokens NaN, Infinity and -Infinity that
// XGBoost's JSON writer emits for non-finite floats (outside strings) with
// null, which encoding/json accepts. Input without them is returned as is.
func jsonNaNToNull(data []byte) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	out := make([]byte, 0, len(data))
	inStr := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inStr {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(data) {
					i++
					out = append(out, data[i])
				}
			case '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out = append(out, "null"...)
			i += len("NaN") - 1
			continue
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out = append(out, "null"...)
			i += len("-Infinity") - 1
			continue
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out = append(out, "null"...)
			i += len("Infinity") - 1
			continue
		}
		out = append(out, c)
	}
	return out
}

// xgbParam is a model parameter. XGBoost writes them as strings ("5E-1",
// "[8.74E0]", "1"); a plain JSON number (or UBJSON number) is accepted too
// and kept as its decimal text.
type xgbParam string

func (p *xgbParam) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = xgbParam(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("parameter %s is neither a string nor a number", b)
	}
	*p = xgbParam(n)
	return nil
}

// xgbIntList is an integer array (child indices, split features, tree
// groups, categories). encoding/json leaves a null element at 0, which
// would silently turn a corrupt entry (null, or a NaN token) into node,
// feature or category 0; here it is an error.
type xgbIntList []int

func (a *xgbIntList) UnmarshalJSON(b []byte) error {
	var raw []*int
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*a = nil
		return nil
	}
	out := make([]int, len(raw))
	for i, p := range raw {
		if p == nil {
			return fmt.Errorf("entry %d is null or NaN, not an integer", i)
		}
		out[i] = *p
	}
	*a = out
	return nil
}

// xgbInts is a per-node flag or enum array (default_left, split_type):
// integers as XGBoost 1.7 and later write them, or booleans.
type xgbInts []int

func (a *xgbInts) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*a = nil
		return nil
	}
	out := make([]int, len(raw))
	for i, r := range raw {
		switch string(r) {
		case "true":
			out[i] = 1
		case "false":
			out[i] = 0
		default:
			if err := json.Unmarshal(r, &out[i]); err != nil {
				return fmt.Errorf("entry %d (%s) is not an integer or boolean", i, r)
			}
		}
	}
	*a = out
	return nil
}

// checkLeafVector reads size_leaf_vector: 0 (XGBoost 1.x) and 1 (2.0 and
// later) both mean one value per leaf; more is a vector-leaf tree
// (multi_strategy "multi_output_tree", XGBoost 2.0 and later), which is
// not supported: XGBoost's published model schema (doc/model.schema) does
// not describe its arrays, whose layout has changed between releases, and
// XGBoost itself computed no SHAP values for it before 3.3. A multi-target
// model trained with the default one_output_per_tree loads.
func checkLeafVector(where string, s xgbParam) error {
	if s == "" {
		return nil
	}
	n, err := parseIntParam(where+".size_leaf_vector", string(s))
	if err != nil {
		return err
	}
	switch {
	case n < 0:
		return fmt.Errorf("tree: xgboost model: %s.size_leaf_vector is %d", where, n)
	case n > 1:
		return unsupported("xgboost vector-leaf trees: %s.size_leaf_vector is %d (multi_strategy \"multi_output_tree\"); their format is not in XGBoost's model schema. Train with multi_strategy \"one_output_per_tree\" (the default) for a multi-target model this package explains", where, n)
	}
	return nil
}

// maxGroupsNoTrees bounds the classes or targets of a model saved before
// its first boosting round (no trees), where the tree count cannot bound a
// corrupt num_class or num_target.
const maxGroupsNoTrees = 1 << 12

// ErrUnsupported is wrapped by every error about a model that is valid but
// uses a feature this package does not implement (vector-leaf trees,
// unknown objectives).
var ErrUnsupported = errors.New("unsupported")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("tree: %w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// LoadXGBoostFile reads an XGBoost model file: JSON (model.json), UBJSON
// (model.ubj) or either of them gzipped, recognised by content.
func LoadXGBoostFile(path string) (*Ensemble, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tree: %w", err)
	}
	defer f.Close()
	e, err := LoadXGBoost(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return e, nil
}

// LoadXGBoost reads an XGBoost model in JSON or UBJSON form, optionally
// gzip-compressed, recognised by content. See [LoadXGBoostJSON] for what is
// supported.
func LoadXGBoost(r io.Reader) (*Ensemble, error) {
	data, err := readMaybeGzip(r)
	if err != nil {
		return nil, err
	}
	if looksLikeUBJSON(data) {
		return LoadXGBoostUBJSON(bytes.NewReader(data))
	}
	return loadXGBoostJSONBytes(data)
}

// readMaybeGzip reads all of r, decompressing a gzip stream.
func readMaybeGzip(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("tree: xgboost model: read: %w", err)
	}
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("tree: xgboost model: gzip: %w", err)
	}
	defer zr.Close()
	// A model compresses by about 10:1; deflate allows about 1000:1, so a
	// small file could otherwise expand to gigabytes (a gzip bomb).
	limit := max(int64(minGunzipLimit), int64(len(data))*maxGunzipRatio)
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("tree: xgboost model: gzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("tree: xgboost model: gzip: %d compressed bytes expand to more than %d (%d times the input, or %d MiB); not a model file", len(data), limit, maxGunzipRatio, minGunzipLimit>>20)
	}
	return out, nil
}

// A gzip-compressed model may expand to maxGunzipRatio times its size, or
// to minGunzipLimit bytes when that is more.
const (
	maxGunzipRatio = 100
	minGunzipLimit = 64 << 20
)

// looksLikeUBJSON reports an object whose first key starts with a UBJSON
// length or container marker; a JSON object continues with '"' or space.
func looksLikeUBJSON(data []byte) bool {
	if len(data) < 2 || data[0] != '{' {
		return false
	}
	switch data[1] {
	case 'i', 'U', 'I', 'l', 'L', '$', '#':
		return true
	}
	return false
}

// LoadXGBoostJSON reads a model saved by XGBoost 1.7 or later with
// Booster.save_model("model.json"). A gzip-compressed stream is recognised
// and decompressed. The ensemble compares features as XGBoost does
// (float32(x) < threshold goes left, NaN takes the default direction) and
// reproduces XGBoost's output_margin bit for bit.
//
// Supported: the gbtree and dart boosters (dart tree weights, and the
// weight_drop list of a gbtree saved by XGBoost 3.3 or later, scale the
// leaf values) with numerical and categorical (partition) splits and scalar
// leaves, including models without trees and multi-target models (one tree
// per target); the gblinear booster; and
// the objectives reg:squarederror (and the other identity-link regression
// losses, reg:quantileerror included), binary:logistic, reg:logistic,
// binary:logitraw, binary:hinge, count:poisson, reg:gamma, reg:tweedie,
// survival:cox, survival:aft, multi:softprob, multi:softmax and
// rank:pairwise/ndcg/map (for
// the logistic objectives, a model written by XGBoost 3.2 or later has its
// base_score bounded to [1e-6, 1-1e-6] before the logit, as that version
// does, and may hold 0 or 1); the package documentation lists each one's
// intercept and output. Vector-leaf trees and
// other objectives give an error wrapping [ErrUnsupported].
//
// Node covers are the trees' sum_hessian. A model updated by the refresh
// updater (process_type=update, updater=refresh) has internal nodes with
// sum_hessian 0 where its data did not reach; it loads without covers, so
// it predicts and explains by interventional TreeSHAP, while
// path-dependent TreeSHAP reports an error (XGBoost's pred_contribs gives
// NaN for it). Negative or non-finite covers, and covers that are not the
// sum of their children's, are errors.
func LoadXGBoostJSON(r io.Reader) (*Ensemble, error) {
	data, err := readMaybeGzip(r)
	if err != nil {
		return nil, err
	}
	if looksLikeUBJSON(data) {
		return nil, errors.New("tree: xgboost model: input is UBJSON (.ubj), not JSON; use LoadXGBoost or LoadXGBoostUBJSON")
	}
	return loadXGBoostJSONBytes(data)
}

func loadXGBoostJSONBytes(data []byte) (*Ensemble, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("tree: xgboost model: empty input")
	}
	var f xgbFile
	if err := json.Unmarshal(jsonNaNToNull(data), &f); err != nil {
		return nil, fmt.Errorf("tree: xgboost model: malformed JSON: %w", err)
	}
	return f.build()
}

func parseIntParam[S ~string](name string, s S) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(string(s)))
	if err != nil {
		return 0, fmt.Errorf("tree: xgboost model: %s = %q is not an integer", name, s)
	}
	return v, nil
}

// parseBaseScore reads base_score, which XGBoost 1.7 and 2.x store as a
// float string ("5E-1") and 3.x as a bracketed list ("[5E-1]" or one value
// per output).
func parseBaseScore[S ~string](str S) ([]float32, error) {
	s := strings.TrimSpace(string(str))
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	var out []float32
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("tree: xgboost model: base_score %q is not a number", s)
		}
		out = append(out, float32(v))
	}
	return out, nil
}

func (f *xgbFile) build() (*Ensemble, error) {
	l := f.Learner
	if l == nil {
		return nil, errors.New("tree: xgboost model: no \"learner\" object (not an XGBoost JSON model, or truncated)")
	}
	if l.GradientBooster == nil {
		return nil, errors.New("tree: xgboost model: no learner.gradient_booster")
	}
	var gb xgbBooster
	if err := json.Unmarshal(l.GradientBooster, &gb); err != nil {
		return nil, fmt.Errorf("tree: xgboost model: gradient_booster: %w", err)
	}
	var weights []float32 // dart: one weight per tree
	switch gb.Name {
	case "gbtree":
		// XGBoost 3.3 and later keep dropout's tree weights here; an empty
		// list means unit weights.
		if gb.Model != nil && len(gb.Model.WeightDrop) > 0 {
			weights = gb.Model.WeightDrop
		}
	case "gblinear":
		if gb.Model == nil || gb.Model.Weights == nil {
			return nil, errors.New("tree: xgboost model: gblinear booster without \"model\": {\"weights\"}")
		}
	case "dart":
		if gb.Gbtree == nil {
			return nil, errors.New("tree: xgboost model: dart booster without its \"gbtree\" object")
		}
		if gb.WeightDrop == nil {
			return nil, errors.New("tree: xgboost model: dart booster without \"weight_drop\"")
		}
		weights = gb.WeightDrop
		gb = *gb.Gbtree
	default:
		return nil, unsupported("xgboost booster %q", gb.Name)
	}
	if l.Objective == nil || l.Objective.Name == "" {
		return nil, errors.New("tree: xgboost model: no learner.objective.name")
	}
	obj, ok := xgbObjectives[l.Objective.Name]
	if !ok {
		return nil, unsupported("xgboost objective %q", l.Objective.Name)
	}
	p := l.LearnerModelParm
	if p == nil {
		return nil, errors.New("tree: xgboost model: no learner.learner_model_param")
	}
	numFeature, err := parseIntParam("num_feature", p.NumFeature)
	if err != nil {
		return nil, err
	}
	numClass := 0
	if p.NumClass != "" {
		if numClass, err = parseIntParam("num_class", p.NumClass); err != nil {
			return nil, err
		}
	}
	numTarget := 1
	if p.NumTarget != "" {
		if numTarget, err = parseIntParam("num_target", p.NumTarget); err != nil {
			return nil, err
		}
		if numTarget < 0 {
			return nil, fmt.Errorf("tree: xgboost model: num_target is %d", numTarget)
		}
	}
	// A multi-target model (num_target > 1: several labels, or several
	// quantiles of reg:quantileerror) has one output group per target, as
	// a multi-class model has one per class; with the default
	// multi_strategy "one_output_per_tree", tree_info gives each tree's
	// target.
	groups := 1
	switch {
	case numClass > 1 && numTarget > 1:
		return nil, fmt.Errorf("tree: xgboost model: num_class %d and num_target %d (a model has classes or targets, not both)", numClass, numTarget)
	case numClass > 1:
		groups = numClass
	case numTarget > 1:
		groups = numTarget
	}
	if obj.multi != (numClass > 1) {
		if obj.multi {
			return nil, fmt.Errorf("tree: xgboost model: objective %s with num_class %d", l.Objective.Name, numClass)
		}
		return nil, unsupported("xgboost objective %s with num_class %d", l.Objective.Name, numClass)
	}
	bs, err := parseBaseScore(p.BaseScore)
	if err != nil {
		return nil, err
	}
	if len(bs) != 1 && len(bs) != groups {
		return nil, fmt.Errorf("tree: xgboost model: %d base_score values for %d output groups", len(bs), groups)
	}
	toMargin := obj.toMargin
	if obj.boundedLogit && versionAtLeast(f.Version, 3, 2) {
		toMargin = boundedLogitMargin
	}
	intercept := make([]float64, len(bs))
	for i, v := range bs {
		m, err := toMargin(v)
		if err != nil {
			return nil, fmt.Errorf("tree: xgboost model: objective %s: %w", l.Objective.Name, err)
		}
		intercept[i] = float64(m)
	}
	if gb.Name == "gblinear" {
		return f.buildLinear(gb.Model.Weights, numFeature, groups, intercept, obj.transform)
	}

	m := gb.Model
	if m == nil {
		return nil, errors.New("tree: xgboost model: no gradient_booster.model")
	}
	if m.Param != nil {
		if err := checkLeafVector("gbtree_model_param", m.Param.SizeLeafVector); err != nil {
			return nil, err
		}
		if m.Param.NumTrees != "" {
			nt, err := parseIntParam("num_trees", m.Param.NumTrees)
			if err != nil {
				return nil, err
			}
			if nt != len(m.Trees) {
				return nil, fmt.Errorf("tree: xgboost model: num_trees is %d but %d trees are stored (truncated file?)", nt, len(m.Trees))
			}
		}
	}
	if len(m.Trees) == 0 && groups > maxGroupsNoTrees {
		return nil, fmt.Errorf("tree: xgboost model: %d output groups and no trees (at most %d are accepted for a model without trees)", groups, maxGroupsNoTrees)
	}
	if len(m.Trees) > 0 && groups > len(m.Trees) {
		// Each boosting round adds one tree per class. The bound also keeps
		// a corrupt num_class from sizing the per-class arrays: 1e8 took
		// 1.6 GB, and more would exhaust memory.
		return nil, fmt.Errorf("tree: xgboost model: %d output groups (num_class %d, num_target %d) but only %d trees are stored (each boosting round adds one tree per class or target)", groups, numClass, numTarget, len(m.Trees))
	}
	if len(m.TreeInfo) != len(m.Trees) {
		return nil, fmt.Errorf("tree: xgboost model: tree_info has %d entries for %d trees", len(m.TreeInfo), len(m.Trees))
	}
	if weights != nil && len(weights) != len(m.Trees) {
		return nil, fmt.Errorf("tree: xgboost model: dart weight_drop has %d entries for %d trees", len(weights), len(m.Trees))
	}
	for t, w := range weights {
		// A non-finite weight (NaN, ±Infinity; null after decoding) would
		// make XGBoost's margins NaN or infinite.
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return nil, fmt.Errorf("tree: xgboost model: weight_drop[%d] of tree %d is not a finite number", t, t)
		}
	}
	spec := Spec{
		Trees:         make([]Tree, len(m.Trees)),
		NumFeatures:   numFeature,
		NumGroups:     groups,
		Intercept:     intercept,
		Rule:          LessFloat32,
		Transform:     obj.transform,
		ObjectiveName: l.Objective.Name,
	}
	if len(l.FeatureNames) > 0 {
		if len(l.FeatureNames) != numFeature {
			return nil, fmt.Errorf("tree: xgboost model: %d feature names for num_feature %d", len(l.FeatureNames), numFeature)
		}
		spec.FeatureNames = l.FeatureNames
	}
	for t := range m.Trees {
		tr, err := m.Trees[t].convert(t)
		if err != nil {
			return nil, err
		}
		if weights != nil {
			scaleLeaves(&tr, weights[t])
		}
		tr.Group = m.TreeInfo[t]
		if tr.Group < 0 || tr.Group >= groups {
			return nil, fmt.Errorf("tree: xgboost model: tree_info[%d] = %d, model has %d output groups", t, tr.Group, groups)
		}
		spec.Trees[t] = tr
	}
	// A model updated by the refresh updater may have internal nodes with
	// sum_hessian 0; it loads without covers.
	e, err := newEnsemble(spec, buildRules{zeroCovers: true, noTrees: true})
	if err != nil {
		return nil, fmt.Errorf("%w (xgboost model)", err)
	}
	return e, nil
}

// categorySets maps categories/categories_nodes/_segments/_sizes onto
// per-node sets (nil when the tree has no categorical split). Listed nodes
// must have split_type 1. A listed leaf keeps no set: XGBoost's prune
// updater turns a categorical split into a leaf (RegTree::ChangeToLeaf)
// without resetting its split type, so the file still lists it (and its
// deleted children) with the old category set, which prediction ignores.
func (x *xgbTree) categorySets(t, n int) ([][]int, error) {
	k := len(x.CategoriesNodes)
	if k == 0 {
		return nil, nil
	}
	if len(x.CategoriesSegments) != k || len(x.CategoriesSizes) != k {
		return nil, fmt.Errorf("tree: xgboost model: tree %d: %d categories_nodes, %d categories_segments, %d categories_sizes", t, k, len(x.CategoriesSegments), len(x.CategoriesSizes))
	}
	sets := make([][]int, n)
	for j, nid := range x.CategoriesNodes {
		if nid < 0 || nid >= n {
			return nil, fmt.Errorf("tree: xgboost model: tree %d: categories_nodes[%d] = %d is not a node", t, j, nid)
		}
		if x.SplitType == nil || x.SplitType[nid] != 1 {
			return nil, fmt.Errorf("tree: xgboost model: tree %d: node %d has a category set but is not a categorical split", t, nid)
		}
		if sets[nid] != nil {
			return nil, fmt.Errorf("tree: xgboost model: tree %d: node %d has two category sets", t, nid)
		}
		beg, size := x.CategoriesSegments[j], x.CategoriesSizes[j]
		if beg < 0 || size < 0 || size > len(x.Categories)-beg {
			return nil, fmt.Errorf("tree: xgboost model: tree %d: category segment [%d, +%d) outside categories (%d)", t, beg, size, len(x.Categories))
		}
		if x.LeftChildren[nid] == -1 {
			continue // a pruned categorical split: now a leaf
		}
		sets[nid] = append(make([]int, 0, size), x.Categories[beg:beg+size]...)
	}
	return sets, nil
}

// scaleLeaves applies a dart tree weight to the leaf values. XGBoost's dart
// prediction adds leaf*w to the float32 margin, the product rounded to
// float32; rounding the scaled leaf once to float32 reproduces it bit for
// bit, and TreeSHAP, being linear in the leaf values, scales with it (as
// XGBoost's pred_contribs does with the tree weights).
func scaleLeaves(tr *Tree, w float32) {
	for i, l := range tr.Left {
		if l == -1 {
			tr.Value[i] = float64(float32(tr.Value[i] * float64(w)))
		}
	}
}

// convert checks one XGBoost tree's arrays and maps them onto a [Tree].
// Leaf values are split_conditions at leaves (already scaled by eta), not
// base_weights; deleted nodes stay in the arrays and are skipped because the
// walk starts from node 0.
func (x *xgbTree) convert(t int) (Tree, error) {
	n := len(x.LeftChildren)
	if x.Param != nil && x.Param.NumNodes != "" {
		nn, err := parseIntParam(fmt.Sprintf("trees[%d].tree_param.num_nodes", t), x.Param.NumNodes)
		if err != nil {
			return Tree{}, err
		}
		if nn != n {
			return Tree{}, fmt.Errorf("tree: xgboost model: tree %d: num_nodes is %d but left_children has %d entries", t, nn, n)
		}
		if err := checkLeafVector(fmt.Sprintf("trees[%d].tree_param", t), x.Param.SizeLeafVector); err != nil {
			return Tree{}, err
		}
	}
	if n == 0 {
		return Tree{}, fmt.Errorf("tree: xgboost model: tree %d has no nodes", t)
	}
	check := func(name string, l int) error {
		if l != n {
			return fmt.Errorf("tree: xgboost model: tree %d: %s has %d entries, left_children %d", t, name, l, n)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		l    int
	}{
		{"right_children", len(x.RightChildren)},
		{"split_indices", len(x.SplitIndices)},
		{"split_conditions", len(x.SplitConditions)},
		{"default_left", len(x.DefaultLeft)},
		{"sum_hessian", len(x.SumHessian)},
	} {
		if err := check(c.name, c.l); err != nil {
			return Tree{}, err
		}
	}
	if x.SplitType != nil {
		if err := check("split_type", len(x.SplitType)); err != nil {
			return Tree{}, err
		}
	}
	tr := Tree{
		Left:        x.LeftChildren,
		Right:       x.RightChildren,
		Feature:     x.SplitIndices,
		Threshold:   make([]float64, n),
		DefaultLeft: make([]bool, n),
		Value:       make([]float64, n),
		Cover:       make([]float64, n),
	}
	cats, err := x.categorySets(t, n)
	if err != nil {
		return Tree{}, err
	}
	tr.Categories = cats
	for i := 0; i < n; i++ {
		leaf := x.LeftChildren[i] == -1
		if !leaf && x.SplitType != nil {
			switch x.SplitType[i] {
			case 0:
			case 1:
				if cats == nil || cats[i] == nil {
					return Tree{}, fmt.Errorf("tree: xgboost model: tree %d node %d is a categorical split without a category set", t, i)
				}
			default:
				return Tree{}, unsupported("xgboost split_type %d (tree %d node %d)", x.SplitType[i], t, i)
			}
		}
		v := float64(x.SplitConditions[i])
		switch {
		case leaf:
			tr.Value[i] = v
		case cats != nil && cats[i] != nil:
			// The split condition of a categorical node is unused (NaN).
		default:
			tr.Threshold[i] = v
		}
		tr.DefaultLeft[i] = x.DefaultLeft[i] != 0
		tr.Cover[i] = float64(x.SumHessian[i])
	}
	return tr, nil
}
