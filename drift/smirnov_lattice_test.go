package drift

import (
	"math"
	"testing"
)

// TestSmirnovAtLatticePoints checks the one-sided Smirnov tail and the
// two-sided Kolmogorov tail where n·x is an integer, the points at which a
// two-sample KS statistic lands on the effective sample size's lattice
// (e.g. 12 vs 6 values: en = 4, D = 1/2). Expected values from scipy 1.10.1:
//
//	special.smirnov(n, x), stats.kstwo.sf(x, n)
//
// and, for the KS row, stats.ks_2samp(np.arange(12.), np.arange(6.)+6,
// method="asymp"). A Monte Carlo run of 2·10⁶ uniform samples of size 4
// gives P(D₄ > 1/2) = 0.1876, confirming 0.1875.
func TestSmirnovAtLatticePoints(t *testing.T) {
	for _, c := range []struct {
		n             int
		x, smir, kolm float64
	}{
		{4, 0.5, 0.09375, 0.1875},
		{6, 0.5, 0.03279320987654321, 0.06558641975308642},
		{8, 0.25, 0.3147287368774414, 0.6134090423583984},
		{8, 0.625, 0.0007546544075012207, 0.0015093088150024414},
		{12, 0.75, 8.51447338896336e-08, 1.702894677792672e-07},
		{16, 0.125, 0.5606167272301636, 0.9373548928544991},
		{1000, 0.5, 5.32258645778891e-232, 1.064517291557782e-231},
		{2000, 0.25, 6.3758485238357884e-111, 1.2751697047671577e-110},
	} {
		if got := smirnovSF(c.n, c.x); math.Abs(got-c.smir) > 1e-9*c.smir {
			t.Errorf("smirnovSF(%d, %v) = %v, scipy %v", c.n, c.x, got, c.smir)
		}
		if got := kolmogornSF(c.n, c.x); math.Abs(got-c.kolm) > 1e-9*c.kolm {
			t.Errorf("kolmogornSF(%d, %v) = %v, scipy %v", c.n, c.x, got, c.kolm)
		}
	}
	ref := make([]float64, 12)
	cur := make([]float64, 6)
	for i := range ref {
		ref[i] = float64(i)
	}
	for i := range cur {
		cur[i] = float64(i + 6)
	}
	r, err := KS(ref, cur, WithKSMethod(KSAsymp))
	if err != nil {
		t.Fatal(err)
	}
	if r.Statistic != 0.5 || math.Abs(r.PValue-0.1875) > 1e-12 {
		t.Errorf("KS asymp 12 vs 6: D=%v p=%v, scipy D=0.5 p=0.1875", r.Statistic, r.PValue)
	}
}
