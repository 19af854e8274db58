package tree

import (
	"fmt"
	"math"

	"github.com/aimskit/aimskit/explain"
)

// linearModel is an XGBoost gblinear booster: the margin of group g is
// intercept[g] + Σ_j x_j·w[j][g] over the features present in the row
// (a missing value adds nothing), computed as XGBoost's GBLinear::Pred
// does, in float32 in feature order from the float32 intercept (the
// booster's bias plus the base margin). An ensemble holding one has no
// trees.
//
// A linear model is additive, so its Shapley values need no search: the
// contribution of feature j to group g is w[j][g]·x_j minus what the
// baseline gives it. With XGBoost's pred_contribs convention (GBLinear::
// PredictContribution: x_j·w[j][g], the bias column being the intercept)
// the baseline is x = 0, which [Ensemble.Contributions] follows; the
// interventional values against a background are w[j][g]·(x_j − mean_b
// x_bj), missing values counted as 0 as the margin counts them (the exact
// Shapley values of v(S) = mean_b f(x_S, b_rest) for an additive f). The
// interaction values of an additive model are 0 off the diagonal; the
// diagonal holds the contributions. In output space (probabilities) the
// game is not additive; its exact values come from the coalition tables
// of outputspace.go, to which [Ensemble.collectLinear] adds the terms.
type linearModel struct {
	w []float32 // numFeatures × numGroups: w[j*K+g]
}

// linearTerm is XGBoost's float32 product fvalue·weight of a row value v
// (canonical or raw) and its ok flag: false for a missing value, which
// gblinear skips.
func linearTerm(v float64, w float32) (float32, bool) {
	if v != v {
		return 0, false
	}
	// The explicit conversion rounds the product to float32 and keeps the
	// compiler from fusing it with the addition that follows (Go spec,
	// floating-point operators), as XGBoost's separate multiply-add does.
	return float32(float32(v) * w), true
}

// errLinearRange reports a row whose linear margin leaves float32's range.
func errLinearRange(g int) error {
	return fmt.Errorf("tree: the linear margin of group %d is not finite: a feature value or its product with a weight is beyond float32's range", g)
}

// addLinearMargin adds the linear terms of row to the margins m (K values
// holding float32 numbers, which start at the intercept) in float32, in
// feature order.
func (e *Ensemble) addLinearMargin(row []float64, m []float64) error {
	K := e.numGroups
	for g := 0; g < K; g++ {
		acc := float32(m[g])
		for j, v := range row {
			if t, ok := linearTerm(v, e.linear.w[j*K+g]); ok {
				acc += t
			}
		}
		if math.IsNaN(float64(acc)) || math.IsInf(float64(acc), 0) {
			return errLinearRange(g)
		}
		m[g] = float64(acc)
	}
	return nil
}

// addLinearContribs adds XGBoost's linear contributions x_j·w[j][g] to out
// (the layout of [Ensemble.Contributions], or with interactions that of
// [Ensemble.Interactions], on the diagonal).
func (e *Ensemble) addLinearContribs(x explain.Matrix, out []float64, interactions bool) error {
	if e.linear == nil {
		return nil
	}
	M, K := e.numFeatures, e.numGroups
	M1 := M + 1
	for i := 0; i < x.Rows; i++ {
		row := x.Row(i)
		for g := 0; g < K; g++ {
			for j, v := range row {
				t, ok := linearTerm(v, e.linear.w[j*K+g])
				if !ok {
					continue
				}
				if math.IsInf(float64(t), 0) || math.IsNaN(float64(t)) {
					return errLinearRange(g)
				}
				if interactions {
					out[((i*K+g)*M1+j)*M1+j] += float64(t)
				} else {
					out[(i*K+g)*M1+j] += float64(t)
				}
			}
		}
	}
	return nil
}

