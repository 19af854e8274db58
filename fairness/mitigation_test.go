package fairness

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// biased makes a data set where group B has a lower base rate and its
// scores are shifted down, so a single threshold is unfair to B.
func biased(n int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 99))
	g := make([]string, n)
	d := &Data{YTrue: make([]int, n), YPred: make([]int, n), YScore: make([]float64, n)}
	for i := range n {
		base, shift := 0.5, 0.3
		g[i] = "A"
		if r.IntN(3) == 0 {
			g[i], base, shift = "B", 0.3, -0.6
		}
		if r.Float64() < base {
			d.YTrue[i] = 1
		}
		z := shift + 1.3*float64(2*d.YTrue[i]-1) + r.NormFloat64()
		d.YScore[i] = 1 / (1 + math.Exp(-z))
		if d.YScore[i] >= 0.5 {
			d.YPred[i] = 1
		}
	}
	d.Sensitive = []Feature{NewFeature("g", g)}
	return d
}

// expectedRates applies a fitted optimizer to held-out data and returns the
// expected selection rate, TPR and FPR per group (using P(ŷ=1) instead of
// sampled decisions, so the only noise is the sample itself).
func expectedRates(t *testing.T, opt *ThresholdOptimizer, d *Data) (map[string][3]float64, float64) {
	sums := map[string][6]float64{} // sel, n, tp, p, fp, neg
	var correct float64
	f := d.Sensitive[0]
	for i := range d.YTrue {
		g := f.Levels[f.Codes[i]]
		p, err := opt.ProbPositive([]string{g}, d.YScore[i])
		if err != nil {
			t.Fatal(err)
		}
		s := sums[g]
		s[0] += p
		s[1]++
		if d.YTrue[i] == 1 {
			s[2] += p
			s[3]++
			correct += p
		} else {
			s[4] += p
			s[5]++
			correct += 1 - p
		}
		sums[g] = s
	}
	out := map[string][3]float64{}
	for g, s := range sums {
		out[g] = [3]float64{s[0] / s[1], s[2] / s[3], s[4] / s[5]}
	}
	return out, correct / float64(len(d.YTrue))
}

func TestThresholdOptimizerDemographicParityHoldsOnHeldOut(t *testing.T) {
	train, test := biased(20000, 1), biased(20000, 2)
	before, _ := NewFrame(context.Background(), test)
	dpBefore, _ := before.DemographicParityDifference(BetweenGroups)
	if dpBefore < 0.2 {
		t.Fatalf("test data not biased enough: DP difference %v", dpBefore)
	}
	opt, err := FitThresholdOptimizer(context.Background(), train, DemographicParityConstraint)
	if err != nil {
		t.Fatal(err)
	}
	pol := opt.Policies()
	if len(pol) != 2 || math.Abs(pol[0].SelectionRate-pol[1].SelectionRate) > 1e-9 {
		t.Fatalf("training selection rates differ: %+v", pol)
	}
	rates, acc := expectedRates(t, opt, test)
	t.Logf("held-out: DP difference %.4f (unmitigated %.4f), accuracy %.4f (training %.4f)", math.Abs(rates["A"][0]-rates["B"][0]), dpBefore, acc, opt.TrainingAccuracy())
	if d := math.Abs(rates["A"][0] - rates["B"][0]); d > 0.02 {
		t.Errorf("held-out DP difference %.4f (before %.4f); rates %v", d, dpBefore, rates)
	}
	if acc < 0.7 || math.Abs(acc-opt.TrainingAccuracy()) > 0.02 {
		t.Errorf("held-out accuracy %.4f, training %.4f", acc, opt.TrainingAccuracy())
	}
	// Sampled decisions agree with the probabilities.
	r := rand.New(rand.NewPCG(5, 5))
	var sel, n float64
	for i := range test.YTrue {
		if test.Sensitive[0].Levels[test.Sensitive[0].Codes[i]] != "B" {
			continue
		}
		y, err := opt.Predict(r, []string{"B"}, test.YScore[i])
		if err != nil {
			t.Fatal(err)
		}
		sel += float64(y)
		n++
	}
	if math.Abs(sel/n-rates["B"][0]) > 0.03 {
		t.Errorf("sampled selection rate %.4f vs expected %.4f", sel/n, rates["B"][0])
	}
}

