package drift

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

func normals(rng *rand.Rand, n int, mu, sigma float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = mu + sigma*rng.NormFloat64()
	}
	return x
}

func rounded(x []float64, step float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Round(v/step) * step
	}
	return out
}

// An exact profile must give the batch functions' answers, on both the
// merge path and the binary-search path.
func TestExactProfileMatchesBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := map[string][2][]float64{
		"continuous": {normals(rng, 1500, 0, 1), normals(rng, 700, 0.2, 1)},
		"ties":       {rounded(normals(rng, 800, 0, 1), 0.1), rounded(normals(rng, 800, 0.1, 1), 0.1)},
		"discrete":   {rounded(normals(rng, 300, 0, 1), 1), rounded(normals(rng, 200, 0.5, 1), 1)},
		"small":      {normals(rng, 12, 0, 1), normals(rng, 9, 1, 1)},
		"offset":     {normals(rng, 20000, 1000, 1), normals(rng, 3000, 1000.05, 1)},
		// Small windows against a large reference take the binary-search
		// path instead of the merge.
		"search":        {normals(rng, 30000, 0, 1), normals(rng, 400, 0.1, 1)},
		"search-ties":   {rounded(normals(rng, 30000, 0, 1), 0.05), rounded(normals(rng, 300, 0.2, 1), 0.05)},
		"search-offset": {normals(rng, 30000, 1000, 1), normals(rng, 500, 1000.1, 1)},
	}
	searched := 0
	for name, c := range cases {
		ref, cur := c[0], c[1]
		if !mergeCheaper(len(cur), len(ref)) {
			searched++
		}
		p, err := NewNumericProfile(name, ref)
		if err != nil {
			t.Fatal(err)
		}
		// Serialise and reload, as a profile shipped with a model would be.
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q NumericProfile
		if err := json.Unmarshal(b, &q); err != nil {
			t.Fatal(err)
		}
		for _, method := range []KSMethod{KSAuto, KSAsymp} {
			want, err1 := KS(ref, cur, WithKSMethod(method))
			got, err2 := q.KS(cur, WithKSMethod(method))
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if got.Statistic != want.Statistic || got.PValue != want.PValue || got.Sign != want.Sign {
				t.Errorf("%s %s: profile KS D=%v p=%v sign=%d, batch D=%v p=%v sign=%d", name, method, got.Statistic, got.PValue, got.Sign, want.Statistic, want.PValue, want.Sign)
			}
		}
		w1, _ := Wasserstein(ref, cur)
		w2, err := q.Wasserstein(cur)
		if err != nil || math.Abs(w1.Statistic-w2.Statistic) > 1e-12*w1.Statistic {
			t.Errorf("%s: profile Wasserstein %v, batch %v (%v)", name, w2.Statistic, w1.Statistic, err)
		}
		n1, _ := WassersteinNormed(ref, cur)
		n2, err := q.WassersteinNormed(cur)
		if err != nil || math.Abs(n1.Statistic-n2.Statistic) > 1e-12*n1.Statistic {
			t.Errorf("%s: profile WassersteinNormed %v, batch %v (%v)", name, n2.Statistic, n1.Statistic, err)
		}
		p1, _ := PSI(ref, cur)
		p2, err := q.PSI(cur, 0.1)
		if err != nil || p1.Statistic != p2.Statistic || p1.Detail != p2.Detail {
			t.Errorf("%s: profile PSI %v (%s), batch %v (%s) (%v)", name, p2.Statistic, p2.Detail, p1.Statistic, p1.Detail, err)
		}
		a1, err1 := AutoTest(ref, cur)
		a2, err2 := q.AutoTest(cur)
		if err1 != nil || err2 != nil || a1.Method != a2.Method || math.Abs(a1.Score-a2.Score) > 1e-12*math.Abs(a1.Score) || a1.Drift != a2.Drift {
			t.Errorf("%s: profile AutoTest %+v, batch %+v (%v %v)", name, a2, a1, err1, err2)
		}
	}
	if searched == 0 {
		t.Error("no case exercised the binary-search path")
	}
}

func TestProfileMergeEqualsWholeSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	a, b := normals(rng, 500, 0, 1), normals(rng, 700, 1, 2)
	pa, _ := NewNumericProfile("x", a)
	pb, _ := NewNumericProfile("x", b)
	whole, _ := NewNumericProfile("x", append(append([]float64{}, a...), b...))
	if err := pa.Merge(pb); err != nil {
		t.Fatal(err)
	}
	if pa.Count != whole.Count || math.Abs(pa.Mean-whole.Mean) > 1e-12 || math.Abs(pa.M2-whole.M2) > 1e-9*whole.M2 || pa.Min != whole.Min || pa.Max != whole.Max {
		t.Errorf("merged summary %+v, whole %+v", pa, whole)
	}
	cur := normals(rng, 300, 0.5, 1)
	k1, _ := pa.KS(cur)
	k2, _ := whole.KS(cur)
	if k1.Statistic != k2.Statistic || k1.PValue != k2.PValue {
		t.Errorf("merged KS %v/%v, whole %v/%v", k1.Statistic, k1.PValue, k2.Statistic, k2.PValue)
	}

	sa, err := NewSketchProfile("x", a, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := NewSketchProfile("x", b, 0.01)
	sw, _ := NewSketchProfile("x", append(append([]float64{}, a...), b...), 0.01)
	if err := sa.Merge(sb); err != nil {
		t.Fatal(err)
	}
	m1, _ := sa.KS(cur)
	m2, _ := sw.KS(cur)
	if m1.Statistic != m2.Statistic {
		t.Errorf("merged sketch KS %v, whole-sample sketch %v", m1.Statistic, m2.Statistic)
	}
	if err := sa.Merge(pb); err == nil {
		t.Error("merging an exact profile into a sketch profile succeeded")
	}
}

