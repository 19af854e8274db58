package fairness

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// sklearn_fbeta.json holds scikit-learn 1.2.1's f1_score / fbeta_score by
// group (recipe: testdata/gen/gen_fbeta.py).
type fbetaVectors struct {
	Sklearn      string    `json:"sklearn"`
	Group        []string  `json:"group"`
	YTrue        []int     `json:"y_true"`
	YPred        []int     `json:"y_pred"`
	SampleWeight []float64 `json:"sample_weight"`
	Cases        []struct {
		Beta     float64             `json:"beta"`
		Weighted bool                `json:"weighted"`
		Overall  fbetaRef            `json:"overall"`
		ByGroup  map[string]fbetaRef `json:"by_group"`
	} `json:"cases"`
}

type fbetaRef struct {
	Value    float64  `json:"value"`
	Warnings []string `json:"warnings"`
}

func TestFBetaVersusSklearn(t *testing.T) {
	raw, err := os.ReadFile("testdata/fbeta/sklearn_fbeta.json")
	if err != nil {
		t.Fatal(err)
	}
	var v fbetaVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, c := range v.Cases {
		d := &Data{YTrue: v.YTrue, YPred: v.YPred, Sensitive: []Feature{NewFeature("g", v.Group)}}
		if c.Weighted {
			d.SampleWeight = v.SampleWeight
		}
		m := FBeta(c.Beta)
		f, err := NewFrame(context.Background(), d, WithMetrics(m))
		if err != nil {
			t.Fatal(err)
		}
		check := func(where string, cell Cell, ref fbetaRef) {
			t.Helper()
			got, err := cell.Value(m)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if math.Abs(got.Value-ref.Value) > 1e-12 {
				t.Errorf("%s: %s = %.17g, sklearn %s %.17g", where, m.Name(), got.Value, v.Sklearn, ref.Value)
			}
			// scikit-learn warns that the F-score is ill-defined exactly
			// when the value is flagged undefined here.
			illDefined := false
			for _, w := range ref.Warnings {
				illDefined = illDefined || strings.HasPrefix(w, "F-score is ill-defined")
			}
			if got.Defined == illDefined {
				t.Errorf("%s: Defined %v, sklearn warnings %q", where, got.Defined, ref.Warnings)
			}
			compared++
		}
		s := f.Strata()[0]
		check("overall", s.Overall, c.Overall)
		for _, g := range s.Groups {
			ref, ok := c.ByGroup[g.Group[0]]
			if !ok {
				t.Fatalf("no reference for group %q", g.Group[0])
			}
			check("beta="+m.Name()+" weighted="+map[bool]string{false: "no", true: "yes"}[c.Weighted]+" group "+g.Group[0], g, ref)
		}
	}
	if compared < 60 {
		t.Errorf("compared only %d values", compared)
	}
}

func TestFBetaNamesAndParams(t *testing.T) {
	if F1().Name() != "f1" || FBeta(1).Name() != "f1" || FBeta(0.5).Name() != "fbeta_0.5" || FBeta(2).Name() != "fbeta_2" {
		t.Errorf("names %s %s %s", F1(), FBeta(0.5), FBeta(2))
	}
	if m, ok := MetricByName("f1_score"); !ok || m.Name() != "f1" {
		t.Errorf("MetricByName(f1_score) = %v, %v", m, ok)
	}
	d := synth(50, 3, false)
	for _, beta := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := NewFrame(context.Background(), d, WithMetrics(FBeta(beta))); err == nil || !strings.Contains(err.Error(), "beta must be finite and >= 0") {
			t.Errorf("FBeta(%v): error %v", beta, err)
		}
	}
	// F1 equals the harmonic mean of precision and recall where both are
	// defined.
	f, err := NewFrame(context.Background(), d, WithMetrics(F1(), Precision, TruePositiveRate))
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := f.ByGroup()
	for _, g := range groups {
		f1, _ := g.Value(F1())
		p, _ := g.Value(Precision)
		r, _ := g.Value(TruePositiveRate)
		if p.Defined && r.Defined && p.Value+r.Value > 0 {
			if want := 2 * p.Value * r.Value / (p.Value + r.Value); math.Abs(f1.Value-want) > 1e-12 {
				t.Errorf("group %v: f1 %v, harmonic mean %v", g.Group, f1.Value, want)
			}
		}
	}
}
