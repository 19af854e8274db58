package tree

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// Why FuzzLoadXGBoostUBJSON and FuzzLoadXGBoostJSON seemed to stall (a
// few dozen execs, then 0 execs/s for the rest of the run): Go's fuzzer
// stops to minimize every input that finds new coverage before it adds
// it to the corpus, for up to -fuzzminimizetime (60 s by default), and
// the worker reports its executions only when minimizing ends (none at
// all if the time runs out). Minimizing tries removing every range of
// bytes (internal/fuzz minimizeBytes), about n²/2 runs of the target for
// an n-byte input: with the 10-24 KB real models that were the seeds,
// both workers spent nearly the whole run minimizing (2 new inputs in
// 60 s, 0 execs/s for 48 s of it). With -fuzzminimizetime 0 the same
// target ran at 5-15 thousand execs/s. The decoder was not slow: loading
// a seed took 0.03-0.8 ms.
//
// So the seeds are now small models, one per path of the loaders, each
// at most maxFuzzSeed bytes. That alone does not end the pauses (a 1.7
// KB mutant can still take the full 60 s to minimize): run these targets
// with -fuzzminimizetime 5s. In 60 s with it, FuzzLoadXGBoostUBJSON
// found 32 new inputs (25 with the old seeds, 1-2 without the flag).

// maxFuzzSeed bounds the size of a seed, JSON or UBJSON.
const maxFuzzSeed = 2 << 10

// tinyXGBDart is tinyXGB as a dart booster with tree weights.
var tinyXGBDart = strings.NewReplacer(
	`"gradient_booster":{"name":"gbtree",`, `"gradient_booster":{"name":"dart","weight_drop":[1,0.5],"gbtree":{"name":"gbtree",`,
	`]}}},`, `]}}}},`,
).Replace(tinyXGB)

// fuzzXGBModels are the JSON seeds: tinyXGB under other objectives
// (logistic regression, Poisson, hinge) and as dart, tinyXGBMulti
// (categorical split, softprob) and as softmax, and the small models of
// testdata/xgbmore without trees and with gblinear boosters.
func fuzzXGBModels(tb testing.TB) [][]byte {
	tb.Helper()
	seeds := [][]byte{[]byte(tinyXGB), []byte(tinyXGBMulti), []byte(tinyXGBDart)}
	for _, obj := range []string{"reg:logistic", "count:poisson", "binary:hinge"} {
		seeds = append(seeds, []byte(strings.Replace(tinyXGB, "binary:logistic", obj, 1)))
	}
	seeds = append(seeds, []byte(strings.Replace(tinyXGBMulti, "multi:softprob", "multi:softmax", 1)))
	for _, name := range []string{"zero_trees.model.json", "gblinear.model.json", "gblinear_softprob.model.json"} {
		data, err := os.ReadFile(filepath.Join(moreDir, name))
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return seeds
}

// ubjFuzzSeeds are the UBJSON seeds: the JSON seeds re-encoded as
// XGBoost writes them (ubjEncode) and tinyXGB in other markers
// (ubjCompact), two .ubj files written by XGBoost, and two hostile
// documents (ubjNestedEmpty, ubjNestedCounts).
func ubjFuzzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, s := range fuzzXGBModels(tb) {
		seeds = append(seeds, ubjFromJSON(tb, s))
	}
	var compact bytes.Buffer
	ubjCompact(&compact, jsonDoc(tb, []byte(tinyXGB)))
	seeds = append(seeds, compact.Bytes())
	for _, name := range []string{"gblinear.model.ubj", "gblinear_softprob.model.ubj"} {
		data, err := os.ReadFile(filepath.Join(moreDir, name))
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return append(seeds, ubjNestedEmpty(100), ubjNestedCounts(maxFuzzSeed))
}

// jsonDoc decodes a JSON model, numbers kept as json.Number.
func jsonDoc(tb testing.TB, data []byte) map[string]any {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(jsonNaNToNull(data)))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// ubjFromJSON re-encodes a JSON model as XGBoost's UBJSON.
func ubjFromJSON(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	ubjEncode(&buf, jsonDoc(tb, data))
	return buf.Bytes()
}

// ubjCompact writes v as UBJSON in the markers ubjEncode does not use:
// lengths and integers in their smallest type ('U', 'i', 'I', 'l'),
// integer arrays as uint8 ('$U', XGBoost's flags) or int32 ('$l',
// XGBoost's node indices), float arrays as float64 ('$D'), and other
// arrays counted but untyped ('[#', XGBoost's tree_info).
func ubjCompact(buf *bytes.Buffer, v any) {
	length := func(n int) {
		if n < 256 {
			buf.WriteByte('U')
			buf.WriteByte(byte(n))
			return
		}
		buf.WriteByte('l')
		_ = binary.Write(buf, binary.BigEndian, int32(n))
	}
	ints := func(x []any) (lo, hi int64, ok bool) {
		for i, e := range x {
			n, isNum := e.(json.Number)
			if !isNum {
				return 0, 0, false
			}
			k, err := n.Int64()
			if err != nil {
				return 0, 0, false
			}
			if i == 0 || k < lo {
				lo = k
			}
			if i == 0 || k > hi {
				hi = k
			}
		}
		return lo, hi, len(x) > 0
	}
	floats := func(x []any) bool {
		for _, e := range x {
			if _, isNum := e.(json.Number); !isNum && e != nil {
				return false
			}
		}
		return len(x) > 0
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
			length(len(k))
			buf.WriteString(k)
			ubjCompact(buf, x[k])
		}
		buf.WriteByte('}')
	case []any:
		if lo, hi, ok := ints(x); ok && lo >= math.MinInt32 && hi <= math.MaxInt32 {
			typ := byte('l')
			if lo >= 0 && hi <= 255 {
				typ = 'U'
			}
			buf.WriteString("[$")
			buf.WriteByte(typ)
			buf.WriteByte('#')
			length(len(x))
			for _, e := range x {
				k, _ := e.(json.Number).Int64()
				if typ == 'U' {
					buf.WriteByte(byte(k))
				} else {
					_ = binary.Write(buf, binary.BigEndian, int32(k))
				}
			}
			return
		}
		if floats(x) {
			buf.WriteString("[$D#")
			length(len(x))
			for _, e := range x {
				f := math.NaN()
				if n, isNum := e.(json.Number); isNum {
					f, _ = n.Float64()
				}
				_ = binary.Write(buf, binary.BigEndian, f)
			}
			return
		}
		buf.WriteString("[#")
		length(len(x))
		for _, e := range x {
			ubjCompact(buf, e)
		}
	case string:
		buf.WriteByte('S')
		length(len(x))
		buf.WriteString(x)
	case json.Number:
		k, err := x.Int64()
		switch {
		case err != nil:
			f, _ := x.Float64()
			buf.WriteByte('D')
			_ = binary.Write(buf, binary.BigEndian, f)
		case k >= math.MinInt8 && k <= math.MaxInt8:
			buf.WriteByte('i')
			buf.WriteByte(byte(int8(k)))
		case k >= math.MinInt16 && k <= math.MaxInt16:
			buf.WriteByte('I')
			_ = binary.Write(buf, binary.BigEndian, int16(k))
		default:
			buf.WriteByte('L')
			_ = binary.Write(buf, binary.BigEndian, k)
		}
	default:
		ubjEncode(buf, v) // booleans and null
	}
}

