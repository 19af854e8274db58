package explain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/record"
)

// Goal is the output range a counterfactual must reach, inclusive at both
// ends; use ±Inf for an open side. [Above], [Below] and [Between] build
// the usual goals; a class flip of a probability model at threshold 0.5 is
// Above(0.5) for a rejected input.
type Goal struct {
	Min, Max float64 // the lowest and highest output that reach the goal
}

// Above is the goal output ≥ t.
func Above(t float64) Goal { return Goal{Min: t, Max: math.Inf(1)} }

// Below is the goal output < t (strictly, so that a class decided by
// output ≥ t flips).
func Below(t float64) Goal { return Goal{Min: math.Inf(-1), Max: math.Nextafter(t, math.Inf(-1))} }

// Between is the goal lo ≤ output ≤ hi.
func Between(lo, hi float64) Goal { return Goal{Min: lo, Max: hi} }

// String formats the goal as the interval [Min, Max].
func (g Goal) String() string { return fmt.Sprintf("[%g, %g]", g.Min, g.Max) }

// gap is 0 inside the goal, else the distance to it.
func (g Goal) gap(y float64) float64 {
	switch {
	case y < g.Min:
		return g.Min - y
	case y > g.Max:
		return y - g.Max
	}
	return 0
}

// Monotone restricts the direction in which a feature may change.
type Monotone int

// The monotone directions.
const (
	// MonotoneNone lets the feature move either way.
	MonotoneNone Monotone = iota
	// MonotoneIncreasing lets the feature only increase (age, years of education).
	MonotoneIncreasing
	// MonotoneDecreasing lets the feature only decrease.
	MonotoneDecreasing
)

// Range is a closed interval of permitted values.
type Range struct {
	Min, Max float64 // the lowest and highest permitted value
}

// FeatureConstraint restricts how one feature may change in a
// counterfactual. The zero value leaves the feature free within the range
// observed in [CounterfactualOptions.Data]. The original value of a
// feature is always allowed (leaving a feature unchanged never violates a
// constraint).
type FeatureConstraint struct {
	// Immutable features never change (date of birth, protected attributes).
	Immutable bool
	// Range bounds a changed value; default: the range observed in Data.
	Range *Range
	// Monotone restricts the direction of change.
	Monotone Monotone
	// Integer features only take integer values.
	Integer bool
	// Categories, when set, are the only values a changed feature may take
	// (a categorical feature coded as numbers); they must be finite.
	Categories []float64
}

// CounterfactualOptions configures [Counterfactuals].
type CounterfactualOptions struct {
	// K is the number of diverse counterfactuals wanted (default 3).
	K int
	// FeatureNames name the features in results and errors (default x0, x1, …).
	FeatureNames []string
	// Constraints holds one entry per feature, or nil for no constraints.
	Constraints []FeatureConstraint
	// OneHot lists one-hot encoded categorical features: the columns of a
	// group hold exactly one 1 and otherwise 0, and change together (a
	// different category is one changed feature, at distance 1). Only the
	// Immutable flag of a member's constraint applies (any immutable member
	// freezes the group).
	OneHot []Group
	// Data is reference data (e.g. the training set or the background):
	// it provides the MAD scale of each feature's distance and the default
	// permitted range. Without Data every mutable numeric feature needs a
	// Range and distances are unscaled.
	Data Matrix
	// Seed makes the search reproducible (default 1).
	Seed uint64
	// Population and Generations size the genetic search (defaults 64 and 60).
	Population, Generations int
	// ProximityWeight and SparsityWeight weight the MAD-scaled L1 distance
	// and the number of changed features, both divided by the number of
	// features (defaults 0.5 and 0.5, as DiCE's proximity weight). The
	// three weights must be finite and >= 0.
	ProximityWeight, SparsityWeight float64
	// DiversityWeight weights the distance between the chosen
	// counterfactuals (default 1).
	DiversityWeight float64
	// Outcome is the decision output the goal stands for ("approve"); each
	// counterfactual carries it into the decision record.
	Outcome string
	// OutcomeText opens each counterfactual's Summary: "approved" gives
	// "approved if income ≥ 52,100". The default is Outcome, or, without
	// one, the goal ("output ≥ 0.5 if …").
	OutcomeText string
}

// Counterfactual is one changed input that reaches the goal.
type Counterfactual struct {
	// X is the counterfactual input.
	X []float64
	// Output is the model output at X.
	Output float64
	// Valid reports that Output is within the goal.
	Valid bool
	// Changed lists the indices of the columns that differ from the
	// original input. ChangedNames names the changed features, a one-hot
	// group once by its group name.
	Changed      []int    // indices of the changed columns, ascending
	ChangedNames []string // the changed features' names, in column order
	// Distance is the MAD-scaled L1 distance to the original input
	// (categorical features count 1 when changed): its proximity.
	Distance float64
	// Sparsity is the number of changed features (len(ChangedNames)).
	Sparsity int
	// Diversity is the mean distance to the other returned counterfactuals.
	Diversity float64
	// Changes lists every changed column with its original and new value,
	// in column order.
	Changes []FeatureChange
	// Summary words the counterfactual for people: "approved if income ≥
	// 52,100 and debt ≤ 3,000" (see [CounterfactualOptions.OutcomeText]).
	// Numbers are rounded away from the original value, so the sentence
	// asks for at least the change the search found.
	Summary string
	// Outcome is [CounterfactualOptions.Outcome].
	Outcome string
}

// FeatureChange is one feature moved by a counterfactual, from its
// original value to the counterfactual's. It is the decision record's
// type (aims.FeatureChange), so it needs no conversion.
type FeatureChange = record.FeatureChange

