package explain

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// The search space of a counterfactual search: which values each feature
// may take under its constraints, how candidates are sampled from it, and
// how far a candidate is from the input.

// feasible is the set of values one feature may take.
type feasible struct {
	onehot     []int     // the columns of the feature's one-hot group, if any
	fixed      bool      // only the original value
	cats       []float64 // categorical: these values (original always allowed too)
	lo, hi     float64   // numeric interval
	integer    bool
	categorial bool
}

type cfSearch struct {
	model  Model
	x      []float64
	d      int
	goal   Goal
	k      int
	names  []string
	cons   []FeatureConstraint
	mad    []float64
	feas   []feasible
	dataLo []float64
	dataHi []float64
	opts   *CounterfactualOptions
	// unitName names the unit led by each column (a one-hot group's name
	// at its first column).
	unitName []string
	pop      int
	gens     int
	evals    int
	rng      *rand.Rand
	pw, sw   float64
	dw       float64
}

func newCFSearch(model Model, x []float64, goal Goal, k int, o *CounterfactualOptions) (*cfSearch, error) {
	d := len(x)
	if model == nil {
		return nil, fmt.Errorf("explain: model is nil")
	}
	if d == 0 {
		return nil, fmt.Errorf("explain: the input row is empty")
	}
	if err := validateRow(x, d); err != nil {
		return nil, err
	}
	if math.IsNaN(goal.Min) || math.IsNaN(goal.Max) || goal.Min > goal.Max {
		return nil, fmt.Errorf("explain: goal %v is empty", goal)
	}
	if k < 0 || k > MaxCounterfactuals {
		return nil, fmt.Errorf("explain: K %d is not in [0, %d] (MaxCounterfactuals)", k, MaxCounterfactuals)
	}
	if o.Constraints != nil && len(o.Constraints) != d {
		return nil, fmt.Errorf("explain: %d constraints for %d features", len(o.Constraints), d)
	}
	if o.FeatureNames != nil && len(o.FeatureNames) != d {
		return nil, fmt.Errorf("explain: %d feature names for %d features", len(o.FeatureNames), d)
	}
	if o.Population < 0 || o.Generations < 0 {
		return nil, fmt.Errorf("explain: negative search settings (Population %d, Generations %d)", o.Population, o.Generations)
	}
	if o.Population > MaxPopulation || o.Generations > MaxGenerations {
		return nil, fmt.Errorf("explain: search settings too large (Population %d, at most %d; Generations %d, at most %d)",
			o.Population, MaxPopulation, o.Generations, MaxGenerations)
	}
	for _, w := range []struct {
		name string
		v    float64
	}{{"ProximityWeight", o.ProximityWeight}, {"SparsityWeight", o.SparsityWeight}, {"DiversityWeight", o.DiversityWeight}} {
		if !(w.v >= 0) || math.IsInf(w.v, 1) {
			return nil, fmt.Errorf("explain: %s %v is not a finite number >= 0", w.name, w.v)
		}
	}
	s := &cfSearch{model: model, x: x, d: d, goal: goal, k: k, opts: o,
		pop: o.Population, gens: o.Generations, pw: o.ProximityWeight, sw: o.SparsityWeight, dw: o.DiversityWeight}
	if s.pop == 0 {
		s.pop = 64
	}
	if s.pop < 4 {
		s.pop = 4
	}
	if s.gens == 0 {
		s.gens = 60
	}
	if s.pw == 0 && s.sw == 0 {
		s.pw, s.sw = 0.5, 0.5
	}
	if s.dw == 0 {
		s.dw = 1
	}
	seed := o.Seed
	if seed == 0 {
		seed = 1
	}
	s.rng = rand.New(rand.NewPCG(seed, 0x63666163))
	cfg := config{names: o.FeatureNames}
	s.names = cfg.featureNames(d)
	s.cons = o.Constraints
	if s.cons == nil {
		s.cons = make([]FeatureConstraint, d)
	}
	s.mad = make([]float64, d)
	s.dataLo = make([]float64, d)
	s.dataHi = make([]float64, d)
	hasData := o.Data.Rows > 0
	if hasData {
		if err := o.Data.Validate(); err != nil {
			return nil, fmt.Errorf("explain: counterfactual data: %w", err)
		}
		if o.Data.Cols != d {
			return nil, fmt.Errorf("explain: counterfactual data has %d features, the input %d", o.Data.Cols, d)
		}
	}
	col := make([]float64, o.Data.Rows)
	for j := 0; j < d; j++ {
		s.mad[j] = 1
		if hasData {
			for i := range col {
				col[i] = o.Data.Data[i*d+j]
				if math.IsNaN(col[i]) || math.IsInf(col[i], 0) {
					return nil, fmt.Errorf("explain: counterfactual data row %d feature %s is %v", i, s.names[j], col[i])
				}
			}
			sort.Float64s(col)
			s.dataLo[j], s.dataHi[j] = col[0], col[len(col)-1]
			med := median(col)
			for i := range col {
				col[i] = math.Abs(col[i] - med)
			}
			sort.Float64s(col)
			if m := median(col); m > 0 {
				s.mad[j] = m
			}
		}
	}
	s.feas = make([]feasible, d)
	s.unitName = append([]string(nil), s.names...)
	inGroup := make([]bool, d)
	for gi, g := range o.OneHot {
		if len(g.Features) < 2 {
			return nil, fmt.Errorf("explain: one-hot group %d (%q) needs at least two columns", gi, g.Name)
		}
		ones, immutable := 0, false
		for _, j := range g.Features {
			if j < 0 || j >= d {
				return nil, fmt.Errorf("explain: one-hot group %q names column %d of %d", g.Name, j, d)
			}
			if inGroup[j] {
				return nil, fmt.Errorf("explain: column %d is in two one-hot groups", j)
			}
			inGroup[j] = true
			switch x[j] {
			case 1:
				ones++
			case 0:
			default:
				// The value is the person's: the error names the column
				// and the rule, not the value.
				return nil, fmt.Errorf("explain: one-hot column %s (column %d) of the input is not 0 or 1", s.names[j], j)
			}
			immutable = immutable || s.cons[j].Immutable
		}
		if ones != 1 {
			return nil, fmt.Errorf("explain: one-hot group %q of the input has %d columns set, want exactly 1", g.Name, ones)
		}
		cols := append([]int(nil), g.Features...)
		for _, j := range cols {
			s.feas[j] = feasible{onehot: cols, fixed: immutable, categorial: true}
		}
		if g.Name != "" {
			s.unitName[cols[0]] = g.Name
		}
	}
	for j := range s.feas {
		if inGroup[j] {
			continue
		}
		f, err := s.feasibleFor(j, s.cons[j], hasData)
		if err != nil {
			return nil, err
		}
		s.feas[j] = f
	}
	if err := s.checkScale(); err != nil {
		return nil, err
	}
	return s, nil
}

