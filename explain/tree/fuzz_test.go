package tree

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// The loaders of the XGBoost JSON and UBJSON formats and of the
// scikit-learn JSON export are fuzzed with arbitrary bytes seeded with
// small models: they must return an error or a model, never panic, hang
// or allocate without bound. A model that loads must give finite margins,
// outputs and TreeSHAP contributions on any row (NaN is a missing value),
// with the contributions summing to the margin. Run the XGBoost targets
// with -fuzzminimizetime 5s (see fuzzseeds_test.go for why).

// tinyXGB is a two-tree binary:logistic model over two features, small
// enough that most mutations hit its structure rather than its numbers.
const tinyXGB = `{"learner":{"feature_names":["a","b"],"feature_types":["float","float"],
"learner_model_param":{"base_score":"5E-1","num_class":"0","num_feature":"2","num_target":"1"},
"objective":{"name":"binary:logistic"},
"gradient_booster":{"name":"gbtree","model":{"gbtree_model_param":{"num_trees":"2","size_leaf_vector":"0"},"tree_info":[0,0],
"trees":[{"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[0,0,0],"split_conditions":[0.5,-0.4,0.3],
"default_left":[1,0,0],"split_type":[0,0,0],"sum_hessian":[10,4,6],"tree_param":{"num_nodes":"3","size_leaf_vector":"0"}},
{"left_children":[1,3,-1,-1,-1],"right_children":[2,4,-1,-1,-1],"split_indices":[1,0,0,0,0],"split_conditions":[1.5,-2,0.2,-0.1,0.05],
"default_left":[0,1,0,0,0],"split_type":[0,0,0,0,0],"sum_hessian":[10,7,3,5,2],"tree_param":{"num_nodes":"5","size_leaf_vector":"0"}}]}}},
"version":[1,7,4]}`

// tinyXGBMulti is a three-class multi:softprob model, one stump per
// class, the second one a categorical split.
const tinyXGBMulti = `{"learner":{"learner_model_param":{"base_score":"[5E-1,5E-1,5E-1]","num_class":"3","num_feature":"2","num_target":"1"},
"objective":{"name":"multi:softprob"},
"gradient_booster":{"name":"gbtree","model":{"gbtree_model_param":{"num_trees":"3","size_leaf_vector":"1"},"tree_info":[0,1,2],
"trees":[{"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[0,0,0],"split_conditions":[0.5,-0.4,0.3],
"default_left":[true,false,false],"sum_hessian":[10,4,6],"tree_param":{"num_nodes":"3","size_leaf_vector":"1"}},
{"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[1,0,0],"split_conditions":[NaN,0.7,-0.2],
"default_left":[0,0,0],"split_type":[1,0,0],"sum_hessian":[10,5,5],"categories":[1,3],"categories_nodes":[0],"categories_segments":[0],"categories_sizes":[2],
"tree_param":{"num_nodes":"3","size_leaf_vector":"1"}},
{"left_children":[-1],"right_children":[-1],"split_indices":[0],"split_conditions":[0.25],"default_left":[0],"sum_hessian":[10],"tree_param":{"num_nodes":"1"}}]}}},
"version":[2,1,4]}`

// tinySklearn is a one-tree scikit-learn export.
const tinySklearn = `{"type":"tree_ensemble","base_offset":0.5,"num_trees":2,"trees":[
{"feature":[0,-1,1,-1,-1],"threshold":[0.5,0,-1.5,0,0],"left":[1,-1,3,-1,-1],"right":[2,-1,4,-1,-1],"value":[0,1,0,-2,3],"cover":[10,4,6,3,3]},
{"feature":[-1],"threshold":[0],"left":[-1],"right":[-1],"value":[0.25],"cover":[10]}]}`

// fuzzProbe are the row values every split must handle: missing values,
// infinities, zeros of both signs, values at float32's edges and
// category-like integers.
var fuzzProbe = [32]float64{
	math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 0.5, -0.5, 1,
	1.5, 2, 3, -1, -2, 0.3, -0.4, 0.25,
	math.MaxFloat64, -math.MaxFloat64, math.MaxFloat32, -math.MaxFloat32, 1e39, 5e-324, 1e-45, 1 << 24,
	1<<24 + 1, 7, 100, -100, 0.05, -0.1, 0.2, 1e300,
}

