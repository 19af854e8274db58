package drift

import (
	"math"
	"slices"
)

// sortedCopy returns a sorted copy of x; it allocates the copy and, for
// large samples, scratch space of the same size (see [sortInto]).
func sortedCopy(x []float64) []float64 {
	out := make([]float64, len(x))
	sortInto(out, x)
	return out
}

// sortFloats sorts x in place (NaN-free input).
func sortFloats(x []float64) {
	if len(x) < radixMinLen {
		slices.Sort(x)
		return
	}
	src := make([]float64, len(x))
	copy(src, x)
	sortInto(x, src)
}

// sortInto writes the sorted values of src (NaN-free) into out (same
// length, a distinct slice). Small samples use slices.Sort. Large ones use
// a two-level bucket sort whose every pass stays in cache, so its cost
// grows linearly rather than with the cache misses of one big scatter:
//
//  1. one read finds the range, one counts the values per coarse bucket
//     (about coarseLoad values each, equal width over the range: a
//     monotone map, so the buckets are already in order) and one scatters
//     them into out; the few hundred to few thousand write positions stay
//     in cache while the data streams past;
//  2. each coarse bucket, a few KiB, is then sorted where it lies by a
//     fine bucket sort over its own range (insertion sort within buckets
//     of about four values), in L1.
//
// Data that does not spread (heavy ties, outliers, infinities) falls back
// to an LSD radix sort per coarse bucket, or for the whole sample, which
// is linear whatever the distribution. Besides out, it allocates scratch
// of one coarse bucket's size (the whole sample when it falls back to
// radix sort) and the bucket counts.
func sortInto(out, src []float64) {
	n := len(src)
	if n < radixMinLen {
		copy(out, src)
		slices.Sort(out)
		return
	}
	lo, hi := minMax(src)
	nc := n / coarseLoad
	if !(hi > lo) || math.IsInf(hi-lo, 0) || n >= 1<<31 {
		radixSortInto(out, src)
		return
	}
	scale := float64(nc) / (hi - lo)
	start := make([]int32, nc+1)
	for _, v := range src {
		start[min(int((v-lo)*scale), nc-1)+1]++
	}
	largest := int32(0)
	for c := 0; c < nc; c++ {
		largest = max(largest, start[c+1])
		start[c+1] += start[c]
	}
	next := make([]int32, nc)
	copy(next, start[:nc])
	for _, v := range src {
		c := min(int((v-lo)*scale), nc-1)
		out[next[c]] = v
		next[c]++
	}
	fs := fineSorter{scratch: make([]float64, largest),
		start: make([]int32, largest/4+1), next: make([]int32, largest/4)}
	for c := 0; c < nc; c++ {
		fs.sort(out[start[c]:start[c+1]])
	}
}

// coarseLoad is the mean number of values a coarse bucket of [sortInto]
// holds: 1,024 float64s, 8 KiB, so a bucket and its fine buckets fit L1.
const coarseLoad = 1 << 10

// fineMaxLoad is the largest fine bucket the fine sort accepts before
// handing the segment to a comparison or radix sort (values that do not
// spread within the coarse bucket).
const fineMaxLoad = 64

// fineSorter sorts the segments of a coarse bucket in place, reusing its
// scratch between segments.
type fineSorter struct {
	scratch     []float64
	start, next []int32
}

// sort sorts seg in place.
func (f *fineSorter) sort(seg []float64) {
	n := len(seg)
	if n < 32 {
		insertionSort(seg)
		return
	}
	src := f.scratch[:n]
	copy(src, seg)
	lo, hi := minMax(src)
	if hi > lo && !math.IsInf(hi-lo, 0) && f.buckets(seg, src, lo, hi) {
		return
	}
	if n < radixMinLen {
		slices.Sort(seg)
		return
	}
	radixSortInto(seg, src)
}

