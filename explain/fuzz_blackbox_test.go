package explain

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// The fuzz targets of this file drive the model-agnostic explainers (exact,
// Kernel SHAP, permutation, the automatic choice and LIME) with arbitrary
// rows, backgrounds, options and test models, some of which return NaN or
// ±Inf. The property is the project rule: an error, or finite values
// everywhere, with additivity where the method guarantees it.

// fuzzBytes hands out the fuzz input piece by piece; past its end it
// yields zeros, so that every input decodes to something.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) byte() byte {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

// intn returns a number in [0, n).
func (f *fuzzBytes) intn(n int) int { return int(f.byte()) % n }

// fuzzSpecial are the values a numeric entry point must survive.
var fuzzSpecial = [16]float64{
	math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
	1e308, -1e308, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	1e-300, 1e300, 1e154, -1e154, 0, math.Copysign(0, -1), 1e16,
}

// float decodes one value: most selector bytes give a small number on a
// grid of 1/8 (so that ties and constant columns are common), 16 give a
// special value and 16 read the next eight bytes as a float64 bit pattern.
func (f *fuzzBytes) float() float64 {
	c := f.byte()
	switch {
	case c < 0xE0:
		return (float64(c) - 112) / 8
	case c < 0xF0:
		return fuzzSpecial[c-0xE0]
	}
	var raw [8]byte
	for i := range raw {
		raw[i] = f.byte()
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(raw[:]))
}

func (f *fuzzBytes) floats(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = f.float()
	}
	return out
}

// fuzzEncode is the inverse of fuzzBytes.float for seeds: each value as a
// grid byte when it is on the grid, else as a raw bit pattern.
func fuzzEncode(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		if g := v*8 + 112; g == math.Trunc(g) && g >= 0 && g < 0xE0 && !(v == 0 && math.Signbit(v)) {
			b = append(b, byte(g))
			continue
		}
		b = append(b, 0xF0)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// fuzzModel is a deterministic test model chosen by the fuzzer. Some kinds
// return NaN or +Inf for part of the input space, or overflow.
type fuzzModel struct {
	kind int
	w    []float64
	b, t float64
}

const fuzzModelKinds = 9

func newFuzzModel(in *fuzzBytes, d int) fuzzModel {
	return fuzzModel{kind: in.intn(fuzzModelKinds), w: in.floats(d), b: in.float(), t: in.float()}
}

func (m fuzzModel) linear(x []float64) float64 {
	s := m.b
	for j, v := range x {
		s += m.w[j] * v
	}
	return s
}

func (m fuzzModel) eval(x []float64) float64 {
	switch m.kind {
	case 0: // linear
		return m.linear(x)
	case 1: // logistic
		return 1 / (1 + math.Exp(-m.linear(x)))
	case 2: // steps
		s := m.b
		for j, v := range x {
			if v > m.t {
				s += m.w[j]
			}
		}
		return s
	case 3: // pairwise interactions
		s := m.b
		for j, v := range x {
			s += m.w[j] * v * x[(j+1)%len(x)]
		}
		return s
	case 4: // NaN above a threshold of the first feature
		if x[0] > m.t {
			return math.NaN()
		}
		return m.linear(x)
	case 5: // +Inf above a threshold
		if x[0] > m.t {
			return math.Inf(1)
		}
		return m.linear(x)
	case 6: // exponential: overflows for large margins
		return math.Exp(m.linear(x))
	case 7: // a probability that is exactly 0 or 1 in part of the space
		if x[0] > m.t {
			return 1
		}
		return 1 / (1 + math.Exp(-m.linear(x)))
	default: // non-smooth
		return m.w[0] * math.Abs(x[0]-x[len(x)-1])
	}
}

// model returns the test model as a Model.
func (m fuzzModel) model() Model { return Func(m.eval) }

// finiteAll reports the first non-finite value of vals.
func finiteAll(what string, vals ...float64) error {
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s[%d] is %v", what, i, v)
		}
	}
	return nil
}

