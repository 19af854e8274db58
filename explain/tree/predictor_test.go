package tree

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// refLeaf walks tree t with the general node rule ([node.next]) on a
// canonical row: the reference the prediction layout must agree with.
func refLeaf(e *Ensemble, t int, canon []float64) int32 {
	i := e.roots[t]
	for e.nodes[i].feature >= 0 {
		n := &e.nodes[i]
		i = n.next(canon[n.feature])
	}
	return i
}

// adversarialRows builds rows whose values sit on, just below and just
// above every threshold of e (in the model's precision), plus NaN, ±Inf,
// ±0, ±MaxFloat32 and category-like integers, mixed at random.
func adversarialRows(e *Ensemble, n int, rng *rand.Rand) explain.Matrix {
	var pool []float64
	for _, nd := range e.nodes {
		if nd.feature < 0 || nd.cat != nil {
			continue
		}
		t := nd.thr
		if e.float32 {
			f := float32(t)
			pool = append(pool, float64(f), float64(math.Nextafter32(f, float32(math.Inf(-1)))), float64(math.Nextafter32(f, float32(math.Inf(1)))))
		} else {
			pool = append(pool, t, math.Nextafter(t, math.Inf(-1)), math.Nextafter(t, math.Inf(1)))
		}
	}
	pool = append(pool, math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1),
		math.MaxFloat32, -math.MaxFloat32, math.MaxFloat64, -math.MaxFloat64, 1e-40, -1e-40,
		0.5, 1, 2, 3, 7, 1<<24, -1)
	x := explain.NewMatrix(n, e.numFeatures)
	for i := range x.Data {
		x.Data[i] = pool[rng.IntN(len(pool))]
	}
	return x
}

// TestPredictorMatchesNodeWalk checks the compact prediction layout
// (integer keys, range test, self-looping leaves, eight-row lockstep)
// against the general node walk on every model in the test data, leaf by
// leaf and margin by margin, on rows made of the models' own thresholds,
// their float neighbours, missing values, infinities and signed zeros.
func TestPredictorMatchesNodeWalk(t *testing.T) {
	var files []string
	for _, glob := range []string{"testdata/vectors/*.model.json", "testdata/vectors/*.model.ubj", "testdata/vectors/tree_*.json", "testdata/lightgbm/*.txt"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d models", len(files))
	}
	rng := rand.New(rand.NewPCG(7, 11))
	ctx := context.Background()
	for _, f := range files {
		e, err := loadAnyModel(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		x := adversarialRows(e, 203, rng) // not a multiple of 8: the last lanes walk padding
		K := e.numGroups
		got := make([]float64, x.Rows*K)
		if err := e.PredictMargins(ctx, x, got, WithWorkers(2)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		canon := make([]float64, e.numFeatures)
		want := make([]float64, K)
		for i := 0; i < x.Rows; i++ {
			e.canonRow(canon, x.Row(i))
			for tr := range e.roots {
				if l, r := e.leaf(tr, canon), refLeaf(e, tr, canon); l != r {
					t.Fatalf("%s row %d tree %d: leaf %d, reference walk %d (row %v)", f, i, tr, l, r, x.Row(i))
				}
			}
			refMargins(e, canon, want)
			for k := 0; k < K; k++ {
				if g := got[i*K+k]; math.Float64bits(g) != math.Float64bits(want[k]) {
					t.Fatalf("%s row %d group %d: margin %v, reference %v", f, i, k, g, want[k])
				}
			}
		}
	}
}

// refMargins sums the reference leaves as the predictor must: float32
// accumulation in file order for XGBoost models, float64 otherwise.
func refMargins(e *Ensemble, canon, out []float64) {
	if e.float32 {
		acc := make([]float32, e.numGroups)
		for k := range acc {
			acc[k] = float32(e.intercept[k])
		}
		for tr := range e.roots {
			acc[e.group[tr]] += float32(e.value[refLeaf(e, tr, canon)])
		}
		for k, v := range acc {
			out[k] = float64(v)
		}
		return
	}
	copy(out, e.intercept)
	for tr := range e.roots {
		out[e.group[tr]] += e.value[refLeaf(e, tr, canon)]
	}
}

// loadAnyModel loads a test model by its file name.
func loadAnyModel(path string) (*Ensemble, error) {
	switch {
	case filepath.Ext(path) == ".txt":
		return LoadLightGBMFile(path)
	case filepath.Base(path)[:5] == "tree_":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return LoadSklearnJSON(f)
	default:
		return LoadXGBoostFile(path)
	}
}

func TestKeysKeepFloatOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -math.MaxFloat64, -1, -1e-300, math.Copysign(0, -1), 0, 1e-300, 1, math.MaxFloat64, math.Inf(1)}
	for i := 1; i < len(vals); i++ {
		a, b := vals[i-1], vals[i]
		if a == b {
			if key64(a) != key64(b) {
				t.Fatalf("key64(%v) != key64(%v)", a, b)
			}
			continue
		}
		if key64(a) >= key64(b) || key32(float32(a)) > key32(float32(b)) {
			t.Fatalf("keys of %v, %v out of order", a, b)
		}
		if keyValue(key64(b)) != b {
			t.Fatalf("keyValue(key64(%v)) = %v", b, keyValue(key64(b)))
		}
	}
	if key64(math.NaN()) != math.MaxInt64 || key32(float32(math.NaN())) != math.MaxInt32 || !math.IsNaN(keyValue(int32(math.MaxInt32))) {
		t.Fatal("missing key")
	}
}