// fuzzRows decodes n rows of m values: a byte below 0xE0 picks a probe
// value, or, from 0xE0, a raw float64 follows.
func fuzzRows(b []byte, n, m int) explain.Matrix {
	x := explain.NewMatrix(n, m)
	for i := range x.Data {
		if len(b) == 0 {
			x.Data[i] = fuzzProbe[i%len(fuzzProbe)]
			continue
		}
		c := b[0]
		b = b[1:]
		if c < 0xE0 || len(b) < 8 {
			x.Data[i] = fuzzProbe[int(c)%len(fuzzProbe)]
			continue
		}
		x.Data[i] = math.Float64frombits(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	return x
}

// checkLoaded is the property of a model that loaded: finite margins,
// outputs and contributions on the fuzzed rows, contributions that sum to
// the margin, probabilities in [0, 1]. Models too wide to score cheaply
// are only loaded.
func checkLoaded(t *testing.T, e *Ensemble, rowBytes []byte) {
	t.Helper()
	M, K := e.NumFeatures(), e.NumGroups()
	n := 1 + len(rowBytes)%4
	if M <= 0 || K <= 0 || n*M*K > 1<<16 {
		return
	}
	x := fuzzRows(rowBytes, n, M)
	ctx := context.Background()
	margins := make([]float64, n*K)
	if err := e.PredictMargins(ctx, x, margins); err != nil {
		if e.linear != nil && strings.Contains(err.Error(), "beyond float32's range") {
			return // a row value that takes a linear margin beyond float32: an error
		}
		t.Fatalf("PredictMargins: %v", err)
	}
	for i, v := range margins {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("margin %d (row %v) is %v without an error", i, x.Row(i/K), v)
		}
	}
	outs := make([]float64, n*K)
	if err := e.PredictOutputs(ctx, x, outs); err != nil {
		if e.Transform() == Exp { // exp of a large margin overflows: an error
			return
		}
		t.Fatalf("PredictOutputs: %v", err)
	}
	for i, v := range outs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("output %d (margin %v, transform %v) is %v without an error", i, margins[i], e.Transform(), v)
		}
		if (e.Transform() == Sigmoid || e.Transform() == Softmax) && (v < 0 || v > 1) {
			t.Fatalf("probability %d is %v", i, v)
		}
	}
	contribs := make([]float64, n*K*(M+1))
	if err := e.Contributions(ctx, x, contribs); err != nil {
		if err == errNoCover {
			return
		}
		t.Fatalf("Contributions: %v", err)
	}
	// Rounding: XGBoost margins are float32 sums of the trees' leaves;
	// TreeSHAP works in float64 on values bounded by the largest leaves.
	scale := 0.0
	for k := 0; k < K; k++ {
		scale = math.Max(scale, math.Abs(e.Intercept(k)))
	}
	for ti := range e.roots {
		scale += e.maxLeaf(ti)
	}
	// A gblinear margin is a float32 sum of M products; its contributions
	// are those products, added in float64.
	terms := 0
	if e.linear != nil {
		terms = M
		lin := 0.0
		for r := 0; r < n; r++ {
			for k := 0; k < K; k++ {
				s := 0.0
				for j, v := range x.Row(r) {
					if t, ok := linearTerm(v, e.linear.w[j*K+k]); ok {
						s += math.Abs(float64(t))
					}
				}
				lin = math.Max(lin, s)
			}
		}
		scale += lin
	}
	tol := 1e-9 * scale
	if e.float32 {
		tol = float64(len(e.roots)+terms+2) * 1e-7 * scale
	}
	for r := 0; r < n; r++ {
		for k := 0; k < K; k++ {
			phi := contribs[(r*K+k)*(M+1) : (r*K+k+1)*(M+1)]
			sum := 0.0
			for j, v := range phi {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("contribution of feature %d to row %d group %d is %v without an error", j, r, k, v)
				}
				sum += v
			}
			if d := math.Abs(sum - margins[r*K+k]); d > tol+1e-300 {
				t.Fatalf("row %v group %d: contributions sum to %v, margin %v (off by %v, tolerance %v)", x.Row(r), k, sum, margins[r*K+k], d, tol)
			}
		}
	}
	checkInteractionsAndInterventional(t, e, x, margins, contribs, tol)
}