// TestFuzzSeeds: the fuzz targets' model seeds are at most maxFuzzSeed
// bytes, so that minimizing a mutant ends in seconds rather than at
// -fuzzminimizetime, and each is a model the loaders accept, so that the
// fuzzer starts from every loader path; the UBJSON forms of a seed load
// as the same model.
func TestFuzzSeeds(t *testing.T) {
	models := fuzzXGBModels(t)
	ubj := ubjFuzzSeeds(t)
	for i, s := range models {
		if len(s) > maxFuzzSeed {
			t.Errorf("JSON seed %d is %d bytes, more than %d", i, len(s), maxFuzzSeed)
		}
		if _, err := LoadXGBoostJSON(bytes.NewReader(s)); err != nil {
			t.Errorf("JSON seed %d: %v", i, err)
		}
	}
	for i, s := range ubj {
		if len(s) > maxFuzzSeed {
			t.Errorf("UBJSON seed %d is %d bytes, more than %d", i, len(s), maxFuzzSeed)
		}
		_, err := LoadXGBoostUBJSON(bytes.NewReader(s))
		if hostile := i >= len(ubj)-2; hostile != (err != nil) {
			t.Errorf("UBJSON seed %d (hostile %v): %v", i, hostile, err)
		}
	}
	// The re-encodings of tinyXGB give its margins bit for bit.
	x := fuzzRows(nil, 4, 2)
	want := predictAll(t, models[0], LoadXGBoostJSON, x)
	for _, s := range [][]byte{ubj[0], ubj[len(models)]} {
		got := predictAll(t, s, LoadXGBoostUBJSON, x)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("UBJSON form of tinyXGB: margin %d is %v, JSON %v", i, got[i], want[i])
			}
		}
	}
}

// predictAll loads a model with load and returns its margins on x.
func predictAll(t *testing.T, data []byte, load func(io.Reader) (*Ensemble, error), x explain.Matrix) []float64 {
	t.Helper()
	e, err := load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, x.Rows*e.NumGroups())
	if err := e.PredictMargins(context.Background(), x, out); err != nil {
		t.Fatal(err)
	}
	return out
}
