package main

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/stat"
)

// logisticModel is a logistic regression on standardised features, trained
// at start-up with full-batch gradient descent. Small, transparent, and
// explainable in closed form.
type logisticModel struct {
	mean, std []float64
	weights   []float64
	bias      float64
}

func trainLogistic(xs [][]float64, ys []bool, epochs int, lr float64) (*logisticModel, error) {
	if len(xs) == 0 || len(xs) != len(ys) {
		return nil, fmt.Errorf("training needs rows and labels of equal length, have %d and %d", len(xs), len(ys))
	}
	m := len(xs[0])
	mdl := &logisticModel{mean: make([]float64, m), std: make([]float64, m), weights: make([]float64, m)}
	for _, x := range xs {
		for j, v := range x {
			mdl.mean[j] += v / float64(len(xs))
		}
	}
	for _, x := range xs {
		for j, v := range x {
			d := v - mdl.mean[j]
			mdl.std[j] += d * d / float64(len(xs))
		}
	}
	for j := range mdl.std {
		mdl.std[j] = math.Sqrt(mdl.std[j])
		if mdl.std[j] == 0 {
			mdl.std[j] = 1
		}
	}
	z := make([]float64, m)
	grad := make([]float64, m)
	for e := 0; e < epochs; e++ {
		for j := range grad {
			grad[j] = 0
		}
		gb := 0.0
		for i, x := range xs {
			mdl.standardise(x, z)
			p := sigmoid(mdl.margin(z))
			y := 0.0
			if ys[i] {
				y = 1
			}
			for j := range z {
				grad[j] += (p - y) * z[j]
			}
			gb += p - y
		}
		n := float64(len(xs))
		for j := range mdl.weights {
			mdl.weights[j] -= lr * (grad[j]/n + 1e-3*mdl.weights[j])
		}
		mdl.bias -= lr * gb / n
	}
	return mdl, nil
}

func (m *logisticModel) standardise(x, z []float64) {
	for j := range x {
		z[j] = (x[j] - m.mean[j]) / m.std[j]
	}
}

func (m *logisticModel) margin(z []float64) float64 {
	s := m.bias
	for j, w := range m.weights {
		s += w * z[j]
	}
	return s
}

// Score returns the probability of repayment for one applicant's features.
func (m *logisticModel) Score(x []float64) float64 {
	z := make([]float64, len(x))
	m.standardise(x, z)
	return sigmoid(m.margin(z))
}

// PredictRows scores a row-major batch (the shape explainers call with).
func (m *logisticModel) PredictRows(ctx context.Context, rows [][]float64, out []float64) error {
	for i, r := range rows {
		if i&255 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		out[i] = m.Score(r)
	}
	return nil
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// rawCoefficients returns the weights and intercept of the margin in the
// original (unstandardised) feature units, for closed-form explanations.
func (m *logisticModel) rawCoefficients() ([]float64, float64) {
	w := make([]float64, len(m.weights))
	b := m.bias
	for j := range w {
		w[j] = m.weights[j] / m.std[j]
		b -= m.weights[j] * m.mean[j] / m.std[j]
	}
	return w, b
}

// rocAUC is the area under the ROC curve on held-out data: gonum's ROC
// over every cutoff, integrated with the trapezoidal rule (ties between a
// positive and a negative score count one half, as in the Mann–Whitney
// statistic).
func rocAUC(m *logisticModel, xs [][]float64, ys []bool) float64 {
	scores := make([]float64, len(xs))
	classes := append([]bool(nil), ys...)
	for i, x := range xs {
		scores[i] = m.Score(x)
	}
	stat.SortWeightedLabeled(scores, classes, nil)
	tpr, fpr, _ := stat.ROC(nil, scores, classes, nil)
	return integrate.Trapezoidal(fpr, tpr)
}