// checkScale makes sure that every distance and cost the search can form
// is finite: a change across a feature's whole feasible range, in MADs,
// summed over the features and weighted, must stay within float64's
// range. Only inputs near its limits (or a MAD of a few subnormals) fail,
// and they would otherwise give +Inf distances and NaN scores.
func (s *cfSearch) checkScale() error {
	total := float64(s.d)
	for j, f := range s.feas {
		if f.fixed || f.categorial {
			continue
		}
		xj := s.x[j]
		span := math.Max(f.hi-f.lo, math.Max(math.Abs(f.hi-xj), math.Abs(xj-f.lo))) / s.mad[j]
		if !(span <= math.MaxFloat64) {
			// The error gives the feature's range as configured (its
			// Range, or the Data's), not the input's value, nor the
			// feasible range a monotone constraint clamps to the input.
			lo, hi := s.dataLo[j], s.dataHi[j]
			if r := s.cons[j].Range; r != nil {
				lo, hi = r.Min, r.Max
			}
			return fmt.Errorf("explain: feature %s: a change within [%g, %g], or from the input to that range, is %g MADs (MAD %g); rescale the feature or narrow its range", s.names[j], lo, hi, span, s.mad[j])
		}
		total += span
	}
	if w := math.Max(s.pw, s.dw) * total; !(w <= math.MaxFloat64) {
		return fmt.Errorf("explain: counterfactual distances of up to %g MADs weighted by %g overflow float64; rescale the features or the weights", total, math.Max(s.pw, s.dw))
	}
	return nil
}

