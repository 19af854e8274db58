package drift

import (
	"fmt"
	"math"
	"testing"
)

// Histogram's fields are exported (and JSON-tagged), so a caller can hand
// the histogram tests one that no binning produced. Each test must refuse
// an inconsistent histogram with an error: not panic, not return NaN,
// and not turn negative or wrapped counts into a "no drift" verdict.
func TestHistogramTestsRefuseInconsistentHistograms(t *testing.T) {
	bad := map[string]Histogram{
		"lengths differ":          {RefCounts: []int{1, 2}, CurCounts: []int{1}, NRef: 3, NCur: 1},
		"negative count":          {RefCounts: []int{-1, 2}, CurCounts: []int{1, 1}, NRef: 1, NCur: 2},
		"all zero":                {RefCounts: []int{0, 0}, CurCounts: []int{0, 0}},
		"sizes are not the sums":  {RefCounts: []int{1, 2}, CurCounts: []int{1, 1}, NRef: 7, NCur: 2},
		"sum wraps around int":    {RefCounts: []int{math.MaxInt, math.MaxInt}, CurCounts: []int{1, 1}, NRef: -2, NCur: 2},
		"edges do not match bins": {Kind: BinningSturges, Edges: []float64{0, 1}, RefCounts: []int{1, 2}, CurCounts: []int{1, 1}, NRef: 3, NCur: 2},
	}
	tests := map[string]func(Histogram) (Result, error){
		"PSIFromHistogram": func(h Histogram) (Result, error) { return PSIFromHistogram(h, 0.1) },
		"KLFromHistogram":  func(h Histogram) (Result, error) { return KLFromHistogram(h, 0.1) },
		"JSFromHistogram":  func(h Histogram) (Result, error) { return JSFromHistogram(h, 0.1, false) },
		"ChiSquareGoF":     func(h Histogram) (Result, error) { return ChiSquareGoF(h, 0.05) },
		"ZTestProportions": func(h Histogram) (Result, error) { return ZTestProportions(h, 0.05) },
		"ChiSquareContingency": func(h Histogram) (Result, error) {
			r, err := ChiSquareContingency(h, 0.05)
			return r.Result, err
		},
	}
	for hn, h := range bad {
		if err := h.Validate(); err == nil {
			t.Errorf("%s: Validate = nil, want an error", hn)
		}
		for tn, test := range tests {
			var (
				r   Result
				err error
			)
			func() {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
						t.Errorf("%s(%s) panicked: %v", tn, hn, p)
					}
				}()
				r, err = test(h)
			}()
			if err == nil {
				t.Errorf("%s(%s) = %+v, want an error", tn, hn, r)
			}
		}
	}
	good := Histogram{Kind: BinningDistinct, Keys: []float64{1, 2}, RefCounts: []int{1, 2}, CurCounts: []int{2, 1}, NRef: 3, NCur: 3}
	if err := good.Validate(); err != nil {
		t.Errorf("a consistent histogram: Validate = %v", err)
	}
	for tn, test := range tests {
		if _, err := test(good); err != nil {
			t.Errorf("%s(consistent histogram): %v", tn, err)
		}
	}
	for _, th := range []float64{math.NaN(), math.Inf(1), -1} {
		if r, err := PSIFromHistogram(good, th); err == nil {
			t.Errorf("PSIFromHistogram(threshold %v) = %+v, want an error", th, r)
		}
		if r, err := KLFromHistogram(good, th); err == nil {
			t.Errorf("KLFromHistogram(threshold %v) = %+v, want an error", th, r)
		}
		if r, err := JSFromHistogram(good, th, true); err == nil {
			t.Errorf("JSFromHistogram(threshold %v) = %+v, want an error", th, r)
		}
	}
}