// TestPredictorRefusesBrokenLinks: the block walk follows the layout's
// offsets without bounds checks, so building the layout must refuse any
// link outside the model, whatever a loader let through.
func TestPredictorRefusesBrokenLinks(t *testing.T) {
	load := func() *Ensemble {
		e, err := LoadXGBoostFile(vectorDir + "/" + benchCase + ".model.json")
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := load()
	split := -1
	for i, n := range e.nodes {
		if n.feature >= 0 {
			split = i
			break
		}
	}
	if split < 0 {
		t.Fatal("benchmark model has no split")
	}
	key := func(v float64) int32 { return key32(float32(v)) }
	if _, err := newPredictor[int32, uint32](e, key); err != nil {
		t.Fatalf("intact model refused: %v", err)
	}
	for name, breakIt := range map[string]func(c *Ensemble){
		"left child past the end": func(c *Ensemble) { c.nodes[split].left = int32(len(c.nodes)) - 1 },
		"negative left child":     func(c *Ensemble) { c.nodes[split].left = -1 },
		"feature past the row":    func(c *Ensemble) { c.nodes[split].feature = int32(c.numFeatures) },
		"root past the end":       func(c *Ensemble) { c.roots[0] = int32(len(c.nodes)) },
	} {
		c := load()
		breakIt(c)
		if _, err := newPredictor[int32, uint32](c, key); err == nil {
			t.Errorf("%s: layout built", name)
		}
	}
}

// TestWalkAddRefusesShortBlocks: the unchecked walk gets an error, not a
// read out of bounds, when its block is smaller than it reads.
func TestWalkAddRefusesShortBlocks(t *testing.T) {
	e, err := LoadXGBoostFile(vectorDir + "/" + benchCase + ".model.json")
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]int32, e.numFeatures*predictChunk)
	acc := make([]float32, predictChunk)
	if err := walkAdd(e.p32, 0, cols, predictChunk, acc, 1, 0); err != nil {
		t.Fatalf("whole block refused: %v", err)
	}
	for name, call := range map[string]func() error{
		"short keys":    func() error { return walkAdd(e.p32, 0, cols[:len(cols)-1], 8, acc, 1, 0) },
		"short sums":    func() error { return walkAdd(e.p32, 0, cols, 8, acc[:predictChunk-1], 1, 0) },
		"too many":      func() error { return walkAdd(e.p32, 0, cols, predictChunk+1, acc, 1, 0) },
		"bad group":     func() error { return walkAdd(e.p32, 0, cols, 8, acc, 1, 1) },
		"wide values":   func() error { return walkAdd(e.p32, 0, cols, 8, make([]float64, predictChunk), 1, 0) },
		"negative rows": func() error { return walkAdd(e.p32, 0, cols, -1, acc, 1, 0) },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: walked", name)
		}
	}
}

