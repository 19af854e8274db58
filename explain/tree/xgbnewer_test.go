package tree

import (
	"bytes"
	"encoding/json"
	"testing"
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