// A sketch profile approximates the exact tests closely.
func TestSketchProfileApproximatesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	ref := normals(rng, 20000, 5, 1)
	sp, err := NewSketchProfile("x", ref, 0.005)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(sp)
	var q NumericProfile
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	if len(b) > 40000 {
		t.Errorf("sketch profile JSON is %d bytes for 20 000 values", len(b))
	}
	for _, shift := range []float64{0, 0.3} {
		cur := normals(rng, 2000, 5+shift, 1)
		exact, _ := KS(ref, cur)
		approx, err := q.KS(cur)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(exact.Statistic-approx.Statistic) > 0.01 {
			t.Errorf("shift %v: sketch KS D=%v, exact %v", shift, approx.Statistic, exact.Statistic)
		}
		if exact.Drift != approx.Drift {
			t.Errorf("shift %v: sketch verdict %v, exact %v", shift, approx.Drift, exact.Drift)
		}
		we, _ := Wasserstein(ref, cur)
		wa, _ := q.Wasserstein(cur)
		if math.Abs(we.Statistic-wa.Statistic) > 0.01+0.02*we.Statistic {
			t.Errorf("shift %v: sketch W1=%v, exact %v", shift, wa.Statistic, we.Statistic)
		}
	}
}

// A sketch profile of low-cardinality data keeps the exact values, so
// Evidently's by-value binning still lines up with the current values.
func TestSketchProfileLowCardinalityIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	ref := rounded(normals(rng, 5000, 3, 1), 1)
	cur := rounded(normals(rng, 800, 3.3, 1), 1)
	sp, err := NewSketchProfile("x", ref, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(sp)
	var q NumericProfile
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	want, _ := PSI(ref, cur)
	got, err := q.PSI(cur, 0.1)
	if err != nil || got.Statistic != want.Statistic || got.Detail != string(BinningDistinct) {
		t.Errorf("sketch PSI %v (%s), batch %v (%v)", got.Statistic, got.Detail, want.Statistic, err)
	}
	a1, _ := AutoTest(ref, cur)
	a2, _ := q.AutoTest(cur)
	if a1.Method != a2.Method || math.Abs(a1.Score-a2.Score) > 1e-12*math.Abs(a1.Score) {
		t.Errorf("sketch AutoTest %s %v, batch %s %v", a2.Method, a2.Score, a1.Method, a1.Score)
	}
	other, _ := NewSketchProfile("x", rounded(normals(rng, 100, 3, 1), 1), 0.01)
	if err := q.Merge(other); err != nil || len(q.Support) == 0 || q.Count != 5100 {
		t.Errorf("merge of low-cardinality sketches: support %v count %d (%v)", q.Support, q.Count, err)
	}
}

func TestCategoricalProfile(t *testing.T) {
	ref := []string{"a", "a", "b", "c", "c", "c"}
	cur := []string{"a", "d", "d", "c"}
	p, err := NewCategoricalProfile("color", ref)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	var q CategoricalProfile
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	h1, _ := q.Histogram(cur)
	h2, _ := CategoricalHistogram(ref, cur)
	if len(h1.Categories) != 4 || h1.Categories[3] != "d" || h1.RefCounts[3] != 0 || h1.CurCounts[3] != 2 || h1.RefCounts[1] != h2.RefCounts[1] {
		t.Errorf("profile histogram %+v, batch %+v", h1, h2)
	}
	r, err := q.AutoTest(cur)
	if err != nil || r.Method != MethodChiSquare || !math.IsInf(r.Statistic, 1) || !r.Drift {
		t.Errorf("unseen category: %+v %v, want chi-squared +Inf drift", r, err)
	}
	if err := q.Merge(&CategoricalProfile{Feature: "color", Counts: map[string]int{"d": 1}, Count: 1}); err != nil || q.Count != 7 || q.Counts["d"] != 1 {
		t.Errorf("merge: %+v %v", q, err)
	}
}

func TestProfileBadInput(t *testing.T) {
	if _, err := NewNumericProfile("x", []float64{math.NaN(), math.Inf(1)}); err == nil {
		t.Error("all-NaN profile accepted")
	}
	p, err := NewNumericProfile("x", []float64{1, math.NaN(), 2, 3})
	if err != nil || p.Dropped != 1 || p.Count != 3 {
		t.Fatalf("drop policy: %+v %v", p, err)
	}
	if _, err := p.KS([]float64{1, math.NaN()}); err == nil {
		t.Error("NaN in the current window accepted")
	}
	if _, err := p.KS(nil); err == nil {
		t.Error("empty current window accepted")
	}
	var q NumericProfile
	if err := json.Unmarshal([]byte(`{"feature":"x","kind":"exact","count":3,"sorted":[3,2,1]}`), &q); err == nil {
		t.Error("unsorted profile accepted")
	}
	if err := json.Unmarshal([]byte(`{"feature":"x","kind":"magic","count":3}`), &q); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := NewSketchProfile("x", []float64{1}, 0); err == nil {
		t.Error("relative accuracy 0 accepted")
	}
}