// leader reports whether column j starts a unit of change: a column of its
// own or the first column of a one-hot group.
func (s *cfSearch) leader(j int) bool {
	oh := s.feas[j].onehot
	return oh == nil || oh[0] == j
}

// unitCols returns the columns that change together with column j.
func (s *cfSearch) unitCols(j int) []int {
	if oh := s.feas[j].onehot; oh != nil {
		return oh
	}
	return []int{j}
}

// unitChanged reports whether the unit led by j differs between a and b.
func (s *cfSearch) unitChanged(a, b []float64, j int) bool {
	for _, c := range s.unitCols(j) {
		if a[c] != b[c] {
			return true
		}
	}
	return false
}

// copyUnit copies the unit led by j from src to dst.
func (s *cfSearch) copyUnit(dst, src []float64, j int) {
	for _, c := range s.unitCols(j) {
		dst[c] = src[c]
	}
}

// sampleUnit gives the unit led by j a random feasible value: a new
// category for a one-hot group, a feasible value for a column.
func (s *cfSearch) sampleUnit(dst []float64, f feasible, j int) {
	if f.onehot == nil {
		dst[j] = s.sample(f, j)
		return
	}
	if f.fixed {
		s.copyUnit(dst, s.x, j)
		return
	}
	var others []int
	for _, c := range f.onehot {
		if s.x[c] != 1 {
			others = append(others, c)
		}
	}
	hot := others[s.rng.IntN(len(others))]
	for _, c := range f.onehot {
		dst[c] = 0
	}
	dst[hot] = 1
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return sorted[n/2-1]/2 + sorted[n/2]/2 // the sum could overflow
}

// feasibleFor turns a feature's constraint into its feasible set.
func (s *cfSearch) feasibleFor(j int, c FeatureConstraint, hasData bool) (feasible, error) {
	xj := s.x[j]
	if c.Immutable {
		return feasible{fixed: true}, nil
	}
	if c.Range != nil && (math.IsNaN(c.Range.Min) || math.IsNaN(c.Range.Max) || c.Range.Min > c.Range.Max) {
		return feasible{}, fmt.Errorf("explain: feature %s has an empty range [%v, %v]", s.names[j], c.Range.Min, c.Range.Max)
	}
	allowed := func(v float64) bool {
		if c.Range != nil && (v < c.Range.Min || v > c.Range.Max) {
			return false
		}
		if c.Monotone == MonotoneIncreasing && v < xj || c.Monotone == MonotoneDecreasing && v > xj {
			return false
		}
		return !c.Integer || v == math.Trunc(v)
	}
	if c.Categories != nil {
		f := feasible{categorial: true}
		for _, v := range c.Categories {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return feasible{}, fmt.Errorf("explain: feature %s has category %v; categories must be finite", s.names[j], v)
			}
		}
		for _, v := range c.Categories {
			if v != xj && allowed(v) {
				f.cats = append(f.cats, v)
			}
		}
		f.fixed = len(f.cats) == 0
		return f, nil
	}
	f := feasible{integer: c.Integer}
	switch {
	case c.Range != nil:
		f.lo, f.hi = c.Range.Min, c.Range.Max
	case hasData:
		f.lo, f.hi = s.dataLo[j], s.dataHi[j]
	default:
		return feasible{}, fmt.Errorf("explain: feature %s is mutable but has no Range and no Data to bound it", s.names[j])
	}
	if math.IsInf(f.lo, 0) || math.IsInf(f.hi, 0) {
		return feasible{}, fmt.Errorf("explain: feature %s needs a finite range to search, got [%v, %v]", s.names[j], f.lo, f.hi)
	}
	if c.Monotone == MonotoneIncreasing {
		f.lo = math.Max(f.lo, xj)
	} else if c.Monotone == MonotoneDecreasing {
		f.hi = math.Min(f.hi, xj)
	}
	if c.Integer {
		f.lo, f.hi = math.Ceil(f.lo), math.Floor(f.hi)
	}
	f.fixed = f.lo > f.hi || (f.lo == f.hi && f.lo == xj)
	return f, nil
}