// checkExplanation asserts the properties every explanation returned
// without an error must have: one finite value per player, finite base,
// prediction and output, and, when additive, BaseValue + Σ Values =
// Prediction to rounding. Rounding is relative to the largest value the
// game takes, which gameScale bounds (called only when the residual is not
// small against the explanation's own numbers).
func checkExplanation(t *testing.T, what string, e Explanation, players int, additive bool, gameScale func() float64) {
	t.Helper()
	if len(e.Values) != players || len(e.FeatureNames) != players {
		t.Fatalf("%s: %d values and %d names for %d players", what, len(e.Values), len(e.FeatureNames), players)
	}
	if e.StdErr != nil && len(e.StdErr) != players {
		t.Fatalf("%s: %d standard errors for %d players", what, len(e.StdErr), players)
	}
	for _, err := range []error{
		finiteAll("values", e.Values...), finiteAll("std_err", e.StdErr...),
		finiteAll("base/prediction/output/residual", e.BaseValue, e.Prediction, e.Output, e.AdditivityResidual),
	} {
		if err != nil {
			t.Fatalf("%s: %v without an error: %+v", what, err, e)
		}
	}
	for i, n := range e.FeatureNames {
		if n == "" {
			t.Fatalf("%s: feature name %d is blank", what, i)
		}
	}
	for i, s := range e.StdErr {
		if s < 0 {
			t.Fatalf("%s: std_err[%d] = %v is negative", what, i, s)
		}
	}
	if !additive {
		return
	}
	scale := math.Abs(e.BaseValue) + math.Abs(e.Prediction)
	for _, v := range e.Values {
		scale += math.Abs(v)
	}
	r := residual(e.BaseValue, e.Values, e.Prediction)
	if math.Abs(r) > 1e-9*scale+1e-300 && gameScale != nil {
		scale += float64(players) * gameScale()
	}
	if math.Abs(r) > 1e-9*scale+1e-300 {
		t.Fatalf("%s: base %v + Σ values %v = prediction %v misses by %v (scale %v)", what, e.BaseValue, e.Values, e.Prediction, r, scale)
	}
}

// fuzzExplainerCase decodes an explainer input: a d-feature row, an
// N-row background, a model and the shared options (link, background
// weights, a group, workers, seed, rows per call).
type fuzzExplainerCase struct {
	d, players int
	x          []float64
	bg         Matrix
	model      fuzzModel
	opts       []Option
}

func decodeExplainerCase(in *fuzzBytes, maxD, minN, maxN int, groups bool) fuzzExplainerCase {
	c := fuzzExplainerCase{d: 1 + in.intn(maxD)}
	n := minN + in.intn(maxN-minN+1)
	c.model = newFuzzModel(in, c.d)
	c.x = in.floats(c.d)
	c.bg = Matrix{Rows: n, Cols: c.d, Data: in.floats(n * c.d)}
	c.players = c.d
	flags := in.byte()
	if flags&1 != 0 {
		c.opts = append(c.opts, WithLink(LinkLogit))
	}
	if flags&2 != 0 {
		c.opts = append(c.opts, WithBackgroundWeights(in.floats(n)))
	}
	if flags&4 != 0 && c.d >= 3 && groups {
		c.opts = append(c.opts, WithGroups(Group{Name: "g", Features: []int{0, c.d - 1}}))
		c.players--
	}
	if flags&8 != 0 {
		names := make([]string, c.d)
		for i := range names {
			names[i] = fmt.Sprintf("f%d", i)
		}
		c.opts = append(c.opts, WithFeatureNames(names...))
	}
	c.opts = append(c.opts, WithWorkers(1+int(flags>>4&1)), WithSeed(uint64(in.byte())), WithRowsPerCall(1+in.intn(80)))
	return c
}

// gameScale bounds |v(S)| over every coalition S of the interventional
// game of the case: the largest |link(f(z))| over the hybrid rows z that
// take each feature from x or from a background row (the link of a mean
// lies between the links of its terms).
func (c fuzzExplainerCase) gameScale(link Link, x []float64) float64 {
	if c.d > 16 {
		return math.Inf(1)
	}
	z := make([]float64, c.d)
	worst := 0.0
	for s := 0; s < 1<<c.d; s++ {
		for r := 0; r < c.bg.Rows; r++ {
			for j := range z {
				z[j] = c.bg.Data[r*c.d+j]
				if s&(1<<j) != 0 {
					z[j] = x[j]
				}
			}
			if v, err := link.Apply(c.model.eval(z)); err == nil {
				worst = math.Max(worst, math.Abs(v))
			}
		}
	}
	return worst
}

