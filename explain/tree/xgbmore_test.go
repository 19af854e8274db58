package tree

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// moreDir holds XGBoost 1.7.4 models of the kinds the loader once refused
// (binary:hinge, multi:softmax, survival:cox, survival:aft, a two-target
// model, gblinear boosters, a model without trees) with XGBoost's own
// margins, predictions and pred_contribs: testdata/gen/gen_more.py.
const moreDir = "testdata/xgbmore"

// moreCase is an xgbCase with the fields of gen_more.py's cases.
type moreCase struct {
	xgbCase
	Booster   string `json:"booster"`
	NumTarget int    `json:"num_target"`
}

func loadMoreCase(t *testing.T, id string) *moreCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moreDir, id+".case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c moreCase
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestXGBoostMoreModels checks every case of testdata/xgbmore against
// XGBoost 1.7.4: margins (output_margin) and predictions within 1e-6,
// pred_contribs and, where XGBoost computes them, pred_interactions within
// 1e-5 (the tolerance of the public vectors; the values are float32), leaf
// indices exactly, and the explainers and local accuracy as for the
// public vectors.
func TestXGBoostMoreModels(t *testing.T) {
	entries, err := os.ReadDir(moreDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, de := range entries {
		id, ok := strings.CutSuffix(de.Name(), ".case.json")
		if !ok {
			continue
		}
		n++
		t.Run(id, func(t *testing.T) {
			c := loadMoreCase(t, id)
			c.ModelFile = filepath.Join("..", "xgbmore", c.ModelFile)
			if c.ModelFileUBJ != "" {
				c.ModelFileUBJ = filepath.Join("..", "xgbmore", c.ModelFileUBJ)
			}
			groups := max(c.NumClass, c.NumTarget, 1)
			rows := c.Rows.shape[0]
			if c.Objective == "multi:softmax" {
				// XGBoost predicts the class index; PredictOutputs gives its
				// one-hot vector.
				if c.Prediction.size() != rows {
					t.Fatalf("prediction shape %v, want [%d]", c.Prediction.shape, rows)
				}
				hot := make([]float64, rows*groups)
				for i, k := range c.Prediction.data {
					if k != float64(int(k)) || k < 0 || int(k) >= groups {
						t.Fatalf("row %d: class %g", i, k)
					}
					hot[i*groups+int(k)] = 1
				}
				c.Prediction = ndarray{shape: []int{rows, groups}, data: hot}
			}
			c.NumClass = groups
			if c.Booster == "gblinear" {
				checkLinearExtremes(t, c)
				// XGBoost's float32 margin of a row holding 1e6 differs
				// from the float64 sum of its float32 contributions by
				// more than checkXGBCase's 1e-5 (about 1e-8 relative, in
				// XGBoost's own output too); checkLinearExtremes checked
				// those rows against XGBoost.
				c.xgbCase = keepRows(t, c.xgbCase, func(row []float64) bool {
					return !slices.ContainsFunc(row, func(v float64) bool { return math.Abs(v) > 1e3 })
				})
			}
			checkXGBCase(t, &c.xgbCase)
			checkContribsTight(t, &c.xgbCase)
		})
	}
	if n == 0 {
		t.Fatal("no cases in " + moreDir)
	}
}

// TestHingeArgmaxEdges pins the edges XGBoost's transforms define: hinge
// predicts 0 at a margin of exactly 0 (its rule is margin > 0), and
// multi:softmax takes the first of tied largest margins.
func TestHingeArgmaxEdges(t *testing.T) {
	m := []float64{0, -0.5, 1e-30}
	Hinge.apply(m)
	assertClose(t, "hinge", m, []float64{0, 0, 1}, 0)
	m = []float64{0.25, 0.75, 0.75}
	Argmax.apply(m)
	assertClose(t, "argmax", m, []float64{0, 1, 0}, 0)
	if _, err := New(Spec{NumFeatures: 1, Transform: Argmax, Trees: []Tree{{Left: []int{-1}, Right: []int{-1}, Feature: []int{0}, Threshold: []float64{0}, Value: []float64{1}}}}); err == nil || !strings.Contains(err.Error(), "argmax needs at least 2 output groups") {
		t.Errorf("argmax with one group: %v", err)
	}
}

// TestXGBoostQuantileMultiTarget: reg:quantileerror exists from XGBoost
// 2.0 on, which 1.7.4 cannot write; with several quantile_alpha values it
// is a multi-target model, one tree per quantile and round, and 3.x saves
// base_score as one value per target. The two-target 1.7.4 model
// rewritten that way (objective, version 3.0.0, size_leaf_vector 1,
// base_score "[2.5E-1,4E0]") must give, per target, XGBoost's margin and
// pred_contribs shifted by the change of that target's base_score (the
// identity link: prediction = margin).
func TestXGBoostQuantileMultiTarget(t *testing.T) {
	c := loadMoreCase(t, "two_target")
	data, err := os.ReadFile(filepath.Join(moreDir, c.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	doc := xgbDoc(t, data)
	learner := docPath(t, doc, "learner")
	docPath(t, learner, "objective")["name"] = "reg:quantileerror"
	docPath(t, learner, "learner_model_param")["base_score"] = "[2.5E-1,4E0]"
	docPath(t, learner, "gradient_booster", "model", "gbtree_model_param")["size_leaf_vector"] = "1"
	doc["version"] = []any{json.Number("3"), json.Number("0"), json.Number("0")}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := LoadXGBoost(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if e.NumGroups() != 2 || e.Transform() != Identity {
		t.Fatalf("%d groups, transform %s; want 2, identity", e.NumGroups(), e.Transform())
	}
	shift := []float64{0.25 - 0.5, 4 - 0.5}
	x := matrixOf(t, c.Rows, e.NumFeatures())
	M, n := e.NumFeatures(), x.Rows
	want := make([]float64, n*2)
	for i := range want {
		want[i] = c.Margin.data[i] + shift[i%2]
	}
	ctx := context.Background()
	got := make([]float64, n*2)
	if err := e.PredictMargins(ctx, x, got); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "margin", got, want, 1e-6)
	if err := e.PredictOutputs(ctx, x, got); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "prediction", got, want, 1e-6)
	wantC := append([]float64(nil), c.Contribs.data...)
	for r := 0; r < n*2; r++ {
		wantC[r*(M+1)+M] += shift[r%2]
	}
	contribs := make([]float64, n*2*(M+1))
	if err := e.Contributions(ctx, x, contribs); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "contribs", contribs, wantC, 1e-5)
}

// TestXGBoostMoreZeroTrees: XGBoost saves a model trained for zero rounds
// (no trees) and predicts its base_score with it; the loader once refused
// it. Its margin is the intercept (checked against XGBoost in
// TestXGBoostMoreModels/zero_trees); every SHAP value is 0, the base value
// the margin, for the interventional values too. A corrupt num_class
// cannot size arrays when no tree bounds it.
func TestXGBoostMoreZeroTrees(t *testing.T) {
	c := loadMoreCase(t, "zero_trees")
	e, err := LoadXGBoostFile(filepath.Join(moreDir, c.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if e.NumTrees() != 0 {
		t.Fatalf("%d trees, want 0", e.NumTrees())
	}
	if got, want := e.Intercept(0), c.Margin.data[0]; float32(got) != float32(want) {
		t.Errorf("intercept %.9g, want XGBoost's margin %.9g", got, want)
	}
	ctx := context.Background()
	M := e.NumFeatures()
	x := matrixOf(t, c.Rows, M)
	bg, err := e.NewBackground(x)
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]float64, x.Rows*(M+1))
	if err := e.InterventionalContributions(ctx, x, bg, iv); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < x.Rows; i++ {
		for j := 0; j <= M; j++ {
			want := 0.0
			if j == M {
				want = c.Margin.data[i]
			}
			if v := iv[i*(M+1)+j]; float32(v) != float32(want) {
				t.Errorf("row %d interventional value %d = %g, want %g", i, j, v, want)
			}
		}
	}
	approx := make([]float64, x.Rows*(M+1))
	if err := e.ApproxContributions(ctx, x, approx); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "approx contribs", approx, c.Contribs.data, 1e-6)
	if err := e.LeafIndex(x.Row(0), nil); err != nil {
		t.Errorf("leaf index of a model without trees: %v", err)
	}
	out, err := NewInterventional(e, x, WithOutputSpace())
	if err != nil {
		t.Fatal(err)
	}
	exps, err := out.ExplainBatch(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	for i, ex := range exps {
		if want := sigmoid(c.Margin.data[i]); math.Abs(ex.Prediction-want) > 1e-6 || math.Abs(ex.BaseValue-want) > 1e-6 || slices.ContainsFunc(ex.Values, func(v float64) bool { return v != 0 }) {
			t.Errorf("row %d output space: prediction %g, base %g, values %v; want %g, %g, zeros", i, ex.Prediction, ex.BaseValue, ex.Values, want, want)
		}
	}

	data, err := os.ReadFile(filepath.Join(moreDir, c.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	doc := xgbDoc(t, data)
	docPath(t, doc, "learner", "objective")["name"] = "multi:softprob"
	docPath(t, doc, "learner", "learner_model_param")["num_class"] = "100000000"
	js, _ := json.Marshal(doc)
	if _, err := LoadXGBoost(bytes.NewReader(js)); err == nil || !strings.Contains(err.Error(), "100000000 output groups and no trees") {
		t.Errorf("zero trees with num_class 1e8: %v", err)
	}
}

// keepRows returns c with the rows keep accepts, and their margins,
// predictions and contributions.
func keepRows(t *testing.T, c xgbCase, keep func(row []float64) bool) xgbCase {
	t.Helper()
	n, M := c.Rows.shape[0], c.Rows.shape[1]
	sub := func(a ndarray) ndarray {
		if len(a.shape) == 0 || a.size() == 0 {
			return a
		}
		if a.shape[0] != n {
			t.Fatalf("array of shape %v for %d rows", a.shape, n)
		}
		per := a.size() / n
		out := ndarray{shape: append([]int(nil), a.shape...)}
		for i := 0; i < n; i++ {
			if keep(c.Rows.data[i*M : (i+1)*M]) {
				out.data = append(out.data, a.data[i*per:(i+1)*per]...)
			}
		}
		out.shape[0] = len(out.data) / per
		return out
	}
	c.Margin, c.Prediction, c.Contribs, c.LeafIndex = sub(c.Margin), sub(c.Prediction), sub(c.Contribs), sub(c.LeafIndex)
	c.Rows = sub(c.Rows)
	return c
}

// checkLinearExtremes compares a gblinear model's margins (float32-exact)
// and contributions (1e-6 relative) with XGBoost's on every row of the
// case, the rows holding ±1e6 included, and checks the interventional
// values against the closed form w_j·(x_j − mean_b x_bj).
func checkLinearExtremes(t *testing.T, c *moreCase) {
	t.Helper()
	e, err := LoadXGBoostFile(filepath.Join(moreDir, filepath.Base(c.ModelFile)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	M, K := e.NumFeatures(), e.NumGroups()
	x := matrixOf(t, c.Rows, M)
	m := make([]float64, x.Rows*K)
	if err := e.PredictMargins(ctx, x, m); err != nil {
		t.Fatal(err)
	}
	for i, v := range m {
		if float32(v) != float32(c.Margin.data[i]) {
			t.Errorf("margin %d = %.9g, XGBoost %.9g", i, v, c.Margin.data[i])
		}
	}
	contribs := make([]float64, x.Rows*K*(M+1))
	if err := e.Contributions(ctx, x, contribs); err != nil {
		t.Fatal(err)
	}
	for i, v := range contribs {
		if w := c.Contribs.data[i]; math.Abs(v-w) > 1e-6*max(1, math.Abs(w)) {
			t.Errorf("contribution %d = %.9g, XGBoost %.9g", i, v, w)
		}
	}
	// Interventional: with the case rows as background, feature j of row
	// i gets w_j·(x_ij − mean x_j), missing counted 0. w_j·x_j is
	// XGBoost's contribution of j, so the expected value is that minus its
	// background mean.
	bg, err := e.NewBackground(x)
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]float64, len(contribs))
	if err := e.InterventionalContributions(ctx, x, bg, iv); err != nil {
		t.Fatal(err)
	}
	for g := 0; g < K; g++ {
		for j := 0; j < M; j++ {
			mean := 0.0
			for i := 0; i < x.Rows; i++ {
				mean += c.Contribs.data[(i*K+g)*(M+1)+j] / float64(x.Rows)
			}
			for i := 0; i < x.Rows; i++ {
				got, want := iv[(i*K+g)*(M+1)+j], c.Contribs.data[(i*K+g)*(M+1)+j]-mean
				// The closed form is in float64; XGBoost's terms are float32
				// products, rounded by up to 6e-8 of the largest term.
				if math.Abs(got-want) > 1e-6*max(1, math.Abs(want), math.Abs(mean)) {
					t.Errorf("interventional row %d group %d feature %d = %.9g, want %.9g", i, g, j, got, want)
				}
			}
		}
	}
}

// TestXGBoostLinearBadInput: a gblinear row whose value leaves float32's
// range would give XGBoost an infinite or NaN margin; here it is an error
// in every function that evaluates the linear terms, and malformed weights
// are errors.
func TestXGBoostLinearBadInput(t *testing.T) {
	c := loadMoreCase(t, "gblinear_softprob")
	path := filepath.Join(moreDir, c.ModelFile)
	e, err := LoadXGBoostFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	M, K := e.NumFeatures(), e.NumGroups()
	row := []float64{0.5, math.NaN(), 1e39, 0}
	x := explain.Matrix{Rows: 1, Cols: M, Data: row}
	want := "beyond float32's range"
	check := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s with 1e39: %v, want an error containing %q", what, err, want)
		}
	}
	check("PredictMargins", e.PredictMargins(ctx, x, make([]float64, K)))
	check("PredictMargin", e.PredictMargin(row, make([]float64, K)))
	check("Contributions", e.Contributions(ctx, x, make([]float64, K*(M+1))))
	check("ApproxContributions", e.ApproxContributions(ctx, x, make([]float64, K*(M+1))))
	check("Interactions", e.Interactions(ctx, x, make([]float64, K*(M+1)*(M+1))))
	_, err = e.NewBackground(x)
	check("NewBackground", err)
	good := matrixOf(t, c.Rows, M)
	bg, err := e.NewBackground(good)
	if err != nil {
		t.Fatal(err)
	}
	check("InterventionalContributions", e.InterventionalContributions(ctx, x, bg, make([]float64, K*(M+1))))

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		weights []any
		want    string
	}{
		{"short", []any{0.5, 0.25}, "2 weights for 4 features × 3 output groups plus the bias"},
		{"NaN", append([]any{nil}, make([]any, 14)...), "weight 0 is not a finite number"},
	} {
		doc := xgbDoc(t, data)
		for i, w := range tc.weights {
			if w == nil && i > 0 {
				tc.weights[i] = 0.0
			}
		}
		docPath(t, doc, "learner", "gradient_booster", "model")["weights"] = tc.weights
		js, _ := json.Marshal(doc)
		if _, err := LoadXGBoost(bytes.NewReader(js)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s weights: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestXGBoostMoreModelView: the explain.Model views in output space give
// XGBoost's predictions: for multi:softmax, class k's view is 1 on the
// rows XGBoost assigns to k and 0 elsewhere; for binary:hinge, the 0/1
// prediction.
func TestXGBoostMoreModelView(t *testing.T) {
	ctx := context.Background()
	for _, id := range []string{"softmax", "hinge"} {
		c := loadMoreCase(t, id)
		e, err := LoadXGBoostFile(filepath.Join(moreDir, c.ModelFile))
		if err != nil {
			t.Fatal(err)
		}
		x := matrixOf(t, c.Rows, e.NumFeatures())
		got := make([]float64, x.Rows)
		for k := 0; k < e.NumGroups(); k++ {
			v, err := e.Model(WithClass(k), WithOutputSpace())
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Predict(ctx, x, got); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, x.Rows)
			for i, p := range c.Prediction.data {
				switch {
				case id == "hinge":
					want[i] = p
				case int(p) == k:
					want[i] = 1
				}
			}
			assertClose(t, fmt.Sprintf("%s class %d view", id, k), got, want, 0)
		}
	}
}

// checkContribsTight holds the case's pred_contribs and pred_interactions
// to 1e-6 relative to the value's size (at least 1), tighter than
// checkXGBCase's shared 1e-5.
func checkContribsTight(t *testing.T, c *xgbCase) {
	t.Helper()
	e, err := loadVectorModel(t, c.ModelFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	M, K := e.NumFeatures(), e.NumGroups()
	x := matrixOf(t, c.Rows, M)
	tight := func(what string, got, want []float64) {
		t.Helper()
		worst := 0.0
		for i := range got {
			d := math.Abs(got[i]-want[i]) / max(1, math.Abs(want[i]))
			worst = max(worst, d)
			if d > 1e-6 {
				t.Errorf("%s[%d] = %.9g, XGBoost %.9g", what, i, got[i], want[i])
			}
		}
		t.Logf("%s: worst difference %.3g (relative to max(1, |value|))", what, worst)
	}
	contribs := make([]float64, x.Rows*K*(M+1))
	if err := e.Contributions(ctx, x, contribs); err != nil {
		t.Fatal(err)
	}
	tight("contribs", contribs, c.Contribs.data)
	if c.Interactions != nil {
		inter := make([]float64, x.Rows*K*(M+1)*(M+1))
		if err := e.Interactions(ctx, x, inter); err != nil {
			t.Fatal(err)
		}
		tight("interactions", inter, c.Interactions.data)
	}
}

// TestXGBoostLinearOutputSpace: output-space interventional values of a
// gblinear multi:softprob model are the exact Shapley values of
// v(S) = mean_b softmax(f(x_S, b_rest))[k], computed here by enumerating
// the 2^4 coalitions with the model's own predictions on hybrid rows.
func TestXGBoostLinearOutputSpace(t *testing.T) {
	c := loadMoreCase(t, "gblinear_softprob")
	e, err := LoadXGBoostFile(filepath.Join(moreDir, c.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	M, K := e.NumFeatures(), e.NumGroups()
	all := matrixOf(t, c.Rows, M)
	var rows []float64
	for i := 0; i < all.Rows; i++ {
		if !slices.ContainsFunc(all.Row(i), func(v float64) bool { return math.Abs(v) > 1e3 }) {
			rows = append(rows, all.Row(i)...)
		}
	}
	x := explain.Matrix{Rows: 4, Cols: M, Data: rows[:4*M]}
	bg := explain.Matrix{Rows: len(rows)/M - 4, Cols: M, Data: rows[4*M:]}
	// v returns mean_b softmax(f(x_S, b_rest)) for row i, all classes.
	v := func(i, S int) []float64 {
		h := make([]float64, bg.Rows*M)
		for b := 0; b < bg.Rows; b++ {
			for j := 0; j < M; j++ {
				if S&(1<<j) != 0 {
					h[b*M+j] = x.Row(i)[j]
				} else {
					h[b*M+j] = bg.Row(b)[j]
				}
			}
		}
		out := make([]float64, bg.Rows*K)
		if err := e.PredictOutputs(ctx, explain.Matrix{Rows: bg.Rows, Cols: M, Data: h}, out); err != nil {
			t.Fatal(err)
		}
		mean := make([]float64, K)
		for b := 0; b < bg.Rows; b++ {
			for k := 0; k < K; k++ {
				mean[k] += out[b*K+k] / float64(bg.Rows)
			}
		}
		return mean
	}
	fact := []float64{1, 1, 2, 6, 24}
	for k := 0; k < K; k++ {
		iv, err := NewInterventional(e, bg, WithOutputSpace(), WithClass(k))
		if err != nil {
			t.Fatal(err)
		}
		exps, err := iv.ExplainBatch(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		for i, ex := range exps {
			want := make([]float64, M)
			for j := 0; j < M; j++ {
				for S := 0; S < 1<<M; S++ {
					if S&(1<<j) != 0 {
						continue
					}
					s := bits.OnesCount(uint(S))
					w := fact[s] * fact[M-s-1] / fact[M]
					want[j] += w * (v(i, S|1<<j)[k] - v(i, S)[k])
				}
			}
			assertClose(t, fmt.Sprintf("row %d class %d output-space values", i, k), ex.Values, want, 1e-6)
			if base := v(i, 0)[k]; math.Abs(ex.BaseValue-base) > 1e-6 {
				t.Errorf("row %d class %d: base value %g, want %g", i, k, ex.BaseValue, base)
			}
		}
	}
}
