package fairness

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// synth makes a reproducible data set with two sensitive features.
func synth(n int, seed uint64, weighted bool) *Data {
	r := rand.New(rand.NewPCG(seed, 7))
	sex := make([]string, n)
	race := make([]string, n)
	d := &Data{YTrue: make([]int, n), YPred: make([]int, n), YScore: make([]float64, n)}
	if weighted {
		d.SampleWeight = make([]float64, n)
	}
	for i := range n {
		sex[i] = []string{"F", "M"}[r.IntN(2)]
		race[i] = []string{"A", "B", "C"}[r.IntN(3)]
		p := 0.4
		if sex[i] == "M" {
			p = 0.55
		}
		if r.Float64() < p {
			d.YTrue[i] = 1
		}
		z := 1.2*float64(2*d.YTrue[i]-1) + r.NormFloat64()
		if race[i] == "C" {
			z -= 0.4
		}
		d.YScore[i] = 1 / (1 + math.Exp(-z))
		if d.YScore[i] >= 0.5 {
			d.YPred[i] = 1
		}
		if weighted {
			d.SampleWeight[i] = 0.25 + 2*r.Float64()
		}
	}
	d.Sensitive = []Feature{NewFeature("sex", sex), NewFeature("race", race)}
	return d
}

// naiveGroup filters the rows of a group one by one: an independent path
// to the same numbers.
func naiveGroup(d *Data, sex, race string) (tp, fp, fn, tn, w, ws, br float64, n int) {
	for i := range d.YTrue {
		if d.Sensitive[0].Levels[d.Sensitive[0].Codes[i]] != sex || d.Sensitive[1].Levels[d.Sensitive[1].Codes[i]] != race {
			continue
		}
		x := 1.0
		if d.SampleWeight != nil {
			x = d.SampleWeight[i]
		}
		n++
		w += x
		ws += x * d.YScore[i]
		br += x * (d.YScore[i] - float64(d.YTrue[i])) * (d.YScore[i] - float64(d.YTrue[i]))
		switch {
		case d.YTrue[i] == 1 && d.YPred[i] == 1:
			tp += x
		case d.YTrue[i] == 0 && d.YPred[i] == 1:
			fp += x
		case d.YTrue[i] == 1:
			fn += x
		default:
			tn += x
		}
	}
	return
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestFrameMetricsAgainstNaive(t *testing.T) {
	for _, weighted := range []bool{false, true} {
		d := synth(3000, 1, weighted)
		f, err := NewFrame(context.Background(), d, WithMetrics(append(Metrics(), MeanScore, BrierScore, ExpectedCalibrationError, ROCAUC)...))
		if err != nil {
			t.Fatal(err)
		}
		groups, err := f.ByGroup()
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 6 {
			t.Fatalf("groups: %d, want 6", len(groups))
		}
		for _, g := range groups {
			tp, fp, fn, tn, w, ws, br, n := naiveGroup(d, g.Group[0], g.Group[1])
			want := []struct {
				m Metric
				x float64
			}{
				{Count, float64(n)},
				{SelectionRate, (tp + fp) / w},
				{TruePositiveRate, tp / (tp + fn)},
				{FalsePositiveRate, fp / (fp + tn)},
				{FalseNegativeRate, fn / (tp + fn)},
				{TrueNegativeRate, tn / (fp + tn)},
				{Precision, tp / (tp + fp)},
				{NegativePredictiveValue, tn / (tn + fn)},
				{FalseDiscoveryRate, fp / (tp + fp)},
				{FalseOmissionRate, fn / (tn + fn)},
				{Accuracy, (tp + tn) / w},
				{BalancedAccuracy, (tp/(tp+fn) + tn/(fp+tn)) / 2},
				{MeanPrediction, (tp + fp) / w},
				{MeanScore, ws / w},
				{BrierScore, br / w},
			}
			for _, w := range want {
				m, x := w.m, w.x
				v, err := g.Value(m)
				if err != nil {
					t.Fatal(err)
				}
				if !near(v.Value, x) || !v.Defined {
					t.Errorf("weighted=%v %v %s: got %v (defined %v), want %v", weighted, g.Group, m, v.Value, v.Defined, x)
				}
			}
			// ECE from the reliability table must match its definition.
			rel := g.Reliability(ExpectedCalibrationError)
			if len(rel) != 10 {
				t.Fatalf("reliability bins: %d", len(rel))
			}
			var ece, tot float64
			var rows int64
			for _, b := range rel {
				tot += b.Weight
				rows += b.N
			}
			for _, b := range rel {
				if b.Weight > 0 {
					ece += b.Weight / tot * math.Abs(b.MeanScore-b.FractionPositive)
				}
			}
			v, _ := g.Value(ExpectedCalibrationError)
			if !near(v.Value, ece) || rows != int64(n) {
				t.Errorf("ECE %v vs %v, rows %d vs %d", v.Value, ece, rows, n)
			}
			auc, _ := g.Value(ROCAUC)
			if want := naiveAUC(d, g.Group[0], g.Group[1]); math.Abs(auc.Value-want) > 1e-12 {
				t.Errorf("AUC %v, pairwise %v", auc.Value, want)
			}
		}
	}
}

// naiveAUC is the Mann–Whitney statistic over all positive/negative pairs
// (ties count one half), weighted by w_i·w_j.
func naiveAUC(d *Data, sex, race string) float64 {
	var num, den float64
	for i := range d.YTrue {
		if d.Sensitive[0].Levels[d.Sensitive[0].Codes[i]] != sex || d.Sensitive[1].Levels[d.Sensitive[1].Codes[i]] != race || d.YTrue[i] != 1 {
			continue
		}
		for j := range d.YTrue {
			if d.Sensitive[0].Levels[d.Sensitive[0].Codes[j]] != sex || d.Sensitive[1].Levels[d.Sensitive[1].Codes[j]] != race || d.YTrue[j] != 0 {
				continue
			}
			w := 1.0
			if d.SampleWeight != nil {
				w = d.SampleWeight[i] * d.SampleWeight[j]
			}
			den += w
			switch {
			case d.YScore[i] > d.YScore[j]:
				num += w
			case d.YScore[i] == d.YScore[j]:
				num += w / 2
			}
		}
	}
	return num / den
}

func TestUndefinedAndEmpty(t *testing.T) {
	// Group B has no positive labels; the combination (M, B) is empty.
	d := &Data{
		YTrue:     []int{1, 0, 0, 0, 1, 0},
		YPred:     []int{1, 1, 0, 0, 0, 0},
		Sensitive: []Feature{NewFeature("sex", []string{"F", "F", "F", "M", "M", "F"}), NewFeature("race", []string{"A", "A", "B", "A", "A", "B"})},
	}
	f, err := NewFrame(context.Background(), d, WithMinGroupSize(3))
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := f.ByGroup()
	byKey := map[string]*Cell{}
	for i := range groups {
		byKey[strings.Join(groups[i].Group, ",")] = &groups[i]
	}
	fb := byKey["F,B"]
	v, _ := fb.Value(TruePositiveRate)
	if v.Value != 0 || v.Defined || v.Empty || !v.Small {
		t.Errorf("TPR of F,B = %+v; want 0, undefined, small", v)
	}
	v, _ = fb.Value(BalancedAccuracy)
	if v.Value != 1 || v.Defined {
		t.Errorf("balanced accuracy with one class = %+v, want TNR 1 flagged undefined", v)
	}
	mb := byKey["M,B"]
	v, _ = mb.Value(SelectionRate)
	if !math.IsNaN(v.Value) || !v.Empty || v.Defined {
		t.Errorf("empty intersection = %+v; want NaN, empty", v)
	}
	if ok, err := f.PassesFourFifths(); err != nil || ok {
		t.Errorf("four-fifths verdict %v (%v) for selection rates 1, 0, 0", ok, err)
	}
	// group_min skips NaN groups.
	lo, _ := f.GroupMin(Count)
	if lo != 2 {
		t.Errorf("min count = %v, want 2 (empty group skipped)", lo)
	}
}

func TestZeroWeightGroup(t *testing.T) {
	d := &Data{
		YTrue:        []int{1, 0, 1, 0},
		YPred:        []int{1, 0, 0, 1},
		SampleWeight: []float64{1, 2, 0, 0},
		Sensitive:    []Feature{NewFeature("g", []string{"a", "a", "b", "b"})},
	}
	f, err := NewFrame(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Err(Accuracy); err == nil || !errors.Is(err, errZeroWeight) {
		t.Errorf("accuracy with a zero-weight group: err = %v", err)
	}
	if f.Err(SelectionRate) != nil {
		t.Error("selection rate must not fail")
	}
	groups, _ := f.ByGroup()
	v, _ := groups[1].Value(SelectionRate)
	if !math.IsNaN(v.Value) || v.Defined {
		t.Errorf("selection rate of zero-weight group = %+v, want NaN", v)
	}
	v, _ = groups[1].Value(TruePositiveRate)
	if v.Value != 0 || v.Defined {
		t.Errorf("TPR of zero-weight group = %+v, want 0 undefined", v)
	}
}

func TestPosLabel(t *testing.T) {
	d := &Data{
		YTrue:     []int{2, 5, 2, 5},
		YPred:     []int{2, 2, 5, 5},
		Sensitive: []Feature{NewFeature("g", []string{"a", "a", "b", "b"})},
	}
	f, err := NewFrame(context.Background(), d, WithPosLabel(2))
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := f.ByGroup()
	v, _ := groups[0].Value(SelectionRate)
	if v.Value != 1 {
		t.Errorf("selection rate of a = %v, want 1", v.Value)
	}
	v, _ = groups[1].Value(TruePositiveRate)
	if v.Value != 0 || !v.Defined {
		t.Errorf("TPR of b = %+v, want 0 defined", v)
	}
}

func TestUserMetrics(t *testing.T) {
	d := synth(500, 3, false)
	positives := CountsMetric("positives", func(c Counts) (float64, bool) { return c.Positives(), true })
	maxScore := RowsMetric("max_score", func(r Rows) (float64, error) {
		m := math.Inf(-1)
		for _, i := range r.Index {
			m = math.Max(m, r.Data.YScore[i])
		}
		return m, nil
	})
	failing := RowsMetric("failing", func(r Rows) (float64, error) { return 0, errors.New("boom") })
	f, err := NewFrame(context.Background(), d, WithMetrics(positives, maxScore, failing))
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := f.ByGroup()
	var overallMax float64
	for _, g := range groups {
		tp, _, fn, _, _, _, _, _ := naiveGroup(d, g.Group[0], g.Group[1])
		v, _ := g.Value(positives)
		if v.Value != tp+fn {
			t.Errorf("positives %v, want %v", v.Value, tp+fn)
		}
		m, _ := g.Value(maxScore)
		overallMax = math.Max(overallMax, m.Value)
	}
	ov, err := f.Overall(maxScore)
	if err != nil || ov.Value != overallMax {
		t.Errorf("overall max score %v (%v), want %v", ov.Value, err, overallMax)
	}
	if err := f.Err(failing); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing metric error = %v", err)
	}
}

func TestROCAUCSingleClassIsError(t *testing.T) {
	d := &Data{
		YTrue:     []int{1, 0, 1, 1},
		YPred:     []int{1, 0, 1, 1},
		YScore:    []float64{0.9, 0.2, 0.8, 0.7},
		Sensitive: []Feature{NewFeature("g", []string{"a", "a", "b", "b"})},
	}
	f, err := NewFrame(context.Background(), d, WithMetrics(ROCAUC, SelectionRate))
	if err != nil {
		t.Fatal(err)
	}
	if f.Err(ROCAUC) == nil {
		t.Error("ROC AUC with a single-class group must be an error")
	}
	if _, err := f.Difference(ROCAUC, BetweenGroups); err == nil {
		t.Error("difference of an errored metric must fail")
	}
}

func TestRenderings(t *testing.T) {
	d := synth(400, 5, true)
	d.Control = []Feature{NewFeature("half", func() []string {
		out := make([]string, 400)
		for i := range out {
			out[i] = []string{"x", "y"}[i%2]
		}
		return out
	}())}
	f, err := NewFrame(context.Background(), d, WithMetrics(SelectionRate, TruePositiveRate, Count))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Strata []struct {
			Control map[string]string `json:"control"`
			ByGroup []struct {
				Group  map[string]string   `json:"group"`
				Values map[string]*float64 `json:"values"`
			} `json:"by_group"`
			Difference struct {
				BetweenGroups map[string]*float64 `json:"between_groups"`
			} `json:"difference"`
		} `json:"strata"`
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Strata) != 2 || len(back.Strata[0].ByGroup) != 6 {
		t.Fatalf("JSON shape: %s", raw)
	}
	s := f.Strata()[1]
	want, _ := s.Difference(SelectionRate, BetweenGroups)
	if got := back.Strata[1].Difference.BetweenGroups["selection_rate"]; got == nil || *got != want || back.Strata[1].Control["half"] != "y" {
		t.Errorf("JSON difference %v, want %v", got, want)
	}
	if _, err := f.Difference(SelectionRate, BetweenGroups); err == nil {
		t.Error("frame-level difference with control features must fail")
	}
	md := f.Markdown()
	for _, want := range []string{"#### half=x", "| sex | race | n | selection_rate | true_positive_rate |", "**ratio (to overall)**", "* fewer than 30 rows"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
