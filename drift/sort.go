package drift

import (
	"math"
	"slices"
	"sync"
)

// sortedCopy returns a sorted copy of x. Large samples are sorted with an
// LSD radix sort on the order-preserving bit pattern of the float64 values,
// which is several times faster than a comparison sort for the million-row
// windows drift tests see; small ones use slices.Sort.
func sortedCopy(x []float64) []float64 {
	out := make([]float64, len(x))
	if len(x) < radixMinLen {
		copy(out, x)
		slices.Sort(out)
		return out
	}
	sortInto(out, x)
	return out
}

// sortInto writes the sorted values of src into out (same length, distinct
// slices, at least radixMinLen values): bucket sort where the data spread,
// radix sort otherwise.
func sortInto(out, src []float64) {
	if len(src) >= bucketMinLen && len(src) < 1<<30 && bucketSortInto(out, src) {
		return
	}
	radixSortInto(out, src)
}

const (
	bucketMinLen = 1 << 15
	// bucketMaxLoad is the largest bucket the bucket sort accepts before
	// falling back to radix sort (heavy ties or outliers squeeze the data
	// into few buckets).
	bucketMaxLoad = 256
)

// bucketSortInto sorts src into out by distributing the values over n/4
// equal-width buckets between min and max (a monotone map, so buckets are
// already in order) and insertion-sorting each small bucket: two passes
// over the data instead of radix sort's seven. For smooth distributions the
// buckets hold a handful of values; if one holds more than bucketMaxLoad it
// returns false and leaves the work to radix sort.
func bucketSortInto(out, src []float64) bool {
	n := len(src)
	lo, hi := minMax(src)
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return false
	}
	nb := n / 4
	scale := float64(nb) / (hi - lo)
	bucket := func(v float64) int {
		b := int((v - lo) * scale)
		if b >= nb {
			b = nb - 1
		}
		return b
	}
	start := make([]int32, nb+1)
	for _, v := range src {
		start[bucket(v)+1]++
	}
	for b := 0; b < nb; b++ {
		if start[b+1] > bucketMaxLoad {
			return false
		}
		start[b+1] += start[b]
	}
	next := make([]int32, nb)
	copy(next, start[:nb])
	for _, v := range src {
		b := bucket(v)
		out[next[b]] = v
		next[b]++
	}
	for b := 0; b < nb; b++ {
		seg := out[start[b]:start[b+1]]
		for i := 1; i < len(seg); i++ {
			v := seg[i]
			j := i
			for j > 0 && seg[j-1] > v {
				seg[j] = seg[j-1]
				j--
			}
			seg[j] = v
		}
	}
	return true
}

// sortBoth sorts copies of a and b concurrently.
func sortBoth(a, b []float64) (sa, sb []float64) {
	if len(a)+len(b) < 1<<15 {
		return sortedCopy(a), sortedCopy(b)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sa = sortedCopy(a)
	}()
	sb = sortedCopy(b)
	wg.Wait()
	return sa, sb
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

// sortFloats sorts x in place (NaN-free input).
func sortFloats(x []float64) {
	if len(x) < radixMinLen {
		slices.Sort(x)
		return
	}
	sortInto(x, slices.Clone(x))
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
