package drift

import (
	"math"
	"math/rand/v2"
	"testing"
)

// pyRandomFloat is CPython's random() on top of pyRandom: 53 bits from two
// outputs, (a>>5 * 2^26 + b>>6) / 2^53.
func pyRandomFloat(r *pyRandom) float64 {
	a, b := r.uint32()>>5, r.uint32()>>6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}

// pyChoices is CPython's choices(population, k=k) without weights:
// population[floor(random() * n)] k times.
func pyChoices(r *pyRandom, population []float64, k int) []float64 {
	out := make([]float64, k)
	for i := range out {
		out[i] = population[int(math.Floor(pyRandomFloat(r)*float64(len(population))))]
	}
	return out
}

// TestKSWINRiverDocstring is the example of river's KSWIN docstring:
// rng = random.Random(12345); rng.choices([0, 1], k=1000) +
// rng.choices(range(4, 8), k=1000) through KSWIN(alpha=0.0001, seed=42)
// detects drift at index 1016 only, on input value 6.
func TestKSWINRiverDocstring(t *testing.T) {
	var r pyRandom
	r.seed(12345)
	stream := append(pyChoices(&r, []float64{0, 1}, 1000), pyChoices(&r, []float64{4, 5, 6, 7}, 1000)...)
	cfg := DefaultKSWIN()
	cfg.Alpha, cfg.Seed = 0.0001, 42
	k, err := NewKSWIN(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for i, x := range stream {
		if k.Update(x) == SignalDrift {
			got = append(got, i)
		}
	}
	if len(got) != 1 || got[0] != 1016 || stream[1016] != 6 {
		t.Errorf("drift at %v, river's docstring: 1016 (value 6)", got)
	}
}

// The default configuration samples by the pool method; a window whose
// older part exceeds random.sample's set size uses the set method, with its
// own scratch space: neither allocates.
func TestKSWINSetPathDoesNotAllocate(t *testing.T) {
	cfg := DefaultKSWIN()
	cfg.WindowSize = 1000
	k, err := NewKSWIN(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if k.seen == nil || k.pool != nil {
		t.Fatal("window 1000, stat 30: want the set-based sampling")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	if a := testing.AllocsPerRun(5000, func() { k.Update(rng.NormFloat64()) }); a != 0 {
		t.Errorf("Update allocates %.2f times per call", a)
	}
}
