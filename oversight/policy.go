package oversight

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/aimskit/aimskit/aims"
)

// Route is where a Gate sends a candidate decision.
type Route int

// Routes, from least to most restrictive.
const (
	// RouteApply applies the decision automatically.
	RouteApply Route = iota
	// RouteReview holds the decision for a human.
	RouteReview
	// RouteBlock refuses the decision.
	RouteBlock
)

// String returns apply, review or block.
func (r Route) String() string {
	switch r {
	case RouteApply:
		return "apply"
	case RouteReview:
		return "review"
	case RouteBlock:
		return "block"
	}
	return fmt.Sprintf("route(%d)", int(r))
}

func (r Route) action() aims.OversightAction {
	switch r {
	case RouteApply:
		return aims.ActionApply
	case RouteBlock:
		return aims.ActionBlock
	}
	return aims.ActionReview
}

// Candidate is what a Policy looks at.
type Candidate struct {
	// Decision is the candidate decision (a copy: passing it by value
	// keeps the apply path free of heap allocations). Policies must not
	// modify the maps and pointers it shares with the caller.
	Decision aims.Decision
	// Risk is the risk level the Gate knows for the decision's system.
	Risk aims.RiskLevel
}

// Verdict is a Policy's answer.
type Verdict struct {
	// Route is where the candidate decision goes.
	Route Route
	// Policy names the policy that decided; it goes into the decision
	// record.
	Policy string
	// Reason says why, for the decision record.
	Reason string
}

// Policy routes a candidate decision. Custom policies are plain functions;
// they must be safe for concurrent use and fast, since they run on every
// decision.
type Policy func(ctx context.Context, c Candidate) Verdict

// applyVerdict is what the built-in policies say when they have no objection.
func applyVerdict(policy string) Verdict { return Verdict{Route: RouteApply, Policy: policy} }

// Strictest combines policies: every policy is asked and the most
// restrictive verdict wins (block over review over apply); among equally
// restrictive verdicts the first wins. With no policies it applies.
func Strictest(policies ...Policy) Policy {
	ps := append([]Policy(nil), policies...)
	return func(ctx context.Context, c Candidate) Verdict {
		best := Verdict{Route: RouteApply, Policy: "strictest"}
		for i, p := range ps {
			v := p(ctx, c)
			if i == 0 || v.Route > best.Route {
				best = v
			}
		}
		return best
	}
}

// Always routes every decision the same way, e.g. Always(RouteReview,
// "pilot phase: every decision is reviewed").
func Always(route Route, reason string) Policy {
	return func(context.Context, Candidate) Verdict {
		return Verdict{Route: route, Policy: "always", Reason: reason}
	}
}

// RiskAtLeast holds decisions of systems whose risk level ranks at least
// min (see aims.RiskLevel.Rank; unspecified ranks as high) for review, and
// blocks prohibited systems.
func RiskAtLeast(min aims.RiskLevel) Policy {
	return func(_ context.Context, c Candidate) Verdict {
		if c.Risk == aims.RiskProhibited {
			return Verdict{Route: RouteBlock, Policy: "risk_level", Reason: "system is classified as prohibited"}
		}
		if c.Risk.AtLeast(min) {
			level := string(c.Risk)
			if level == "" {
				level = "unspecified (treated as high)"
			}
			return Verdict{Route: RouteReview, Policy: "risk_level", Reason: "system risk level is " + level}
		}
		return applyVerdict("risk_level")
	}
}

// ScoreBand holds for review decisions whose score lies within width of
// their threshold (|score − threshold| ≤ width): the uncertain cases near
// the decision boundary. Decisions without a score or threshold pass.
func ScoreBand(width float64) (Policy, error) {
	if math.IsNaN(width) || math.IsInf(width, 0) || width < 0 {
		return nil, fmt.Errorf("oversight: score band width %v must be a finite number ≥ 0", width)
	}
	return func(_ context.Context, c Candidate) Verdict {
		d := &c.Decision
		if d.Score == nil || d.Threshold == nil {
			return applyVerdict("score_band")
		}
		if math.Abs(*d.Score-*d.Threshold) <= width {
			return Verdict{Route: RouteReview, Policy: "score_band",
				Reason: fmt.Sprintf("score %.4g within %.4g of threshold %.4g", *d.Score, width, *d.Threshold)}
		}
		return applyVerdict("score_band")
	}, nil
}

// AdverseOutcome holds adverse decisions (those against their subject)
// for review.
func AdverseOutcome() Policy {
	return func(_ context.Context, c Candidate) Verdict {
		if c.Decision.Adverse {
			return Verdict{Route: RouteReview, Policy: "adverse_outcome", Reason: "decision is adverse to its subject"}
		}
		return applyVerdict("adverse_outcome")
	}
}

// Sample holds a random fraction rate of decisions for review: spot checks
// of decisions that would otherwise be applied automatically. The random
// source is seeded (PCG), so a test or an audit can reproduce the sample.
func Sample(rate float64, seed uint64) (Policy, error) {
	if math.IsNaN(rate) || rate < 0 || rate > 1 {
		return nil, fmt.Errorf("oversight: sampling rate %v must be within [0, 1]", rate)
	}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	reason := fmt.Sprintf("random spot check (rate %g)", rate)
	return func(context.Context, Candidate) Verdict {
		mu.Lock()
		u := rng.Float64()
		mu.Unlock()
		if u < rate {
			return Verdict{Route: RouteReview, Policy: "sample", Reason: reason}
		}
		return applyVerdict("sample")
	}, nil
}

// FeatureRule routes a decision to route when match says so for the input
// feature named feature. match gets the value and whether the feature is
// present at all (so a rule can also catch missing inputs). name names the
// rule in the decision record.
func FeatureRule(name, feature string, route Route, match func(value any, present bool) bool) (Policy, error) {
	if name == "" || feature == "" || match == nil {
		return nil, fmt.Errorf("oversight: feature rule needs a name, a feature and a match function (got name %q, feature %q)", name, feature)
	}
	if route < RouteApply || route > RouteBlock {
		return nil, fmt.Errorf("oversight: feature rule %q has unknown route %d", name, int(route))
	}
	return func(_ context.Context, c Candidate) Verdict {
		v, ok := c.Decision.Inputs[feature]
		if match(v, ok) {
			return Verdict{Route: route, Policy: name, Reason: "feature rule " + name + " matched " + feature}
		}
		return applyVerdict(name)
	}, nil
}
