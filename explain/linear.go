package explain

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// LinearExplainer gives the closed-form interventional Shapley values of
// a linear model f(x) = w·x + c: φ_i = w_i (x_i − E[x_i]) with E over the
// (weighted) background, base value w·E[x] + c (Lundberg & Lee 2017, Corollary
// 1). With [WithLink]([LinkLogit]) the model is logistic, σ(w·x + c), and
// it is explained on its margin w·x + c — the log-odds scale on which a
// logistic model is additive — as shap's LinearExplainer does: Prediction
// is the margin, Output the probability. No model calls are needed.
// With groups a player's value is the sum over its columns.
type LinearExplainer struct {
	weights   []float64
	intercept float64
	means     []float64
	base      float64
	bgRows    int
	players   [][]int
	names     []string
	cfg       config
	tel       *telemetry
}

// NewLinear returns the closed-form explainer of the linear (or, with the
// logit link, logistic) model with the given weights and intercept.
// background supplies E[x]; a single row of feature means is enough.
func NewLinear(weights []float64, intercept float64, background Matrix, opts ...Option) (*LinearExplainer, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	w, err := prepareBackground(background, cfg.weights)
	if err != nil {
		return nil, err
	}
	d := background.Cols
	if len(weights) != d {
		return nil, fmt.Errorf("explain: %d linear weights for %d features", len(weights), d)
	}
	for i, v := range weights {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("explain: linear weight %d is %v", i, v)
		}
	}
	if math.IsNaN(intercept) || math.IsInf(intercept, 0) {
		return nil, fmt.Errorf("explain: intercept is %v", intercept)
	}
	if err := cfg.validate(d); err != nil {
		return nil, err
	}
	players, names, err := cfg.players(d)
	if err != nil {
		return nil, err
	}
	means := make([]float64, d)
	for r := 0; r < background.Rows; r++ {
		for j, v := range background.Row(r) {
			means[j] += w[r] * v
		}
	}
	base := intercept
	for j := range means {
		base += weights[j] * means[j]
	}
	return &LinearExplainer{
		weights: append([]float64(nil), weights...), intercept: intercept, means: means, base: base,
		bgRows: background.Rows, players: players, names: names, cfg: cfg, tel: newTelemetry(&cfg),
	}, nil
}

// Explain returns the exact Shapley values of the (margin of the) linear
// model at x.
func (l *LinearExplainer) Explain(ctx context.Context, x []float64) (out Explanation, err error) {
	ctx, span := l.tel.start(ctx, MethodLinear, l.cfg.link, len(l.players), l.bgRows)
	defer func() { span.end(ctx, &out, err, l.cfg.topK) }()
	if err := validateRow(x, len(l.weights)); err != nil {
		return Explanation{}, err
	}
	e := Explanation{
		Method: MethodLinear, Link: l.cfg.link, FeatureNames: append([]string(nil), l.names...), BaseValue: l.base,
		Values: make([]float64, len(l.players)), StdErr: make([]float64, len(l.players)),
		Exact: true, BackgroundSize: l.bgRows,
	}
	margin := l.intercept
	for j, v := range x {
		margin += l.weights[j] * v
	}
	for p, cols := range l.players {
		for _, j := range cols {
			e.Values[p] += l.weights[j] * (x[j] - l.means[j])
		}
	}
	// Finite weights and values can still overflow a product or a sum.
	for p, v := range e.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Explanation{}, fmt.Errorf("explain: linear: the attribution of %s overflows float64 (weight × deviation from the mean); rescale the feature", e.FeatureNames[p])
		}
	}
	if math.IsNaN(margin) || math.IsInf(margin, 0) {
		return Explanation{}, errors.New("explain: linear: the model's margin overflows float64 for this row")
	}
	e.Prediction, e.Output = margin, margin
	if l.cfg.link == LinkLogit {
		e.Output = 1 / (1 + math.Exp(-margin))
	}
	e.AdditivityResidual = residual(e.BaseValue, e.Values, e.Prediction)
	return e, nil
}

// ExplainBatch explains every row of x.
func (l *LinearExplainer) ExplainBatch(ctx context.Context, x Matrix) ([]Explanation, error) {
	return batch(ctx, x, len(l.weights), l.cfg.workers, l.Explain)
}
