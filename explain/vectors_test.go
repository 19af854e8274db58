package explain

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shapleyCase is one "aimskit-explain-shapley/v1" vector.
type shapleyCase struct {
	Schema             string       `json:"schema"`
	Name               string       `json:"name"`
	Model              vectorModel  `json:"model"`
	NumFeatures        int          `json:"num_features"`
	FeatureNames       []string     `json:"feature_names"`
	ValueFunction      string       `json:"value_function"`
	Background         [][]float64  `json:"background"`
	BackgroundWeights  []float64    `json:"background_weights"`
	BaseValue          float64      `json:"base_value"`
	Tolerance          float64      `json:"tolerance"`
	Rows               []shapleyRow `json:"rows"`
	BaseValueLogitLink *float64     `json:"base_value_logit_link"`
}

type shapleyRow struct {
	X               []float64 `json:"x"`
	Fx              float64   `json:"fx"`
	Phi             []float64 `json:"phi"`
	CoalitionValues []float64 `json:"coalition_values"`
	PhiLogitLink    []float64 `json:"phi_logit_link"`
}

// loadVectors reads every *.json and *.json.gz file of testdata/vectors and
// returns their contents by file name.
func loadVectors(t *testing.T) map[string][]byte {
	t.Helper()
	dir := filepath.Join("testdata", "vectors")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".json.gz")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		out[name] = b
	}
	if len(out) == 0 {
		t.Fatal("no vectors found in testdata/vectors")
	}
	return out
}

func backgroundMatrix(t *testing.T, rows [][]float64, d int) Matrix {
	t.Helper()
	m := NewMatrix(len(rows), d)
	for i, r := range rows {
		if len(r) != d {
			t.Fatalf("background row %d has %d values, want %d", i, len(r), d)
		}
		copy(m.Row(i), r)
	}
	return m
}

