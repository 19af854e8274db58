package drift

import (
	"math"
	"strings"
	"testing"
)

// TestBadInputGetsClearErrors: inputs that gave NaN, a silently disabled
// alarm or a panic now give an error saying what is wrong.
func TestBadInputGetsClearErrors(t *testing.T) {
	ref := []string{"a", "b", "a", "c", "b", "a"}
	cur := []string{"a", "c", "c", "c", "b", "c"}
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	ys := []float64{2, 3, 4, 5, 6, 7, 8, 9}
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"Anderson–Darling with one sample per side", func() error { _, err := AndersonDarling(0.05, []float64{1}, []float64{2}); return err }, "at least 4 observations"},
		{"Anderson–Darling NaN threshold", func() error { _, err := AndersonDarling(math.NaN(), xs, ys); return err }, "not a finite number"},
		{"Jensen–Shannon NaN threshold", func() error { _, err := CategoricalJensenShannon(ref, cur, math.NaN(), false); return err }, "not a finite number"},
		{"PSI negative threshold", func() error { _, err := CategoricalPSI(ref, cur, -1); return err }, "negative"},
		{"Cramér–von Mises p threshold 1.5", func() error { _, err := CramerVonMises(xs, ys, 1.5); return err }, "not in (0, 1)"},
		{"dataset drift NaN share", func() error {
			_, err := DatasetDrift(map[string]Result{"x": {Method: MethodKS, PValue: 0.01, HasPValue: true, Threshold: 0.05}}, math.NaN(), CorrectionNone)
			return err
		}, "share threshold"},
		{"profile of ±1e308", func() error { _, err := NewNumericProfile("x", []float64{1e308, -1e308, 1e308, -1e308}); return err }, "spread too widely"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
	// Large values that do fit: their plain sum would overflow, the
	// scaled one does not.
	p, err := NewNumericProfile("x", []float64{1e308, 1e308, 1e308})
	if err != nil || p.Mean != 1e308 || p.M2 != 0 {
		t.Fatalf("profile of 1e308 three times: %+v %v", p, err)
	}
}
