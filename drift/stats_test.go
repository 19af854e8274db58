package drift

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The two-goroutine split of the Smirnov sum (n large) must equal the
// sequential sum.
func TestSmirnovSplitEqualsSequential(t *testing.T) {
	for _, c := range []struct {
		n int
		x float64
	}{{200000, 0.004}, {500000, 0.0025}, {150000, 0.01}} {
		nf := float64(c.n)
		nx := nf * c.x
		nxErr := math.FMA(nf, c.x, -nx)
		nTerms := c.n - int(math.Floor(nx))
		mx, s := smirnovTerms(nf, c.x, nx, nxErr, 0, nTerms, nTerms)
		seq := math.Exp(math.Log(c.x) + mx + math.Log(s))
		got := smirnovSF(c.n, c.x)
		if math.Abs(got-seq) > 1e-12*seq {
			t.Errorf("n=%d x=%g: split %v, sequential %v", c.n, c.x, got, seq)
		}
		// Cross-check against Smirnov's limit P(D+ >= x) ≈ exp(−2nx²),
		// accurate to O(1/√n) for large n.
		lim := math.Exp(-2 * nf * c.x * c.x)
		if math.Abs(got-lim) > 0.05*lim {
			t.Errorf("n=%d x=%g: smirnov %v far from the limit %v", c.n, c.x, got, lim)
		}
	}
}

func TestBatchBadInput(t *testing.T) {
	good := []float64{1, 2, 3, 4, 5}
	nan := []float64{1, math.NaN(), 3}
	inf := []float64{1, math.Inf(-1), 3}
	calls := map[string]func(a, b []float64) error{
		"KS":          func(a, b []float64) error { _, err := KS(a, b); return err },
		"Wasserstein": func(a, b []float64) error { _, err := Wasserstein(a, b); return err },
		"Normed":      func(a, b []float64) error { _, err := WassersteinNormed(a, b); return err },
		"AD":          func(a, b []float64) error { _, err := AndersonDarling(0.05, a, b); return err },
		"CvM":         func(a, b []float64) error { _, err := CramerVonMises(a, b, 0.05); return err },
		"PSI":         func(a, b []float64) error { _, err := PSI(a, b); return err },
		"KL":          func(a, b []float64) error { _, err := KLDivergence(a, b); return err },
		"JS":          func(a, b []float64) error { _, err := JensenShannon(a, b); return err },
		"Auto":        func(a, b []float64) error { _, err := AutoTest(a, b); return err },
		"Quantile":    func(a, b []float64) error { _, err := PSI(a, b, WithQuantileBins(4)); return err },
	}
	for name, call := range calls {
		if err := call(nil, good); !errors.Is(err, ErrTooFew) || !strings.Contains(err.Error(), "reference") {
			t.Errorf("%s(empty reference): %v", name, err)
		}
		if err := call(good, []float64{}); !errors.Is(err, ErrTooFew) || !strings.Contains(err.Error(), "current") {
			t.Errorf("%s(empty current): %v", name, err)
		}
		if err := call(nan, good); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "reference[1]") {
			t.Errorf("%s(NaN): %v", name, err)
		}
		if err := call(good, inf); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "current[1]") {
			t.Errorf("%s(-Inf): %v", name, err)
		}
	}
	if _, err := CramerVonMises([]float64{1}, good, 0.05); !errors.Is(err, ErrTooFew) {
		t.Errorf("CvM with one observation: %v", err)
	}
	if _, err := AndersonDarling(0.05, good); !errors.Is(err, ErrTooFew) {
		t.Errorf("AD with one sample: %v", err)
	}
	if _, err := AndersonDarling(0.05, []float64{2, 2}, []float64{2}); err == nil {
		t.Error("AD with one distinct value accepted")
	}
	if _, err := KS(good, good, WithKSMethod("magic")); err == nil {
		t.Error("unknown KS method accepted")
	}
	if _, err := QuantileHistogram(good, good, 1); err == nil {
		t.Error("one quantile bin accepted")
	}
	if _, err := CategoricalHistogram(nil, []string{"a"}); !errors.Is(err, ErrTooFew) {
		t.Errorf("empty categorical reference: %v", err)
	}
	h, _ := CategoricalHistogram([]string{"a", "b", "c"}, []string{"a"})
	if _, err := ZTestProportions(h, 0.05); err == nil {
		t.Error("z-test on three categories accepted")
	}
	clean, dropped := DropNonFinite([]float64{1, math.NaN(), math.Inf(1), 2})
	if dropped != 2 || len(clean) != 2 {
		t.Errorf("DropNonFinite: %v %d", clean, dropped)
	}
}

func TestKSExactAgainstSmallCases(t *testing.T) {
	// Disjoint samples of 3 and 3: D = 1 and P(D >= 1) = 2/C(6,3) = 0.1.
	r, err := KS([]float64{1, 2, 3}, []float64{4, 5, 6})
	if err != nil || r.Statistic != 1 || math.Abs(r.PValue-0.1) > 1e-15 || r.Sign != 1 || r.Detail != "exact" {
		t.Errorf("disjoint 3 vs 3: %+v %v", r, err)
	}
	// Unequal sizes 2 vs 4, disjoint: P = 2/C(6,2) = 2/15.
	r, _ = KS([]float64{10, 11}, []float64{1, 2, 3, 4})
	if r.Statistic != 1 || math.Abs(r.PValue-2.0/15) > 1e-15 || r.Sign != -1 {
		t.Errorf("disjoint 2 vs 4: %+v", r)
	}
	// Identical samples: D = 0, p = 1, no drift.
	r, _ = KS([]float64{1, 2, 3}, []float64{1, 2, 3})
	if r.Statistic != 0 || r.PValue != 1 || r.Drift {
		t.Errorf("identical: %+v", r)
	}
}

