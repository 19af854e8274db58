package tree

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// The XGBoost 2.x/3.x encodings of the same model, produced from the 1.7.4
// test models by rewriting their documents: XGBoost ≥ 2.0 writes
// size_leaf_vector "1" for scalar leaves, drops it from gbtree_model_param
// and adds iteration_indptr; 3.x writes base_score as a bracketed vector
// ("[5E-1]", one value per class for multi-class models). Each rewrite must
// load and give the same margins and TreeSHAP values as the original.

// xgbDoc decodes a JSON model into generic values, numbers kept as text.
func xgbDoc(t *testing.T, data []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(jsonNaNToNull(data)))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func docPath(t *testing.T, v any, path ...string) map[string]any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", p)
		}
		v = m[p]
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v: not an object", path)
	}
	return m
}

// rewriteXGB applies one encoding variant to a 1.7 document in place.
func rewriteXGB(t *testing.T, doc map[string]any, variant string) {
	t.Helper()
	lp := docPath(t, doc, "learner", "learner_model_param")
	model := docPath(t, doc, "learner", "gradient_booster", "model")
	gp := docPath(t, model, "gbtree_model_param")
	trees := model["trees"].([]any)
	bs := lp["base_score"].(string)
	nc, _ := parseIntParam("num_class", lp["num_class"].(string))
	groups := max(nc, 1)
	setLeaf := func(s string) {
		for _, tr := range trees {
			docPath(t, tr, "tree_param")["size_leaf_vector"] = s
		}
	}
	switch variant {
	case "2.x":
		doc["version"] = []any{json.Number("2"), json.Number("1"), json.Number("4")}
		setLeaf("1")
		delete(gp, "size_leaf_vector")
		ind := []any{json.Number("0")}
		per := len(trees) / groups
		for i := 1; i <= per; i++ {
			ind = append(ind, json.Number(fmt.Sprint(i*groups)))
		}
		model["iteration_indptr"] = ind
	case "3.x":
		doc["version"] = []any{json.Number("3"), json.Number("1"), json.Number("0")}
		setLeaf("1")
		gp["size_leaf_vector"] = "1"
		lp["base_score"] = "[" + strings.Repeat(bs+",", groups-1) + bs + "]"
	case "numbers":
		// Parameters as plain numbers and default_left as booleans.
		setLeaf("1")
		f, _ := parseBaseScore(bs)
		lp["base_score"] = json.Number(fmt.Sprint(f[0]))
		lp["num_feature"] = json.Number(lp["num_feature"].(string))
		for _, tr := range trees {
			m := tr.(map[string]any)
			dl := m["default_left"].([]any)
			for i, v := range dl {
				dl[i] = v.(json.Number).String() != "0"
			}
		}
	default:
		t.Fatalf("unknown variant %s", variant)
	}
}

// ubjEncode writes v as XGBoost's UBJSON: keys without a marker, strings
// 'S', integers 'l' or 'L', other numbers float32 'd', and numeric arrays as
// typed, counted containers.
func ubjEncode(buf *bytes.Buffer, v any) {
	lenPrefix := func(n int) {
		buf.WriteByte('L')
		_ = binary.Write(buf, binary.BigEndian, int64(n))
	}
	str := func(s string) { lenPrefix(len(s)); buf.WriteString(s) }
	num := func(e any, typ byte) {
		n, ok := e.(json.Number)
		if !ok { // null in a float array: NaN, as XGBoost writes it
			_ = binary.Write(buf, binary.BigEndian, float32(math.NaN()))
			return
		}
		switch typ {
		case 'L':
			i, _ := n.Int64()
			_ = binary.Write(buf, binary.BigEndian, i)
		default:
			f, _ := n.Float64()
			_ = binary.Write(buf, binary.BigEndian, float32(f))
		}
	}
	numType := func(n json.Number) byte {
		if _, err := n.Int64(); err == nil {
			return 'L'
		}
		return 'd'
	}
	switch x := v.(type) {
	case map[string]any:
		buf.WriteByte('{')
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			str(k)
			ubjEncode(buf, x[k])
		}
		buf.WriteByte('}')
	case []any:
		typ := byte(0)
		nulls := false
		for i, e := range x {
			if e == nil {
				nulls = true
				continue
			}
			n, ok := e.(json.Number)
			if !ok {
				typ = 0
				break
			}
			nt := numType(n)
			if i == 0 || nt == 'd' {
				typ = max(typ, nt) // 'd' > 'L': any float makes the array float
			}
		}
		if nulls && typ != 0 {
			typ = 'd'
		}
		if typ != 0 {
			buf.WriteString("[$")
			buf.WriteByte(typ)
			buf.WriteByte('#')
			lenPrefix(len(x))
			for _, e := range x {
				num(e, typ)
			}
			return
		}
		buf.WriteByte('[')
		for _, e := range x {
			ubjEncode(buf, e)
		}
		buf.WriteByte(']')
	case string:
		buf.WriteByte('S')
		str(x)
	case json.Number:
		typ := numType(x)
		buf.WriteByte(typ)
		num(x, typ)
	case bool:
		if x {
			buf.WriteByte('T')
		} else {
			buf.WriteByte('F')
		}
	case nil:
		buf.WriteByte('Z')
	default:
		panic(fmt.Sprintf("ubjEncode: %T", v))
	}
}