// sample draws a feasible value for feature j other than keeping x_j.
func (s *cfSearch) sample(f feasible, j int) float64 {
	switch {
	case f.fixed:
		return s.x[j]
	case f.categorial:
		return f.cats[s.rng.IntN(len(f.cats))]
	case f.integer:
		// Every float64 from 2^53 on is an integer, so a wider span is
		// sampled as a continuous one and rounded.
		if span := f.hi - f.lo; span < 1<<53 {
			return f.lo + float64(s.rng.Int64N(int64(span)+1))
		}
		return math.Min(math.Max(math.Round(uniform(f.lo, f.hi, s.rng.Float64())), f.lo), f.hi)
	}
	return uniform(f.lo, f.hi, s.rng.Float64())
}

// uniform maps u in [0,1) into [lo, hi]. A span hi−lo beyond float64's
// range (lo and hi near its limits) is interpolated without forming it,
// where lo + u·(hi−lo) would give ±Inf.
func uniform(lo, hi, u float64) float64 {
	if span := hi - lo; !math.IsInf(span, 0) {
		return lo + u*span
	}
	return math.Min(math.Max(lo*(1-u)+hi*u, lo), hi)
}

// ok reports whether v is a permitted value of feature j: the original
// value, or a value of its feasible set.
func (s *cfSearch) ok(j int, v float64) bool {
	f := s.feas[j]
	if v == s.x[j] {
		return true
	}
	switch {
	case f.fixed:
		return false
	case f.categorial:
		for _, c := range f.cats {
			if c == v {
				return true
			}
		}
		return false
	case f.integer && v != math.Trunc(v):
		return false
	}
	return v >= f.lo && v <= f.hi
}

// score runs the model on rows, checking the outputs.
func (s *cfSearch) score(ctx context.Context, rows [][]float64) ([]float64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := NewMatrix(len(rows), s.d)
	for i, r := range rows {
		copy(m.Row(i), r)
	}
	out := make([]float64, len(rows))
	if err := s.model.Predict(ctx, m, out); err != nil {
		return nil, fmt.Errorf("explain: model: %w", err)
	}
	s.evals += len(rows)
	for _, y := range out {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return nil, fmt.Errorf("explain: model returned %v for a candidate counterfactual; outputs must be finite", y)
		}
	}
	return out, nil
}

// distance is the MAD-scaled L1 distance between two inputs.
func (s *cfSearch) distance(a, b []float64) float64 {
	t := 0.0
	for j := range a {
		if s.feas[j].onehot != nil {
			if s.leader(j) && s.unitChanged(a, b, j) {
				t++
			}
			continue
		}
		if a[j] == b[j] {
			continue
		}
		if s.feas[j].categorial {
			t++
		} else {
			t += math.Abs(a[j]-b[j]) / s.mad[j]
		}
	}
	return t
}

// spread is the dissimilarity used for diversity: the MAD-scaled distance
// plus the number of features changed in one counterfactual but not in the
// other, so that answers changing different features count as diverse.
func (s *cfSearch) spread(a, b []float64) float64 {
	t := s.distance(a, b)
	for j := range a {
		if s.leader(j) && s.unitChanged(a, s.x, j) != s.unitChanged(b, s.x, j) {
			t++
		}
	}
	return t
}

// changed counts the changed units (a one-hot group counts once).
func (s *cfSearch) changed(c []float64) int {
	n := 0
	for j := range c {
		if s.leader(j) && s.unitChanged(c, s.x, j) {
			n++
		}
	}
	return n
}

func (s *cfSearch) cost(c []float64) float64 {
	d := float64(s.d)
	return s.pw*s.distance(c, s.x)/d + s.sw*float64(s.changed(c))/d
}