// buckets distributes src over len/4 equal-width buckets of [lo, hi] into
// out and insertion-sorts each; it reports false, leaving out unsorted,
// when a bucket would hold more than fineMaxLoad values.
func (f *fineSorter) buckets(out, src []float64, lo, hi float64) bool {
	nb := len(src) / 4
	scale := float64(nb) / (hi - lo)
	if cap(f.start) < nb+1 {
		f.start, f.next = make([]int32, nb+1), make([]int32, nb)
	}
	start, next := f.start[:nb+1], f.next[:nb]
	clear(start)
	for _, v := range src {
		start[min(int((v-lo)*scale), nb-1)+1]++
	}
	for b := 0; b < nb; b++ {
		if start[b+1] > fineMaxLoad {
			return false
		}
		start[b+1] += start[b]
	}
	copy(next, start[:nb])
	for _, v := range src {
		b := min(int((v-lo)*scale), nb-1)
		out[next[b]] = v
		next[b]++
	}
	for b := 0; b < nb; b++ {
		insertionSort(out[start[b]:start[b+1]])
	}
	return true
}

// insertionSort sorts a short slice in place.
func insertionSort(x []float64) {
	for i := 1; i < len(x); i++ {
		v := x[i]
		j := i
		for j > 0 && x[j-1] > v {
			x[j] = x[j-1]
			j--
		}
		x[j] = v
	}
}

// sortBoth returns sorted copies of a and b. It sorts them one after the
// other: on the machines measured (BenchmarkScaling) a second goroutine
// bought no wall time, because both sorts are bound by memory bandwidth,
// and only added CPU time.
func sortBoth(a, b []float64) (sa, sb []float64) {
	return sortedCopy(a), sortedCopy(b)
}

const (
	radixBits    = 11
	radixBuckets = 1 << radixBits
	radixPasses  = (64 + radixBits - 1) / radixBits
	radixMinLen  = 1 << 10
)

// floatKey maps a float64 to a uint64 whose unsigned order is the numeric
// order of finite values.
func floatKey(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func keyFloat(k uint64) float64 {
	if k>>63 == 1 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

// radixSortInto writes the sorted values of src into out (same length,
// distinct slices). The digit histograms are built in one read of src; the
// first scatter pass reads src and the last writes floats into out, and the
// passes in between ping-pong between out and one scratch buffer, with the
// keys held as float64 bit patterns (math.Float64frombits is a pure bit
// cast), so the only allocation is the scratch buffer.
func radixSortInto(out, src []float64) {
	n := len(src)
	var counts [radixPasses][radixBuckets]int
	for _, v := range src {
		k := floatKey(v)
		for p := 0; p < radixPasses; p++ {
			counts[p][(k>>(p*radixBits))&(radixBuckets-1)]++
		}
	}
	first := floatKey(src[0])
	var passes []int
	for p := 0; p < radixPasses; p++ {
		// A pass where every key has the same digit moves nothing.
		if counts[p][(first>>(p*radixBits))&(radixBuckets-1)] != n {
			passes = append(passes, p)
		}
	}
	if len(passes) == 0 {
		copy(out, src)
		return
	}
	for _, p := range passes {
		c := &counts[p]
		sum := 0
		for i := range c {
			cnt := c[i]
			c[i] = sum
			sum += cnt
		}
	}
	if len(passes) == 1 {
		shift := uint(passes[0] * radixBits)
		c := &counts[passes[0]]
		for _, v := range src {
			d := (floatKey(v) >> shift) & (radixBuckets - 1)
			out[c[d]] = v
			c[d]++
		}
		return
	}
	scratch := make([]float64, n)
	// Choose the first destination so that the last pass lands in out.
	dst, other := scratch, out
	if len(passes)%2 == 1 {
		dst, other = out, scratch
	}
	shift := uint(passes[0] * radixBits)
	c := &counts[passes[0]]
	for _, v := range src {
		k := floatKey(v)
		d := (k >> shift) & (radixBuckets - 1)
		dst[c[d]] = math.Float64frombits(k)
		c[d]++
	}
	for pi, p := range passes[1:] {
		from, to := dst, other
		shift := uint(p * radixBits)
		c := &counts[p]
		last := pi == len(passes)-2
		for _, f := range from {
			k := math.Float64bits(f)
			d := (k >> shift) & (radixBuckets - 1)
			if last {
				to[c[d]] = keyFloat(k)
			} else {
				to[c[d]] = f
			}
			c[d]++
		}
		dst, other = to, from
	}
}
