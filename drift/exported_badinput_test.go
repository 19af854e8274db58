package drift

import (
	"math"
	"testing"
)

// TestKSAsymptoticLimitPValueRefusesBadInput: the p-value of a distance
// that is NaN or outside [0, 1], or of an empty sample, is undefined; it
// must be an error, never a NaN or a p-value of 1 that reads as "no drift".
func TestKSAsymptoticLimitPValueRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		d      float64
		n1, n2 int
	}{
		{"NaN distance", math.NaN(), 10, 10},
		{"negative distance", -0.5, 10, 10},
		{"distance above 1", 1.5, 10, 10},
		{"infinite distance", math.Inf(1), 10, 10},
		{"empty reference", 0.5, 0, 10},
		{"negative size", 0.5, -3, 10},
		{"both empty", 0.5, 0, 0},
	} {
		if p, err := KSAsymptoticLimitPValue(tc.d, tc.n1, tc.n2); err == nil {
			t.Errorf("%s: p-value %v without an error", tc.name, p)
		}
	}
	// kstwobign.sf(sqrt(50)*0.2) = 2·Σ_k (-1)^(k-1) exp(-2k²·2) = 0.0366310527...
	p, err := KSAsymptoticLimitPValue(0.2, 100, 100)
	if err != nil || math.Abs(p-0.03663105270711942) > 1e-12 {
		t.Errorf("d=0.2, n=100/100: %v, %v", p, err)
	}
}

// TestEvidentlyZeroFillRefusesBadShares: a share that is NaN, infinite or
// negative is no share; the fill must refuse it rather than pass a NaN on
// (or, for a negative share, fill the zeros with a negative value whose
// logarithm is NaN in PSI and KL).
func TestEvidentlyZeroFillRefusesBadShares(t *testing.T) {
	for name, shares := range map[string][]float64{
		"NaN":      {0.5, math.NaN(), 0},
		"infinite": {math.Inf(1), 0},
		"negative": {-0.2, 1.2, 0},
	} {
		if out, err := EvidentlyZeroFill(shares); err == nil {
			t.Errorf("%s: filled %v without an error", name, out)
		}
	}
	out, err := EvidentlyZeroFill([]float64{0.5, 0.5, 0})
	if err != nil || len(out) != 3 || out[2] != 1e-4 {
		t.Errorf("valid shares: %v, %v", out, err)
	}
}
