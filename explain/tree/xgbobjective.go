package tree

import (
	"fmt"
	"math"
)

// xgbObjective describes how an XGBoost objective turns base_score into the
// margin intercept (its ProbToMargin) and margins into outputs.
type xgbObjective struct {
	transform Transform
	// toMargin is ProbToMargin, computed as XGBoost does in float32.
	toMargin func(bs float32) (float32, error)
	multi    bool
	// boundedLogit marks the logistic objectives, whose ProbToMargin
	// bounds base_score from XGBoost 3.2 on (see boundedLogitMargin).
	boundedLogit bool
}

func identityMargin(bs float32) (float32, error) { return bs, nil }

// logitMargin is XGBoost's -logf(1/base_score - 1): the inner part in
// float32, then a correctly rounded log (math.Log, rounded once to float32).
func logitMargin(bs float32) (float32, error) {
	if !(bs > 0 && bs < 1) {
		return 0, fmt.Errorf("base_score %v is not a probability in (0,1)", bs)
	}
	inner := float32(1)/bs - float32(1)
	return float32(-math.Log(float64(inner))), nil
}

// xgbLogitBound is XGBoost's kRtEps (1e-6f), the bound on base_score of
// the logistic objectives from 3.2 on.
const xgbLogitBound = float32(1e-6)

// boundedLogitMargin is the logistic ProbToMargin of XGBoost 3.2 and later:
// base_score may be 0 or 1 (written when every training label is 0 or 1),
// and is bounded to [1e-6, 1-1e-6] before the logit, -logf(1/p - 1).
func boundedLogitMargin(bs float32) (float32, error) {
	if !(bs >= 0 && bs <= 1) {
		return 0, fmt.Errorf("base_score %v is not a probability in [0,1]", bs)
	}
	return logitMargin(min(max(bs, xgbLogitBound), 1-xgbLogitBound))
}

// versionAtLeast reports whether an XGBoost "version" array [major,
// minor, patch] is at least major.minor.
func versionAtLeast(v []int, major, minor int) bool {
	if len(v) < 2 {
		return false
	}
	return v[0] > major || (v[0] == major && v[1] >= minor)
}

// logMargin is XGBoost's logf(base_score) for the log-link objectives.
func logMargin(bs float32) (float32, error) {
	if !(bs > 0) {
		return 0, fmt.Errorf("base_score %v must be positive for a log-link objective", bs)
	}
	return float32(math.Log(float64(bs))), nil
}

var xgbObjectives = map[string]xgbObjective{
	"reg:squarederror":     {transform: Identity, toMargin: identityMargin},
	"reg:linear":           {transform: Identity, toMargin: identityMargin},
	"reg:squaredlogerror":  {transform: Identity, toMargin: identityMargin},
	"reg:pseudohubererror": {transform: Identity, toMargin: identityMargin},
	"reg:absoluteerror":    {transform: Identity, toMargin: identityMargin},
	"binary:logistic":      {transform: Sigmoid, toMargin: logitMargin, boundedLogit: true},
	"reg:logistic":         {transform: Sigmoid, toMargin: logitMargin, boundedLogit: true},
	"binary:logitraw":      {transform: Identity, toMargin: identityMargin}, // 1.7: base_score is used as the margin as is
	"count:poisson":        {transform: Exp, toMargin: logMargin},
	"reg:gamma":            {transform: Exp, toMargin: logMargin},
	"reg:tweedie":          {transform: Exp, toMargin: logMargin},
	"multi:softprob":       {transform: Softmax, toMargin: identityMargin, multi: true},
	"multi:softmax":        {transform: Argmax, toMargin: identityMargin, multi: true},
	"binary:hinge":         {transform: Hinge, toMargin: identityMargin},
	"reg:quantileerror":    {transform: Identity, toMargin: identityMargin}, // XGBoost 2.0 and later
	"survival:cox":         {transform: Exp, toMargin: logMargin},
	"survival:aft":         {transform: Exp, toMargin: logMargin},
	"rank:pairwise":        {transform: Identity, toMargin: identityMargin},
	"rank:ndcg":            {transform: Identity, toMargin: identityMargin},
	"rank:map":             {transform: Identity, toMargin: identityMargin},
}