func TestThresholdOptimizerEqualizedOddsHoldsOnHeldOut(t *testing.T) {
	train, test := biased(20000, 3), biased(20000, 4)
	before, _ := NewFrame(context.Background(), test)
	eoBefore, _ := before.EqualizedOddsDifference(BetweenGroups, WorstCase)
	if eoBefore < 0.15 {
		t.Fatalf("test data not biased enough: EO difference %v", eoBefore)
	}
	opt, err := FitThresholdOptimizer(context.Background(), train, EqualizedOddsConstraint)
	if err != nil {
		t.Fatal(err)
	}
	pol := opt.Policies()
	if math.Abs(pol[0].TruePositiveRate-pol[1].TruePositiveRate) > 1e-9 || math.Abs(pol[0].FalsePositiveRate-pol[1].FalsePositiveRate) > 1e-9 {
		t.Fatalf("training TPR/FPR differ: %+v", pol)
	}
	rates, acc := expectedRates(t, opt, test)
	t.Logf("held-out: TPR difference %.4f, FPR difference %.4f (unmitigated EO %.4f), accuracy %.4f", math.Abs(rates["A"][1]-rates["B"][1]), math.Abs(rates["A"][2]-rates["B"][2]), eoBefore, acc)
	if d := math.Abs(rates["A"][1] - rates["B"][1]); d > 0.03 {
		t.Errorf("held-out TPR difference %.4f; rates %v", d, rates)
	}
	if d := math.Abs(rates["A"][2] - rates["B"][2]); d > 0.03 {
		t.Errorf("held-out FPR difference %.4f; rates %v", d, rates)
	}
	if acc < 0.7 {
		t.Errorf("held-out accuracy %.4f", acc)
	}
	if _, err := opt.ProbPositive([]string{"C"}, 0.5); err == nil {
		t.Error("unknown group accepted")
	}
}

func TestThresholdOptimizerErrors(t *testing.T) {
	d := &Data{YTrue: []int{1, 1, 0}, YScore: []float64{0.9, 0.8, 0.1}, Sensitive: []Feature{NewFeature("g", []string{"a", "b", "a"})}}
	if _, err := FitThresholdOptimizer(context.Background(), d, EqualizedOddsConstraint); err == nil {
		t.Error("group without negatives accepted for equalized odds")
	}
	if _, err := FitThresholdOptimizer(context.Background(), d, DemographicParityConstraint); err != nil {
		t.Errorf("demographic parity: %v", err)
	}
	d.YScore[1] = math.NaN()
	if _, err := FitThresholdOptimizer(context.Background(), d, DemographicParityConstraint); err == nil {
		t.Error("NaN score accepted")
	}
}