// TestVectors checks every method against every vector file. Unknown
// schemas fail, so a new kind of file cannot be skipped silently.
func TestVectors(t *testing.T) {
	for name, b := range loadVectors(t) {
		var head struct {
			Schema string `json:"schema"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		switch head.Schema {
		case "aimskit-explain-shapley/v1":
			var c shapleyCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			t.Run(name, func(t *testing.T) { checkShapleyCase(t, &c) })
		case "aimskit-explain-kernelplan/v1":
			t.Run(name, func(t *testing.T) { checkKernelPlans(t, b) })
		default:
			t.Errorf("%s: unknown schema %q", name, head.Schema)
		}
	}
}

func checkShapleyCase(t *testing.T, c *shapleyCase) {
	ctx := context.Background()
	d := c.NumFeatures
	if c.ValueFunction != "interventional" {
		t.Fatalf("value function %q is not supported", c.ValueFunction)
	}
	tol := c.Tolerance
	if tol <= 0 {
		tol = 1e-9
	}
	model, err := buildModel(c.Model, d)
	if err != nil {
		t.Fatal(err)
	}
	bg := backgroundMatrix(t, c.Background, d)
	var opts []Option
	if c.BackgroundWeights != nil {
		opts = append(opts, WithBackgroundWeights(c.BackgroundWeights))
	}
	if c.FeatureNames != nil {
		opts = append(opts, WithFeatureNames(c.FeatureNames...))
	}

	exact := func(link Link) *ExactExplainer {
		e, err := NewExact(model, bg, append(opts, WithLink(link))...)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ex := exact(LinkIdentity)
	for ri, row := range c.Rows {
		// The Shapley combiner on its own, from the recorded coalition values.
		if row.CoalitionValues != nil {
			got := combineShapley(row.CoalitionValues, d, shapleyWeights(d))
			assertClose(t, "combiner phi", ri, got, row.Phi, tol)
		}
		e, err := ex.Explain(ctx, row.X)
		if err != nil {
			t.Fatalf("row %d: %v", ri, err)
		}
		checkExactExplanation(t, "exact", ri, e, c.BaseValue, row.Fx, row.Phi, tol)
	}
	// Kernel SHAP at its default budget and at the full budget 2^M−2.
	for _, ns := range []int{0, 1<<d - 2} {
		ke, err := NewKernel(model, bg, append(opts, WithSamples(ns))...)
		if err != nil {
			t.Fatal(err)
		}
		explainRows(t, ke, c, "kernel", func(ri int, row shapleyRow, e Explanation) {
			checkMaybeExact(t, "kernel", ri, e, c.BaseValue, row.Fx, row.Phi, tol)
		})
	}
	// Sampled Kernel SHAP with a budget of half the coalitions: values
	// within their reported standard errors, additivity exact.
	if d >= 5 {
		ke, err := NewKernel(model, bg, append(opts, WithSamples((1<<d-2)/2), WithSeed(uint64(d)))...)
		if err != nil {
			t.Fatal(err)
		}
		explainRows(t, ke, c, "kernel sampled", func(ri int, row shapleyRow, e Explanation) {
			checkMaybeExact(t, "kernel sampled", ri, e, c.BaseValue, row.Fx, row.Phi, tol)
		})
	}
	// Antithetic permutation sampling: within its standard errors.
	pe, err := NewPermutation(model, bg, append(opts, WithSeed(uint64(d)+1), WithPermutations(32, 256))...)
	if err != nil {
		t.Fatal(err)
	}
	explainRows(t, pe, c, "permutation", func(ri int, row shapleyRow, e Explanation) {
		checkMaybeExact(t, "permutation", ri, e, c.BaseValue, row.Fx, row.Phi, tol)
	})
	switch c.Model.Type {
	case "linear": // the closed form against brute force
		le, err := NewLinear(c.Model.Weights, c.Model.Intercept, bg, opts...)
		if err != nil {
			t.Fatal(err)
		}
		explainRows(t, le, c, "linear", func(ri int, row shapleyRow, e Explanation) {
			checkExactExplanation(t, "linear", ri, e, c.BaseValue, row.Fx, row.Phi, tol)
		})
	case "logistic": // margin explanation = exact enumeration of the margin model
		le, err := NewLinear(c.Model.Weights, c.Model.Intercept, bg, append(opts, WithLink(LinkLogit))...)
		if err != nil {
			t.Fatal(err)
		}
		w, b0 := c.Model.Weights, c.Model.Intercept
		margin := Func(func(x []float64) float64 {
			z := b0
			for i, v := range x {
				z += w[i] * v
			}
			return z
		})
		me, err := NewExact(margin, bg, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for ri, row := range c.Rows {
			want, err := me.Explain(ctx, row.X)
			if err != nil {
				t.Fatal(err)
			}
			e, err := le.Explain(ctx, row.X)
			if err != nil {
				t.Fatalf("linear logit row %d: %v", ri, err)
			}
			checkExactExplanation(t, "linear logit", ri, e, want.BaseValue, want.Prediction, want.Values, tol)
			if math.Abs(e.Output-row.Fx) > tol {
				t.Errorf("linear logit row %d: output %v, want %v", ri, e.Output, row.Fx)
			}
		}
	}
	if c.BaseValueLogitLink != nil {
		exl := exact(LinkLogit)
		explainRows(t, exl, c, "exact logit", func(ri int, row shapleyRow, e Explanation) {
			fx := math.Log(row.Fx / (1 - row.Fx))
			checkExactExplanation(t, "exact logit", ri, e, *c.BaseValueLogitLink, fx, row.PhiLogitLink, tol)
		})
		// shap's KernelExplainer(link="logit") at full budget.
		kl, err := NewKernel(model, bg, append(opts, WithLink(LinkLogit), WithSamples(1<<d-2))...)
		if err != nil {
			t.Fatal(err)
		}
		explainRows(t, kl, c, "kernel logit", func(ri int, row shapleyRow, e Explanation) {
			fx := math.Log(row.Fx / (1 - row.Fx))
			checkExactExplanation(t, "kernel logit", ri, e, *c.BaseValueLogitLink, fx, row.PhiLogitLink, tol)
		})
	}
}

// explainRows explains every row of the case with ex and hands each
// explanation to check; an explainer error fails the test, naming what.
func explainRows(t *testing.T, ex Explainer, c *shapleyCase, what string, check func(ri int, row shapleyRow, e Explanation)) {
	t.Helper()
	for ri, row := range c.Rows {
		e, err := ex.Explain(context.Background(), row.X)
		if err != nil {
			t.Fatalf("%s row %d: %v", what, ri, err)
		}
		check(ri, row, e)
	}
}

// checkExactExplanation asserts an explanation claiming exactness.
func checkExactExplanation(t *testing.T, what string, ri int, e Explanation, base, fx float64, phi []float64, tol float64) {
	t.Helper()
	if !e.Exact {
		t.Errorf("%s row %d: not marked exact", what, ri)
	}
	if math.Abs(e.BaseValue-base) > tol {
		t.Errorf("%s row %d: base %.17g, want %.17g", what, ri, e.BaseValue, base)
	}
	if math.Abs(e.Prediction-fx) > tol {
		t.Errorf("%s row %d: prediction %.17g, want %.17g", what, ri, e.Prediction, fx)
	}
	if math.Abs(e.AdditivityResidual) > tol || math.Abs(residual(e.BaseValue, e.Values, e.Prediction)) > tol {
		t.Errorf("%s row %d: additivity residual %g", what, ri, e.AdditivityResidual)
	}
	assertClose(t, what, ri, e.Values, phi, tol)
}

// checkMaybeExact checks an exact explanation to tol, and a sampled one
// within errorBound standard errors (plus tol) with additivity to tol.
func checkMaybeExact(t *testing.T, what string, ri int, e Explanation, base, fx float64, phi []float64, tol float64) {
	t.Helper()
	if e.Exact {
		checkExactExplanation(t, what, ri, e, base, fx, phi, tol)
		return
	}
	if math.Abs(e.AdditivityResidual) > tol || math.Abs(e.BaseValue-base) > tol || math.Abs(e.Prediction-fx) > tol {
		t.Errorf("%s row %d: base %g prediction %g residual %g", what, ri, e.BaseValue, e.Prediction, e.AdditivityResidual)
	}
	for i := range phi {
		bound := errorBound*e.StdErr[i] + tol
		if !(math.Abs(e.Values[i]-phi[i]) <= bound) {
			t.Errorf("%s row %d feature %d: %.6g, want %.6g ± %.3g (stderr %.3g)", what, ri, i, e.Values[i], phi[i], bound, e.StdErr[i])
		}
		if testing.Verbose() && e.StdErr[i] > 1e-7 {
			zscores = append(zscores, (e.Values[i]-phi[i])/e.StdErr[i])
		}
	}
}

// errorBound is how many reported standard errors a sampled value may be
// from the exact one.
const errorBound = 5

var zscores []float64

func assertClose(t *testing.T, what string, ri int, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s row %d: %d values, want %d", what, ri, len(got), len(want))
		return
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol) {
			t.Errorf("%s row %d feature %d: %.17g, want %.17g (diff %.3g > %.1g)", what, ri, i, got[i], want[i], got[i]-want[i], tol)
		}
	}
}

// checkKernelPlans compares the deterministic part of our Kernel SHAP
// coalition plan with shap 0.46's, as recorded in kernel_plan.json.
func checkKernelPlans(t *testing.T, b []byte) {
	var f struct {
		Plans []struct {
			M                    int             `json:"M"`
			NSamplesRequested    json.RawMessage `json:"nsamples_requested"`
			NSamplesEffective    int             `json:"nsamples_effective"`
			MaxSamples           int             `json:"max_samples"`
			NumSubsetSizes       int             `json:"num_subset_sizes"`
			NumPairedSubsetSizes int             `json:"num_paired_subset_sizes"`
			WeightVector         []float64       `json:"weight_vector"`
			NumFullSubsets       int             `json:"num_full_subsets"`
			NFixedSamples        int             `json:"nfixed_samples"`
			Fixed                []struct {
				SubsetSize            int     `json:"subset_size"`
				AlsoComplement        bool    `json:"also_complement"`
				NumSamples            int     `json:"num_samples"`
				KernelWeightPerSample float64 `json:"kernel_weight_per_sample"`
			} `json:"fixed"`
			RandomSamples     int     `json:"random_samples"`
			RandomWeightTotal float64 `json:"random_weight_total"`
		} `json:"plans"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Plans) == 0 {
		t.Fatal("no plans")
	}
	const tol = 1e-12
	for _, want := range f.Plans {
		requested := 0
		if string(want.NSamplesRequested) != `"auto"` {
			if err := json.Unmarshal(want.NSamplesRequested, &requested); err != nil {
				t.Fatalf("M=%d: nsamples_requested %s", want.M, want.NSamplesRequested)
			}
		}
		name := fmt.Sprintf("M=%d,nsamples=%s", want.M, want.NSamplesRequested)
		p := newKernelPlan(want.M, requested, rand.New(rand.NewPCG(1, 2)))
		if p.nsamples != want.NSamplesEffective || p.numSubsetSizes != want.NumSubsetSizes || p.numPaired != want.NumPairedSubsetSizes ||
			p.numFull != want.NumFullSubsets || p.nfixed != want.NFixedSamples {
			t.Errorf("%s: got nsamples=%d sizes=%d paired=%d full=%d nfixed=%d; want %d %d %d %d %d", name,
				p.nsamples, p.numSubsetSizes, p.numPaired, p.numFull, p.nfixed,
				want.NSamplesEffective, want.NumSubsetSizes, want.NumPairedSubsetSizes, want.NumFullSubsets, want.NFixedSamples)
			continue
		}
		if want.M <= 30 && p.maxSamples != want.MaxSamples {
			t.Errorf("%s: max samples %d, want %d", name, p.maxSamples, want.MaxSamples)
		}
		assertClose(t, name+" weight vector", 0, p.weightVector, want.WeightVector, tol)
		if len(p.fixed) != len(want.Fixed) {
			t.Errorf("%s: %d fixed sizes, want %d", name, len(p.fixed), len(want.Fixed))
			continue
		}
		at := 0
		for i, fx := range want.Fixed {
			got := p.fixed[i]
			if got.size != fx.SubsetSize || got.complement != fx.AlsoComplement || got.samples != fx.NumSamples ||
				math.Abs(got.weight-fx.KernelWeightPerSample) > tol {
				t.Errorf("%s: fixed size %d = %+v, want %+v", name, i, got, fx)
			}
			// Every enumerated mask has the size (or complement size) and weight claimed.
			for k := 0; k < got.samples; k++ {
				n := 0
				for _, w := range p.masks[(at+k)*p.words : (at+k+1)*p.words] {
					n += bits.OnesCount64(w)
				}
				if n != fx.SubsetSize && !(fx.AlsoComplement && n == want.M-fx.SubsetSize) {
					t.Errorf("%s: fixed sample %d has %d players", name, at+k, n)
				}
				if p.weights[at+k] != got.weight {
					t.Errorf("%s: fixed sample %d weight %g", name, at+k, p.weights[at+k])
				}
			}
			at += got.samples
		}
		random := len(p.weights) - p.nfixed
		if random != want.RandomSamples {
			t.Errorf("%s: %d random samples, want %d", name, random, want.RandomSamples)
		}
		sum := 0.0
		for _, w := range p.weights[p.nfixed:] {
			sum += w
		}
		if math.Abs(sum-want.RandomWeightTotal) > 1e-9 || math.Abs(p.randomWeightTotal-want.RandomWeightTotal) > tol {
			t.Errorf("%s: random weight total %.17g, want %.17g", name, sum, want.RandomWeightTotal)
		}
	}
}
