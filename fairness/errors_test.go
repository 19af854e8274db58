package fairness

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestBadInput(t *testing.T) {
	g := func(n int) []Feature {
		v := make([]string, n)
		for i := range v {
			v[i] = []string{"a", "b"}[i%2]
		}
		return []Feature{NewFeature("g", v)}
	}
	cases := []struct {
		name string
		data Data
		opts []Option
		want string
	}{
		{"length mismatch", Data{YTrue: make([]int, 1000), YPred: make([]int, 999), Sensitive: g(1000)}, nil, "y_true has 1000 rows, y_pred 999"},
		{"score length", Data{YTrue: make([]int, 4), YPred: make([]int, 4), YScore: make([]float64, 3), Sensitive: g(4)}, nil, "y_true has 4 rows, y_score 3"},
		{"weight length", Data{YTrue: make([]int, 4), YPred: make([]int, 4), SampleWeight: make([]float64, 5), Sensitive: g(4)}, nil, "y_true has 4 rows, sample_weight 5"},
		{"feature length", Data{YTrue: make([]int, 4), YPred: make([]int, 4), Sensitive: g(3)}, nil, `y_true has 4 rows, sensitive feature "g" 3`},
		{"empty", Data{YTrue: []int{}, YPred: []int{}, Sensitive: g(0)}, nil, "empty input"},
		{"no y_pred", Data{YTrue: []int{1}, Sensitive: g(1)}, nil, "y_pred is missing"},
		{"no sensitive feature", Data{YTrue: []int{1}, YPred: []int{1}}, nil, "no sensitive feature"},
		{"label 2", Data{YTrue: []int{0, 1, 2, 1}, YPred: []int{0, 1, 1, 1}, Sensitive: g(4)}, nil, "y_true[2] = 2 is not a binary label in {0,1}"},
		{"prediction -1", Data{YTrue: []int{0, 1, 1, 1}, YPred: []int{0, -1, 1, 1}, Sensitive: g(4)}, nil, "y_pred[1] = -1 is not a binary label"},
		{"third label with pos label", Data{YTrue: []int{5, 7, 9, 5}, YPred: []int{5, 5, 5, 5}, Sensitive: g(4)}, []Option{WithPosLabel(5)}, "y_true[2] = 9 is not a binary label in {7,5} (declared positive label 5)"},
		{"negative weight", Data{YTrue: []int{0, 1, 1, 1}, YPred: []int{0, 1, 1, 1}, SampleWeight: []float64{1, 1, -0.5, 1}, Sensitive: g(4)}, nil, "sample_weight[2] is -0.5"},
		{"NaN weight", Data{YTrue: []int{0, 1, 1, 1}, YPred: []int{0, 1, 1, 1}, SampleWeight: []float64{1, math.NaN(), 1, 1}, Sensitive: g(4)}, nil, "sample_weight[1] is NaN"},
		{"NaN score", Data{YTrue: []int{0, 1, 1, 1}, YPred: []int{0, 1, 1, 1}, YScore: []float64{0.1, 0.2, math.NaN(), 0.3}, Sensitive: g(4)}, nil, "y_score[2] is NaN"},
		{"NaN score with score metric", Data{YTrue: []int{0, 1, 1, 1}, YPred: []int{0, 1, 1, 1}, YScore: []float64{0.1, 0.2, math.NaN(), 0.3}, Sensitive: g(4)}, []Option{WithMetrics(BrierScore)}, "y_score[2] is NaN"},
		{"NaN score with AUC", Data{YTrue: []int{0, 1, 1, 1}, YPred: []int{0, 1, 1, 1}, YScore: []float64{0.1, math.Inf(1), 0.2, 0.3}, Sensitive: g(4)}, []Option{WithMetrics(ROCAUC)}, "y_score[1] is +Inf"},
		{"score metric without scores", Data{YTrue: []int{0, 1}, YPred: []int{0, 1}, Sensitive: g(2)}, []Option{WithMetrics(ROCAUC)}, `metric "roc_auc" needs y_score`},
		{"bad code", Data{YTrue: []int{0, 1}, YPred: []int{0, 1}, Sensitive: []Feature{CodedFeature("g", []string{"a"}, []int32{0, 3})}}, nil, `feature "g" row 1 has code 3`},
		{"duplicate level", Data{YTrue: []int{0, 1}, YPred: []int{0, 1}, Sensitive: []Feature{CodedFeature("g", []string{"a", "a"}, []int32{0, 1})}}, nil, `feature "g" lists level "a" twice`},
		{"duplicate metric", Data{YTrue: []int{0, 1}, YPred: []int{0, 1}, Sensitive: g(2)}, []Option{WithMetrics(Accuracy, Accuracy)}, `metric "accuracy" is listed twice`},
		{"duplicate feature", Data{YTrue: []int{0, 1}, YPred: []int{0, 1}, Sensitive: append(g(2), g(2)...)}, nil, `feature name "g" is used twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := NewFrame(context.Background(), &c.data, c.opts...)
			if err == nil {
				t.Fatalf("no error; frame %v", f)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "fairness: ") {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	empty := Data{YTrue: []int{}, YPred: []int{}, Sensitive: g(0)}
	if _, err := NewFrame(context.Background(), &empty); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty input error %v is not ErrEmptyInput", err)
	}
}

func TestPrivilegedErrors(t *testing.T) {
	d := synth(200, 9, false)
	f, err := NewFrame(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		priv map[string]string
		want string
	}{
		{map[string]string{"age": "old"}, `feature "age", which is not a sensitive feature`},
		{nil, "no privileged group declared"},
	} {
		if _, err := f.Privileged(c.priv); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Privileged(%v) error %v, want %q", c.priv, err, c.want)
		}
	}
	// An absent level or an empty side is undefined, not an error: see
	// TestPrivilegedAbsentLevel.
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewFrame(ctx, synth(10, 1, false)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}