// spreadXGBoost rewrites the benchmark model as a model of 3×12 features
// whose trees split on features 3f+2 where the original splits on f, so
// that the prediction blocks hold only the split features, in columns that
// are not their feature indices.
func spreadXGBoost(t *testing.T) (wide, orig *Ensemble, spread func(int) int) {
	t.Helper()
	path := vectorDir + "/" + benchCase + ".model.json"
	data := readTestFile(t, path)
	orig, err := LoadXGBoost(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	spread = func(f int) int { return 3*f + 2 }
	doc := xgbDoc(t, data)
	learner := docPath(t, doc, "learner")
	docPath(t, learner, "learner_model_param")["num_feature"] = strconv.Itoa(spread(orig.NumFeatures()))
	learner["feature_names"], learner["feature_types"] = []any{}, []any{}
	for _, tr := range docPath(t, learner, "gradient_booster", "model")["trees"].([]any) {
		idx := tr.(map[string]any)["split_indices"].([]any)
		for i, v := range idx {
			f, err := v.(json.Number).Int64()
			if err != nil {
				t.Fatal(err)
			}
			idx[i] = spread(int(f))
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if wide, err = LoadXGBoost(strings.NewReader(string(b))); err != nil {
		t.Fatal(err)
	}
	return wide, orig, spread
}

// spreadLightGBM rewrites regression.txt (float64 keys, a categorical
// tree) as a model of 8 features whose trees split on features 2f+1.
func spreadLightGBM(t *testing.T) (wide, orig *Ensemble, spread func(int) int) {
	t.Helper()
	data := string(readTestFile(t, filepath.Join("testdata", "lightgbm", "regression.txt")))
	orig, err := ParseLightGBM([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	spread = func(f int) int { return 2*f + 1 }
	src := strings.Replace(data, "max_feature_idx=2\n", "max_feature_idx=7\n", 1)
	src = strings.Replace(src, "feature_names=num cat z\n", "", 1)
	src = regexp.MustCompile(`(?m)^split_feature=.*$`).ReplaceAllStringFunc(src, func(line string) string {
		fs := strings.Fields(strings.TrimPrefix(line, "split_feature="))
		for i, f := range fs {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			fs[i] = strconv.Itoa(spread(v))
		}
		return "split_feature=" + strings.Join(fs, " ")
	})
	if wide, err = ParseLightGBM([]byte(src)); err != nil {
		t.Fatal(err)
	}
	return wide, orig, spread
}

// TestPredictorBlockOfSplitFeatures checks the prediction layout when its
// row blocks hold only the features the trees split on (the model has
// more): on a float32 (XGBoost) and a float64 (LightGBM, with categorical
// splits, which take the general walk) model whose split features are
// spread over three or two times as many features, the block walk must
// agree with the general node walk leaf by leaf and margin by margin on
// adversarial rows, and with the original model on the same values.
func TestPredictorBlockOfSplitFeatures(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	ctx := context.Background()
	for name, build := range map[string]func(*testing.T) (*Ensemble, *Ensemble, func(int) int){
		"xgboost": spreadXGBoost, "lightgbm": spreadLightGBM,
	} {
		e, orig, spread := build(t)
		var cols []int32
		if e.p32 != nil {
			cols = e.p32.colFeature
		} else {
			cols = e.p64.colFeature
		}
		if len(cols) != orig.NumFeatures() {
			t.Fatalf("%s: block columns %v, want the %d split features", name, cols, orig.NumFeatures())
		}
		x := adversarialRows(e, 203, rng) // several blocks and a partial one
		K := e.numGroups
		got := make([]float64, x.Rows*K)
		if err := e.PredictMargins(ctx, x, got, WithWorkers(2)); err != nil {
			t.Fatal(err)
		}
		xo := explain.NewMatrix(x.Rows, orig.NumFeatures())
		for i := range x.Rows {
			for f := range orig.NumFeatures() {
				xo.Row(i)[f] = x.Row(i)[spread(f)]
			}
		}
		fromOrig := make([]float64, x.Rows*K)
		if err := orig.PredictMargins(ctx, xo, fromOrig); err != nil {
			t.Fatal(err)
		}
		canon := make([]float64, e.numFeatures)
		want := make([]float64, K)
		one := make([]float64, K)
		for i := 0; i < x.Rows; i++ {
			e.canonRow(canon, x.Row(i))
			for tr := range e.roots {
				if l, r := e.leaf(tr, canon), refLeaf(e, tr, canon); l != r {
					t.Fatalf("%s row %d tree %d: leaf %d, reference walk %d", name, i, tr, l, r)
				}
			}
			refMargins(e, canon, want)
			if err := e.PredictMargin(x.Row(i), one); err != nil {
				t.Fatal(err)
			}
			for k := 0; k < K; k++ {
				g := got[i*K+k]
				if math.Float64bits(g) != math.Float64bits(want[k]) || math.Float64bits(one[k]) != math.Float64bits(g) || math.Float64bits(fromOrig[i*K+k]) != math.Float64bits(g) {
					t.Fatalf("%s row %d group %d: block walk %v, reference %v, one row %v, original model %v", name, i, k, g, want[k], one[k], fromOrig[i*K+k])
				}
			}
		}
	}
}

// allocatedBytes returns the bytes f allocates on the heap.
func allocatedBytes(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestPredictWideModelMemory loads testdata/xgboost/wide.model.json
// (testdata/gen/gen_wide.py), an XGBoost model of 2^20 hashed features
// whose trees split on 14. Prediction used to give each worker a block of
// 64 rows × 2^20 features (256 MiB of keys) even for one row, and
// TreeSHAP 16 rows × 2^20 values: prediction must now allocate far less
// than its input, and TreeSHAP (whose output alone is 2^20+1 values a
// row) a few times its input. The margins must agree with the general node
// walk on rows that set the used features.
func TestPredictWideModelMemory(t *testing.T) {
	e, err := LoadXGBoostFile("testdata/xgboost/wide.model.json")
	if err != nil {
		t.Fatal(err)
	}
	M := e.NumFeatures()
	if M != 1<<20 || e.p32.m != 14 {
		t.Fatalf("model has %d features, %d block columns; want 2^20 and 14", M, e.p32.m)
	}
	x := explain.NewMatrix(2, M)
	for _, f := range e.p32.colFeature[:7] {
		x.Row(1)[f] = 3 // the splits are at 2.00001
	}
	ctx := context.Background()
	in := uint64(8 * M) // bytes of one row
	out := make([]float64, 2)
	if got := allocatedBytes(func() {
		if err := e.PredictMargins(ctx, x, out); err != nil {
			t.Fatal(err)
		}
	}); got > in/4 {
		t.Errorf("PredictMargins of 2 rows allocated %d KiB, a row is %d KiB", got>>10, in>>10)
	}
	canon := make([]float64, M)
	want := make([]float64, 1)
	for i := range x.Rows {
		e.canonRow(canon, x.Row(i))
		refMargins(e, canon, want)
		if out[i] != want[0] {
			t.Errorf("row %d: margin %v, node walk %v", i, out[i], want[0])
		}
	}
	if out[0] == out[1] {
		t.Errorf("rows with and without the split features give the same margin %v", out[0])
	}
	phi := make([]float64, 2*(M+1))
	if got := allocatedBytes(func() {
		if err := e.Contributions(ctx, x, phi); err != nil {
			t.Fatal(err)
		}
	}); got > 4*2*in {
		t.Errorf("Contributions of 2 rows allocated %d MiB, a row is %d MiB", got>>20, in>>20)
	}
	for i := range x.Rows {
		s := 0.0
		for _, v := range phi[i*(M+1) : (i+1)*(M+1)] {
			s += v
		}
		if math.Abs(s-out[i]) > 1e-5 {
			t.Errorf("row %d: contributions sum to %v, margin %v", i, s, out[i])
		}
	}
}
