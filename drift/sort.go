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
	copy(out, x)
	sortFloats(out)
	return out
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

// sortFloats sorts x in place (NaN-free input). The digit histograms are
// built in one read of x; the first scatter pass reads the floats and the
// last one writes them back, so no separate conversion passes are needed.
func sortFloats(x []float64) {
	n := len(x)
	if n < radixMinLen {
		slices.Sort(x)
		return
	}
	var counts [radixPasses][radixBuckets]int
	for _, v := range x {
		k := floatKey(v)
		for p := 0; p < radixPasses; p++ {
			counts[p][(k>>(p*radixBits))&(radixBuckets-1)]++
		}
	}
	first := floatKey(x[0])
	var passes []int
	for p := 0; p < radixPasses; p++ {
		// A pass where every key has the same digit moves nothing.
		if counts[p][(first>>(p*radixBits))&(radixBuckets-1)] != n {
			passes = append(passes, p)
		}
	}
	if len(passes) == 0 {
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
	a := make([]uint64, n)
	var b []uint64
	if len(passes) > 1 {
		b = make([]uint64, n)
	}
	// First pass: floats → keys.
	p0 := passes[0]
	shift := uint(p0 * radixBits)
	c := &counts[p0]
	if len(passes) == 1 {
		keys := a
		for _, v := range x {
			k := floatKey(v)
			d := (k >> shift) & (radixBuckets - 1)
			keys[c[d]] = k
			c[d]++
		}
		for i, k := range keys {
			x[i] = keyFloat(k)
		}
		return
	}
	for _, v := range x {
		k := floatKey(v)
		d := (k >> shift) & (radixBuckets - 1)
		a[c[d]] = k
		c[d]++
	}
	src, dst := a, b
	// Middle passes: keys → keys.
	for _, p := range passes[1 : len(passes)-1] {
		shift := uint(p * radixBits)
		c := &counts[p]
		for _, k := range src {
			d := (k >> shift) & (radixBuckets - 1)
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	// Last pass: keys → floats, straight into x.
	pl := passes[len(passes)-1]
	shift = uint(pl * radixBits)
	c = &counts[pl]
	for _, k := range src {
		d := (k >> shift) & (radixBuckets - 1)
		x[c[d]] = keyFloat(k)
		c[d]++
	}
}
