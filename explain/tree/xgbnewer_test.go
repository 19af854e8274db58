package tree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// dartAsGbtree rewrites the 1.7.4 dart document the way XGBoost 3.3 and
// later save a model trained with dropout: the separate dart booster is
// gone, gradient_booster is {"name": "gbtree", "model": {...}} and the
// per-tree weights sit in the model object as "weight_drop"
// (src/gbm/gbtree_model.cc, GBTreeModel::SaveModel).
func dartAsGbtree(t *testing.T) (doc map[string]any, c xgbCase) {
	t.Helper()
	if err := json.Unmarshal(readVectorFile(t, "dart_local.case.json"), &c); err != nil {
		t.Fatal(err)
	}
	doc = xgbDoc(t, readVectorFile(t, c.ModelFile))
	learner := docPath(t, doc, "learner")
	old := docPath(t, learner, "gradient_booster")
	model := docPath(t, old, "gbtree", "model")
	model["weight_drop"] = old["weight_drop"]
	learner["gradient_booster"] = map[string]any{"name": "gbtree", "model": model}
	doc["version"] = []any{json.Number("3"), json.Number("4"), json.Number("1")}
	return doc, c
}

// TestXGBoostTreeWeightsInGbtree: a model saved by XGBoost 3.3 or later
// with tree weights (dropout) must predict XGBoost's margins, which weigh
// every tree's leaf by its weight_drop entry.
func TestXGBoostTreeWeightsInGbtree(t *testing.T) {
	doc, c := dartAsGbtree(t)
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var ubj bytes.Buffer
	ubjEncode(&ubj, doc)
	for _, enc := range []struct {
		name string
		data []byte
	}{{"json", js}, {"ubj", ubj.Bytes()}} {
		t.Run(enc.name, func(t *testing.T) {
			e, err := LoadXGBoost(bytes.NewReader(enc.data))
			if err != nil {
				t.Fatal(err)
			}
			x := matrixOf(t, c.Rows, e.NumFeatures())
			m, _ := modelOutputs(t, e, x)
			for i := range m {
				if float32(m[i]) != float32(c.Margin.data[i]) {
					t.Errorf("row %d: margin %.9g, XGBoost %.9g", i, m[i], c.Margin.data[i])
				}
			}
		})
	}
}

// TestXGBoostPrunedCategoricalLeaves: XGBoost's prune updater turns a
// categorical split into a leaf without resetting its split type, so the
// saved tree lists that leaf in categories_nodes, with split_type 1 and a
// category set (testdata/gen/gen_pruned_cat.py, XGBoost 1.7.4). XGBoost
// predicts with such a model; so must the loader, with XGBoost's margins
// and pred_contribs.
func TestXGBoostPrunedCategoricalLeaves(t *testing.T) {
	const path = "testdata/xgboost/pruned_cat.model.json"
	e, err := LoadXGBoostFile(path)
	if err != nil {
		t.Fatalf("pruned categorical model refused: %v", err)
	}
	var c struct {
		Rows     [][]*float64 `json:"rows"`
		Margins  []float64    `json:"margins"`
		Contribs [][]*float64 `json:"contribs"`
	}
	if err := json.Unmarshal(readTestFile(t, "testdata/xgboost/pruned_cat.case.json"), &c); err != nil {
		t.Fatal(err)
	}
	M := e.NumFeatures()
	x := explain.NewMatrix(len(c.Rows), M)
	for i, r := range c.Rows {
		for j, v := range r {
			x.Row(i)[j] = math.NaN()
			if v != nil {
				x.Row(i)[j] = *v
			}
		}
	}
	m, phi := modelOutputs(t, e, x)
	var want []float64
	for i, r := range c.Contribs {
		if float32(m[i]) != float32(c.Margins[i]) {
			t.Errorf("row %d: margin %.9g, XGBoost %.9g", i, m[i], c.Margins[i])
		}
		for _, v := range r {
			want = append(want, *v)
		}
	}
	assertClose(t, "contribs", phi, want, 1e-5)
}

