package explain

import (
	"context"
	"math"
	"math/rand/v2"
)

// permRoundPairs bounds the pairs drawn and evaluated together, so that
// the memory of a round does not grow with the requested count: rounds
// double from the minimum up to this size, the largest round of the
// default bounds (16 to 2048 pairs).
const permRoundPairs = 1024

// PermutationExplainer estimates Shapley values by averaging each player's
// marginal contribution along random orderings of the players (Castro,
// Gómez & Tejada 2009; Štrumbelj & Kononenko 2014). Orderings come in
// antithetic pairs, a permutation and its reverse (Mitchell et al. 2022,
// "Sampling Permutations for Shapley Value Estimation"), which cancels much
// of the variance and makes every pair exact for games of two players.
//
// Every ordering's contributions sum to prediction − base, so additivity
// holds to rounding whatever the sample size. StdErr is the standard error
// of the mean over pairs; sampling stops once every StdErr is at most the
// tolerance ([WithTolerance]) after at least the minimum number of pairs,
// or at the maximum ([WithPermutations]).
type PermutationExplainer struct {
	c *core
}

// NewPermutation returns a permutation-sampling explainer of model over
// the background. Options: [WithPermutations], [WithTolerance],
// [WithSeed], [WithLink], [WithFeatureNames], [WithBackgroundWeights],
// [WithGroups], [WithWorkers], [WithTracerProvider].
func NewPermutation(model Model, background Matrix, opts ...Option) (*PermutationExplainer, error) {
	c, err := newCore(model, background, opts)
	if err != nil {
		return nil, err
	}
	return &PermutationExplainer{c: c}, nil
}

// Explain returns the permutation estimate of the Shapley values for x.
func (pe *PermutationExplainer) Explain(ctx context.Context, x []float64) (out Explanation, err error) {
	ctx, span, ex, err := pe.c.start(ctx, MethodPermutation, x)
	defer func() { span.end(ctx, &out, err, pe.c.cfg.topK) }()
	if err != nil {
		return Explanation{}, err
	}
	g := pe.c.g
	cfg := &pe.c.cfg
	mAll := len(g.players)
	ex.Values = make([]float64, mAll)
	ex.StdErr = make([]float64, mAll)
	varying := g.varyingPlayers(x)
	m := len(varying)
	delta := ex.Prediction - ex.BaseValue
	if m <= 2 {
		// One player takes everything; two players are solved exactly by
		// one antithetic pair, below, with zero variance.
		ex.Exact = true
	}
	if m == 1 {
		ex.Values[varying[0]] = delta
	}
	if m >= 2 {
		tol := cfg.tolerance
		if tol < 0 {
			tol = math.Max(0.01*math.Abs(delta), 1e-9)
		}
		words := (mAll + 63) / 64
		rng := rand.New(rand.NewPCG(cfg.seed, 0x7065726d))
		mean := make([]float64, m)
		sq := make([]float64, m)
		contrib := make([]float64, m)
		perm := make([]int, m)
		pairs := 0
		maxPairs := cfg.maxPerm
		if m == 2 {
			maxPairs = 1 // both orderings: the exact answer
		}
		for pairs < maxPairs {
			round := max(cfg.minPerm, pairs) // doubling rounds
			round = min(round, maxPairs-pairs, permRoundPairs)
			// Each pair: the prefixes of π and of reverse(π), M−1 each.
			perms := make([]int, 0, round*m)
			masks := make([]uint64, round*2*(m-1)*words)
			at := 0
			for r := 0; r < round; r++ {
				for i := range perm {
					perm[i] = i
				}
				rng.Shuffle(m, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
				perms = append(perms, perm...)
				for dir := 0; dir < 2; dir++ {
					cur := make([]uint64, words)
					for k := 0; k < m-1; k++ {
						pos := perm[k]
						if dir == 1 {
							pos = perm[m-1-k]
						}
						p := varying[pos]
						cur[p/64] |= 1 << (p % 64)
						copy(masks[at*words:(at+1)*words], cur)
						at++
					}
				}
			}
			vals := make([]float64, at)
			evals, err := g.values(ctx, x, masks, words, vals)
			if err != nil {
				return Explanation{}, err
			}
			ex.ModelEvaluations += evals
			for r := 0; r < round; r++ {
				pm := perms[r*m : (r+1)*m]
				v := vals[r*2*(m-1) : (r+1)*2*(m-1)]
				clear(contrib)
				for dir := 0; dir < 2; dir++ {
					prev := ex.BaseValue
					for k := 0; k < m; k++ {
						pos := pm[k]
						if dir == 1 {
							pos = pm[m-1-k]
						}
						next := ex.Prediction
						if k < m-1 {
							next = v[dir*(m-1)+k]
						}
						contrib[pos] += (next - prev) / 2
						prev = next
					}
				}
				pairs++
				for i, c := range contrib {
					d := c - mean[i]
					mean[i] += d / float64(pairs)
					sq[i] += d * (c - mean[i])
				}
			}
			if pairs >= cfg.minPerm && pairs >= 2 {
				worst := 0.0
				for i := range sq {
					worst = math.Max(worst, math.Sqrt(sq[i]/float64(pairs-1)/float64(pairs)))
				}
				if worst <= tol {
					break
				}
			}
		}
		for i, p := range varying {
			ex.Values[p] = mean[i]
			if pairs >= 2 && m > 2 {
				ex.StdErr[p] = math.Sqrt(sq[i] / float64(pairs-1) / float64(pairs))
			}
		}
	}
	ex.AdditivityResidual = residual(ex.BaseValue, ex.Values, ex.Prediction)
	if err := checkFinite(&ex); err != nil {
		return Explanation{}, err
	}
	return ex, nil
}

// ExplainBatch explains every row of x.
func (pe *PermutationExplainer) ExplainBatch(ctx context.Context, x Matrix) ([]Explanation, error) {
	return batch(ctx, x, pe.c.g.bg.Cols, pe.c.cfg.workers, pe.Explain)
}
