package tree

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// lgb204Model is a model in the text format of LightGBM 2.0.0 to 2.0.4
// (src/io/tree.cpp Tree::ToString of v2.0.4): no version line, no num_cat,
// decision_type 0 for "<=" and 1 for categorical equality, and a
// default_value per node that Tree::GetLeaf substitutes for values in
// (-1e-20, 1e-20]. Tree 0 sends 0 to default_value 1, so to the right leaf
// (2); NaN, which 2.0.4's C API reads as 0 (RowFunctionFromDenseMatric),
// goes right too (2); 0.25 goes left (1).
const lgb204Model = `tree
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=0
objective=regression
feature_names=x
feature_infos=[0:1]

Tree=0
num_leaves=2
split_feature=0
split_gain=1
threshold=0.5
decision_type=0
default_value=1
left_child=-1
right_child=-2
leaf_parent=0 0
leaf_value=1 2
leaf_count=10 10
internal_value=0
internal_count=20
shrinkage=1
has_categorical=0


feature importances:
x=1
`

// TestLightGBM204FormatNotMisread: a file in LightGBM 2.0.0-2.0.4's tree
// format decides zeros (and NaN) by default_value, without a missing type.
// Read as the later format (missing type None: NaN taken as 0, 0 <= 0.5
// goes left) it predicts 1 where LightGBM 2.0.4 predicts 2. LightGBM itself
// stopped reading these files (Tree requires num_cat); so must the loader,
// or it must predict as 2.0.4 did.
func TestLightGBM204FormatNotMisread(t *testing.T) {
	e, err := ParseLightGBM([]byte(lgb204Model))
	if err != nil {
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "num_cat") {
			t.Fatalf("err = %v, want ErrUnsupported naming num_cat", err)
		}
		return
	}
	x := explain.NewMatrix(3, 1)
	x.Row(0)[0], x.Row(1)[0], x.Row(2)[0] = 0, math.NaN(), 0.25
	m := make([]float64, 3)
	if err := e.PredictMargins(context.Background(), x, m); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{2, 2, 1} {
		if m[i] != want {
			t.Errorf("row %d (x=%v): margin %v, LightGBM 2.0.4 gives %v", i, x.Row(i)[0], m[i], want)
		}
	}
}
