package explain

import (
	"context"
	"reflect"
	"testing"
)

func TestReasonCodesRankAdverseFeatures(t *testing.T) {
	// An approval score: lower is adverse. debt_ratio and late_payments
	// lowered it, income raised it.
	bg := NewMatrix(2, 4)
	copy(bg.Data, []float64{0.3, 0, 50, 5, 0.5, 2, 70, 7})
	le, err := NewLinear([]float64{-4, -0.5, 0.02, 0.1}, 1, bg, WithFeatureNames("debt_ratio", "late_payments", "income", "tenure"))
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.9, 4, 80, 6}
	e, err := le.Explain(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	// φ = [-4·0.5, -0.5·3, 0.02·20, 0] = [-2, -1.5, 0.4, 0]
	ref, _ := ColumnMeans(bg, nil)
	rc, err := ReasonCodes(e, ReasonOptions{
		TopK: 3,
		Descriptions: map[string]FeatureDescription{
			"debt_ratio":    {Code: "D01", Label: "debt-to-income ratio", WhenHigh: "Debt-to-income ratio is too high"},
			"late_payments": {Code: "P02", Label: "number of late payments"},
		},
		Input: x, Reference: ref,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rc) != 2 {
		t.Fatalf("got %d reasons, want the 2 adverse ones: %+v", len(rc), rc)
	}
	if !reflect.DeepEqual(Codes(rc), []string{"D01", "P02"}) {
		t.Errorf("codes %v", Codes(rc))
	}
	if rc[0].Text != "Debt-to-income ratio is too high" || rc[0].Direction != TowardAdverse || rc[0].Rank != 1 {
		t.Errorf("first reason %+v", rc[0])
	}
	if rc[1].Text != "number of late payments is higher than typical, which counted against the outcome" {
		t.Errorf("second reason text %q", rc[1].Text)
	}
	if d := rc[0].Contribution - 2; d > 1e-12 || d < -1e-12 {
		t.Errorf("contribution %v, want 2 (toward adverse)", rc[0].Contribution)
	}
	if d := rc[0].Share - 2/3.9; d > 1e-12 || d < -1e-12 {
		t.Errorf("share %v", rc[0].Share)
	}
	// With favourable ones and higher-is-adverse flipped, income becomes adverse.
	rc2, _ := ReasonCodes(e, ReasonOptions{HigherIsAdverse: true, IncludeFavorable: true})
	if len(rc2) != 3 || rc2[0].Feature != "income" || rc2[1].Direction != TowardFavorable || rc2[1].Feature != "debt_ratio" {
		t.Errorf("higher-is-adverse reasons %+v", rc2)
	}
	if _, err := ReasonCodes(Explanation{FeatureNames: []string{"a"}}, ReasonOptions{}); err == nil {
		t.Error("mismatched explanation accepted")
	}
}
