package tree

import (
	"bytes"
	"encoding/json"
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
