package tree

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

const smallModel = "reg_sqerr_t20_d3_f10_s101.model.json"

// mutate decodes the small model, applies f to the generic JSON tree and
// re-encodes it.
func mutate(t *testing.T, f func(root map[string]any)) []byte {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(readVectorFile(t, smallModel), &root); err != nil {
		t.Fatal(err)
	}
	f(root)
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func obj(v any, path ...string) map[string]any {
	m := v.(map[string]any)
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

func firstTree(root map[string]any) map[string]any {
	gb := obj(root, "learner", "gradient_booster", "model")
	return gb["trees"].([]any)[0].(map[string]any)
}

func TestLoadXGBoostBadInput(t *testing.T) {
	cases := []struct {
		name        string
		data        []byte
		want        string // substring of the error
		unsupported bool
	}{
		{"empty", nil, "empty input", false},
		{"not json", []byte("hello"), "malformed JSON", false},
		{"empty object", []byte("{}"), "no \"learner\"", false},
		{"ubjson", []byte("{L\x00\x00\x00\x00\x00\x00\x00\x07learner{}}"), "UBJSON", false},
		{"gblinear", mutate(t, func(r map[string]any) {
			obj(r, "learner")["gradient_booster"] = map[string]any{"name": "gblinear", "model": map[string]any{"weights": []any{0.1, 0.2}}}
		}), "2 weights for 10 features × 1 output groups plus the bias", false},
		{"dart weights short", mutate(t, func(r map[string]any) {
			gb := obj(r, "learner", "gradient_booster")
			obj(r, "learner")["gradient_booster"] = map[string]any{"name": "dart", "gbtree": gb, "weight_drop": []any{1.0}}
		}), "weight_drop has 1 entries for 20 trees", false},
		{"unknown objective", mutate(t, func(r map[string]any) {
			obj(r, "learner", "objective")["name"] = "survival:madeup"
		}), "survival:madeup", true},
		{"no objective", mutate(t, func(r map[string]any) {
			delete(obj(r, "learner"), "objective")
		}), "objective", false},
		{"categorical split", mutate(t, func(r map[string]any) {
			firstTree(r)["split_type"].([]any)[0] = 1
		}), "categorical split without a category set", false},
		{"child out of range", mutate(t, func(r map[string]any) {
			firstTree(r)["left_children"].([]any)[0] = 99
		}), "out of range", false},
		{"cycle", mutate(t, func(r map[string]any) {
			firstTree(r)["left_children"].([]any)[1] = 0
		}), "reached twice", false},
		{"feature out of range", mutate(t, func(r map[string]any) {
			firstTree(r)["split_indices"].([]any)[0] = 10
		}), "feature 10", false},
		{"short array", mutate(t, func(r map[string]any) {
			tr := firstTree(r)
			sc := tr["split_conditions"].([]any)
			tr["split_conditions"] = sc[:len(sc)-1]
		}), "split_conditions", false},
		{"num_nodes mismatch", mutate(t, func(r map[string]any) {
			obj(firstTree(r), "tree_param")["num_nodes"] = "7"
		}), "num_nodes", false},
		{"missing tree", mutate(t, func(r map[string]any) {
			m := obj(r, "learner", "gradient_booster", "model")
			m["trees"] = m["trees"].([]any)[1:]
		}), "num_trees is 20 but 19", false},
		{"tree_info mismatch", mutate(t, func(r map[string]any) {
			m := obj(r, "learner", "gradient_booster", "model")
			m["tree_info"] = m["tree_info"].([]any)[1:]
		}), "tree_info", false},
		{"bad base_score", mutate(t, func(r map[string]any) {
			obj(r, "learner", "learner_model_param")["base_score"] = "abc"
		}), "base_score", false},
		{"logistic base_score outside (0,1)", mutate(t, func(r map[string]any) {
			obj(r, "learner", "objective")["name"] = "binary:logistic"
			obj(r, "learner", "learner_model_param")["base_score"] = "1.5E0"
		}), "not a probability", false},
		{"bad num_feature", mutate(t, func(r map[string]any) {
			obj(r, "learner", "learner_model_param")["num_feature"] = "ten"
		}), "num_feature", false},
		{"classes and targets", mutate(t, func(r map[string]any) {
			obj(r, "learner", "objective")["name"] = "multi:softprob"
			obj(r, "learner", "learner_model_param")["num_class"] = "2"
			obj(r, "learner", "learner_model_param")["num_target"] = "2"
		}), "num_class 2 and num_target 2", false},
		{"negative targets", mutate(t, func(r map[string]any) {
			obj(r, "learner", "learner_model_param")["num_target"] = "-2"
		}), "num_target is -2", false},
		{"softprob without classes", mutate(t, func(r map[string]any) {
			obj(r, "learner", "objective")["name"] = "multi:softprob"
		}), "num_class", false},
		{"tree in a group that does not exist", mutate(t, func(r map[string]any) {
			obj(r, "learner", "gradient_booster", "model")["tree_info"].([]any)[3] = 1
		}), "tree_info[3] = 1", false},
		// A num_class of 1e8 over 3 trees allocated 1.6 GB and a larger
		// one would exhaust memory (found reading the loader while fuzzing).
		{"more classes than trees", mutate(t, func(r map[string]any) {
			obj(r, "learner", "objective")["name"] = "multi:softprob"
			obj(r, "learner", "learner_model_param")["num_class"] = "100000000000"
		}), "num_class 100000000000, num_target 1) but only 20 trees", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := LoadXGBoostJSON(bytes.NewReader(c.data))
			if err == nil {
				t.Fatalf("loaded (%d trees), want an error containing %q", e.NumTrees(), c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if got := errors.Is(err, ErrUnsupported); got != c.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v (%v)", got, c.unsupported, err)
			}
		})
	}
}

// Every prefix of a model file is malformed: loading one must fail with an
// error, never panic or return a model.
func TestLoadXGBoostTruncated(t *testing.T) {
	data := readVectorFile(t, smallModel)
	for n := 0; n < len(data)-1; n += 397 {
		if _, err := LoadXGBoostJSON(bytes.NewReader(data[:n])); err == nil {
			t.Fatalf("prefix of %d of %d bytes loaded", n, len(data))
		}
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	if _, err := LoadXGBoostJSON(bytes.NewReader(gz.Bytes()[:gz.Len()/2])); err == nil {
		t.Fatal("truncated gzip stream loaded")
	}
	ubj := readVectorFile(t, strings.TrimSuffix(smallModel, ".json")+".ubj")
	if _, err := LoadXGBoost(bytes.NewReader(ubj)); err != nil {
		t.Fatalf("whole ubj model: %v", err)
	}
	for n := 0; n < len(ubj)-1; n += 397 {
		if _, err := LoadXGBoost(bytes.NewReader(ubj[:n])); err == nil {
			t.Fatalf("ubj prefix of %d of %d bytes loaded", n, len(ubj))
		}
	}
	// Corrupted bytes must give errors, never panics.
	for i := 0; i < len(ubj); i += 211 {
		bad := append([]byte(nil), ubj...)
		bad[i] ^= 0xA5
		LoadXGBoost(bytes.NewReader(bad))
	}
}

// A gzipped model file loads and predicts like the plain one.
func TestLoadXGBoostGzip(t *testing.T) {
	data := readVectorFile(t, smallModel)
	path := filepath.Join(t.TempDir(), "m.json.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := LoadXGBoostFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadXGBoostJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	row := []float64{1, 2, 3, 1, 0, 2, 0.5, 3, -4, 0.2}
	ma, mb := []float64{0}, []float64{0}
	if err := a.PredictMargin(row, ma); err != nil {
		t.Fatal(err)
	}
	if err := b.PredictMargin(row, mb); err != nil {
		t.Fatal(err)
	}
	if ma[0] != mb[0] {
		t.Errorf("gzip model margin %v, plain %v", ma[0], mb[0])
	}
	if _, err := LoadXGBoostFile(filepath.Join(t.TempDir(), "absent.json")); err == nil {
		t.Error("absent file loaded")
	}
}

func TestLoadSklearnBadInput(t *testing.T) {
	good := `{"type":"tree_ensemble","base_offset":0.5,"trees":[{"feature":[0,-1,-1],"threshold":[0.5,0,0],"left":[1,-1,-1],"right":[2,-1,-1],"value":[0,1,2],"cover":[2,1,1]}]}`
	if _, err := LoadSklearnJSON(strings.NewReader(good)); err != nil {
		t.Fatalf("good model: %v", err)
	}
	cases := map[string]string{
		"truncated":       good[:len(good)/2],
		"no base_offset":  strings.Replace(good, `"base_offset":0.5,`, "", 1),
		"no trees":        `{"type":"tree_ensemble","base_offset":0.5,"trees":[]}`,
		"wrong type":      strings.Replace(good, "tree_ensemble", "linear", 1),
		"ragged arrays":   strings.Replace(good, `"value":[0,1,2]`, `"value":[0,1]`, 1),
		"split no child":  strings.Replace(good, `"left":[1,-1,-1]`, `"left":[-1,-1,-1]`, 1),
		"negative cover":  strings.Replace(good, `"cover":[2,1,1]`, `"cover":[2,-1,1]`, 1),
		"num_trees wrong": strings.Replace(good, `"base_offset":0.5,`, `"base_offset":0.5,"num_trees":3,`, 1),
	}
	for name, s := range cases {
		if _, err := LoadSklearnJSON(strings.NewReader(s)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestNewBadSpec(t *testing.T) {
	base := func() Spec {
		return Spec{
			Trees: []Tree{{
				Left: []int{1, -1, -1}, Right: []int{2, -1, -1}, Feature: []int{0, 0, 0},
				Threshold: []float64{0.5, 0, 0}, Value: []float64{0, -1, 1}, Cover: []float64{2, 1, 1},
			}},
			NumFeatures: 1,
		}
	}
	cases := map[string]func(s *Spec){
		"no features":        func(s *Spec) { s.NumFeatures = 0 },
		"no trees":           func(s *Spec) { s.Trees = nil },
		"NaN leaf":           func(s *Spec) { s.Trees[0].Value[1] = math.NaN() },
		"infinite threshold": func(s *Spec) { s.Trees[0].Threshold[0] = math.Inf(1) },
		"threshold beyond float32": func(s *Spec) {
			s.Trees[0].Threshold[0] = 1e300
		},
		"max threshold with <=": func(s *Spec) {
			s.Rule = LessEqual
			s.Trees[0].Threshold[0] = math.MaxFloat64
		},
		"NaN threshold": func(s *Spec) { s.Trees[0].Threshold[0] = math.NaN() },
		"zero internal cover": func(s *Spec) {
			s.Trees[0].Cover[0] = 0
		},
		"group out of range":  func(s *Spec) { s.Trees[0].Group = 1 },
		"softmax one group":   func(s *Spec) { s.Transform = Softmax },
		"bad transform":       func(s *Spec) { s.Transform = Transform(42) },
		"bad rule":            func(s *Spec) { s.Rule = SplitRule(42) },
		"intercept count":     func(s *Spec) { s.Intercept = []float64{1, 2} },
		"NaN intercept":       func(s *Spec) { s.Intercept = []float64{math.NaN()} },
		"feature names count": func(s *Spec) { s.FeatureNames = []string{"a", "b"} },
		"empty tree":          func(s *Spec) { s.Trees[0] = Tree{} },

		// Found by FuzzTreeModelEdits: TreeSHAP turned these covers into
		// contributions of ±1.5e45 that did not sum to the margin.
		"covers that do not add up": func(s *Spec) { s.Trees[0].Cover[0] = 1e-45 },
		// Found by FuzzTreeModelEdits: a leaf of -1e308 gave -Inf
		// contributions; float32 margins overflow sooner.
		"leaves beyond float64's range": func(s *Spec) { s.Rule = LessEqual; s.Trees[0].Value[1] = -1e308 },
		"leaves beyond float32's range": func(s *Spec) { s.Trees[0].Value[1] = 2e38 },
	}
	for name, f := range cases {
		s := base()
		f(&s)
		if _, err := New(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Covers that agree to rounding (XGBoost stores them as float32) load.
	s := base()
	s.Trees[0].Cover[2] = 1.0000001
	if _, err := New(s); err != nil {
		t.Errorf("covers 2 = 1 + 1.0000001: %v", err)
	}
	// Without covers the model predicts but cannot run path-dependent TreeSHAP.
	s = base()
	s.Trees[0].Cover = nil
	e, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Contributions(context.Background(), explain.NewMatrix(1, 1), make([]float64, 2)); err == nil {
		t.Error("TreeSHAP without covers succeeded")
	}
	if _, err := NewPathDependent(e); err == nil {
		t.Error("path-dependent explainer without covers created")
	}
}

func TestShapeMismatch(t *testing.T) {
	ctx := context.Background()
	e, x, bg := logisticCase(t)
	M := e.NumFeatures()
	wrong := explain.NewMatrix(2, M+1)
	if err := e.PredictMargin(make([]float64, M-1), []float64{0}); err == nil || !strings.Contains(err.Error(), "9 features, model expects 10") {
		t.Errorf("short row: %v", err)
	}
	if err := e.PredictMargin(make([]float64, M), []float64{0, 0}); err == nil {
		t.Error("two output slots accepted")
	}
	if err := e.PredictMargins(ctx, wrong, make([]float64, 2)); err == nil || !strings.Contains(err.Error(), "11 features") {
		t.Errorf("wide matrix: %v", err)
	}
	if err := e.PredictMargins(ctx, explain.Matrix{Rows: 2, Cols: M, Data: make([]float64, M)}, make([]float64, 2)); err == nil {
		t.Error("matrix with too little data accepted")
	}
	if err := e.Contributions(ctx, x, make([]float64, 5)); err == nil {
		t.Error("short contribution buffer accepted")
	}
	if err := e.Interactions(ctx, wrong, nil); err == nil {
		t.Error("interactions on a wide matrix accepted")
	}
	if err := e.ApproxContributions(ctx, wrong, nil); err == nil {
		t.Error("Saabas on a wide matrix accepted")
	}
	if _, err := e.NewBackground(wrong); err == nil {
		t.Error("background with the wrong width accepted")
	}
	if _, err := e.NewBackground(explain.NewMatrix(0, M)); err == nil {
		t.Error("empty background accepted")
	}
	b, err := e.NewBackground(bg)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := LoadXGBoostFile(filepath.Join(vectorDir, smallModel))
	if err := other.InterventionalContributions(ctx, explain.NewMatrix(1, M), b, make([]float64, M+1)); err == nil {
		t.Error("background of another model accepted")
	}
	pd, err := NewPathDependent(e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pd.Explain(ctx, make([]float64, M+2)); err == nil || !strings.Contains(err.Error(), "12 features, model expects 10") {
		t.Errorf("explain with a long row: %v", err)
	}
	if _, err := pd.ExplainBatch(ctx, wrong); err == nil {
		t.Error("explain batch with the wrong width accepted")
	}
	iv, err := NewInterventional(e, bg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iv.Explain(ctx, nil); err == nil {
		t.Error("explain of an empty row accepted")
	}
	if _, err := NewPathDependent(e, WithClass(2)); err == nil {
		t.Error("class 2 of a binary model accepted")
	}
	if _, err := NewPathDependent(e, WithFeatureNames("a")); err == nil {
		t.Error("one feature name for ten features accepted")
	}
	if _, err := NewPathDependent(e, WithOutputSpace()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("path-dependent output space: %v", err)
	}
	if _, err := NewInterventional(e, wrong); err == nil {
		t.Error("interventional explainer with a wide background accepted")
	}
}

func TestCancelledContext(t *testing.T) {
	e, x, bg := logisticCase(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	M := e.NumFeatures()
	if err := e.Contributions(ctx, x, make([]float64, x.Rows*(M+1))); !errors.Is(err, context.Canceled) {
		t.Errorf("contributions: %v", err)
	}
	b, _ := e.NewBackground(bg)
	if err := e.InterventionalContributions(ctx, x, b, make([]float64, x.Rows*(M+1))); !errors.Is(err, context.Canceled) {
		t.Errorf("interventional: %v", err)
	}
	if err := e.PredictMargins(ctx, x, make([]float64, x.Rows)); !errors.Is(err, context.Canceled) {
		t.Errorf("predict: %v", err)
	}
}

// ubjNestedEmpty is a UBJSON document whose one array holds n typed,
// counted arrays of nulls, each claiming as many elements as the document
// has bytes: the elements take no bytes, so the document decodes to n×size
// values.
func ubjNestedEmpty(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{U\x01a[$[#l")
	binary.Write(&b, binary.BigEndian, int32(n))
	size := b.Len() + 8*n + 1
	for i := 0; i < n; i++ {
		b.WriteString("$Z#l")
		binary.Write(&b, binary.BigEndian, int32(size))
	}
	b.WriteString("}")
	return b.Bytes()
}

// A UBJSON document cannot decode to more values than it has bytes. Found
// reading the decoder while fuzzing it: 24 KB of nested typed arrays of
// nulls took 14 s and 2.5 GB to decode. That it is refused cheaply is
// checked on the memory the refusal allocates, counted by the runtime,
// not on the wall clock: a decoder that decoded the claimed values before
// refusing the document allocates some bytes per value, thousands of
// times the document's size.
func TestLoadXGBoostUBJSONEmptyElements(t *testing.T) {
	doc := ubjNestedEmpty(3000)
	var err error
	allocated := bytesAllocated(func() {
		_, err = LoadXGBoostUBJSON(bytes.NewReader(doc))
	})
	if err == nil || !strings.Contains(err.Error(), "more values than bytes") {
		t.Errorf("error %v, want one about more values than bytes", err)
	}
	if limit := uint64(64 * len(doc)); allocated > limit {
		t.Errorf("refusing a %d-byte document allocated %d bytes, want at most %d", len(doc), allocated, limit)
	}
	// A typed array of nulls is still read when it fits.
	if _, err := LoadXGBoostUBJSON(bytes.NewReader([]byte("{U\x01a[$Z#U\x03U\x01b[$Z#U\x02}"))); err == nil || strings.Contains(err.Error(), "more values") {
		t.Errorf("small typed arrays of nulls: %v", err)
	}
}

// A gzip bomb (a small file that expands a thousandfold) is refused before
// it is read into memory, with an error that says so.
func TestLoadXGBoostGzipBomb(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zeros := make([]byte, 1<<20)
	for range minGunzipLimit>>20 + 1 { // just over the floor: 65 MiB of zeros
		zw.Write(zeros)
	}
	zw.Close()
	if gz.Len()*maxGunzipRatio > minGunzipLimit {
		t.Fatalf("test input compresses to %d bytes; it must be a bomb", gz.Len())
	}
	_, err := LoadXGBoost(bytes.NewReader(gz.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "expand to more than") {
		t.Fatalf("gzip bomb: %v", err)
	}
}

// bytesAllocated is how many bytes of heap fn allocates, as the runtime
// counts them (ReadMemStats flushes the per-processor caches first).
func bytesAllocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
