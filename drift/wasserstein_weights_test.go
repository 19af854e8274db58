package drift

import (
	"math"
	"strings"
	"testing"
)

// TestWeightedWassersteinVsScipy: values computed with
// scipy.stats.wasserstein_distance(u, v, u_weights, v_weights), scipy
// 1.10.1 (Debian), e.g.
//
//	/usr/bin/python3 -c "from scipy.stats import wasserstein_distance as w; print(repr(w([0,1,3],[5,6,8],[0.2,0.5,0.3],[1,2,3])))"
func TestWeightedWassersteinVsScipy(t *testing.T) {
	cases := []struct {
		u, v, uw, vw []float64
		want         float64
	}{
		{[]float64{0, 1, 3}, []float64{5, 6, 8}, []float64{1, 1, 1}, []float64{1, 1, 1}, 5.0},
		{[]float64{0, 1, 3}, []float64{5, 6, 8}, []float64{0.2, 0.5, 0.3}, []float64{1, 2, 3}, 5.433333333333333},
		{[]float64{3.4, 3.9, 7.5, 7.8}, []float64{4.5, 1.4}, []float64{1.4, 0.9, 3.1, 7.2}, []float64{3.2, 3.5}, 4.078133143804786},
		{[]float64{1, 1, 2, 2, 5}, []float64{1, 3, 3, 4}, []float64{0, 1, 2, 0, 4}, []float64{1, 0, 5, 2}, 1.2142857142857142},
	}
	for i, c := range cases {
		r, err := Wasserstein(c.u, c.v, WithWeights(c.uw, c.vw))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Statistic-c.want) > 1e-12 {
			t.Errorf("case %d: %v, scipy %v", i, r.Statistic, c.want)
		}
	}
	// Unit weights give the unweighted distance.
	u, v := []float64{0.5, 2, 2, 9, -1}, []float64{1, 1, 4}
	plain, _ := Wasserstein(u, v)
	weighted, _ := Wasserstein(u, v, WithWeights([]float64{1, 1, 1, 1, 1}, nil))
	if math.Abs(plain.Statistic-weighted.Statistic) > 1e-12 {
		t.Errorf("unit weights %v, unweighted %v", weighted.Statistic, plain.Statistic)
	}
}

// TestWeightedWassersteinBadWeights: weights that scipy would reject or
// that make the distance meaningless are errors.
func TestWeightedWassersteinBadWeights(t *testing.T) {
	u, v := []float64{1, 2, 3}, []float64{2, 3}
	for name, c := range map[string]struct {
		uw, vw []float64
		want   string
	}{
		"negative":   {[]float64{1, -1, 1}, nil, "not negative"},
		"NaN":        {nil, []float64{math.NaN(), 1}, "not negative"},
		"all zero":   {[]float64{0, 0, 0}, nil, "positive finite"},
		"wrong size": {[]float64{1, 1}, nil, "weights for samples"},
	} {
		if _, err := Wasserstein(u, v, WithWeights(c.uw, c.vw)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	if _, err := WassersteinNormed(u, v, WithWeights(nil, nil)); err == nil {
		t.Error("WassersteinNormed accepted weights")
	}
}