// checkBase asserts that the base value is the link of a weighted mean of
// the model over the background: between the smallest and the largest
// output on a background row.
func (c fuzzExplainerCase) checkBase(t *testing.T, what string, ex Explanation) {
	t.Helper()
	lo, hi := math.Inf(1), math.Inf(-1)
	for r := 0; r < c.bg.Rows; r++ {
		y := c.model.eval(c.bg.Row(r))
		lo, hi = math.Min(lo, y), math.Max(hi, y)
	}
	mean := ex.BaseValue
	if ex.Link == LinkLogit {
		mean = 1 / (1 + math.Exp(-mean))
	}
	if tol := 1e-12*math.Max(math.Abs(lo), math.Abs(hi)) + 1e-300; mean < lo-tol || mean > hi+tol {
		t.Fatalf("%s: base value %v (mean %v) outside the background outputs [%v, %v]", what, ex.BaseValue, mean, lo, hi)
	}
}

// explainAndCheck runs Explain on the case's row and ExplainBatch on the
// row and a second one, and checks every explanation returned.
func explainAndCheck(t *testing.T, what string, e Explainer, c fuzzExplainerCase, in *fuzzBytes, additive func(Explanation) bool) {
	t.Helper()
	ctx := context.Background()
	ex, err := e.Explain(ctx, c.x)
	if err == nil {
		checkExplanation(t, what, ex, c.players, additive(ex), func() float64 { return c.gameScale(ex.Link, c.x) })
		if want := c.model.eval(c.x); ex.Output != want {
			t.Fatalf("%s: output %v, the model gives %v", what, ex.Output, want)
		}
		c.checkBase(t, what, ex)
	}
	rows := Matrix{Rows: 2, Cols: c.d, Data: append(append([]float64(nil), c.x...), in.floats(c.d)...)}
	exs, err := e.ExplainBatch(ctx, rows)
	if err != nil {
		return
	}
	if len(exs) != 2 {
		t.Fatalf("%s: %d explanations for 2 rows", what, len(exs))
	}
	for i, ex := range exs {
		x := rows.Row(i)
		checkExplanation(t, fmt.Sprintf("%s batch row %d", what, i), ex, c.players, additive(ex), func() float64 { return c.gameScale(ex.Link, x) })
	}
}

func always(Explanation) bool { return true }

// fuzzCase encodes one explainer input for decodeExplainerCase (with
// minN 1): d features, n background rows, the model kind, weights,
// intercept and threshold, the row, the background (row-major), the flag
// byte and whatever follows (background weights, seed, rows per call, the
// second batch row).
func fuzzCase(d, n, kind int, w []float64, b, t float64, x, bg []float64, flags byte, rest ...float64) []byte {
	out := []byte{byte(d - 1), byte(n - 1), byte(kind)}
	out = append(out, fuzzEncode(w...)...)
	out = append(out, fuzzEncode(b, t)...)
	out = append(out, fuzzEncode(x...)...)
	out = append(out, fuzzEncode(bg...)...)
	out = append(out, flags)
	return append(out, fuzzEncode(rest...)...)
}

