package explain

import (
	"context"
	"errors"
	"fmt"
	"math"

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
	// K is the number of diverse counterfactuals wanted (default 3, at
	// most [MaxCounterfactuals]).
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
	// Population and Generations size the genetic search (defaults 64 and
	// 60, at most [MaxPopulation] and [MaxGenerations]).
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

// The largest search sizes [Counterfactuals] accepts: they size its
// allocations and its model calls (up to Population × Generations rows),
// so a larger value is an error rather than a search that exhausts memory
// or never ends. They are far above DiCE's defaults (K 1–4, population
// 10·K, 500 iterations).
const (
	// MaxCounterfactuals is the largest K.
	MaxCounterfactuals = 1 << 10
	// MaxPopulation is the largest Population.
	MaxPopulation = 1 << 14
	// MaxGenerations is the largest Generations.
	MaxGenerations = 1 << 14
)

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
	// asks for at least the change the search found, and kept within each
	// feature's permitted values (a rounding past a Range bound states the
	// bound). The sentence holds at the point it names: the model reaches
	// the goal with every stated number in place of the counterfactual's,
	// as one model call checks (counted in ModelEvaluations); where it
	// does not, the numbers are stated with a step ten times finer, and
	// failing that exactly as in X. "≥" and "≤" give the direction of the
	// change; for a model that is not monotone in a feature, values beyond
	// the stated one are not claimed to reach the goal.
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
		// Not the output itself: it is the person's score, and for a
		// simple model it gives their inputs back.
		return CounterfactualResult{ModelEvaluations: s.evals}, fmt.Errorf("explain: the input already reaches the goal %v", goal)
	}
	found, best, err := s.run(ctx, s.feas, s.pop, s.gens)
	if err != nil {
		return CounterfactualResult{ModelEvaluations: s.evals}, err
	}
	if len(found) == 0 {
		binding, err := s.binding(ctx)
		if err != nil {
			return CounterfactualResult{ModelEvaluations: s.evals}, err
		}
		if math.IsNaN(best) {
			// Nothing could move at all; the closest output would be
			// the input's own, the person's score, which is not given.
			return CounterfactualResult{ModelEvaluations: s.evals}, fmt.Errorf(
				"explain: no counterfactual reaches output %v within the constraints (no feature can change; %d model evaluations); %s",
				goal, s.evals, binding)
		}
		return CounterfactualResult{ModelEvaluations: s.evals}, fmt.Errorf(
			"explain: no counterfactual reaches output %v within the constraints (closest output of a candidate %g after %d model evaluations); %s",
			goal, best, s.evals, binding)
	}
	cands, err := s.refine(ctx, found)
	if err != nil {
		return CounterfactualResult{ModelEvaluations: s.evals}, err
	}
	return s.choose(ctx, cands)
}
