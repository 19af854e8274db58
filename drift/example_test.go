package drift_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/aimskit/aimskit/drift"
)

func sample(seed uint64, n int, mean float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, seed))
	x := make([]float64, n)
	for i := range x {
		x[i] = mean + rng.NormFloat64()
	}
	return x
}

func ExampleKS() {
	reference := sample(1, 500, 0)
	current := sample(2, 400, 0.3)
	r, err := drift.KS(reference, current)
	if err != nil {
		panic(err)
	}
	fmt.Printf("D=%.4f p=%.2e method=%s drift=%v\n", r.Statistic, r.PValue, r.Detail, r.Drift)
	// Output:
	// D=0.1700 p=4.50e-06 method=exact drift=true
}

func ExamplePSI() {
	reference := sample(3, 5000, 0)
	same, _ := drift.PSI(reference, sample(4, 5000, 0))
	shifted, _ := drift.PSI(reference, sample(5, 5000, 0.5))
	fmt.Printf("same: %.3f drift=%v\nshifted: %.3f drift=%v (%s)\n", same.Statistic, same.Drift, shifted.Statistic, shifted.Drift, shifted.Detail)
	// Output:
	// same: 0.005 drift=false
	// shifted: 0.236 drift=true (sturges_equal_width_on_combined)
}

func ExampleAutoTest() {
	r, _ := drift.AutoTest(sample(6, 2000, 0), sample(7, 2000, 0.2))
	fmt.Printf("%s %.3f threshold %.1f drift=%v\n", r.Method, r.Score, r.Threshold, r.Drift)
	// Output:
	// wasserstein_normed 0.220 threshold 0.1 drift=true
}

func ExampleChiSquareGoF() {
	ref := []string{"a", "a", "b", "b", "c", "c"}
	cur := []string{"a", "b", "c", "d"} // "d" was never seen in the reference
	h, _ := drift.CategoricalHistogram(ref, cur)
	r, _ := drift.ChiSquareGoF(h, 0.05)
	fmt.Println(h.Categories, r.Statistic, r.PValue, r.Drift)
	// Output:
	// [a b c d] +Inf 0 true
}

func ExampleNewPageHinkley() {
	ph, _ := drift.NewPageHinkley(drift.DefaultPageHinkley())
	for i := 0; i < 2000; i++ {
		x := float64(i % 2) // mean 0.5 …
		if i >= 1000 {
			x += 5 // … then 5.5
		}
		if ph.Update(x) == drift.SignalDrift {
			fmt.Println("drift at", i)
			break
		}
	}
	// Output:
	// drift at 1009
}

func ExampleDatasetDrift() {
	results := map[string]drift.Result{}
	for i, mean := range []float64{0, 0, 0.4, 0.5} {
		r, _ := drift.KS(sample(uint64(10+i), 300, 0), sample(uint64(20+i), 300, mean))
		results[fmt.Sprintf("f%d", i)] = r.Result
	}
	ds, _ := drift.DatasetDrift(results, 0.5, drift.CorrectionBH)
	fmt.Printf("%d of %d drifted, dataset drift=%v\n", ds.Drifted, len(ds.Features), ds.Drift)
	// Output:
	// 2 of 4 drifted, dataset drift=true
}

func ExampleNewNumericProfile() {
	// Offline: build the profile from training data and ship it as JSON.
	p, _ := drift.NewNumericProfile("age", sample(30, 10000, 40))
	blob, _ := json.Marshal(p)

	// Online: load it once; each window costs O(m log n).
	var loaded drift.NumericProfile
	if err := json.Unmarshal(blob, &loaded); err != nil {
		panic(err)
	}
	r, _ := loaded.KS(sample(31, 1000, 40.2))
	fmt.Printf("D=%.3f drift=%v\n", r.Statistic, r.Drift)
	// Output:
	// D=0.094 drift=true
}