// checkInteractionsAndInterventional extends checkLoaded to the
// interaction values (finite, each row of a matrix summing to its
// feature's contribution) and to margin-space interventional TreeSHAP
// against the fuzzed rows as background (finite, summing to the margin).
func checkInteractionsAndInterventional(t *testing.T, e *Ensemble, x explain.Matrix, margins, contribs []float64, tol float64) {
	t.Helper()
	ctx := context.Background()
	n, M, K := x.Rows, e.NumFeatures(), e.NumGroups()
	M1 := M + 1
	if n*K*M1*M1 <= 1<<16 {
		inter := make([]float64, n*K*M1*M1)
		if err := e.Interactions(ctx, x, inter); err != nil {
			t.Fatalf("Interactions: %v", err)
		}
		for r := 0; r < n; r++ {
			for k := 0; k < K; k++ {
				for a := 0; a < M1; a++ {
					row := inter[((r*K+k)*M1+a)*M1 : ((r*K+k)*M1+a+1)*M1]
					sum := 0.0
					for b, v := range row {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Fatalf("interaction [%d][%d] of row %d group %d is %v without an error", a, b, r, k, v)
						}
						sum += v
					}
					if want := contribs[(r*K+k)*M1+a]; math.Abs(sum-want) > 2*tol+1e-300 {
						t.Fatalf("row %d group %d feature %d: interactions sum to %v, contribution %v", r, k, a, sum, want)
					}
				}
			}
		}
	}
	bg, err := e.NewBackground(x)
	if err != nil {
		return // a background the model cannot summarise is refused: fine
	}
	iv := make([]float64, n*K*M1)
	if err := e.InterventionalContributions(ctx, x, bg, iv); err != nil {
		t.Fatalf("InterventionalContributions: %v", err)
	}
	for r := 0; r < n; r++ {
		for k := 0; k < K; k++ {
			sum := 0.0
			for j, v := range iv[(r*K+k)*M1 : (r*K+k+1)*M1] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("interventional value of feature %d, row %d group %d is %v without an error", j, r, k, v)
				}
				sum += v
			}
			if d := math.Abs(sum - margins[r*K+k]); d > 2*tol+1e-300 {
				t.Fatalf("row %d group %d: interventional values sum to %v, margin %v (off by %v)", r, k, sum, margins[r*K+k], d)
			}
		}
	}
}

// maxLeaf returns the largest |value| of a leaf of tree t.
func (e *Ensemble) maxLeaf(t int) float64 {
	worst := 0.0
	var walk func(ni int32)
	walk = func(ni int32) {
		n := e.nodes[ni]
		if n.feature < 0 {
			worst = math.Max(worst, math.Abs(e.value[ni]))
			return
		}
		walk(n.left)
		walk(n.left + 1)
	}
	walk(e.roots[t])
	return worst
}

// FuzzLoadXGBoostJSON: LoadXGBoostJSON on arbitrary bytes returns an
// error or a model whose predictions and contributions are finite and
// consistent.
func FuzzLoadXGBoostJSON(f *testing.F) {
	for i, s := range fuzzXGBModels(f) {
		f.Add(s, []byte{byte(i), 0xE0 + byte(i), 3})
	}
	f.Fuzz(func(t *testing.T, data, rows []byte) {
		e, err := LoadXGBoostJSON(bytes.NewReader(data))
		if err != nil {
			if e != nil {
				t.Fatal("a model and an error")
			}
			return
		}
		checkLoaded(t, e, rows)
	})
}

// FuzzLoadXGBoostUBJSON: the same for the UBJSON decoder, seeded with the
// same models re-encoded, in XGBoost's markers and in others, with real
// .ubj files and with hostile documents (see ubjFuzzSeeds).
func FuzzLoadXGBoostUBJSON(f *testing.F) {
	for i, s := range ubjFuzzSeeds(f) {
		f.Add(s, []byte{byte(i), 5, 9})
	}
	f.Fuzz(func(t *testing.T, data, rows []byte) {
		e, err := LoadXGBoostUBJSON(bytes.NewReader(data))
		if err != nil {
			if e != nil {
				t.Fatal("a model and an error")
			}
			return
		}
		checkLoaded(t, e, rows)
	})
}

// FuzzLoadSklearnJSON: the same for the scikit-learn export.
func FuzzLoadSklearnJSON(f *testing.F) {
	f.Add([]byte(tinySklearn), []byte{1, 2, 3})
	f.Add([]byte(`{"model":`+tinySklearn+`,"num_features":3}`), []byte{0, 16, 0xE1})
	data, err := os.ReadFile(filepath.Join("testdata", "vectors", "tree_rf_m5.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, []byte{7})
	f.Fuzz(func(t *testing.T, data, rows []byte) {
		e, err := LoadSklearnJSON(bytes.NewReader(data))
		if err != nil {
			if e != nil {
				t.Fatal("a model and an error")
			}
			return
		}
		checkLoaded(t, e, rows)
	})
}

// Byte-level mutations of a JSON document mostly break its syntax, so the
// loaders' checks behind the parser are reached by FuzzTreeModelEdits: it
// decodes a small model, applies edits chosen by the fuzz input to its
// fields (a value from a table of troublesome numbers and strings, a
// deleted or duplicated array element) and loads the result as JSON and,
// for XGBoost, as UBJSON.

// editNumbers and editStrings are the replacement values of the edits:
// boundaries of int32, float32 and float64, huge counts, negatives and
// the values an objective or a booster is named by.
var (
	editNumbers = []string{
		"0", "1", "-1", "2", "3", "-2", "0.5", "-0.5", "100", "64", "65", "16777216", "16777215",
		"1e38", "3.4028235e38", "-3.4028235e38", "1e39", "1e308", "-1e308", "1.7976931348623157e308",
		"1e-45", "5e-324", "2147483647", "2147483648", "4294967296", "9223372036854775807", "1e12", "1000000000",
	}
	editStrings = []string{
		"0", "1", "2", "3", "-1", "100000000000", "1000000", "5E-1", "[5E-1,5E-1]", "[5E-1,5E-1,5E-1]", "1E38", "3E38",
		"NaN", "[1e39]", "", "binary:logistic", "multi:softprob", "count:poisson", "reg:squarederror",
		"binary:logitraw", "dart", "gbtree", "gblinear",
	}
)

// docLeaves lists the paths (object keys and array indices) of every
// scalar in v, in a fixed order.
func docLeaves(v any, path []any, out *[][]any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			docLeaves(x[k], append(append([]any(nil), path...), k), out)
		}
	case []any:
		if len(x) == 0 {
			*out = append(*out, path) // an empty array can be replaced too
		}
		for i, e := range x {
			docLeaves(e, append(append([]any(nil), path...), i), out)
		}
	default:
		*out = append(*out, path)
	}
}

