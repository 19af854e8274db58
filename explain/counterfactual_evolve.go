package explain

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
)

// The search itself: a genetic search over candidates, a refinement that
// undoes changes the goal does not need, and the choice of a diverse set.

// cand is one candidate of the search: a changed row and its score.
type cand struct {
	x    []float64
	y    float64
	gap  float64
	cost float64
}

// better orders valid candidates before invalid ones, then by cost (valid)
// or by the gap to the goal (invalid).
func better(a, b *cand) bool {
	if (a.gap == 0) != (b.gap == 0) {
		return a.gap == 0
	}
	if a.gap != b.gap {
		return a.gap < b.gap
	}
	return a.cost < b.cost
}

func (s *cfSearch) evaluate(ctx context.Context, cs []*cand) error {
	rows := make([][]float64, len(cs))
	for i, c := range cs {
		rows[i] = c.x
	}
	y, err := s.score(ctx, rows)
	if err != nil {
		return err
	}
	for i, c := range cs {
		c.y, c.gap, c.cost = y[i], s.goal.gap(y[i]), s.cost(c.x)
	}
	return nil
}

// run is the genetic search over the feasible sets feas. It returns every
// distinct valid candidate seen and the output closest to the goal.
func (s *cfSearch) run(ctx context.Context, feas []feasible, popSize, gens int) ([]*cand, float64, error) {
	saved := s.feas
	s.feas = feas
	defer func() { s.feas = saved }()
	var mutable []int // leaders of the units that may change
	for j, f := range feas {
		if !f.fixed && s.leader(j) {
			mutable = append(mutable, j)
		}
	}
	if len(mutable) == 0 {
		return nil, math.NaN(), nil
	}
	newCand := func() *cand { return &cand{x: append([]float64(nil), s.x...)} }
	pop := make([]*cand, popSize)
	for i := range pop {
		c := newCand()
		if i%2 == 0 { // sparse start: change one to three features
			n := 1 + s.rng.IntN(min(3, len(mutable)))
			for _, p := range s.rng.Perm(len(mutable))[:n] {
				s.sampleUnit(c.x, feas[mutable[p]], mutable[p])
			}
		} else { // dense start: each mutable feature with probability 1/2
			for _, j := range mutable {
				if s.rng.IntN(2) == 0 {
					s.sampleUnit(c.x, feas[j], j)
				}
			}
		}
		pop[i] = c
	}
	if err := s.evaluate(ctx, pop); err != nil {
		return nil, 0, err
	}
	archive := map[string]*cand{}
	keep := func(cs []*cand) {
		for _, c := range cs {
			if c.gap == 0 {
				archive[fmt.Sprint(c.x)] = c
			}
		}
	}
	keep(pop)
	elite := max(1, popSize/10)
	pm := 1 / float64(len(mutable))
	for g := 0; g < gens; g++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		sort.SliceStable(pop, func(a, b int) bool { return better(pop[a], pop[b]) })
		next := append([]*cand(nil), pop[:elite]...)
		children := make([]*cand, 0, popSize-elite)
		half := max(2, popSize/2)
		tournament := func() *cand {
			a, b := pop[s.rng.IntN(half)], pop[s.rng.IntN(half)]
			if better(b, a) {
				return b
			}
			return a
		}
		for len(next)+len(children) < popSize {
			pa, pb := tournament(), tournament()
			c := newCand()
			for _, j := range mutable {
				if s.rng.IntN(2) == 0 {
					s.copyUnit(c.x, pa.x, j)
				} else {
					s.copyUnit(c.x, pb.x, j)
				}
				switch r := s.rng.Float64(); {
				case r < pm:
					s.sampleUnit(c.x, feas[j], j)
				case r < pm+0.1:
					s.copyUnit(c.x, s.x, j) // a revert mutation favours sparse answers
				}
			}
			children = append(children, c)
		}
		if err := s.evaluate(ctx, children); err != nil {
			return nil, 0, err
		}
		keep(children)
		pop = append(next, children...)
	}
	sort.SliceStable(pop, func(a, b int) bool { return better(pop[a], pop[b]) })
	found := make([]*cand, 0, len(archive))
	for _, c := range archive {
		found = append(found, c)
	}
	sort.Slice(found, func(a, b int) bool {
		if found[a].cost != found[b].cost {
			return found[a].cost < found[b].cost
		}
		return lessRow(found[a].x, found[b].x)
	})
	return found, pop[0].y, nil
}

