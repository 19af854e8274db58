package drift

import (
	"fmt"
	"math"
	"slices"
)

// BinningKind names how a [Histogram]'s bins were chosen.
type BinningKind string

// The binnings.
const (
	// BinningSturges: equal-width bins over the combined sample, their number
	// from Sturges' rule (numpy histogram_bin_edges(bins="sturges")) —
	// Evidently's binning for numerical columns with more than 20 distinct
	// reference values.
	BinningSturges BinningKind = "sturges_equal_width_on_combined"
	// BinningDistinct: one bin per distinct value of reference ∪ current —
	// Evidently's binning for categorical and low-cardinality columns.
	BinningDistinct BinningKind = "distinct_values"
	// BinningQuantile: bins bounded by reference quantiles, the outer bins
	// open to ±∞, so every bin holds about the same reference share. Not
	// Evidently's default; offered because it is what many teams mean by PSI.
	BinningQuantile BinningKind = "reference_quantiles"
)

// Histogram is a reference and a current sample binned alike.
type Histogram struct {
	// Kind says how the bins were chosen: Edges bound them for Sturges and
	// quantile binning; Keys or Categories name them for distinct values.
	Kind BinningKind `json:"kind"`
	// Edges are the bin edges (len = bins+1) for Sturges and quantile
	// binning; bin i holds Edges[i] <= x < Edges[i+1], the last bin also
	// x == Edges[last]. Quantile binning treats the outer edges as ±∞.
	Edges []float64 `json:"edges,omitempty"`
	// Keys are the distinct values (sorted) for distinct-value binning.
	Keys []float64 `json:"keys,omitempty"`
	// Categories are the categories (sorted) of a categorical histogram.
	Categories []string `json:"categories,omitempty"`
	// RefCounts and CurCounts are the counts per bin.
	RefCounts []int `json:"ref_counts"` // reference values per bin
	CurCounts []int `json:"cur_counts"` // current values per bin
	// NRef and NCur are the sample sizes.
	NRef int `json:"n_ref"` // reference sample size
	NCur int `json:"n_cur"` // current sample size
}

// Validate reports whether h is consistent, as every binning in this
// package makes it: RefCounts and CurCounts have one non-negative count
// per bin (at least one bin), NRef and NCur are their sums and are
// positive, and Edges (bins+1), Keys and Categories (one per bin), when
// present, match the number of bins. The tests that take a Histogram
// ([ChiSquareGoF], [ChiSquareContingency], [ZTestProportions] and the
// *FromHistogram divergences) refuse one that is not.
func (h Histogram) Validate() error {
	k := len(h.RefCounts)
	switch {
	case k != len(h.CurCounts):
		return fmt.Errorf("drift: histogram has %d reference and %d current bins", k, len(h.CurCounts))
	case k == 0:
		return fmt.Errorf("drift: histogram has no bins: %w", ErrTooFew)
	case len(h.Edges) != 0 && len(h.Edges) != k+1:
		return fmt.Errorf("drift: histogram has %d edges for %d bins, want %d", len(h.Edges), k, k+1)
	case len(h.Keys) != 0 && len(h.Keys) != k:
		return fmt.Errorf("drift: histogram has %d keys for %d bins", len(h.Keys), k)
	case len(h.Categories) != 0 && len(h.Categories) != k:
		return fmt.Errorf("drift: histogram has %d categories for %d bins", len(h.Categories), k)
	}
	for _, side := range []struct {
		name   string
		counts []int
		n      int
	}{{"reference", h.RefCounts, h.NRef}, {"current", h.CurCounts, h.NCur}} {
		// Subtract from n rather than add up the counts, whose sum can
		// wrap around int.
		left := side.n
		for i, c := range side.counts {
			if c < 0 {
				return fmt.Errorf("drift: histogram %s count %d of bin %d is negative", side.name, c, i)
			}
			if c > left {
				return fmt.Errorf("drift: histogram %s counts add up to more than its size %d", side.name, side.n)
			}
			left -= c
		}
		if left != 0 {
			return fmt.Errorf("drift: histogram %s counts add up to %d, not its size %d", side.name, side.n-left, side.n)
		}
		if side.n == 0 {
			return fmt.Errorf("drift: histogram %s sample is empty: %w", side.name, ErrTooFew)
		}
	}
	return nil
}

