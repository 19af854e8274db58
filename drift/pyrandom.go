package drift

import "math/bits"

// pyRandom reproduces the integer draws of CPython's random.Random for an
// integer seed, so that a detector sampling with it picks the same positions
// as a Python library (river's KSWIN) seeded alike.
//
// The generator is MT19937, the Mersenne Twister of M. Matsumoto and
// T. Nishimura, "Mersenne Twister: A 623-dimensionally equidistributed
// uniform pseudo-random number generator", ACM TOMACS 8(1), 1998, with the
// seeding routine init_by_array of the authors' 2002 reference code. On top
// of it, following CPython's documented behaviour of the random module:
//
//   - random.seed(a) for an int a seeds with init_by_array over the 32-bit
//     words of abs(a), least significant word first (one word 0 for a = 0);
//   - getrandbits(k) for 0 < k <= 32 is the top k bits of one 32-bit output;
//   - _randbelow(n) draws getrandbits(n.bit_length()) until the value is
//     below n (note n.bit_length(), not (n-1).bit_length());
//   - sample(range(n), k) fills the result in selection order either from a
//     pool (j = _randbelow(n-i); take pool[j]; move pool[n-i-1] into the
//     gap) or, when n exceeds the "setsize" of k, by redrawing
//     _randbelow(n) until j was not taken before.
//
// The zero value is not seeded; call seed first. It does not allocate.
type pyRandom struct {
	mt  [mtN]uint32
	mti int
}

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

// initGenrand is the linear seeding of the state from one 32-bit value.
func (r *pyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < mtN; i++ {
		p := r.mt[i-1]
		r.mt[i] = 1812433253*(p^(p>>30)) + uint32(i)
	}
	r.mti = mtN
}

// initByArray mixes a key of 32-bit words into the state (init_by_array).
func (r *pyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(mtN, len(key))
	for ; k > 0; k-- {
		p := r.mt[i-1]
		r.mt[i] = (r.mt[i] ^ ((p ^ (p >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = mtN - 1; k > 0; k-- {
		p := r.mt[i-1]
		r.mt[i] = (r.mt[i] ^ ((p ^ (p >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000 // the most significant bit is 1: a non-zero initial state
}

// seed seeds as Python's random.Random(s) does for a non-negative int s.
func (r *pyRandom) seed(s uint64) {
	var key [2]uint32
	key[0], key[1] = uint32(s), uint32(s>>32)
	if key[1] == 0 {
		r.initByArray(key[:1])
	} else {
		r.initByArray(key[:2])
	}
}

// uint32 returns the next tempered 32-bit output (genrand_int32).
func (r *pyRandom) uint32() uint32 {
	if r.mti >= mtN {
		r.twist()
	}
	y := r.mt[r.mti]
	r.mti++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// twist regenerates the N words of the state.
func (r *pyRandom) twist() {
	kk := 0
	for ; kk < mtN-mtM; kk++ {
		y := (r.mt[kk] & mtUpperMask) | (r.mt[kk+1] & mtLowerMask)
		r.mt[kk] = r.mt[kk+mtM] ^ (y >> 1) ^ mtMag(y)
	}
	for ; kk < mtN-1; kk++ {
		y := (r.mt[kk] & mtUpperMask) | (r.mt[kk+1] & mtLowerMask)
		r.mt[kk] = r.mt[kk+mtM-mtN] ^ (y >> 1) ^ mtMag(y)
	}
	y := (r.mt[mtN-1] & mtUpperMask) | (r.mt[0] & mtLowerMask)
	r.mt[mtN-1] = r.mt[mtM-1] ^ (y >> 1) ^ mtMag(y)
	r.mti = 0
}

// mtMag is mag01[y&1] of the reference code: 0 or the twist matrix row.
func mtMag(y uint32) uint32 { return (y & 1) * mtMatrixA }

// getrandbits returns Python's getrandbits(k) for 1 <= k <= 32.
func (r *pyRandom) getrandbits(k int) uint32 {
	return r.uint32() >> (32 - k)
}

// randbelow returns Python's _randbelow(n) for 0 < n < 2^32 (the getrandbits
// rejection method).
func (r *pyRandom) randbelow(n int) int {
	k := bits.Len(uint(n))
	v := r.getrandbits(k)
	for int(v) >= n {
		v = r.getrandbits(k)
	}
	return int(v)
}

// pySampleSetSize is the bound of Python's random.sample: sampling k of n
// uses the pool method when n <= pySampleSetSize(k), redraws otherwise.
// Python computes 21 + 4**ceil(log(3k, 4)) for k > 5; as 3k is never a power
// of 4, that power is the smallest one above 3k.
func pySampleSetSize(k int) int {
	s := 21
	if k > 5 {
		p := 1
		for p < 3*k {
			p *= 4
		}
		s += p
	}
	return s
}

// sampleRange writes Python's sample(range(n), len(out)) into out, in
// selection order, 0 <= len(out) <= n < 2^32. pool must hold n ints when
// n <= pySampleSetSize(len(out)), seen n bools (all false, and left so)
// otherwise; neither is read in the other case.
func (r *pyRandom) sampleRange(n int, out, pool []int, seen []bool) {
	k := len(out)
	if n <= pySampleSetSize(k) {
		pool = pool[:n]
		for i := range pool {
			pool[i] = i
		}
		for i := range out {
			j := r.randbelow(n - i)
			out[i] = pool[j]
			pool[j] = pool[n-i-1]
		}
		return
	}
	seen = seen[:n]
	for i := range out {
		j := r.randbelow(n)
		for seen[j] {
			j = r.randbelow(n)
		}
		seen[j] = true
		out[i] = j
	}
	for _, j := range out {
		seen[j] = false
	}
}
