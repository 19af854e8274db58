package explain

import (
	"fmt"
	"math"
)

// validateRow checks that x has d finite features.
func validateRow(x []float64, d int) error {
	if len(x) != d {
		return fmt.Errorf("explain: row has %d features, the background has %d", len(x), d)
	}
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("explain: feature %d of the row is %v; features must be finite", j, v)
		}
	}
	return nil
}

// prepareBackground validates the background matrix and returns weights
// normalised to sum to one.
func prepareBackground(bg Matrix, weights []float64) ([]float64, error) {
	if bg.Rows == 0 || len(bg.Data) == 0 {
		return nil, fmt.Errorf("explain: the background set is empty; at least one row is needed")
	}
	if err := bg.Validate(); err != nil {
		return nil, fmt.Errorf("explain: background: %w", err)
	}
	for i, v := range bg.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("explain: background row %d feature %d is %v; values must be finite", i/bg.Cols, i%bg.Cols, v)
		}
	}
	w := make([]float64, bg.Rows)
	if weights == nil {
		for i := range w {
			w[i] = 1 / float64(bg.Rows)
		}
		return w, nil
	}
	if len(weights) != bg.Rows {
		return nil, fmt.Errorf("explain: %d background weights for %d background rows", len(weights), bg.Rows)
	}
	largest := 0.0
	for i, v := range weights {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("explain: background weight %d is %v; weights must be finite and non-negative", i, v)
		}
		largest = math.Max(largest, v)
	}
	if largest == 0 {
		return nil, fmt.Errorf("explain: background weights sum to 0; they must sum to a positive number")
	}
	// Scale by the largest weight before summing, so that weights near
	// float64's limit do not overflow the total (which would turn every
	// normalised weight into 0) and subnormal ones keep their ratios.
	total := 0.0
	for i, v := range weights {
		w[i] = v / largest
		total += w[i]
	}
	for i := range w {
		w[i] /= total
	}
	return w, nil
}