func lessRow(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// refine makes the best valid candidates sparser and closer.
func (s *cfSearch) refine(ctx context.Context, found []*cand) ([]*cand, error) {
	limit := min(len(found), 4*max(s.k, 1))
	// Refine a spread of candidates: the cheapest of each distinct set of
	// changed features first, so that sparsification does not collapse
	// every answer onto the same cheapest feature.
	picked := make([]*cand, 0, limit)
	taken := make([]bool, len(found))
	sets := map[string]bool{}
	for i, c := range found {
		if len(picked) == limit {
			break
		}
		key := make([]byte, s.d)
		for j := range c.x {
			if s.leader(j) && s.unitChanged(c.x, s.x, j) {
				key[j] = 1
			}
		}
		if !sets[string(key)] {
			sets[string(key)] = true
			picked = append(picked, c)
			taken[i] = true
		}
	}
	for i, c := range found {
		if len(picked) == limit {
			break
		}
		if !taken[i] {
			picked = append(picked, c)
		}
	}
	out := make([]*cand, 0, limit)
	for _, c0 := range picked {
		c := &cand{x: append([]float64(nil), c0.x...), y: c0.y, gap: c0.gap, cost: c0.cost}
		// Greedy sparsification: revert the change whose reversal keeps the
		// goal and lowers the cost most, until none can be reverted.
		for {
			var trials []*cand
			for j := range c.x {
				if s.leader(j) && s.unitChanged(c.x, s.x, j) {
					t := &cand{x: append([]float64(nil), c.x...)}
					s.copyUnit(t.x, s.x, j)
					trials = append(trials, t)
				}
			}
			if len(trials) == 0 {
				break
			}
			if err := s.evaluate(ctx, trials); err != nil {
				return nil, err
			}
			var best *cand
			for _, t := range trials {
				if t.gap == 0 && (best == nil || t.cost < best.cost) {
					best = t
				}
			}
			if best == nil {
				break
			}
			c = best
		}
		// Pull each changed numeric feature toward the original value by
		// bisection between the counterfactual value and the nearest
		// feasible value to the original.
		for j, v := range c.x {
			f := s.feas[j]
			if v == s.x[j] || f.categorial || f.fixed {
				continue
			}
			target := math.Min(math.Max(s.x[j], f.lo), f.hi)
			lo, hi := target, v // hi is valid; lo is the ideal
			for it := 0; it < 12; it++ {
				mid := lo/2 + hi/2 // (lo+hi)/2 would overflow near float64's limits
				if f.integer {
					mid = math.Round(mid)
					if mid == hi || mid == lo {
						break
					}
				}
				if !s.ok(j, mid) {
					break
				}
				t := &cand{x: append([]float64(nil), c.x...)}
				t.x[j] = mid
				if err := s.evaluate(ctx, []*cand{t}); err != nil {
					return nil, err
				}
				if t.gap == 0 {
					hi, c = mid, t
				} else {
					lo = mid
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// choose picks k distinct candidates greedily: the cheapest first, then
// each time the one maximising −cost + DiversityWeight·(distance to the
// nearest chosen)/d.
func (s *cfSearch) choose(ctx context.Context, cands []*cand) (CounterfactualResult, error) {
	seen := map[string]bool{}
	var uniq []*cand
	for _, c := range cands {
		key := fmt.Sprint(c.x)
		if !seen[key] {
			seen[key] = true
			uniq = append(uniq, c)
		}
	}
	sort.SliceStable(uniq, func(a, b int) bool { return uniq[a].cost < uniq[b].cost })
	var chosen []*cand
	used := make([]bool, len(uniq))
	for len(chosen) < s.k && len(chosen) < len(uniq) {
		bi, bs := -1, math.Inf(-1)
		for i, c := range uniq {
			if used[i] {
				continue
			}
			score := -c.cost
			if len(chosen) > 0 {
				near := math.Inf(1)
				for _, o := range chosen {
					near = math.Min(near, s.spread(c.x, o.x))
				}
				if near < 0.01 {
					continue // a near-duplicate of a chosen one adds nothing
				}
				score += s.dw * near / float64(s.d)
			}
			if score > bs {
				bi, bs = i, score
			}
		}
		if bi < 0 {
			break
		}
		used[bi] = true
		chosen = append(chosen, uniq[bi])
	}
	summaries, err := s.summaries(ctx, chosen)
	if err != nil {
		return CounterfactualResult{ModelEvaluations: s.evals}, err
	}
	res := CounterfactualResult{ModelEvaluations: s.evals}
	pairs := 0
	for i, c := range chosen {
		cf := Counterfactual{X: c.x, Output: c.y, Valid: c.gap == 0, Distance: s.distance(c.x, s.x), Outcome: s.opts.Outcome}
		for j, v := range c.x {
			if v != s.x[j] {
				cf.Changed = append(cf.Changed, j)
				cf.Changes = append(cf.Changes, FeatureChange{Feature: s.names[j], From: s.x[j], To: v})
			}
			if s.leader(j) && s.unitChanged(c.x, s.x, j) {
				cf.ChangedNames = append(cf.ChangedNames, s.unitName[j])
			}
		}
		cf.Sparsity = len(cf.ChangedNames)
		cf.Summary = summaries[i]
		for o, other := range chosen {
			if o != i {
				cf.Diversity += s.distance(c.x, other.x) / float64(len(chosen)-1)
			}
			if o > i {
				res.Diversity += s.distance(c.x, other.x)
				pairs++
			}
		}
		res.Proximity += cf.Distance / float64(len(chosen))
		res.Sparsity += float64(cf.Sparsity) / float64(len(chosen))
		res.Counterfactuals = append(res.Counterfactuals, cf)
	}
	if pairs > 0 {
		res.Diversity /= float64(pairs)
	}
	if s.k > 0 {
		res.Validity = float64(len(chosen)) / float64(s.k)
	}
	return res, nil
}

// binding finds the constraints whose relaxation alone lets a short search
// reach the goal, and words them for the error message.
func (s *cfSearch) binding(ctx context.Context) (string, error) {
	var active, binding []string
	for j, c := range s.cons {
		if oh := s.feas[j].onehot; oh != nil {
			if !s.leader(j) || !s.feas[j].fixed {
				continue
			}
			desc := s.unitName[j] + " is immutable"
			active = append(active, desc)
			relaxed := append([]feasible(nil), s.feas...)
			for _, m := range oh {
				relaxed[m].fixed = false
			}
			found, _, err := s.run(ctx, relaxed, 32, 20)
			if err != nil {
				return "", err
			}
			if len(found) > 0 {
				binding = append(binding, desc)
			}
			continue
		}
		desc := s.describe(j, c)
		if desc == "" {
			continue
		}
		active = append(active, desc)
		relaxed := append([]feasible(nil), s.feas...)
		lo, hi := s.dataLo[j], s.dataHi[j]
		if s.opts.Data.Rows == 0 && c.Range != nil {
			lo, hi = c.Range.Min, c.Range.Max
		}
		// Free the feature over a range twice as wide as the data's.
		// Halves, and a clamp, keep it finite near float64's limits.
		w := math.Max(hi/2-lo/2, math.Max(0.5, math.Abs(s.x[j]/2)))
		lo = math.Max(math.Min(lo, s.x[j])-w, -math.MaxFloat64)
		hi = math.Min(math.Max(hi, s.x[j])+w, math.MaxFloat64)
		relaxed[j] = feasible{lo: lo, hi: hi, integer: c.Integer && c.Categories == nil}
		if c.Categories != nil && !c.Immutable && c.Range == nil && c.Monotone == MonotoneNone {
			continue // categories are not a relaxable bound
		}
		found, _, err := s.run(ctx, relaxed, 32, 20)
		if err != nil {
			return "", err
		}
		if len(found) > 0 {
			binding = append(binding, desc)
		}
	}
	switch {
	case len(binding) > 0:
		return "binding constraints: " + strings.Join(binding, "; "), nil
	case len(active) > 0:
		return "no single relaxed constraint reaches it; active constraints: " + strings.Join(active, "; "), nil
	}
	return "the goal is not reached anywhere in the searched feature ranges", nil
}

func (s *cfSearch) describe(j int, c FeatureConstraint) string {
	var parts []string
	if c.Immutable {
		parts = append(parts, "is immutable")
	} else {
		if c.Range != nil {
			parts = append(parts, fmt.Sprintf("range [%g, %g]", c.Range.Min, c.Range.Max))
		}
		switch c.Monotone {
		case MonotoneIncreasing:
			parts = append(parts, "may only increase")
		case MonotoneDecreasing:
			parts = append(parts, "may only decrease")
		}
		if c.Categories != nil {
			parts = append(parts, fmt.Sprintf("categories %v", c.Categories))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return s.names[j] + " " + strings.Join(parts, ", ")
}
