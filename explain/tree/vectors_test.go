package tree

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

const vectorDir = "testdata/vectors"

// readVectorFile returns the bytes of a vector file, gunzipping *.gz.
func readVectorFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return data
}

// ndarray is a JSON nested array of numbers flattened row-major; null is NaN.
type ndarray struct {
	shape []int
	data  []float64
}

func (a *ndarray) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	a.shape, a.data = nil, nil
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		switch x := v.(type) {
		case nil:
			a.data = append(a.data, math.NaN())
			return a.leafDepth(depth)
		case float64:
			a.data = append(a.data, x)
			return a.leafDepth(depth)
		case []any:
			if depth == len(a.shape) {
				a.shape = append(a.shape, len(x))
			} else if depth > len(a.shape) || a.shape[depth] != len(x) {
				return fmt.Errorf("ragged array at depth %d", depth)
			}
			for _, e := range x {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("unexpected JSON value %T", v)
	}
	return walk(v, 0)
}

// leafDepth checks that every number sits at the same depth.
func (a *ndarray) leafDepth(depth int) error {
	if depth != len(a.shape) {
		return fmt.Errorf("number at depth %d, array has %d dimensions", depth, len(a.shape))
	}
	return nil
}

func (a ndarray) size() int {
	n := 1
	for _, s := range a.shape {
		n *= s
	}
	return n
}

// xgbCase is a *.case.json file of the tree vectors (schema_version 1).
type xgbCase struct {
	SchemaVersion  int      `json:"schema_version"`
	ID             string   `json:"id"`
	ModelFile      string   `json:"model_file"`
	ModelFileUBJ   string   `json:"model_file_ubj"`
	Objective      string   `json:"objective"`
	BaseMargin     *float64 `json:"base_margin"`
	NumClass       int      `json:"num_class"`
	NumTrees       int      `json:"num_trees"`
	FeatureNames   []string `json:"feature_names"`
	Rows           ndarray  `json:"rows"`
	Margin         ndarray  `json:"margin"`
	Prediction     ndarray  `json:"prediction"`
	LeafIndex      ndarray  `json:"leaf_index"`
	Contribs       ndarray  `json:"contribs"`
	Interactions   *ndarray `json:"interactions"`
	ApproxContribs *ndarray `json:"approx_contribs"`
	Interventional *struct {
		Background     ndarray  `json:"background"`
		Contribs       ndarray  `json:"contribs"`
		ExpectedMargin *ndarray `json:"expected_margin"` // one value, or one per group
	} `json:"interventional"`
	InterventionalProbability *struct {
		// Background is an array, or a string such as "same as
		// interventional.background".
		Background         json.RawMessage `json:"background"`
		Contribs           ndarray         `json:"contribs"`
		ExpectedPrediction *ndarray        `json:"expected_prediction"`
	} `json:"interventional_probability"`
}

// TestVectors checks every *.json / *.json.gz file in testdata/vectors:
// XGBoost cases (*.case.json) against XGBoost's own outputs, XGBoost model
// files by loading them, the explain package's sklearn tree cases against
// brute-force Shapley values, and MANIFEST.json against the files' sha256.
func TestVectors(t *testing.T) {
	entries, err := os.ReadDir(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, de := range entries {
		name := de.Name()
		if de.IsDir() || !(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".json.gz")) {
			continue
		}
		checked++
		t.Run(name, func(t *testing.T) {
			data := readVectorFile(t, name)
			var probe map[string]json.RawMessage
			if err := json.Unmarshal(jsonNaNToNull(data), &probe); err != nil {
				t.Fatalf("not a JSON object: %v", err)
			}
			switch {
			case probe["learner"] != nil:
				if _, err := LoadXGBoostJSON(bytes.NewReader(data)); err != nil {
					t.Fatalf("model file does not load: %v", err)
				}
			case probe["schema_version"] != nil && probe["model_file"] != nil:
				var c xgbCase
				if err := json.Unmarshal(data, &c); err != nil {
					t.Fatal(err)
				}
				checkXGBCase(t, &c)
			case probe["schema"] != nil:
				checkExplainCase(t, data)
			case probe["files"] != nil:
				checkManifest(t, data)
			default:
				t.Fatalf("unrecognised vector file")
			}
		})
	}
	if checked == 0 {
		t.Fatal("no vector files found")
	}
}

