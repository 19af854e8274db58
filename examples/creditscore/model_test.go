package main

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestROCAUCIsTheMannWhitneyStatistic checks the gonum-based AUC against
// its definition: the share of (positive, negative) pairs the model ranks
// correctly, ties counting one half, on scores with many ties.
func TestROCAUCIsTheMannWhitneyStatistic(t *testing.T) {
	m := &logisticModel{mean: []float64{0}, std: []float64{1}, weights: []float64{1}}
	r := rand.New(rand.NewPCG(1, 2))
	var xs [][]float64
	var ys []bool
	for i := 0; i < 400; i++ {
		x := math.Round(r.NormFloat64() * 3) // few distinct values: ties
		xs = append(xs, []float64{x})
		ys = append(ys, r.Float64() < 1/(1+math.Exp(-x)))
	}
	wins, pairs := 0.0, 0.0
	for i := range xs {
		for j := range xs {
			if !ys[i] || ys[j] {
				continue
			}
			pairs++
			switch p, q := m.Score(xs[i]), m.Score(xs[j]); {
			case p > q:
				wins++
			case p == q:
				wins += 0.5
			}
		}
	}
	if got, want := rocAUC(m, xs, ys), wins/pairs; math.Abs(got-want) > 1e-12 {
		t.Errorf("AUC %v, Mann–Whitney %v", got, want)
	}
}