func docGet(v any, path []any) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p.(string)]
		case []any:
			v = x[p.(int)]
		}
	}
	return v
}

func docSet(v any, path []any, val any) any {
	if len(path) == 0 {
		return val
	}
	switch x := v.(type) {
	case map[string]any:
		k := path[0].(string)
		x[k] = docSet(x[k], path[1:], val)
	case []any:
		i := path[0].(int)
		x[i] = docSet(x[i], path[1:], val)
	}
	return v
}

// editDoc applies the edits encoded in b (three bytes each: operation,
// field, value) to doc.
func editDoc(doc map[string]any, b []byte) {
	for ; len(b) >= 3; b = b[3:] {
		var leaves [][]any
		docLeaves(doc, nil, &leaves)
		path := leaves[int(b[1])*len(leaves)/256]
		parent := path[:max(0, len(path)-1)]
		arr, inArray := docGet(doc, parent).([]any)
		switch op := b[0] % 8; {
		case op == 0 && inArray && len(arr) > 0: // delete an element
			i := path[len(path)-1].(int)
			docSet(doc, parent, append(arr[:i:i], arr[i+1:]...))
		case op == 1 && inArray && len(arr) > 0: // duplicate an element
			i := path[len(path)-1].(int)
			docSet(doc, parent, append(arr[:i+1:i+1], arr[i:]...))
		case op == 2:
			docSet(doc, path, nil)
		case op == 3:
			docSet(doc, path, b[2]&1 == 1)
		case op == 4:
			docSet(doc, path, []any{})
		default:
			if _, isString := docGet(doc, path).(string); isString {
				docSet(doc, path, editStrings[int(b[2])%len(editStrings)])
			} else {
				docSet(doc, path, json.Number(editNumbers[int(b[2])%len(editNumbers)]))
			}
		}
	}
}

// FuzzTreeModelEdits: models with edited fields load with an error or give
// finite, consistent predictions and contributions, through the XGBoost
// JSON and UBJSON loaders and the scikit-learn loader.
func FuzzTreeModelEdits(f *testing.F) {
	f.Add(byte(0), []byte{5, 0x40, 4}, []byte{1, 2})
	f.Add(byte(1), []byte{5, 0xA0, 10, 0, 0x70, 0}, []byte{0xE0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(byte(2), []byte{5, 0x10, 17, 1, 0x60, 0}, []byte{3})
	f.Add(byte(0), []byte{5, 0xF0, 19, 5, 0xF8, 19}, []byte{16})
	// count:poisson with a leaf of 1e38: exp overflows (an error).
	f.Add(byte(0), []byte{5, 243, 17, 5, 64, 13}, []byte{7, 7})
	f.Fuzz(func(t *testing.T, which byte, edits, rows []byte) {
		src := []string{tinyXGB, tinyXGBMulti, tinySklearn}[int(which)%3]
		d := json.NewDecoder(bytes.NewReader(jsonNaNToNull([]byte(src))))
		d.UseNumber()
		var doc map[string]any
		if err := d.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		editDoc(doc, edits)
		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		load := map[string]func() (*Ensemble, error){}
		if src == tinySklearn {
			load["sklearn"] = func() (*Ensemble, error) { return LoadSklearnJSON(bytes.NewReader(js)) }
		} else {
			var ubj bytes.Buffer
			ubjEncode(&ubj, doc)
			load["json"] = func() (*Ensemble, error) { return LoadXGBoostJSON(bytes.NewReader(js)) }
			load["ubjson"] = func() (*Ensemble, error) { return LoadXGBoostUBJSON(bytes.NewReader(ubj.Bytes())) }
		}
		for name, l := range load {
			e, err := l()
			if err != nil {
				if e != nil {
					t.Fatalf("%s: a model and an error", name)
				}
				continue
			}
			checkLoaded(t, e, rows)
		}
	})
}
