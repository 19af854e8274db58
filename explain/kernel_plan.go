package explain

import (
	"math"
	"math/rand/v2"
)

// kernelPlan is the coalition plan of Kernel SHAP as shap 0.46's
// KernelExplainer builds it (shap/explainers/_kernel.py, explain()):
//
//   - subset sizes s = 1..⌈(M−1)/2⌉ get the Shapley-kernel mass
//     (M−1)/(s(M−s)), doubled for the sizes that are paired with their
//     complement (s ≤ ⌊(M−1)/2⌋), normalised;
//   - smallest sizes first, a size is enumerated completely (each subset
//     together with its complement) while the remaining budget, spread by
//     the remaining mass, affords at least one sample per subset;
//   - the rest of the budget is sampled: a size drawn from the remaining
//     mass, a uniformly random subset of that size (and its complement), a
//     repeated draw adding 1 to the weight of the earlier sample; the
//     sampled weights are rescaled to the mass of the sizes not enumerated.
//
// Positions 0..M−1 in the masks are the explainer's varying players.
type kernelPlan struct {
	m, nsamples, maxSamples int
	numSubsetSizes          int
	numPaired               int
	weightVector            []float64
	numFull, nfixed         int
	fixed                   []planSize
	randomWeightTotal       float64
	words                   int
	masks                   []uint64 // flat, `words` words per coalition
	weights                 []float64
}

// planSize describes one completely enumerated subset size.
type planSize struct {
	size       int
	complement bool
	samples    int
	weight     float64 // kernel weight of each of its samples
}

// defaultKernelSamples is shap's "auto" budget for M players.
func defaultKernelSamples(m int) int { return 2*m + 2048 }

func newKernelPlan(m, requested int, rng *rand.Rand) *kernelPlan {
	p := &kernelPlan{m: m, words: (m + 63) / 64}
	p.nsamples = requested
	if p.nsamples <= 0 {
		p.nsamples = defaultKernelSamples(m)
	}
	p.maxSamples = math.MaxInt
	if m <= 30 {
		p.maxSamples = 1<<m - 2
		if p.nsamples > p.maxSamples {
			p.nsamples = p.maxSamples
		}
	}
	p.numSubsetSizes = (m) / 2 // ⌈(M−1)/2⌉
	p.numPaired = (m - 1) / 2  // ⌊(M−1)/2⌋
	p.weightVector = make([]float64, p.numSubsetSizes)
	total := 0.0
	for i := range p.weightVector {
		s := float64(i + 1)
		p.weightVector[i] = float64(m-1) / (s * (float64(m) - s))
		if i+1 <= p.numPaired {
			p.weightVector[i] *= 2
		}
		total += p.weightVector[i]
	}
	for i := range p.weightVector {
		p.weightVector[i] /= total
	}

	left := p.nsamples
	remaining := append([]float64(nil), p.weightVector...)
	mask := make([]uint64, p.words)
	idx := make([]int, m)
	for size := 1; size <= p.numSubsetSizes; size++ {
		paired := size <= p.numPaired
		nsub := binomial(m, size)
		if paired {
			nsub *= 2
		}
		if float64(left)*remaining[size-1]/nsub < 1-1e-8 {
			break
		}
		p.numFull++
		left -= int(nsub)
		if remaining[size-1] < 1 {
			r := 1 - remaining[size-1]
			for i := range remaining {
				remaining[i] /= r
			}
		}
		w := p.weightVector[size-1] / binomial(m, size)
		if paired {
			w /= 2
		}
		p.fixed = append(p.fixed, planSize{size: size, complement: paired, samples: int(nsub), weight: w})
		// Subsets in lexicographic order, as itertools.combinations yields them.
		for i := 0; i < size; i++ {
			idx[i] = i
		}
		for {
			clear(mask)
			for _, j := range idx[:size] {
				mask[j/64] |= 1 << (j % 64)
			}
			p.add(mask, w)
			if paired {
				p.complement(mask)
				p.add(mask, w)
			}
			i := size - 1
			for i >= 0 && idx[i] == m-size+i {
				i--
			}
			if i < 0 {
				break
			}
			idx[i]++
			for j := i + 1; j < size; j++ {
				idx[j] = idx[j-1] + 1
			}
		}
	}
	p.nfixed = len(p.weights)
	left = p.nsamples - p.nfixed
	if p.numFull == p.numSubsetSizes || left <= 0 {
		return p
	}

	// Sampling of the sizes that were not enumerated.
	rw := append([]float64(nil), p.weightVector...)
	for i := 0; i < p.numPaired; i++ {
		rw[i] /= 2 // each draw of a paired size yields two samples
	}
	rw = rw[p.numFull:]
	cum := make([]float64, len(rw))
	acc := 0.0
	for i, v := range rw {
		acc += v
		cum[i] = acc
	}
	// Repeated draws are found by mask; one-word masks (M ≤ 64) key the
	// map directly, so drawing allocates nothing per sample.
	used1 := map[uint64]int{}
	usedN := map[string]int{}
	key := make([]byte, 8*p.words)
	lookup := func() (int, bool) {
		if p.words == 1 {
			at, ok := used1[mask[0]]
			return at, ok
		}
		for w, word := range mask {
			for b := 0; b < 8; b++ {
				key[8*w+b] = byte(word >> (8 * b))
			}
		}
		at, ok := usedN[string(key)]
		return at, ok
	}
	remember := func(at int) {
		if p.words == 1 {
			used1[mask[0]] = at
		} else {
			usedN[string(key)] = at
		}
	}
	perm := make([]int, m)
	for draws := 0; left > 0 && draws < 4*(p.nsamples-p.nfixed); draws++ {
		u := rng.Float64() * acc
		ind := 0
		for ind < len(cum)-1 && u >= cum[ind] {
			ind++
		}
		size := ind + p.numFull + 1
		for i := range perm {
			perm[i] = i
		}
		clear(mask)
		for i := 0; i < size; i++ { // partial Fisher–Yates: a uniform size-subset
			j := i + rng.IntN(m-i)
			perm[i], perm[j] = perm[j], perm[i]
			mask[perm[i]/64] |= 1 << (perm[i] % 64)
		}
		at, seen := lookup()
		if !seen {
			remember(len(p.weights))
			left--
			p.add(mask, 1)
		} else {
			p.weights[at]++
		}
		if left > 0 && size <= p.numPaired {
			p.complement(mask)
			if !seen {
				left--
				p.add(mask, 1)
			} else {
				p.weights[at+1]++
			}
		}
	}
	for _, w := range p.weightVector[p.numFull:] {
		p.randomWeightTotal += w
	}
	sum := 0.0
	for _, w := range p.weights[p.nfixed:] {
		sum += w
	}
	for i := p.nfixed; i < len(p.weights); i++ {
		p.weights[i] *= p.randomWeightTotal / sum
	}
	return p
}

func (p *kernelPlan) add(mask []uint64, w float64) {
	p.masks = append(p.masks, mask...)
	p.weights = append(p.weights, w)
}

// complement flips mask to F \ mask in place.
func (p *kernelPlan) complement(mask []uint64) {
	for i := range mask {
		mask[i] = ^mask[i]
	}
	if r := p.m % 64; r != 0 {
		mask[len(mask)-1] &= 1<<r - 1
	}
}

// complete reports whether the plan evaluates every coalition but ∅ and F,
// in which case the fit reproduces the exact Shapley values.
func (p *kernelPlan) complete() bool {
	return p.m <= 30 && p.nfixed == p.maxSamples && p.nfixed == len(p.weights)
}

// binomial returns C(n, k) as a float64.
func binomial(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return math.Round(r)
}
