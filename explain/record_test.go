package explain

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestRoundAwayKeepsTheSentenceTrue(t *testing.T) {
	for _, c := range []struct {
		v, orig, want float64
		text          string
	}{
		{52071, 48000, 52100, "52,100"}, // raised: round up
		{3042, 5000, 3000, "3,000"},     // lowered: round down
		{3000, 5000, 3000, "3,000"},     // already on the step
		{1234567.8, 0, 1234600, "1,234,600"},
		{7.2, 5, 8, "8"}, // units below 1,000
		{7.8, 9, 7, "7"},
		{0, 2, 0, "0"},             // paid off
		{0.347, 0.2, 0.35, "0.35"}, // two significant digits below 1
		{0.347, 0.5, 0.34, "0.34"},
		{0.0123, 0.1, 0.012, "0.012"},
		{-1520, -1000, -1600, "-1,600"}, // lowered below zero: floor
		{-0.347, 0, -0.35, "-0.35"},
	} {
		got, step := roundAway(c.v, c.orig)
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("roundAway(%v from %v) = %v, want %v", c.v, c.orig, got, c.want)
		}
		// Away from the original: the sentence asks for at least the change.
		if c.v > c.orig && got < c.v || c.v < c.orig && got > c.v {
			t.Errorf("roundAway(%v from %v) = %v moved toward the original", c.v, c.orig, got)
		}
		if s := formatNumber(got, step); s != c.text {
			t.Errorf("formatNumber(%v) = %q, want %q", got, s, c.text)
		}
	}
}

// TestRoundAwayExtremes: values at float64's ends round to finite numbers
// that read without NaN or Inf. FuzzCounterfactuals found "f1 ≥ NaN" for a
// subnormal counterfactual value (the step 1e-323 has no finite
// reciprocal).
func TestRoundAwayExtremes(t *testing.T) {
	for _, c := range []struct{ v, orig float64 }{
		{2.37e-322, 0}, {-2.37e-322, 0}, {math.SmallestNonzeroFloat64, 1},
		{math.MaxFloat64, 0}, {-math.MaxFloat64, 0}, {1.7976931348623e308, 0},
	} {
		got, step := roundAway(c.v, c.orig)
		if math.IsNaN(got) || math.IsInf(got, 0) || c.v > c.orig && got < c.v || c.v < c.orig && got > c.v {
			t.Errorf("roundAway(%v from %v) = %v", c.v, c.orig, got)
		}
		if s := formatNumber(got, step); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("formatNumber(%v, %v) = %q", got, step, s)
		}
	}
}