// fuzzSeeds are inputs shared by the explainer targets: ordinary values,
// constant columns, NaN and ±Inf in rows and backgrounds, huge values and
// models that fail.
func fuzzSeeds() [][]byte {
	inf, nan := math.Inf(1), math.NaN()
	return [][]byte{
		// Linear, ordinary values.
		fuzzCase(3, 4, 0, []float64{1, -2, 0.5}, 0.25, 0, []float64{1, 2, 3},
			[]float64{0, 0, 0, 1, 1, 1, 2, 0, 1, -1, 1, 0.5}, 0, 1, 2, 0, 0, 1),
		// Logistic on the logit link, a constant column, feature names.
		fuzzCase(4, 3, 1, []float64{0.5, -0.5, 1, 2}, 0, 0, []float64{1, 2, 3, 4},
			[]float64{1, 0, 3, 4, 2, 1, 3, 5, 3, 0, 3, 0}, 1|8, 3, 2),
		// NaN in the row, +Inf in the background.
		fuzzCase(2, 2, 0, []float64{1, 1}, 0, 0, []float64{nan, 1}, []float64{2, inf, 3, 4}, 0, 1, 1),
		// Huge weights and values: sums overflow.
		fuzzCase(3, 2, 0, []float64{1e308, 1e308, -1e308}, 0, 0, []float64{1e308, -1e308, 1e308},
			[]float64{-1e308, 1e308, 1e308, -1e308, 1e308, 1}, 0, 2, 8),
		// NaN above 0 of the first feature; two workers.
		fuzzCase(3, 3, 4, []float64{1, 1, 1}, 0, 0, []float64{1, 1, 1},
			[]float64{-1, -1, -1, 0.5, 0.5, 0.5, 2, 2, 2}, 16, 5, 3),
		// +Inf above 0, background weights of 1e308 (their sum overflows).
		fuzzCase(2, 2, 5, []float64{1, 1}, 0, 0, []float64{1, 1}, []float64{-1, -1, 0, 0}, 2, 1e308, 1e308, 9, 1),
		// Background weights whose sum overflows float64, on a linear model.
		fuzzCase(2, 2, 0, []float64{1, 1}, 0, 0, []float64{3, 3}, []float64{0.5, 0.5, 1, 1}, 2, 1e308, 1e308, 9, 1),
		// Exponential, tiny and huge values, a group.
		fuzzCase(5, 3, 6, []float64{700, 1, 1, 1, 1}, 0, 0, []float64{1e-300, 5e-324, 1, 2, 3},
			[]float64{1e154, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2}, 4|8, 9, 1),
		// Steps, negative zero against zero, a constant background.
		fuzzCase(6, 2, 2, []float64{1, 2, 3, 4, 5, 6}, 0, 0, []float64{math.Copysign(0, -1), 0, 0, 0, 0, 1},
			[]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 3, 2),
		// A probability that reaches exactly 1, on the logit link.
		fuzzCase(2, 3, 7, []float64{1, 1}, 0, 0.5, []float64{1, 0}, []float64{0, 0, 0.25, 0, 0, 1}, 1, 4, 4),
	}
}

// FuzzExact: the exact explainer returns an error or finite, additive
// values for any row, background, model and options.
func FuzzExact(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxPlayers uint8) {
		in := &fuzzBytes{b: data}
		c := decodeExplainerCase(in, 7, 1, 6, true)
		opts := c.opts
		if maxPlayers%4 != 0 {
			opts = append(opts, WithMaxExactPlayers(int(maxPlayers%8)))
		}
		e, err := NewExact(c.model.model(), c.bg, opts...)
		if err != nil {
			return
		}
		explainAndCheck(t, "exact", e, c, in, always)
	})
}

// FuzzKernel: Kernel SHAP returns an error or finite values whose sum is
// prediction − base (the constrained fit enforces it) for any input,
// sample budget and bootstrap count.
func FuzzKernel(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add(s, uint16(i*7), uint8(i*3))
	}
	f.Fuzz(func(t *testing.T, data []byte, samples uint16, boot uint8) {
		in := &fuzzBytes{b: data}
		c := decodeExplainerCase(in, 10, 1, 5, true)
		opts := append(c.opts, WithSamples(int(samples%600)), WithBootstrap(int(boot%12)))
		e, err := NewKernel(c.model.model(), c.bg, opts...)
		if err != nil {
			return
		}
		explainAndCheck(t, "kernel", e, c, in, always)
	})
}