// Shares returns the reference and current shares per bin (count / n),
// before any zero fill.
func (h Histogram) Shares() (ref, cur []float64) {
	ref = make([]float64, len(h.RefCounts))
	cur = make([]float64, len(h.CurCounts))
	for i, c := range h.RefCounts {
		ref[i] = float64(c) / float64(h.NRef)
	}
	for i, c := range h.CurCounts {
		cur[i] = float64(c) / float64(h.NCur)
	}
	return ref, cur
}

// evidentlyDistinctMax is the number of distinct reference values up to
// which Evidently bins a numerical column by distinct value.
const evidentlyDistinctMax = 20

// EvidentlyHistogram bins two numerical samples as Evidently 0.7
// (legacy/calculations/stattests/utils.get_binned_data): when the reference
// has more than 20 distinct values, Sturges equal-width bins on the combined
// sample (N = n_ref + n_cur, k = ceil((max−min)/((max−min)/(log2 N + 1))),
// edges min + i·(max−min)/k, last edge = max); otherwise one bin per
// distinct value of reference ∪ current. Evidently's n_bins argument is
// ignored for numerical data (Evidently issue #1400), and so it is here.
func EvidentlyHistogram(reference, current []float64) (Histogram, error) {
	if err := checkSample("histogram", "reference", reference, 1); err != nil {
		return Histogram{}, err
	}
	if err := checkSample("histogram", "current", current, 1); err != nil {
		return Histogram{}, err
	}
	if countDistinct(reference, evidentlyDistinctMax+1) > evidentlyDistinctMax {
		return sturgesHistogram(reference, current), nil
	}
	return distinctHistogram(reference, current), nil
}

// countDistinct counts distinct values, stopping once it exceeds limit.
func countDistinct(x []float64, limit int) int {
	seen := make(map[float64]struct{}, limit+1)
	for _, v := range x {
		seen[v] = struct{}{}
		if len(seen) > limit {
			break
		}
	}
	return len(seen)
}