func TestReweighing(t *testing.T) {
	// Hand-checkable: group a has labels 1,1,1,0 and group b 1,0,0,0.
	// P(a)=P(b)=1/2, P(1)=P(0)=1/2; P(a,1)=3/8 → factor (1/4)/(3/8)=2/3,
	// P(a,0)=1/8 → 2, and symmetrically for b.
	d := &Data{YTrue: []int{1, 1, 1, 0, 1, 0, 0, 0}, Sensitive: []Feature{NewFeature("g", []string{"a", "a", "a", "a", "b", "b", "b", "b"})}}
	rw, err := Reweigh(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2.0 / 3, 2.0 / 3, 2.0 / 3, 2, 2, 2.0 / 3, 2.0 / 3, 2.0 / 3}
	for i, w := range want {
		if math.Abs(rw.Weights[i]-w) > 1e-15 {
			t.Errorf("weight %d = %v, want %v", i, rw.Weights[i], w)
		}
	}
	if len(rw.Factors) != 4 {
		t.Errorf("factors %+v", rw.Factors)
	}

	// On biased weighted data the reweighed label rate is equal across
	// intersectional groups, and the total weight is preserved.
	b := synth(5000, 21, true)
	rw, err = Reweigh(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	var before, after float64
	for i := range b.SampleWeight {
		before += b.SampleWeight[i]
		after += rw.Weights[i]
	}
	if math.Abs(before-after) > 1e-9*before {
		t.Errorf("total weight %v → %v", before, after)
	}
	labels := &Data{YTrue: b.YTrue, YPred: b.YTrue, SampleWeight: rw.Weights, Sensitive: b.Sensitive}
	f, err := NewFrame(context.Background(), labels)
	if err != nil {
		t.Fatal(err)
	}
	orig := &Data{YTrue: b.YTrue, YPred: b.YTrue, SampleWeight: b.SampleWeight, Sensitive: b.Sensitive}
	f0, _ := NewFrame(context.Background(), orig)
	d0, _ := f0.DemographicParityDifference(BetweenGroups)
	d1, _ := f.DemographicParityDifference(BetweenGroups)
	if d1 > 1e-12 || d0 < 0.05 {
		t.Errorf("label-rate disparity before %v, after %v", d0, d1)
	}
	if _, err := Reweigh(context.Background(), &Data{Sensitive: b.Sensitive}); err == nil {
		t.Error("missing y_true accepted")
	}
}

// TestThresholdOptimizerVersusFairlearn fits on the data fairlearn 0.12's
// ThresholdOptimizer was run on (testdata/thresholds, made by
// testdata/gen/gen_threshold_optimizer.py). fairlearn searches a grid of
// 1000 points; this package searches hull vertices exactly, so its
// training accuracy must be at least fairlearn's (up to the grid step) and
// its constraint must hold exactly on the training data.
func TestThresholdOptimizerVersusFairlearn(t *testing.T) {
	raw, err := os.ReadFile("testdata/thresholds/fairlearn_threshold_optimizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		G []string
		Y []int
		S []float64
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	var peers map[string]json.RawMessage
	if err := json.Unmarshal(raw, &peers); err != nil {
		t.Fatal(err)
	}
	d := &Data{YTrue: ref.Y, YScore: ref.S, Sensitive: []Feature{NewFeature("g", ref.G)}}
	for _, c := range []Constraint{DemographicParityConstraint, EqualizedOddsConstraint} {
		var want struct {
			Acc float64            `json:"acc"`
			SR  map[string]float64 `json:"sr"`
			TPR map[string]float64 `json:"tpr"`
			FPR map[string]float64 `json:"fpr"`
		}
		if err := json.Unmarshal(peers[c.String()], &want); err != nil {
			t.Fatal(err)
		}
		opt, err := FitThresholdOptimizer(context.Background(), d, c)
		if err != nil {
			t.Fatal(err)
		}
		got := opt.TrainingAccuracy()
		t.Logf("%s: accuracy %.6f, fairlearn %.6f", c, got, want.Acc)
		if got < want.Acc-1e-3 || got > want.Acc+0.01 {
			t.Errorf("%s: training accuracy %.6f, fairlearn %.6f", c, got, want.Acc)
		}
		pol := opt.Policies()
		for _, p := range pol {
			g := p.Group[0]
			switch c {
			case DemographicParityConstraint:
				if math.Abs(p.SelectionRate-want.SR[g]) > 0.01 {
					t.Errorf("%s %s: selection rate %.4f, fairlearn %.4f", c, g, p.SelectionRate, want.SR[g])
				}
			case EqualizedOddsConstraint:
				if math.Abs(p.TruePositiveRate-want.TPR[g]) > 0.01 || math.Abs(p.FalsePositiveRate-want.FPR[g]) > 0.01 {
					t.Errorf("%s %s: TPR %.4f FPR %.4f, fairlearn %.4f %.4f", c, g, p.TruePositiveRate, p.FalsePositiveRate, want.TPR[g], want.FPR[g])
				}
			}
		}
		// Recompute the expected accuracy from the rules, independently of
		// the optimizer's bookkeeping.
		var correct float64
		for i, y := range ref.Y {
			p, _ := opt.ProbPositive([]string{ref.G[i]}, ref.S[i])
			if y == 1 {
				correct += p
			} else {
				correct += 1 - p
			}
		}
		if acc := correct / float64(len(ref.Y)); math.Abs(acc-got) > 1e-9 {
			t.Errorf("%s: accuracy from rules %.9f, reported %.9f", c, acc, got)
		}
	}
}
