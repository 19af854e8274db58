package explain

import (
	"context"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestCounterfactualErrorsDoNotRepeatInputs: the input row is a person's
// data, and a search's error becomes its span's status description and
// exception event, which go wherever the traces go. An error about the
// input names the feature and the rule it breaks, never the value; nor
// does it give the model's output for the input (for a linear model, the
// output gives an input back).
func TestCounterfactualErrorsDoNotRepeatInputs(t *testing.T) {
	sum := Func(func(x []float64) float64 { return x[0] + x[1] + x[2] })
	for _, tc := range []struct {
		name   string
		x      []float64
		goal   Goal
		opts   CounterfactualOptions
		secret string   // the input value (or the output of the input)
		want   []string // what the error must still say
	}{
		{"one-hot column not 0 or 1", []float64{41.2345, 0.7319, 0}, Above(1000), CounterfactualOptions{
			FeatureNames: []string{"income", "rent", "own"},
			Constraints:  []FeatureConstraint{{Range: &Range{Min: 0, Max: 100}}, {}, {}},
			OneHot:       []Group{{Name: "housing", Features: []int{1, 2}}},
		}, "0.7319", []string{"rent", "0 or 1"}},
		{"change overflowing float64", []float64{0, 0, 1.2345e307}, Above(1e308), CounterfactualOptions{
			FeatureNames: []string{"a", "b", "c"},
			Constraints:  []FeatureConstraint{{Immutable: true}, {Immutable: true}, {Range: &Range{Min: -1e308, Max: 1e308}}},
		}, "1.2345e+307", []string{"feature c", "[-1e+308, 1e+308]"}},
		{"input already reaches the goal", []float64{1.25, 2.0625, 0}, Above(1), CounterfactualOptions{
			Constraints: []FeatureConstraint{{Range: &Range{Min: 0, Max: 10}}, {Immutable: true}, {Immutable: true}},
		}, "3.3125", []string{"already reaches"}},
		{"nothing can change", []float64{1.25, 2.0625, 0}, Above(10), CounterfactualOptions{
			FeatureNames: []string{"a", "b", "c"},
			Constraints:  []FeatureConstraint{{Immutable: true}, {Immutable: true}, {Immutable: true}},
		}, "3.3125", []string{"a is immutable; b is immutable; c is immutable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := oteltest.NewTraces(t)
			spans, tp := tr.Recorder, tr.Provider
			_, err := Counterfactuals(context.Background(), sum, tc.x, tc.goal, tc.opts, WithTracerProvider(tp))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error repeats the person's value %s: %v", tc.secret, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error %q does not say %q", err, w)
				}
			}
			ended := spans.Ended()
			if len(ended) != 1 {
				t.Fatalf("%d spans", len(ended))
			}
			if d := ended[0].Status().Description; strings.Contains(d, tc.secret) {
				t.Errorf("the span status repeats the person's value %s: %q", tc.secret, d)
			}
			for _, ev := range ended[0].Events() {
				for _, a := range ev.Attributes {
					if strings.Contains(a.Value.String(), tc.secret) {
						t.Errorf("span event %s attribute %s repeats the person's value: %q", ev.Name, a.Key, a.Value.String())
					}
				}
			}
		})
	}
}