// linearMeans returns the mean of each feature over the background rows,
// a missing value counted as 0 (it adds nothing to a linear margin).
func linearMeans(rows []float64, n, M int) []float64 {
	mean := make([]float64, M)
	for r := 0; r < n; r++ {
		for j, v := range rows[r*M : (r+1)*M] {
			if v == v {
				mean[j] += float64(float32(v))
			}
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	return mean
}

// addLinearInterventional adds the interventional values of the linear
// terms, w[j][g]·(x_j − mean_b x_bj), to out (the layout of
// [Ensemble.Contributions]).
func (e *Ensemble) addLinearInterventional(x explain.Matrix, bg *Background, out []float64) error {
	if e.linear == nil {
		return nil
	}
	M, K := e.numFeatures, e.numGroups
	for i := 0; i < x.Rows; i++ {
		row := x.Row(i)
		for g := 0; g < K; g++ {
			for j, v := range row {
				xj := 0.0
				if v == v {
					xj = float64(float32(v))
				}
				phi := float64(e.linear.w[j*K+g]) * (xj - bg.linMean[j])
				if math.IsInf(phi, 0) || math.IsNaN(phi) {
					return errLinearRange(g)
				}
				out[(i*K+g)*(M+1)+j] += phi
			}
		}
	}
	return nil
}

// collectLinear adds the linear terms to the coalition point masses of the
// output-space game for the pair (s.x, s.b) (see outputspace.go): feature
// j adds t_j(x) to a coalition holding it and t_j(b) otherwise, that is
// t_j(b) at the empty set and t_j(x) − t_j(b) at {j}, which the subset-sum
// transform turns into every coalition's margin; a feature on which x and
// b agree adds its term everywhere.
func (e *Ensemble) collectLinear(s *outScratch, size int) error {
	K := e.numGroups
	for g := 0; g < K; g++ {
		h := s.tables[g*size : (g+1)*size]
		for j, xv := range s.x {
			w := e.linear.w[j*K+g]
			tx, _ := linearTerm(xv, w)
			tb, _ := linearTerm(s.b[j], w)
			if math.IsInf(float64(tx), 0) || math.IsNaN(float64(tx)) || math.IsInf(float64(tb), 0) || math.IsNaN(float64(tb)) {
				return errLinearRange(g)
			}
			if p := s.pos[j]; p >= 0 {
				h[0] += float64(tb)
				h[1<<p] += float64(tx) - float64(tb)
			} else {
				h[0] += float64(tx)
			}
		}
	}
	return nil
}

// xgbLinear reads a gblinear booster's weights: (num_feature + 1) ×
// groups values, feature-major, the last row being the bias
// (gblinear_model.h: model_[i][gid] = weight[i*groups + gid]).
func xgbLinear(weights xgbFloats, numFeature, groups int) (*linearModel, []float32, error) {
	// Both factors are bounded by len(weights) before they are multiplied:
	// a num_class near 2^62 would otherwise wrap the product around to
	// len(weights) and the slicing below to a negative index.
	if numFeature <= 0 || groups <= 0 || numFeature >= len(weights) || groups > len(weights)/(numFeature+1) || (numFeature+1)*groups != len(weights) {
		return nil, nil, fmt.Errorf("tree: xgboost gblinear model: %d weights for %d features × %d output groups plus the bias (want (num_feature+1)·groups)", len(weights), numFeature, groups)
	}
	for i, w := range weights {
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return nil, nil, fmt.Errorf("tree: xgboost gblinear model: weight %d is not a finite number", i)
		}
	}
	n := numFeature * groups
	return &linearModel{w: append([]float32(nil), weights[:n]...)}, weights[n:], nil
}

// buildLinear makes the ensemble of a gblinear booster: no trees, and the
// linear terms of [linearModel]. The intercept of group g is the booster's
// bias plus the base margin, added in float32 as GBLinear::Pred starts its
// sum.
func (f *xgbFile) buildLinear(weights xgbFloats, numFeature, groups int, base []float64, tr Transform) (*Ensemble, error) {
	lin, bias, err := xgbLinear(weights, numFeature, groups)
	if err != nil {
		return nil, err
	}
	intercept := make([]float64, groups)
	for g := range intercept {
		b := base[0]
		if len(base) == groups {
			b = base[g]
		}
		intercept[g] = float64(bias[g] + float32(b))
	}
	l := f.Learner
	spec := Spec{
		NumFeatures:   numFeature,
		NumGroups:     groups,
		Intercept:     intercept,
		Rule:          LessFloat32,
		Transform:     tr,
		ObjectiveName: l.Objective.Name,
	}
	if len(l.FeatureNames) > 0 {
		if len(l.FeatureNames) != numFeature {
			return nil, fmt.Errorf("tree: xgboost model: %d feature names for num_feature %d", len(l.FeatureNames), numFeature)
		}
		spec.FeatureNames = l.FeatureNames
	}
	e, err := newEnsemble(spec, buildRules{noTrees: true})
	if err != nil {
		return nil, fmt.Errorf("%w (xgboost gblinear model)", err)
	}
	e.linear = lin
	return e, nil
}
