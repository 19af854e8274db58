package drift

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRadixSortMatchesSlicesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(77, 78))
	gens := map[string]func() float64{
		"normal":   func() float64 { return rng.NormFloat64() * 1e3 },
		"ties":     func() float64 { return float64(rng.IntN(7)) - 3 },
		"wide":     func() float64 { return math.Ldexp(rng.Float64()-0.5, rng.IntN(600)-300) },
		"constant": func() float64 { return 2.5 },
		"outlier": func() float64 {
			if rng.IntN(5000) == 0 {
				return 1e12
			}
			return rng.Float64()
		},
		"exponential": func() float64 { return rng.ExpFloat64() },
		"infinities": func() float64 {
			return []float64{math.Inf(1), math.Inf(-1), rng.NormFloat64()}[rng.IntN(3)]
		},
		"signs": func() float64 {
			return []float64{0, math.Copysign(0, -1), 1e-310, -1e-310, math.MaxFloat64, -math.MaxFloat64}[rng.IntN(6)]
		},
	}
	for name, g := range gens {
		for _, n := range []int{radixMinLen - 1, radixMinLen, 5000, bucketMinLen, 100000, 300001} {
			x := make([]float64, n)
			for i := range x {
				x[i] = g()
			}
			want := append([]float64(nil), x...)
			slices.Sort(want)
			got := sortedCopy(x)
			in := append([]float64(nil), x...)
			sortFloats(in)
			for i := range want {
				if got[i] != want[i] || in[i] != want[i] {
					t.Fatalf("%s n=%d: index %d: sortedCopy %v, sortFloats %v, want %v", name, n, i, got[i], in[i], want[i])
				}
			}
		}
	}
}