func modelOutputs(t *testing.T, e *Ensemble, x explain.Matrix) (margins, contribs []float64) {
	t.Helper()
	ctx := context.Background()
	margins = make([]float64, x.Rows*e.NumGroups())
	if err := e.PredictMargins(ctx, x, margins); err != nil {
		t.Fatal(err)
	}
	contribs = make([]float64, x.Rows*e.NumGroups()*(e.NumFeatures()+1))
	if err := e.Contributions(ctx, x, contribs); err != nil {
		t.Fatal(err)
	}
	return margins, contribs
}

func TestXGBoostNewerEncodings(t *testing.T) {
	for _, base := range []string{
		"reg_sqerr_t20_d3_f10_s101",
		"bin_logistic_t50_d4_f10_bs03_s102",
		"multi_softprob_t24_d3_f6_local",
		"obj_count_poisson_local",
	} {
		orig := readVectorFile(t, base+".model.json")
		want, err := LoadXGBoostJSON(bytes.NewReader(orig))
		if err != nil {
			t.Fatal(err)
		}
		var c xgbCase
		if err := json.Unmarshal(readVectorFile(t, base+".case.json"), &c); err != nil {
			t.Fatal(err)
		}
		x := matrixOf(t, c.Rows, want.NumFeatures())
		wm, wc := modelOutputs(t, want, x)
		for _, variant := range []string{"2.x", "3.x", "numbers"} {
			doc := xgbDoc(t, orig)
			rewriteXGB(t, doc, variant)
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
				t.Run(base+"/"+variant+"/"+enc.name, func(t *testing.T) {
					e, err := LoadXGBoost(bytes.NewReader(enc.data))
					if err != nil {
						t.Fatal(err)
					}
					if e.NumGroups() != want.NumGroups() || e.NumTrees() != want.NumTrees() {
						t.Fatalf("%d groups %d trees, want %d %d", e.NumGroups(), e.NumTrees(), want.NumGroups(), want.NumTrees())
					}
					for k := 0; k < e.NumGroups(); k++ {
						if e.Intercept(k) != want.Intercept(k) {
							t.Errorf("intercept %d: %v, want %v", k, e.Intercept(k), want.Intercept(k))
						}
					}
					m, c := modelOutputs(t, e, x)
					assertClose(t, "margins", m, wm, 0)
					assertClose(t, "contribs", c, wc, 0)
				})
			}
		}
	}
}

// TestXGBoostVectorLeafRefused: size_leaf_vector > 1 (multi_output_tree)
// is still refused, with an error that names the field and the
// multi-target models that do load.
func TestXGBoostVectorLeafRefused(t *testing.T) {
	orig := readVectorFile(t, smallModel)
	for _, where := range []string{"tree", "gbtree"} {
		doc := xgbDoc(t, orig)
		rewriteXGB(t, doc, "3.x")
		model := docPath(t, doc, "learner", "gradient_booster", "model")
		if where == "tree" {
			docPath(t, model["trees"].([]any)[0], "tree_param")["size_leaf_vector"] = "3"
		} else {
			docPath(t, model, "gbtree_model_param")["size_leaf_vector"] = "3"
		}
		js, _ := json.Marshal(doc)
		_, err := LoadXGBoostJSON(bytes.NewReader(js))
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "size_leaf_vector is 3") || !strings.Contains(err.Error(), `multi_strategy "one_output_per_tree"`) {
			t.Errorf("%s: err = %v, want ErrUnsupported naming size_leaf_vector and one_output_per_tree", where, err)
		}
	}
	doc := xgbDoc(t, orig)
	docPath(t, doc, "learner", "learner_model_param")["base_score"] = "[5E-1,NaN]"
	js, _ := json.Marshal(doc)
	if _, err := LoadXGBoostJSON(bytes.NewReader(js)); err == nil {
		t.Error("bad base_score vector loaded")
	}
}

