package explain

import (
	"context"
	"fmt"
	"math"
)

// Method names the algorithm that produced an [Explanation].
type Method string

// The explanation methods. Tree methods are implemented in explain/tree.
const (
	// MethodExact enumerates all 2^M coalitions of the interventional game.
	MethodExact Method = "exact"
	// MethodKernel is Kernel SHAP (Lundberg & Lee 2017), a weighted least
	// squares fit over sampled coalitions.
	MethodKernel Method = "kernel"
	// MethodPermutation averages marginal contributions over (antithetic)
	// feature permutations.
	MethodPermutation Method = "permutation"
	// MethodLinear is the closed form φ_i = w_i (x_i − E[x_i]) of a linear
	// model (or of the margin of a logistic model).
	MethodLinear Method = "linear"
	// MethodTree is interventional Tree SHAP.
	MethodTree Method = "tree"
	// MethodTreePathDependent is path-dependent Tree SHAP (Lundberg et al.
	// 2018, Algorithm 2), which uses node covers instead of a background set.
	MethodTreePathDependent Method = "tree_path_dependent"
)

// Link is the transform applied to model outputs before the game is
// formed. With [LinkLogit] a probability model is explained on its margin
// (log-odds) scale: the game is v(S) = logit(E[f(z_S)]), matching shap's
// KernelExplainer(link="logit").
type Link string

// The supported links.
const (
	LinkIdentity Link = "identity"
	LinkLogit    Link = "logit"
)

// Apply maps a raw model output into link space. It returns an error when
// the output is outside the link's domain (a logit of a value outside
// (0,1), or any NaN or infinite value).
func (l Link) Apply(p float64) (float64, error) {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return 0, fmt.Errorf("explain: model output %v is not finite", p)
	}
	switch l {
	case LinkIdentity, "":
		return p, nil
	case LinkLogit:
		if !(p > 0 && p < 1) {
			return 0, fmt.Errorf("explain: logit link needs a model output in (0,1), got %v", p)
		}
		return math.Log(p / (1 - p)), nil
	default:
		return 0, fmt.Errorf("explain: unknown link %q", string(l))
	}
}

// Explanation attributes one prediction to its features (or feature
// groups). Values are in link space: BaseValue + Σ Values = Prediction,
// exactly (to rounding) when Exact is true and up to the reported
// StdErr otherwise.
type Explanation struct {
	// Method is the algorithm that produced the values.
	Method Method `json:"method"`
	// Link is the output transform the game was formed in.
	Link Link `json:"link"`
	// FeatureNames names the players, one per entry of Values. With
	// grouped features a player is a group and this holds group names.
	FeatureNames []string `json:"feature_names"`
	// BaseValue is v(∅): the (link of the) expected model output over the
	// background set.
	BaseValue float64 `json:"base_value"`
	// Values holds one Shapley value per player.
	Values []float64 `json:"values"`
	// Prediction is v(F) = link(f(x)), the explained output.
	Prediction float64 `json:"prediction"`
	// Output is the raw model output f(x) before the link.
	Output float64 `json:"output"`
	// StdErr is the estimated standard error of each value; all zeros for
	// exact methods.
	StdErr []float64 `json:"std_err"`
	// Exact reports whether BaseValue + Σ Values = Prediction holds to
	// rounding and the values are the exact Shapley values of the game.
	// Sampling methods that enforce additivity (Kernel SHAP's constrained
	// fit) still set Exact to false unless every coalition was evaluated.
	Exact bool `json:"exact"`
	// AdditivityResidual is BaseValue + Σ Values − Prediction.
	AdditivityResidual float64 `json:"additivity_residual"`
	// ModelEvaluations counts the rows handed to the model.
	ModelEvaluations int `json:"model_evaluations"`
	// BackgroundSize is the number of distinct background rows the game
	// averaged over (identical rows are merged, their weights summed).
	BackgroundSize int `json:"background_size"`
}

// Explainer attributes model predictions to features. Implementations are
// safe for concurrent use.
type Explainer interface {
	// Explain explains the prediction for one row x.
	Explain(ctx context.Context, x []float64) (Explanation, error)
	// ExplainBatch explains every row of x, in order.
	ExplainBatch(ctx context.Context, x Matrix) ([]Explanation, error)
}

// residual returns base + Σ values − prediction, with compensated summation
// so that the additivity check is not dominated by summation error.
func residual(base float64, values []float64, prediction float64) float64 {
	s, c := base, 0.0
	for i := 0; i <= len(values); i++ {
		v := -prediction
		if i < len(values) {
			v = values[i]
		}
		t := s + v
		if math.Abs(s) >= math.Abs(v) {
			c += (s - t) + v
		} else {
			c += (v - t) + s
		}
		s = t
	}
	return s + c
}

// checkFinite returns an error when an explanation holds a number that is
// not finite. Finite coalition values near float64's limits can still
// differ, or add up, by more than its range; the caller then gets an
// error that names the player rather than an Inf or NaN attribution.
func checkFinite(e *Explanation) error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for p, v := range e.Values {
		if bad(v) {
			return fmt.Errorf("explain: %s: the value of %s is %v: the model's outputs (base %g, prediction %g) differ by more than float64's range; rescale the model's output", e.Method, e.FeatureNames[p], v, e.BaseValue, e.Prediction)
		}
	}
	for p, v := range e.StdErr {
		if bad(v) {
			return fmt.Errorf("explain: %s: the standard error of %s is %v: the sampled contributions differ by more than float64's range; rescale the model's output", e.Method, e.FeatureNames[p], v)
		}
	}
	if bad(e.AdditivityResidual) {
		return fmt.Errorf("explain: %s: base value %g plus the values overflows float64; rescale the model's output", e.Method, e.BaseValue)
	}
	return nil
}