// FuzzPermutation: the permutation explainer returns an error or finite
// values that sum to prediction − base for any input, permutation bounds
// and tolerance.
func FuzzPermutation(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add(s, uint8(i), uint8(i*5), uint64(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, minPerm, maxPerm uint8, tolBits uint64) {
		in := &fuzzBytes{b: data}
		c := decodeExplainerCase(in, 8, 1, 5, true)
		lo := int(minPerm % 16)
		opts := append(c.opts, WithPermutations(lo, lo+int(maxPerm%48)))
		if tolBits%3 != 0 {
			opts = append(opts, WithTolerance(math.Float64frombits(tolBits)))
		}
		e, err := NewPermutation(c.model.model(), c.bg, opts...)
		if err != nil {
			return
		}
		explainAndCheck(t, "permutation", e, c, in, always)
	})
}

// FuzzNew: the automatic choice (exact up to AutoExactPlayers players,
// Kernel SHAP beyond) returns an error or finite, additive values.
func FuzzNew(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	// 14 features: past AutoExactPlayers, so Kernel SHAP.
	w, x, bg := make([]float64, 14), make([]float64, 14), make([]float64, 28)
	for j := range w {
		w[j], x[j], bg[j] = float64(j), 1, float64(j%2)
	}
	f.Add(fuzzCase(14, 2, 3, w, 0, 0, x, bg, 0, 1, 4))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzBytes{b: data}
		c := decodeExplainerCase(in, 15, 1, 3, true)
		e, err := New(c.model.model(), c.bg, c.opts...)
		if err != nil {
			return
		}
		explainAndCheck(t, "auto", e, c, in, always)
	})
}

// FuzzLIME: LIME returns an error or a finite surrogate (coefficients,
// intercept, R² at most 1, local prediction, contributions and their
// standard errors) for any training data, row, model and LIME options;
// BaseValue + Σ Values is the local prediction.
func FuzzLIME(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add(s, uint8(i*11), uint64(math.Float64bits(float64(i))), uint64(math.Float64bits(1)))
	}
	f.Add(fuzzSeeds()[0], uint8(3), math.Float64bits(1e-300), math.Float64bits(0))
	f.Add(fuzzSeeds()[1], uint8(200), math.Float64bits(1e300), math.Float64bits(1e300))
	f.Fuzz(func(t *testing.T, data []byte, samples uint8, widthBits, alphaBits uint64) {
		in := &fuzzBytes{b: data}
		c := decodeExplainerCase(in, 6, 2, 7, false)
		opts := append(c.opts, WithLIMESamples(2+int(samples)))
		if widthBits%5 != 0 {
			opts = append(opts, WithKernelWidth(math.Float64frombits(widthBits)))
		}
		if alphaBits%5 != 0 {
			opts = append(opts, WithRidgeAlpha(math.Float64frombits(alphaBits)))
		}
		if samples&1 == 1 {
			opts = append(opts, WithSampleAroundInstance())
		}
		l, err := NewLIME(c.model.model(), c.bg, opts...)
		if err != nil {
			return
		}
		r, err := l.ExplainLIME(context.Background(), c.x)
		if err != nil {
			return
		}
		checkExplanation(t, "lime", r.Explanation, c.d, false, nil)
		for _, err := range []error{
			finiteAll("coefficients", r.Coefficients...),
			finiteAll("intercept/score/local/width", r.Intercept, r.Score, r.LocalPrediction, r.KernelWidth),
		} {
			if err != nil {
				t.Fatalf("lime: %v without an error: %+v", err, r)
			}
		}
		if r.Score > 1 {
			t.Fatalf("lime: R² %v above 1", r.Score)
		}
		if r.BaseValue != r.Intercept || r.Samples != 2+int(samples) || len(r.Coefficients) != c.d {
			t.Fatalf("lime: intercept %v vs base %v, %d samples, %d coefficients", r.Intercept, r.BaseValue, r.Samples, len(r.Coefficients))
		}
		scale := math.Abs(r.Intercept)
		for _, v := range r.Values {
			scale += math.Abs(v)
		}
		if d := residual(r.BaseValue, r.Values, r.LocalPrediction); math.Abs(d) > 1e-9*scale {
			t.Fatalf("lime: base %v + Σ values %v ≠ local prediction %v (off by %v)", r.BaseValue, r.Values, r.LocalPrediction, d)
		}
	})
}