// CounterfactualResult holds the counterfactuals found and their quality.
type CounterfactualResult struct {
	// Counterfactuals are the ones chosen, at most K, the closest first.
	Counterfactuals []Counterfactual
	// Validity is the fraction of the K requested counterfactuals that were
	// found valid and distinct.
	Validity float64
	// Proximity is the mean Distance, Sparsity the mean number of changed
	// features, Diversity the mean pairwise distance between results.
	Proximity, Sparsity, Diversity float64
	// ModelEvaluations counts the rows scored by the model.
	ModelEvaluations int
}

// Counterfactuals searches for k diverse counterfactuals of x that bring
// model's output into goal while never violating the feature constraints,
// minimising the MAD-scaled L1 distance (Wachter et al. 2017) and the
// number of changed features. The search follows DiCE's genetic method
// (Mothilal et al. 2020, "Explaining machine learning classifiers through
// diverse counterfactual explanations"): a random start in the feasible
// space, then selection, crossover and mutation, where every operator only
// produces feasible values, so constraints hold by construction. Valid
// candidates are then made sparser (changes reverted while the goal still
// holds) and closer (each changed numeric feature pulled back toward its
// original value by bisection), and k are chosen greedily for low cost and
// high spread. The search is deterministic for a seed and stops when ctx
// is cancelled. If no candidate reaches the goal, the error names the
// constraints that bind: those whose relaxation alone makes it reachable.
//
// The search is one span, from the provider of [WithTracerProvider] in
// tel (the global one without it); tel takes only the telemetry options,
// since the search parameters are in opts ([WithMeterProvider] is
// accepted and unused: a search records no metrics).
func Counterfactuals(ctx context.Context, model Model, x []float64, goal Goal, opts CounterfactualOptions, tel ...Option) (res CounterfactualResult, err error) {
	for _, o := range tel {
		if _, ok := o.(telemetryOption); o != nil && !ok {
			return CounterfactualResult{}, errors.New("explain: Counterfactuals takes only WithTracerProvider and WithMeterProvider as options; search parameters go in CounterfactualOptions")
		}
	}
	cfg, err := newConfig(tel)
	if err != nil {
		return CounterfactualResult{}, err
	}
	k := opts.K
	if k == 0 {
		k = 3
	}
	ctx, span := cfg.tel.Tracer(semconv.ScopeExplain).Start(ctx, semconv.SpanCounterfactuals, trace.WithAttributes(
		semconv.AimsExplanationFeatures.Int(len(x)),
		semconv.AimsCounterfactualRequested.Int(k),
		semconv.AimsControlID.String(controlExplanation),
	))
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		} else {
			span.SetAttributes(semconv.AimsCounterfactualFound.Int(len(res.Counterfactuals)))
		}
		span.SetAttributes(semconv.AimsExplanationModelEvaluations.Int(res.ModelEvaluations))
		span.End()
	}()
	s, err := newCFSearch(model, x, goal, k, &opts)
	if err != nil {
		return CounterfactualResult{}, err
	}
	y, err := s.score(ctx, [][]float64{x})
	if err != nil {
		return CounterfactualResult{}, err
	}
	if goal.gap(y[0]) == 0 {
		return CounterfactualResult{ModelEvaluations: s.evals}, fmt.Errorf("explain: the input already reaches the goal %v (output %g)", goal, y[0])
	}
	found, best, err := s.run(ctx, s.feas, s.pop, s.gens)
	if err != nil {
		return CounterfactualResult{ModelEvaluations: s.evals}, err
	}
	if len(found) == 0 {
		if math.IsNaN(best) { // nothing could move at all
			best = y[0]
		}
		binding, err := s.binding(ctx)
		if err != nil {
			return CounterfactualResult{ModelEvaluations: s.evals}, err
		}
		return CounterfactualResult{ModelEvaluations: s.evals}, fmt.Errorf(
			"explain: no counterfactual reaches output %v within the constraints (closest output %g after %d model evaluations); %s",
			goal, best, s.evals, binding)
	}
	cands, err := s.refine(ctx, found)
	if err != nil {
		return CounterfactualResult{ModelEvaluations: s.evals}, err
	}
	return s.choose(cands), nil
}

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
	if k < 0 {
		return nil, fmt.Errorf("explain: K %d is negative", k)
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
				return nil, fmt.Errorf("explain: one-hot column %s of the input is %v, not 0 or 1", s.names[j], x[j])
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
			return fmt.Errorf("explain: feature %s: a change within [%g, %g] from %g is %g MADs (MAD %g); rescale the feature or narrow its range", s.names[j], f.lo, f.hi, xj, span, s.mad[j])
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
func (s *cfSearch) choose(cands []*cand) CounterfactualResult {
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
	res := CounterfactualResult{ModelEvaluations: s.evals}
	pairs := 0
	for i, c := range chosen {
		cf := Counterfactual{X: c.x, Output: c.y, Valid: c.gap == 0, Distance: s.distance(c.x, s.x), Outcome: s.opts.Outcome}
		var conds []string
		for j, v := range c.x {
			if v != s.x[j] {
				cf.Changed = append(cf.Changed, j)
				cf.Changes = append(cf.Changes, FeatureChange{Feature: s.names[j], From: s.x[j], To: v})
			}
			if s.leader(j) && s.unitChanged(c.x, s.x, j) {
				cf.ChangedNames = append(cf.ChangedNames, s.unitName[j])
				conds = append(conds, s.condition(c.x, j))
			}
		}
		cf.Sparsity = len(cf.ChangedNames)
		cf.Summary = s.outcomeText() + " if " + strings.Join(conds, " and ")
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
	return res
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