func checkManifest(t *testing.T, data []byte) {
	var m struct {
		Files []struct {
			File   string `json:"file"`
			Bytes  int    `json:"bytes"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(vectorDir, f.File))
		if err != nil {
			t.Errorf("manifest lists %s: %v", f.File, err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || len(b) != f.Bytes {
			t.Errorf("%s: sha256 %s (%d bytes), manifest says %s (%d bytes)", f.File, got, len(b), f.SHA256, f.Bytes)
		}
	}
}

// assertClose compares got with want elementwise and reports the first few
// differences beyond tol.
func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	bad, worst := 0, 0.0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if math.IsNaN(got[i]) != math.IsNaN(want[i]) || d > tol {
			if bad < 5 {
				t.Errorf("%s[%d] = %.9g, want %.9g (diff %.3g > %g)", what, i, got[i], want[i], d, tol)
			}
			bad++
		}
		if d > worst {
			worst = d
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values off (worst %.3g)", what, bad, len(got), worst)
	}
}

func matrixOf(t *testing.T, a ndarray, cols int) explain.Matrix {
	t.Helper()
	if len(a.shape) != 2 || a.shape[1] != cols {
		t.Fatalf("rows have shape %v, want [n %d]", a.shape, cols)
	}
	return explain.Matrix{Rows: a.shape[0], Cols: cols, Data: a.data}
}

func checkXGBCase(t *testing.T, c *xgbCase) {
	ctx := context.Background()
	e, err := loadVectorModel(t, c.ModelFile)
	if err != nil {
		t.Fatalf("load %s: %v", c.ModelFile, err)
	}
	M := e.NumFeatures()
	K := e.NumGroups()
	if len(c.FeatureNames) != M {
		t.Fatalf("case has %d feature names, model %d features", len(c.FeatureNames), M)
	}
	wantK := 1
	if c.NumClass > 1 {
		wantK = c.NumClass
	}
	if K != wantK || e.NumTrees() != c.NumTrees || e.ObjectiveName() != c.Objective {
		t.Fatalf("model has %d groups, %d trees, objective %s; case says %d, %d, %s", K, e.NumTrees(), e.ObjectiveName(), wantK, c.NumTrees, c.Objective)
	}
	if c.BaseMargin != nil && float32(e.Intercept(0)) != float32(*c.BaseMargin) {
		t.Errorf("intercept %.9g, want base_margin %.9g (float32-exact)", e.Intercept(0), *c.BaseMargin)
	}
	x := matrixOf(t, c.Rows, M)
	n := x.Rows

	margins := make([]float64, n*K)
	if err := e.PredictMargins(ctx, x, margins); err != nil {
		t.Fatal(err)
	}
	if c.Margin.size() != n*K {
		t.Fatalf("margin has shape %v for %d rows × %d groups", c.Margin.shape, n, K)
	}
	assertClose(t, "margin", margins, c.Margin.data, 1e-6)
	if c.ModelFileUBJ != "" {
		// The UBJSON file is the same model: margins must agree bit for bit.
		u, err := LoadXGBoostFile(filepath.Join(vectorDir, c.ModelFileUBJ))
		if err != nil {
			t.Fatalf("load %s: %v", c.ModelFileUBJ, err)
		}
		um := make([]float64, n*K)
		if err := u.PredictMargins(ctx, x, um); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "margin (ubj model)", um, margins, 0)
		ev, _ := e.ExpectedValues()
		uev, _ := u.ExpectedValues()
		assertClose(t, "expected values (ubj model)", uev, ev, 0)
	}
	// The single-row path must agree with the batch path.
	one := make([]float64, K)
	for i := 0; i < n; i++ {
		if err := e.PredictMargin(x.Row(i), one); err != nil {
			t.Fatal(err)
		}
		assertClose(t, fmt.Sprintf("row %d margin", i), one, margins[i*K:(i+1)*K], 0)
	}

	preds := make([]float64, n*K)
	if err := e.PredictOutputs(ctx, x, preds); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "prediction", preds, c.Prediction.data, 1e-6)

	if c.LeafIndex.size() > 0 {
		T := e.NumTrees()
		leaves := make([]int, T)
		for i := 0; i < n; i++ {
			if err := e.LeafIndex(x.Row(i), leaves); err != nil {
				t.Fatal(err)
			}
			for tr := 0; tr < T; tr++ {
				if want := int(c.LeafIndex.data[i*T+tr]); leaves[tr] != want {
					t.Errorf("row %d tree %d: leaf %d, want %d", i, tr, leaves[tr], want)
				}
			}
		}
	}

	contribs := make([]float64, n*K*(M+1))
	if err := e.Contributions(ctx, x, contribs); err != nil {
		t.Fatal(err)
	}
	if c.Contribs.size() != len(contribs) {
		t.Fatalf("contribs shape %v, want %d×%d×%d", c.Contribs.shape, n, K, M+1)
	}
	assertClose(t, "contribs", contribs, c.Contribs.data, 1e-5)
	recursive := make([]float64, len(contribs))
	if err := e.Contributions(ctx, x, recursive, withRecursion()); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "contribs (recursive Algorithm 2)", recursive, c.Contribs.data, 1e-5)
	if e.tables() == nil {
		t.Log("no leaf tables for this model; both runs used the recursion")
	}
	// Local accuracy: each row's contributions sum to its margin.
	sums := make([]float64, n*K)
	for r := range sums {
		for j := 0; j <= M; j++ {
			sums[r] += contribs[r*(M+1)+j]
		}
	}
	assertClose(t, "sum(contribs)", sums, margins, 1e-5)

	if c.ApproxContribs != nil {
		approx := make([]float64, n*K*(M+1))
		if err := e.ApproxContributions(ctx, x, approx); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "approx_contribs", approx, c.ApproxContribs.data, 1e-5)
	}

	if c.Interactions == nil {
		// No reference: the table and recursive algorithms must still agree
		// (and rows must sum to the contributions) on a few rows.
		few := explain.Matrix{Rows: min(3, n), Cols: M, Data: x.Data[:min(3, n)*M]}
		a := make([]float64, few.Rows*K*(M+1)*(M+1))
		b := make([]float64, len(a))
		if err := e.Interactions(ctx, few, a); err != nil {
			t.Fatal(err)
		}
		if err := e.Interactions(ctx, few, b, withRecursion()); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "interactions tables vs recursion", a, b, 1e-9)
		sums := make([]float64, few.Rows*K*(M+1))
		for r := range sums {
			for j := 0; j <= M; j++ {
				sums[r] += a[r*(M+1)+j]
			}
		}
		assertClose(t, "interaction row sums", sums, contribs[:len(sums)], 1e-9)
	}

	if c.Interactions != nil {
		inter := make([]float64, n*K*(M+1)*(M+1))
		if err := e.Interactions(ctx, x, inter); err != nil {
			t.Fatal(err)
		}
		if c.Interactions.size() != len(inter) {
			t.Fatalf("interactions shape %v, want %d×%d×%d×%d", c.Interactions.shape, n, K, M+1, M+1)
		}
		assertClose(t, "interactions", inter, c.Interactions.data, 1e-5)
		interRec := make([]float64, len(inter))
		if err := e.Interactions(ctx, x, interRec, withRecursion()); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "interactions (recursive)", interRec, c.Interactions.data, 1e-5)
		// Each row of an interaction matrix sums to that feature's contribution.
		rowSums := make([]float64, n*K*(M+1))
		for r := range rowSums {
			for b := 0; b <= M; b++ {
				rowSums[r] += inter[r*(M+1)+b]
			}
		}
		assertClose(t, "interaction row sums", rowSums, contribs, 1e-9)
	}

	if iv := c.Interventional; iv != nil {
		bg, err := e.NewBackground(matrixOf(t, iv.Background, M))
		if err != nil {
			t.Fatal(err)
		}
		if iv.ExpectedMargin != nil {
			want := iv.ExpectedMargin.data
			assertClose(t, "interventional expected margin", bg.ExpectedMargins()[:len(want)], want, 1e-6)
		}
		got := make([]float64, n*K*(M+1))
		if err := e.InterventionalContributions(ctx, x, bg, got); err != nil {
			t.Fatal(err)
		}
		if iv.Contribs.size() != len(got) {
			t.Fatalf("interventional contribs shape %v, want %d×%d×%d", iv.Contribs.shape, n, K, M+1)
		}
		assertClose(t, "interventional contribs", got, iv.Contribs.data, 1e-5)
		rec := make([]float64, len(got))
		if err := e.InterventionalContributions(ctx, x, bg, rec, withRecursion()); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "interventional contribs (recursive)", rec, iv.Contribs.data, 1e-5)
		if bg.masks == nil {
			t.Log("no background masks for this model; both runs used the recursion")
		}
	}

	if ip := c.InterventionalProbability; ip != nil {
		var bgRows ndarray
		if len(ip.Background) > 0 && ip.Background[0] == '[' {
			if err := json.Unmarshal(ip.Background, &bgRows); err != nil {
				t.Fatal(err)
			}
		} else if c.Interventional != nil {
			bgRows = c.Interventional.Background
		} else {
			t.Fatalf("interventional_probability.background is %s", ip.Background)
		}
		checkOutputSpace(t, e, x, matrixOf(t, bgRows, M), ip.Contribs, ip.ExpectedPrediction)
	}

	checkExplainers(t, e, x, contribs, margins)
}

// checkOutputSpace runs the output-space interventional explainer for every
// class and compares with the brute-force probability-space values.
func checkOutputSpace(t *testing.T, e *Ensemble, x, bg explain.Matrix, want ndarray, base *ndarray) {
	ctx := context.Background()
	M, K := e.NumFeatures(), e.NumGroups()
	if want.size() != x.Rows*K*(M+1) {
		t.Fatalf("interventional_probability contribs shape %v, want %d×%d×%d", want.shape, x.Rows, K, M+1)
	}
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
			w := want.data[(i*K+k)*(M+1) : (i*K+k+1)*(M+1)]
			assertClose(t, fmt.Sprintf("row %d class %d probability-space interventional", i, k), ex.Values, w[:M], 1e-5)
			assertClose(t, fmt.Sprintf("row %d class %d probability base", i, k), []float64{ex.BaseValue}, w[M:], 1e-6)
			if math.Abs(ex.AdditivityResidual) > 1e-6 || ex.Link != explain.LinkIdentity || ex.Prediction != ex.Output {
				t.Errorf("row %d: residual %g, link %s, prediction %g, output %g", i, ex.AdditivityResidual, ex.Link, ex.Prediction, ex.Output)
			}
		}
		if base != nil && k < base.size() {
			assertClose(t, "expected_prediction", []float64{exps[0].BaseValue}, base.data[k:k+1], 1e-6)
		}
	}
}

// checkExplainers checks that the explain.Explainer adapters report the
// same numbers as the batch functions, for every class.
func checkExplainers(t *testing.T, e *Ensemble, x explain.Matrix, contribs, margins []float64) {
	ctx := context.Background()
	M, K := e.NumFeatures(), e.NumGroups()
	for k := 0; k < K; k++ {
		pd, err := NewPathDependent(e, WithClass(k))
		if err != nil {
			t.Fatal(err)
		}
		exps, err := pd.ExplainBatch(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		for i, ex := range exps {
			c := contribs[(i*K+k)*(M+1) : (i*K+k+1)*(M+1)]
			assertClose(t, fmt.Sprintf("explainer row %d class %d", i, k), append(append([]float64(nil), ex.Values...), ex.BaseValue), c, 0)
			if ex.Prediction != margins[i*K+k] || math.Abs(ex.AdditivityResidual) > 1e-5 || !ex.Exact || ex.Method != explain.MethodTreePathDependent {
				t.Errorf("explainer row %d class %d: prediction %g (margin %g), residual %g, exact %v, method %s", i, k, ex.Prediction, margins[i*K+k], ex.AdditivityResidual, ex.Exact, ex.Method)
			}
			if len(ex.FeatureNames) != M {
				t.Errorf("explainer row %d: %d feature names", i, len(ex.FeatureNames))
			}
		}
		one, err := pd.Explain(ctx, x.Row(0))
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, "Explain vs ExplainBatch", one.Values, exps[0].Values, 0)
	}
}

func loadVectorModel(t *testing.T, file string) (*Ensemble, error) {
	t.Helper()
	return LoadXGBoostFile(filepath.Join(vectorDir, file))
}

func checkExplainCase(t *testing.T, data []byte) {
	var c struct {
		Schema string `json:"schema"`
		Model  struct {
			Type string `json:"type"`
		} `json:"model"`
		NumFeatures            int         `json:"num_features"`
		Background             [][]float64 `json:"background"`
		BaseValue              float64     `json:"base_value"`
		BaseValuePathDependent *float64    `json:"base_value_path_dependent"`
		Tolerance              float64     `json:"tolerance"`
		Rows                   []struct {
			X                []float64 `json:"x"`
			Fx               float64   `json:"fx"`
			Phi              []float64 `json:"phi"`
			PhiPathDependent []float64 `json:"phi_path_dependent"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if c.Schema != "aimskit-explain-shapley/v1" || c.Model.Type != "tree_ensemble" {
		t.Fatalf("schema %q model type %q: not a tree case", c.Schema, c.Model.Type)
	}
	e, err := LoadSklearnJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	M := c.NumFeatures
	if e.NumFeatures() != M {
		t.Fatalf("model has %d features, case %d", e.NumFeatures(), M)
	}
	tol := c.Tolerance
	if tol == 0 {
		tol = 1e-9
	}
	ctx := context.Background()
	x := explain.NewMatrix(len(c.Rows), M)
	fx := make([]float64, len(c.Rows))
	for i, r := range c.Rows {
		copy(x.Row(i), r.X)
		fx[i] = r.Fx
	}
	margins := make([]float64, x.Rows)
	if err := e.PredictMargins(ctx, x, margins); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "f(x)", margins, fx, tol)

	bgm := explain.NewMatrix(len(c.Background), M)
	for i, r := range c.Background {
		copy(bgm.Row(i), r)
	}
	bg, err := e.NewBackground(bgm)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "base_value", bg.ExpectedMargins(), []float64{c.BaseValue}, tol)
	phi := make([]float64, x.Rows*(M+1))
	if err := e.InterventionalContributions(ctx, x, bg, phi); err != nil {
		t.Fatal(err)
	}
	rec := make([]float64, len(phi))
	if err := e.InterventionalContributions(ctx, x, bg, rec, withRecursion()); err != nil {
		t.Fatal(err)
	}
	for i, r := range c.Rows {
		assertClose(t, fmt.Sprintf("row %d interventional phi", i), phi[i*(M+1):i*(M+1)+M], r.Phi, tol)
		assertClose(t, fmt.Sprintf("row %d interventional phi (recursive)", i), rec[i*(M+1):i*(M+1)+M], r.Phi, tol)
	}
	// The model's output is its margin (identity), so the output-space
	// algorithm (subset-sum tables; the explainer itself takes the margin
	// path for identity models) must give the same values as the
	// margin-space tree recursion.
	outVals := make([]float64, x.Rows*(M+1))
	if err := e.interventionalOutput(ctx, x, bg, 0, 0, outVals); err != nil {
		t.Fatal(err)
	}
	for i, r := range c.Rows {
		assertClose(t, fmt.Sprintf("row %d output-space phi", i), outVals[i*(M+1):i*(M+1)+M], r.Phi, tol)
		assertClose(t, fmt.Sprintf("row %d output-space base", i), outVals[i*(M+1)+M:(i+1)*(M+1)], []float64{c.BaseValue}, tol)
	}
	out, err := NewInterventional(e, bgm, WithOutputSpace())
	if err != nil {
		t.Fatal(err)
	}
	exps, err := out.ExplainBatch(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range c.Rows {
		assertClose(t, fmt.Sprintf("row %d output-space explainer phi", i), exps[i].Values, r.Phi, tol)
		assertClose(t, fmt.Sprintf("row %d output-space explainer base", i), []float64{exps[i].BaseValue}, []float64{c.BaseValue}, tol)
	}

	if c.BaseValuePathDependent != nil {
		ev, err := e.ExpectedValues()
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, "path-dependent base value", ev, []float64{*c.BaseValuePathDependent}, tol)
		contribs := make([]float64, x.Rows*(M+1))
		if err := e.Contributions(ctx, x, contribs); err != nil {
			t.Fatal(err)
		}
		recursive := make([]float64, len(contribs))
		if err := e.Contributions(ctx, x, recursive, withRecursion()); err != nil {
			t.Fatal(err)
		}
		for i, r := range c.Rows {
			if r.PhiPathDependent != nil {
				assertClose(t, fmt.Sprintf("row %d phi_path_dependent", i), contribs[i*(M+1):i*(M+1)+M], r.PhiPathDependent, tol)
				assertClose(t, fmt.Sprintf("row %d phi_path_dependent (recursive)", i), recursive[i*(M+1):i*(M+1)+M], r.PhiPathDependent, tol)
			}
		}
	}
}