// TestXGBoostLogisticInterceptBounds: from XGBoost 3.2 the logistic
// objectives bound base_score to [1e-6, 1-1e-6] before the logit
// (LogisticRegression::ProbToMargin, with kRtEps = 1e-6) and accept 0 and 1,
// which training on labels that are all 0 or all 1 writes. Earlier versions
// use the logit of the stored value. The margins are those of XGBoost 1.7.4
// for base_score 0.5 (intercept 0) shifted by the intercept.
func TestXGBoostLogisticInterceptBounds(t *testing.T) {
	const base = "bin_logistic_t50_d4_f10_s102"
	var c xgbCase
	if err := json.Unmarshal(readVectorFile(t, base+".case.json"), &c); err != nil {
		t.Fatal(err)
	}
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	// At the upper bound XGBoost's float32 arithmetic matters: 1-1e-6f is
	// the float32 0.999998987, and 1/p - 1 in float32 is 1.0728836e-6
	// (common::Logit is -logf(1.0f/x - 1.0f); numpy's float32 gives the
	// same), so the intercept is 13.74516, not the exact logit 13.81551.
	upper := -math.Log(1.0728836059570312e-06)
	for _, tc := range []struct {
		version   []int
		baseScore string
		intercept float64
	}{
		{[]int{3, 2, 0}, "[0E0]", logit(1e-6)},
		{[]int{3, 2, 0}, "[1E0]", upper},
		{[]int{3, 4, 1}, "[1E-7]", logit(1e-6)},
		{[]int{3, 1, 0}, "[1E-7]", logit(1e-7)},
		{[]int{3, 2, 0}, "[2.5E-1]", logit(0.25)},
	} {
		doc := xgbDoc(t, readVectorFile(t, base+".model.json"))
		doc["version"] = tc.version
		docPath(t, doc, "learner", "learner_model_param")["base_score"] = tc.baseScore
		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%v/%s", tc.version, tc.baseScore)
		e, err := LoadXGBoostJSON(bytes.NewReader(js))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d := math.Abs(e.Intercept(0) - tc.intercept); d > 2e-6*math.Abs(tc.intercept) {
			t.Errorf("%s: intercept %.9g, want %.9g", name, e.Intercept(0), tc.intercept)
		}
		x := matrixOf(t, c.Rows, e.NumFeatures())
		m, _ := modelOutputs(t, e, x)
		for i := range m {
			if want := c.Margin.data[i] + tc.intercept; math.Abs(m[i]-want) > 1e-5 {
				t.Errorf("%s: row %d: margin %.9g, want %.9g", name, i, m[i], want)
				break
			}
		}
	}
	// Before 3.2 a base_score of 0 or 1 is not a valid model.
	doc := xgbDoc(t, readVectorFile(t, base+".model.json"))
	docPath(t, doc, "learner", "learner_model_param")["base_score"] = "0E0"
	js, _ := json.Marshal(doc)
	if _, err := LoadXGBoostJSON(bytes.NewReader(js)); err == nil {
		t.Error("1.7.4 model with base_score 0 loaded")
	}
}

// TestXGBoostNonFiniteTreeWeightRefused: a tree weight of NaN or ±Inf
// (JSON tokens NaN/Infinity, UBJSON float NaN) would make XGBoost's margins
// NaN or infinite. The loader must refuse the model, not read the weight as
// 0 and silently drop the tree.
func TestXGBoostNonFiniteTreeWeightRefused(t *testing.T) {
	for _, layout := range []string{"dart", "gbtree"} {
		for _, tok := range []string{"NaN", "Infinity", "-Infinity"} {
			var c xgbCase
			if err := json.Unmarshal(readVectorFile(t, "dart_local.case.json"), &c); err != nil {
				t.Fatal(err)
			}
			doc := xgbDoc(t, readVectorFile(t, c.ModelFile))
			if layout == "gbtree" {
				doc, _ = dartAsGbtree(t)
			}
			js, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			// Replace the first weight with the bare token.
			i := bytes.Index(js, []byte(`"weight_drop":[`))
			if i < 0 {
				t.Fatal("no weight_drop")
			}
			i += len(`"weight_drop":[`)
			j := i + bytes.IndexAny(js[i:], ",]")
			bad := append(append(append([]byte(nil), js[:i]...), tok...), js[j:]...)
			e, err := LoadXGBoostJSON(bytes.NewReader(bad))
			if err == nil {
				x := matrixOf(t, c.Rows, e.NumFeatures())
				m, _ := modelOutputs(t, e, x)
				t.Errorf("%s weight %s: loaded, margin of row 0 %v", layout, tok, m[0])
			}
		}
	}
}

// TestXGBoostNullIntegerRefused: XGBoost writes integers in left_children,
// right_children, split_indices, tree_info and the category arrays. A null
// there (or a NaN token, which the JSON reader turns into null) is a
// corrupt file; encoding/json would leave the entry 0, so that a split
// silently moves to feature 0 or category 0. The loader must refuse it.
func TestXGBoostNullIntegerRefused(t *testing.T) {
	for _, field := range []string{"split_indices", "left_children", "tree_info", "categories"} {
		for _, tok := range []string{"null", "NaN"} {
			data := readVectorFile(t, "cat_local.model.json")
			key := []byte(`"` + field + `":[`)
			i := bytes.Index(data, key)
			if i < 0 {
				t.Fatalf("no %s", field)
			}
			i += len(key)
			for bytes.HasPrefix(data[i:], []byte("]")) { // an empty array: take the next one
				k := bytes.Index(data[i:], key)
				if k < 0 {
					t.Fatalf("no non-empty %s", field)
				}
				i += k + len(key)
			}
			j := i + bytes.IndexAny(data[i:], ",]")
			bad := append(append(append([]byte(nil), data[:i]...), tok...), data[j:]...)
			if _, err := LoadXGBoostJSON(bytes.NewReader(bad)); err == nil {
				t.Errorf("%s with a %s entry (was %s) loaded", field, tok, data[i:j])
			}
		}
	}
}