func minMax(x []float64) (lo, hi float64) {
	lo, hi = x[0], x[0]
	for _, v := range x {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

// SturgesEdges returns numpy's histogram_bin_edges(combined, bins="sturges")
// for n values with the given minimum and maximum. n below 1 counts as 1,
// and non-finite bounds (or a range beyond float64) give the single bin
// [lo, hi], so there are at most 65 bins whatever the arguments.
func SturgesEdges(lo, hi float64, n int) []float64 {
	n = max(n, 1)
	k := 1
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsInf(hi-lo, 0) {
		return []float64{lo, hi}
	}
	if hi > lo {
		width := (hi - lo) / (math.Log2(float64(n)) + 1)
		k = min(max(int(math.Ceil((hi-lo)/width)), 1), 65)
	} else {
		lo, hi = lo-0.5, hi+0.5
	}
	edges := make([]float64, k+1)
	step := (hi - lo) / float64(k)
	for i := 0; i < k; i++ {
		edges[i] = float64(i)*step + lo
	}
	edges[k] = hi
	return edges
}

func sturgesHistogram(reference, current []float64) Histogram {
	lr, hr := minMax(reference)
	lc, hc := minMax(current)
	edges := SturgesEdges(math.Min(lr, lc), math.Max(hr, hc), len(reference)+len(current))
	return Histogram{Kind: BinningSturges, Edges: edges,
		RefCounts: countEdges(reference, edges), CurCounts: countEdges(current, edges),
		NRef: len(reference), NCur: len(current)}
}

// countEdges counts values per bin like numpy.histogram with explicit
// edges: bin i holds edges[i] <= x < edges[i+1]; the last bin includes its
// right edge; values outside [edges[0], edges[k]] are not counted. The bin
// is guessed arithmetically and corrected against the edges, so the result
// is that of a binary search.
func countEdges(x []float64, edges []float64) []int {
	k := len(edges) - 1
	counts := make([]int, k)
	lo, hi := edges[0], edges[k]
	norm := float64(k) / (hi - lo)
	for _, v := range x {
		if v < lo || v > hi {
			continue
		}
		i := int((v - lo) * norm)
		if i >= k {
			i = k - 1
		}
		if i < 0 {
			i = 0
		}
		for i > 0 && v < edges[i] {
			i--
		}
		for i < k-1 && v >= edges[i+1] {
			i++
		}
		counts[i]++
	}
	return counts
}

func distinctHistogram(reference, current []float64) Histogram {
	set := map[float64]struct{}{}
	for _, v := range reference {
		set[v] = struct{}{}
	}
	for _, v := range current {
		set[v] = struct{}{}
	}
	keys := make([]float64, 0, len(set))
	for v := range set {
		keys = append(keys, v)
	}
	slices.Sort(keys)
	index := make(map[float64]int, len(keys))
	for i, v := range keys {
		index[v] = i
	}
	h := Histogram{Kind: BinningDistinct, Keys: keys, RefCounts: make([]int, len(keys)), CurCounts: make([]int, len(keys)),
		NRef: len(reference), NCur: len(current)}
	for _, v := range reference {
		h.RefCounts[index[v]]++
	}
	for _, v := range current {
		h.CurCounts[index[v]]++
	}
	return h
}

// QuantileHistogram bins both samples by nBins reference quantiles
// (numpy's default linear interpolation between order statistics); the
// outer bins are open to ±∞ so every current value is counted. Duplicate
// edges (heavy ties) are merged, so there may be fewer than nBins bins.
// nBins must be in 2..[MaxBins].
func QuantileHistogram(reference, current []float64, nBins int) (Histogram, error) {
	if nBins < 2 || nBins > MaxBins {
		return Histogram{}, fmt.Errorf("drift: quantile histogram needs 2..%d bins, got %d", MaxBins, nBins)
	}
	if err := checkSample("histogram", "reference", reference, 1); err != nil {
		return Histogram{}, err
	}
	if err := checkSample("histogram", "current", current, 1); err != nil {
		return Histogram{}, err
	}
	edges := quantileEdges(sortedCopy(reference), nBins)
	return Histogram{Kind: BinningQuantile, Edges: edges,
		RefCounts: countOpenEdges(reference, edges), CurCounts: countOpenEdges(current, edges),
		NRef: len(reference), NCur: len(current)}, nil
}

func quantileEdges(sorted []float64, nBins int) []float64 {
	edges := make([]float64, 0, nBins+1)
	for i := 0; i <= nBins; i++ {
		q := quantileSorted(sorted, float64(i)/float64(nBins))
		if len(edges) == 0 || q > edges[len(edges)-1] {
			edges = append(edges, q)
		}
	}
	if len(edges) == 1 {
		edges = append(edges, edges[0])
	}
	return edges
}

// quantileSorted is numpy.quantile(method="linear") on sorted data.
func quantileSorted(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i] + f*(s[i+1]-s[i])
}

// countOpenEdges counts with the interior edges only: bin 0 is (−∞, e1),
// bin i is [e_i, e_{i+1}), the last bin [e_{k−1}, +∞).
func countOpenEdges(x []float64, edges []float64) []int {
	k := len(edges) - 1
	counts := make([]int, k)
	inner := edges[1:k]
	for _, v := range x {
		i, found := slices.BinarySearch(inner, v)
		if found {
			i++
		}
		counts[i]++
	}
	return counts
}