// TestXGBoostDart: the dart case (testdata/gen/gen_dart_cat.py, XGBoost
// 1.7.4, rate_drop 0.3) has tree weights other than 1, and the margins
// agree with XGBoost's output_margin bit for bit (float32).
func TestXGBoostDart(t *testing.T) {
	var c xgbCase
	if err := json.Unmarshal(readVectorFile(t, "dart_local.case.json"), &c); err != nil {
		t.Fatal(err)
	}
	doc := xgbDoc(t, readVectorFile(t, c.ModelFile))
	gb := docPath(t, doc, "learner", "gradient_booster")
	if gb["name"] != "dart" {
		t.Fatalf("booster %v", gb["name"])
	}
	scaled := 0
	for _, w := range gb["weight_drop"].([]any) {
		if w.(json.Number).String() != "1" && w.(json.Number).String() != "1.0" {
			scaled++
		}
	}
	if scaled == 0 {
		t.Fatal("no tree weight differs from 1; the case does not test weight_drop")
	}
	e, err := LoadXGBoostFile(vectorDir + "/" + c.ModelFile)
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
	// The UBJSON form of the same document loads to the same ensemble.
	var ubj bytes.Buffer
	ubjEncode(&ubj, doc)
	u, err := LoadXGBoost(bytes.NewReader(ubj.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	um, _ := modelOutputs(t, u, x)
	assertClose(t, "ubj margins", um, m, 0)
	// Without its weight_drop a dart model is malformed, not a gbtree.
	delete(gb, "weight_drop")
	js, _ := json.Marshal(doc)
	if _, err := LoadXGBoostJSON(bytes.NewReader(js)); err == nil || !strings.Contains(err.Error(), "weight_drop") {
		t.Errorf("dart without weight_drop: err = %v", err)
	}
}

// TestXGBoostCategorical: partition splits of a pandas categorical column
// (testdata/gen/gen_dart_cat.py, XGBoost 1.7.4, enable_categorical, hist).
// cat_local has pandas rows; cat_odd_local the same model on numeric rows
// with unseen, negative, fractional and >= 2^24 categories. Margins must
// match XGBoost's bit for bit (float32), in JSON and in UBJSON (where the
// categorical nodes' NaN split conditions are float NaNs).
func TestXGBoostCategorical(t *testing.T) {
	doc := xgbDoc(t, readVectorFile(t, "cat_local.model.json"))
	var ubj bytes.Buffer
	ubjEncode(&ubj, doc)
	u, err := LoadXGBoostUBJSON(bytes.NewReader(ubj.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	e, err := LoadXGBoostFile(vectorDir + "/cat_local.model.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cat_local", "cat_odd_local"} {
		var c xgbCase
		if err := json.Unmarshal(readVectorFile(t, id+".case.json"), &c); err != nil {
			t.Fatal(err)
		}
		x := matrixOf(t, c.Rows, e.NumFeatures())
		m, cs := modelOutputs(t, e, x)
		for i := range m {
			if float32(m[i]) != float32(c.Margin.data[i]) {
				t.Errorf("%s row %d: margin %.9g, XGBoost %.9g", id, i, m[i], c.Margin.data[i])
			}
		}
		um, ucs := modelOutputs(t, u, x)
		assertClose(t, id+" ubj margins", um, m, 0)
		assertClose(t, id+" ubj contribs", ucs, cs, 0)
	}

	bad := func(name, want string, edit func(tr map[string]any)) {
		t.Helper()
		d := xgbDoc(t, readVectorFile(t, "cat_local.model.json"))
		model := docPath(t, d, "learner", "gradient_booster", "model")
		edit(model["trees"].([]any)[0].(map[string]any))
		js, _ := json.Marshal(d)
		_, err := LoadXGBoostJSON(bytes.NewReader(js))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
	}
	bad("segment out of range", "outside categories", func(tr map[string]any) {
		tr["categories_segments"].([]any)[0] = json.Number("1000")
	})
	bad("short sizes", "categories_sizes", func(tr map[string]any) {
		s := tr["categories_sizes"].([]any)
		tr["categories_sizes"] = s[:len(s)-1]
	})
	bad("set on a numerical node", "not a categorical split", func(tr map[string]any) {
		tr["split_type"].([]any)[0] = json.Number("0")
	})
	bad("negative category", "out of range", func(tr map[string]any) {
		tr["categories"].([]any)[0] = json.Number("-1")
	})
	bad("NaN leaf", "value NaN", func(tr map[string]any) {
		lc := tr["left_children"].([]any)
		sc := tr["split_conditions"].([]any)
		for i := range lc {
			if lc[i].(json.Number).String() == "-1" {
				sc[i] = nil
				return
			}
		}
	})
}

// TestXGBoostRefreshedModel loads testdata/xgboost/refresh.model.json
// (testdata/gen/gen_refresh.py), an XGBoost 1.7.4 model updated with the
// refresh updater (process_type=update, updater=refresh) on data that
// reaches only part of its trees: the nodes that data missed, internal
// ones included, have sum_hessian 0. XGBoost predicts with it, so the
// loader must too: margins match XGBoost's (refresh.case.json) bit for bit
// and interventional TreeSHAP works, while path-dependent TreeSHAP, which
// divides by internal covers, reports the missing covers. Covers that are
// negative or do not add up are still refused, and [New] still refuses a
// zero internal cover in a hand-built spec.
func TestXGBoostRefreshedModel(t *testing.T) {
	const path = "testdata/xgboost/refresh.model.json"
	e, err := LoadXGBoostFile(path)
	if err != nil {
		t.Fatalf("refreshed model refused: %v", err)
	}
	var c struct {
		Rows    [][]float64 `json:"rows"`
		Margins []float64   `json:"margins"`
	}
	if err := json.Unmarshal(readTestFile(t, "testdata/xgboost/refresh.case.json"), &c); err != nil {
		t.Fatal(err)
	}
	M := e.NumFeatures()
	x := explain.NewMatrix(len(c.Rows), M)
	for i, r := range c.Rows {
		copy(x.Row(i), r)
	}
	ctx := context.Background()
	margins := make([]float64, x.Rows)
	if err := e.PredictMargins(ctx, x, margins); err != nil {
		t.Fatal(err)
	}
	for i, want := range c.Margins {
		if margins[i] != want {
			t.Errorf("row %d: margin %v, XGBoost %v", i, margins[i], want)
		}
	}
	if err := e.Contributions(ctx, x, make([]float64, x.Rows*(M+1))); !errors.Is(err, errNoCover) {
		t.Errorf("path-dependent TreeSHAP: err = %v, want the missing-covers error", err)
	}
	if _, err := NewPathDependent(e); !errors.Is(err, errNoCover) {
		t.Errorf("NewPathDependent: err = %v, want the missing-covers error", err)
	}
	// Interventional TreeSHAP needs no covers; its values sum to the margin
	// minus the background's mean margin.
	bg, err := e.NewBackground(x)
	if err != nil {
		t.Fatal(err)
	}
	phi := make([]float64, x.Rows*(M+1))
	if err := e.InterventionalContributions(ctx, x, bg, phi); err != nil {
		t.Fatalf("interventional TreeSHAP: %v", err)
	}
	mean := 0.0
	for _, m := range margins {
		mean += m / float64(len(margins))
	}
	for i := range x.Rows {
		s := 0.0
		for _, v := range phi[i*(M+1) : i*(M+1)+M] {
			s += v
		}
		if math.Abs(s-(margins[i]-mean)) > 1e-6 || math.Abs(phi[i*(M+1)+M]-mean) > 1e-6 {
			t.Errorf("row %d: interventional values %v, margin %v, mean %v", i, phi[i*(M+1):(i+1)*(M+1)], margins[i], mean)
		}
	}

	// Tree 0's node 1 is internal with sum_hessian 0 over two leaves of 0;
	// its node 5 has 12 over leaves of 4 and 8.
	doc := string(readTestFile(t, path))
	for name, m := range map[string]struct{ old, new, want string }{
		"zero internal cover over a leaf with cover": {`[5.5E1,0E0,5.5E1,0E0,0E0,1.2E1`, `[5.5E1,0E0,5.5E1,1E0,0E0,1.2E1`, "must be the sum of its children's"},
		"negative cover": {`4E0,8E0,1.6E1,2.7E1]`, `-4E0,1.6E1,1.6E1,2.7E1]`, "has cover -4"},
		"NaN cover":      {`4E0,8E0,1.6E1,2.7E1]`, `NaN,8E0,1.6E1,2.7E1]`, "NaN"},
	} {
		if strings.Count(doc, m.old) != 1 {
			t.Fatalf("%s: test model changed: %q occurs %d times", name, m.old, strings.Count(doc, m.old))
		}
		_, err := LoadXGBoost(strings.NewReader(strings.Replace(doc, m.old, m.new, 1)))
		if err == nil || !strings.Contains(err.Error(), m.want) {
			t.Errorf("%s: err = %v, want it to contain %q", name, err, m.want)
		}
	}
	spec := Spec{NumFeatures: 1, Trees: []Tree{{
		Left: []int{1, -1, -1}, Right: []int{2, -1, -1}, Feature: []int{0, 0, 0},
		Threshold: []float64{0.5, 0, 0}, Value: []float64{0, 1, 2}, Cover: []float64{0, 0, 0},
	}}}
	if _, err := New(spec); err == nil || !strings.Contains(err.Error(), "must be positive") {
		t.Errorf("New with a zero internal cover: err = %v", err)
	}
}

// readTestFile returns the contents of a test data file.
func readTestFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
