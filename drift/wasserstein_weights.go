package drift

import (
	"fmt"
	"math"
	"sort"
)

// WithWeights weighs the observations of [Wasserstein]: refWeights[i] is
// the weight of reference[i], curWeights[j] that of current[j], as
// scipy.stats.wasserstein_distance's u_weights and v_weights. Each side's
// weights must have its sample's length, be finite and not negative, and
// not all be zero; nil leaves that side unweighted. Only Wasserstein
// takes weights: the normed score's scale (the reference's standard
// deviation) has no weighted counterpart in Evidently.
func WithWeights(refWeights, curWeights []float64) WassersteinOption {
	return wassersteinOptionFunc(func(c *wassersteinConfig) {
		for _, side := range []struct {
			name string
			w    []float64
		}{{"reference", refWeights}, {"current", curWeights}} {
			if err := checkWeights(side.name, side.w); err != nil {
				c.errs = append(c.errs, err)
			}
		}
		c.refWeights, c.curWeights, c.weighted = refWeights, curWeights, true
	})
}

// checkWeights rejects non-finite, negative and all-zero weights.
func checkWeights(side string, w []float64) error {
	if w == nil {
		return nil
	}
	var sum float64
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("drift: WithWeights: %s weight %d is %v; weights must be finite and not negative", side, i, v)
		}
		sum += v
	}
	if sum == 0 || math.IsInf(sum, 0) {
		return fmt.Errorf("drift: WithWeights: %s weights sum to %v; they must sum to a positive finite number", side, sum)
	}
	return nil
}

// weightedSample is a sample sorted by value with the weight of each
// value, normalised to sum to one.
type weightedSample struct {
	v, w []float64
}

// sortWeighted sorts x with its weights (unit weights when w is nil).
func sortWeighted(x, w []float64) weightedSample {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	s := weightedSample{v: make([]float64, len(x)), w: make([]float64, len(x))}
	var total neumaier
	for k, i := range idx {
		s.v[k] = x[i]
		s.w[k] = 1
		if w != nil {
			s.w[k] = w[i]
		}
		total.add(s.w[k])
	}
	t := total.sum()
	for k := range s.w {
		s.w[k] /= t
	}
	return s
}

// wassersteinWeighted integrates |F_r − F_c| between consecutive values of
// the merged samples, the CDFs being cumulative normalised weights, as
// scipy's _cdf_distance with p = 1.
func wassersteinWeighted(r, c weightedSample) float64 {
	i, j := 0, 0
	var fr, fc neumaier
	var prev float64
	first := true
	var acc neumaier
	for i < len(r.v) || j < len(c.v) {
		var v float64
		if j >= len(c.v) || (i < len(r.v) && r.v[i] <= c.v[j]) {
			v = r.v[i]
		} else {
			v = c.v[j]
		}
		if !first && v != prev {
			acc.add(math.Abs(fr.sum()-fc.sum()) * (v - prev))
		}
		for i < len(r.v) && r.v[i] == v {
			fr.add(r.w[i])
			i++
		}
		for j < len(c.v) && c.v[j] == v {
			fc.add(c.w[j])
			j++
		}
		prev, first = v, false
	}
	return acc.sum()
}
