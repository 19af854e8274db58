package explain

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// SummarizeBackground shrinks a large background set to k weighted rows by
// weighted k-means (k-means++ seeding, Arthur & Vassilvitskii 2007, then
// Lloyd iterations), like shap.kmeans: each centre's coordinates are then
// snapped to the nearest value that column takes in the data, so integer
// and one-hot columns keep valid values, and each centre is weighted by
// the total weight of its cluster. Pass the result to an explainer with
// [WithBackgroundWeights]. weights may be nil (uniform). The result is
// deterministic for a seed. Cost: O(iterations·n·k·d).
func SummarizeBackground(ctx context.Context, data Matrix, weights []float64, k int, seed uint64) (Matrix, []float64, error) {
	w, err := prepareBackground(data, weights)
	if err != nil {
		return Matrix{}, nil, err
	}
	n, d := data.Rows, data.Cols
	if k <= 0 {
		return Matrix{}, nil, fmt.Errorf("explain: cannot summarise into %d rows", k)
	}
	if k >= n {
		out := NewMatrix(n, d)
		copy(out.Data, data.Data)
		return out, w, nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b6d65616e73))
	centers := NewMatrix(k, d)
	// k-means++: the first centre by weight, the next ones with probability
	// proportional to weight × squared distance to the nearest centre.
	dist := make([]float64, n)
	pick := func(p []float64) int {
		total := 0.0
		for _, v := range p {
			total += v
		}
		u := rng.Float64() * total
		for i, v := range p {
			u -= v
			if u < 0 {
				return i
			}
		}
		return len(p) - 1
	}
	copy(centers.Row(0), data.Row(pick(w)))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	p := make([]float64, n)
	for c := 1; c < k; c++ {
		for i := 0; i < n; i++ {
			dist[i] = math.Min(dist[i], sqDist(data.Row(i), centers.Row(c-1)))
			p[i] = w[i] * dist[i]
		}
		copy(centers.Row(c), data.Row(pick(p)))
	}
	assign := make([]int, n)
	sums := make([]float64, k*d)
	mass := make([]float64, k)
	for iter := 0; iter < 100; iter++ {
		if err := ctx.Err(); err != nil {
			return Matrix{}, nil, err
		}
		changed := iter == 0
		for i := 0; i < n; i++ {
			best, bd := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				if dd := sqDist(data.Row(i), centers.Row(c)); dd < bd {
					best, bd = c, dd
				}
			}
			if assign[i] != best {
				assign[i], changed = best, true
			}
		}
		if !changed {
			break
		}
		clear(sums)
		clear(mass)
		for i := 0; i < n; i++ {
			c := assign[i]
			mass[c] += w[i]
			for j, v := range data.Row(i) {
				sums[c*d+j] += w[i] * v
			}
		}
		for c := 0; c < k; c++ {
			if mass[c] == 0 {
				continue // an empty cluster keeps its centre
			}
			for j := 0; j < d; j++ {
				centers.Data[c*d+j] = sums[c*d+j] / mass[c]
			}
		}
	}
	// Final masses and snapping to observed column values.
	clear(mass)
	for i := 0; i < n; i++ {
		mass[assign[i]] += w[i]
	}
	col := make([]float64, n)
	for j := 0; j < d; j++ {
		for i := 0; i < n; i++ {
			col[i] = data.Data[i*d+j]
		}
		sort.Float64s(col)
		for c := 0; c < k; c++ {
			centers.Data[c*d+j] = nearest(col, centers.Data[c*d+j])
		}
	}
	// Drop clusters that ended up empty.
	out := NewMatrix(0, d)
	var ow []float64
	for c := 0; c < k; c++ {
		if mass[c] > 0 {
			out.Data = append(out.Data, centers.Row(c)...)
			out.Rows++
			ow = append(ow, mass[c])
		}
	}
	return out, ow, nil
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// nearest returns the element of the sorted slice closest to v.
func nearest(sorted []float64, v float64) float64 {
	i := sort.SearchFloat64s(sorted, v)
	if i == 0 {
		return sorted[0]
	}
	if i == len(sorted) {
		return sorted[len(sorted)-1]
	}
	if v-sorted[i-1] <= sorted[i]-v {
		return sorted[i-1]
	}
	return sorted[i]
}