func TestQuantileBinning(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	ref := normals(rng, 10000, 0, 1)
	h, err := QuantileHistogram(ref, normals(rng, 5000, 0, 1), 10)
	if err != nil {
		t.Fatal(err)
	}
	if h.Kind != BinningQuantile || len(h.RefCounts) != 10 {
		t.Fatalf("%+v", h)
	}
	for i, c := range h.RefCounts {
		if c < 990 || c > 1010 {
			t.Errorf("reference decile %d holds %d of 10000", i, c)
		}
	}
	// Values beyond the reference range land in the outer bins.
	h, _ = QuantileHistogram(ref, []float64{-100, 100}, 10)
	if h.CurCounts[0] != 1 || h.CurCounts[9] != 1 {
		t.Errorf("outer bins %v", h.CurCounts)
	}
	same, _ := PSI(ref, normals(rng, 5000, 0, 1), WithQuantileBins(10))
	shifted, _ := PSI(ref, normals(rng, 5000, 1, 1), WithQuantileBins(10))
	if same.Drift || !shifted.Drift || same.Detail != string(BinningQuantile) {
		t.Errorf("quantile PSI same %+v shifted %+v", same, shifted)
	}
}

func TestDatasetDriftCorrections(t *testing.T) {
	p := func(v float64) Result { return pvalueResult(MethodKS, 0, v, 0.05, PValueBelow, "") }
	res := map[string]Result{
		"a": p(0.001), "b": p(0.008), "c": p(0.039), "d": p(0.041), "e": p(0.6),
		"dist": distanceResult(MethodPSI, 0.3, 0.1, ""),
	}
	none, _ := DatasetDrift(res, 0.5, CorrectionNone)
	bonf, _ := DatasetDrift(res, 0.5, CorrectionBonferroni)
	bh, _ := DatasetDrift(res, 0.5, CorrectionBH)
	// m = 5 p-value tests. Bonferroni: p < 0.01 → a, b. BH: sorted
	// 0.001 ≤ 0.01, 0.008 ≤ 0.02, 0.039 ≤ 0.03? no, 0.041 ≤ 0.04? no → k = 2.
	// The distance result keeps its own verdict in every case.
	if none.Drifted != 5 || bonf.Drifted != 3 || bh.Drifted != 3 {
		t.Errorf("drifted: none %d (want 5), bonferroni %d (want 3), BH %d (want 3)", none.Drifted, bonf.Drifted, bh.Drifted)
	}
	res["c"] = p(0.029) // now 0.029 ≤ 0.03 and 0.041 > 0.04, so BH flags a, b, c
	bh, _ = DatasetDrift(res, 0.5, CorrectionBH)
	if bh.Drifted != 4 || !bh.Drift || bh.Share != 4.0/6 {
		t.Errorf("BH: %+v", bh)
	}
	if _, err := DatasetDrift(nil, 0.5, CorrectionBH); err == nil {
		t.Error("empty dataset accepted")
	}
	if _, err := DatasetDrift(res, 0.5, "magic"); err == nil {
		t.Error("unknown correction accepted")
	}
}

func TestAutoTestSelection(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	cases := []struct {
		ref, cur []float64
		want     Method
	}{
		{normals(rng, 500, 0, 1), normals(rng, 500, 0, 1), MethodKS},
		{normals(rng, 2000, 0, 1), normals(rng, 500, 0, 1), MethodWassersteinNormed},
		{rounded(normals(rng, 500, 0, 0.5), 1), rounded(normals(rng, 500, 0, 0.5), 1), MethodChiSquare},
		{rounded(normals(rng, 2000, 0, 0.5), 1), rounded(normals(rng, 500, 0, 0.5), 1), MethodJensenShannon},
		{[]float64{0, 1, 0, 1}, []float64{1, 1, 0}, MethodZTest},
	}
	for i, c := range cases {
		r, err := AutoTest(c.ref, c.cur)
		if err != nil || r.Method != c.want {
			t.Errorf("case %d: %s (%v), want %s", i, r.Method, err, c.want)
		}
	}
	r, err := AutoTestCategorical([]string{"x", "y", "x"}, []string{"x", "y", "y"})
	if err != nil || r.Method != MethodZTest {
		t.Errorf("two categories: %+v %v", r, err)
	}
}

func TestResultJSONRoundTrip(t *testing.T) {
	h, _ := CategoricalHistogram([]string{"a", "b"}, []string{"a", "c"})
	chi, _ := ChiSquareGoF(h, 0.05)
	psi := PSIFromHistogram(h, 0.1)
	for _, r := range []Result{chi, psi} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal %+v: %v", r, err)
		}
		var back Result
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
		if back.Method != r.Method || !same(back.Statistic, r.Statistic) || !same(back.PValue, r.PValue) || back.Drift != r.Drift {
			t.Errorf("round trip %s: %+v → %s → %+v", r.Method, r, b, back)
		}
	}
	rep := Report{Features: []FeatureReport{{Feature: "x", Result: psi}}}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("report with a distance result does not marshal: %v", err)
	}
}