// The summary of a counterfactual found by the search reads as the
// service's sentence, and its numbers still reach the goal.
func TestCounterfactualSummary(t *testing.T) {
	// Approve when income − 10·debt ≥ 50,000.
	model := Func(func(x []float64) float64 { return x[0] - 10*x[1] })
	x := []float64{40000, 500, 35}
	opts := CounterfactualOptions{
		K: 1, FeatureNames: []string{"income", "debt", "age"},
		Constraints: []FeatureConstraint{
			{Range: &Range{Min: 0, Max: 200000}, Monotone: MonotoneIncreasing},
			{Immutable: true},
			{Immutable: true},
		},
		Outcome: "approve", OutcomeText: "approved", Seed: 3,
	}
	res, err := Counterfactuals(context.Background(), model, x, Above(50000), opts)
	if err != nil {
		t.Fatal(err)
	}
	cf := res.Counterfactuals[0]
	income := cf.X[0]
	want := "approved if income ≥ " + formatNumber(math.Ceil(income/100)*100, 100)
	if cf.Summary != want || cf.Outcome != "approve" {
		t.Errorf("summary %q outcome %q, want %q and approve", cf.Summary, cf.Outcome, want)
	}
	if !reflect.DeepEqual(cf.Changes, []FeatureChange{{Feature: "income", From: 40000, To: income}}) {
		t.Errorf("changes %+v", cf.Changes)
	}
	// The rounded income in the sentence still reaches the goal.
	rounded := math.Ceil(income/100) * 100
	if model([]float64{rounded, 500, 35}) < 50000 {
		t.Errorf("the sentence's income %v does not reach the goal", rounded)
	}

	// Without outcome wording the goal opens the sentence.
	opts.Outcome, opts.OutcomeText = "", ""
	res, err = Counterfactuals(context.Background(), model, x, Above(50000), opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Counterfactuals[0].Summary; !strings.HasPrefix(s, "output ≥ 50000 if income ≥ ") {
		t.Errorf("summary without outcome %q", s)
	}
}

// One-hot groups and numerically coded categories are worded as a value,
// not a bound.
func TestCounterfactualSummaryCategories(t *testing.T) {
	// Columns: region_north, region_south, plan (0, 1, 2). Approved in
	// the south on plan 2.
	model := Func(func(x []float64) float64 { return x[1] + x[2]/2 })
	x := []float64{1, 0, 0}
	res, err := Counterfactuals(context.Background(), model, x, Above(2), CounterfactualOptions{
		K: 1, FeatureNames: []string{"region_north", "region_south", "plan"},
		OneHot:      []Group{{Name: "region", Features: []int{0, 1}}},
		Constraints: []FeatureConstraint{{}, {}, {Categories: []float64{0, 1, 2}}},
		Outcome:     "approve", OutcomeText: "approved",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Counterfactuals[0].Summary; s != "approved if region = region_south and plan = 2" {
		t.Errorf("summary %q", s)
	}
}

func TestExplanationRecord(t *testing.T) {
	e := Explanation{Method: MethodLinear, FeatureNames: []string{"income", "debt"}, BaseValue: 0.1,
		Values: []float64{-0.4, 0.3}, Prediction: 0}
	reasons := []ReasonCode{
		{Rank: 1, Code: "R01", Feature: "income", Text: "Income too low", Direction: TowardAdverse, Contribution: 0.4},
		{Rank: 2, Code: "debt", Feature: "debt", Text: "debt counted in favour of the outcome", Direction: TowardFavorable, Contribution: -0.3},
	}
	good := Counterfactual{Valid: true, Summary: "approved if income ≥ 52,100", Outcome: "approve",
		Changes: []FeatureChange{{Feature: "income", From: 48000, To: 52071}}}
	bad := Counterfactual{Valid: false, Summary: "approved if debt ≤ 0"}
	r := e.Record(reasons, good, bad)
	if r.Method != "linear" || r.BaseValue != 0.1 || r.Prediction != 0 {
		t.Errorf("header %+v", r)
	}
	if len(r.Attributions) != 2 || r.Attributions[0].Feature != "income" || r.Attributions[0].Contribution != -0.4 ||
		r.Attributions[1].Feature != "debt" || r.Attributions[1].Contribution != 0.3 {
		t.Errorf("attributions %+v", r.Attributions)
	}
	if len(r.ReasonCodes) != 2 {
		t.Fatalf("reason codes %+v", r.ReasonCodes)
	}
	if rc := r.ReasonCodes[0]; rc.Rank != 1 || rc.Code != "R01" || rc.Feature != "income" || rc.Description != "Income too low" ||
		rc.Direction != "adverse" || rc.Contribution != 0.4 {
		t.Errorf("first reason %+v", rc)
	}
	if rc := r.ReasonCodes[1]; rc.Direction != "favourable" || rc.Description != reasons[1].Text {
		t.Errorf("second reason %+v", rc)
	}
	if len(r.Counterfactuals) != 1 || r.Counterfactuals[0].Summary != good.Summary || r.Counterfactuals[0].Outcome != "approve" ||
		!reflect.DeepEqual(r.Counterfactuals[0].Changes, good.Changes) {
		t.Errorf("counterfactuals %+v (an invalid one must be left out)", r.Counterfactuals)
	}
	// The record owns its changes.
	good.Changes[0].To = 1
	if r.Counterfactuals[0].Changes[0].To != 52071 {
		t.Error("record shares the counterfactual's changes")
	}
	// Nothing to tell: no reasons, no counterfactuals, no empty slices.
	if r := (Explanation{Method: MethodExact}).Record(nil); r.Attributions != nil || r.ReasonCodes != nil || r.Counterfactuals != nil {
		t.Errorf("empty record %+v", r)
	}
}

// TestCounterfactualSummaryStaysInRange: the search raises income from 500
// to about 1,001 (the model approves from 1,001), within Range [0, 1050].
// Rounded away to the hundred the summary would ask for income ≥ 1,100,
// a value the constraint forbids; it states the range's bound instead,
// where the model approves.
func TestCounterfactualSummaryStaysInRange(t *testing.T) {
	model := Func(func(r []float64) float64 {
		if r[0] >= 1001 {
			return 1
		}
		return 0
	})
	res, err := Counterfactuals(context.Background(), model, []float64{500}, Above(0.5), CounterfactualOptions{
		K: 1, FeatureNames: []string{"income"}, Outcome: "approved",
		Constraints: []FeatureConstraint{{Range: &Range{Min: 0, Max: 1050}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cf := res.Counterfactuals[0]; cf.Summary != "approved if income ≥ 1,050" {
		t.Errorf("X %v: summary %q, want %q", cf.X, cf.Summary, "approved if income ≥ 1,050")
	}
}

// TestCounterfactualSummaryHoldsForNonMonotoneModel: the model approves
// only incomes in [1,001, 1,050]. The readable rounding, 1,100, is not
// approved; the summary checks it with the model and states the next
// finer step, 1,010, which is. The model is called once per level tried,
// and ModelEvaluations counts those calls.
func TestCounterfactualSummaryHoldsForNonMonotoneModel(t *testing.T) {
	var calls []float64
	model := Func(func(r []float64) float64 {
		calls = append(calls, r[0])
		if r[0] >= 1001 && r[0] <= 1050 {
			return 1
		}
		return 0
	})
	res, err := Counterfactuals(context.Background(), model, []float64{500}, Above(0.5), CounterfactualOptions{
		K: 1, FeatureNames: []string{"income"}, Outcome: "approved",
		Constraints: []FeatureConstraint{{Range: &Range{Min: 0, Max: 5000}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cf := res.Counterfactuals[0]
	if cf.Summary != "approved if income ≥ 1,010" {
		t.Errorf("X %v: summary %q, want %q", cf.X, cf.Summary, "approved if income ≥ 1,010")
	}
	if n := len(calls); n < 2 || calls[n-2] != 1100 || calls[n-1] != 1010 || res.ModelEvaluations != n {
		t.Errorf("last model calls %v of %d, ModelEvaluations %d; want 1100 then 1010, all counted", calls[max(0, n-2):], n, res.ModelEvaluations)
	}
}

// TestCounterfactualSummaryFallsBackToExactValue: the model approves
// incomes from 1,001 that are not multiples of 10, so neither 1,100 nor
// 1,010 holds and the summary states the counterfactual's own income,
// exactly.
func TestCounterfactualSummaryFallsBackToExactValue(t *testing.T) {
	model := Func(func(r []float64) float64 {
		if r[0] >= 1001 && math.Mod(r[0], 10) != 0 {
			return 1
		}
		return 0
	})
	res, err := Counterfactuals(context.Background(), model, []float64{500}, Above(0.5), CounterfactualOptions{
		K: 1, FeatureNames: []string{"income"}, Outcome: "approved",
		Constraints: []FeatureConstraint{{Range: &Range{Min: 0, Max: 5000}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cf := res.Counterfactuals[0]
	num, ok := strings.CutPrefix(cf.Summary, "approved if income ≥ ")
	v, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
	if !ok || err != nil || v != cf.X[0] {
		t.Errorf("summary %q, want income ≥ exactly %v", cf.Summary, cf.X[0])
	}
}

// TestCounterfactualSummaryCheckRespectsCancellation: the context is
// cancelled while the model scores the summary's rounded point (1,100,
// which it does not approve); the next check is not made and the search
// returns the context's error.
func TestCounterfactualSummaryCheckRespectsCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	model := Func(func(r []float64) float64 {
		if r[0] == 1100 {
			cancel()
		}
		if r[0] >= 1001 && r[0] <= 1050 {
			return 1
		}
		return 0
	})
	_, err := Counterfactuals(ctx, model, []float64{500}, Above(0.5), CounterfactualOptions{
		K: 1, FeatureNames: []string{"income"},
		Constraints: []FeatureConstraint{{Range: &Range{Min: 0, Max: 5000}}},
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