func ExampleNewMonitor() {
	age, _ := drift.NewNumericProfile("age", sample(40, 3000, 40))
	m, err := drift.NewMonitor(drift.Profiles{Numeric: []*drift.NumericProfile{age}}, drift.WithCountWindow(500))
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())
	for _, x := range sample(41, 500, 41) { // the population got a year older
		_ = m.Observe(map[string]float64{"age": x}, nil)
	}
	rep, _ := m.Evaluate(context.Background())
	f := rep.Features[0]
	fmt.Printf("%s: %s %.2f drift=%v, dataset drift=%v\n", f.Feature, f.Result.Method, f.Result.Score, f.Drift, rep.Dataset.Drift)
	// Output:
	// age: wasserstein_normed 1.00 drift=true, dataset drift=true
}

func ExampleNewADWIN() {
	a, _ := drift.NewADWIN(drift.DefaultADWIN())
	rng := rand.New(rand.NewPCG(50, 50))
	first := -1
	for i := 0; i < 4000; i++ {
		x := rng.NormFloat64()
		if i >= 2000 {
			x += 2 // the mean jumps from 0 to 2
		}
		if a.Update(x) == drift.SignalDrift && first < 0 {
			first = i
		}
	}
	fmt.Printf("first drift at %d; the window (restarted after it) now holds %d values with mean %.1f\n", first, a.Width(), a.Mean())
	// Output:
	// first drift at 2079; the window (restarted after it) now holds 1920 values with mean 2.0
}

func ExampleNewDDM() {
	d, _ := drift.NewDDM(drift.DefaultDDM())
	rng := rand.New(rand.NewPCG(51, 51))
	warned := false
	for i := 0; i < 3000; i++ {
		errRate := 0.1
		if i >= 1500 {
			errRate = 0.3 // the model starts making more mistakes
		}
		wrong := 0.0
		if rng.Float64() < errRate {
			wrong = 1
		}
		switch d.Update(wrong) {
		case drift.SignalWarning:
			if !warned && i >= 1500 {
				fmt.Println("warning at", i)
				warned = true
			}
		case drift.SignalDrift:
			if i >= 1500 {
				fmt.Println("drift at", i)
				return
			}
		}
	}
	// Output:
	// warning at 1535
	// drift at 1605
}

// Three replicas of a service each watch a third of the traffic, and on a
// small shift their verdicts disagree. The fleet has one verdict: their
// windows, merged, tested by the same monitor code as one replica's
// window, on all of the data.
func ExampleMonitor_EvaluateProfiles() {
	ref, _ := drift.NewNumericProfile("income", sample(1, 2000, 0))
	profiles := drift.Profiles{Numeric: []*drift.NumericProfile{ref}}
	var windows []drift.Profiles
	// KS, whose p-value reflects how much data the window holds.
	ks := drift.WithNumericTest(func(p *drift.NumericProfile, cur []float64) (drift.Result, error) {
		r, err := p.KS(cur)
		return r.Result, err
	})
	for r, current := range [][]float64{sample(5, 150, 0.15), sample(6, 150, 0.15), sample(7, 150, 0.15)} {
		replica, _ := drift.NewMonitor(profiles, drift.WithCountWindow(200), drift.WithMinObservations(100), ks)
		for _, x := range current {
			_ = replica.ObserveNumeric("income", x)
		}
		w, _ := replica.WindowProfiles() // or the replica's aims.drift.window events (WithWindowExport)
		windows = append(windows, w)
		own, _ := replica.Evaluate(context.Background())
		fmt.Printf("replica %d alone: %d values, p=%.3f, drift %v\n", r+1, own.Features[0].Observations, own.Features[0].Result.PValue, own.Features[0].Drift)
		_ = replica.Close(context.Background())
	}
	fleet, _ := drift.MergeProfiles(windows...)
	judge, _ := drift.NewMonitor(profiles, drift.WithCountWindow(200), drift.WithMinObservations(100), ks)
	defer judge.Close(context.Background())
	rep, _ := judge.EvaluateProfiles(context.Background(), fleet)
	f := rep.Features[0]
	fmt.Printf("fleet: %d values, p=%.4f, drift %v\n", f.Observations, f.Result.PValue, f.Drift)
	// Output:
	// replica 1 alone: 150 values, p=0.444, drift false
	// replica 2 alone: 150 values, p=0.007, drift true
	// replica 3 alone: 150 values, p=0.224, drift false
	// fleet: 450 values, p=0.0271, drift true
}
