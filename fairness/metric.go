package fairness

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Counts are the (weighted) confusion counts of one group. Without sample
// weights the float fields hold whole row counts.
type Counts struct {
	// N is the number of rows, never weighted.
	N int64
	// TP, FP, FN, TN are the (weighted) true/false positives/negatives.
	TP, FP, FN, TN float64
	// Weighted reports whether the counts are sums of sample weights.
	Weighted bool
}

// Weight is the total (weighted) count: TP+FP+FN+TN.
func (c Counts) Weight() float64 { return (c.TN + c.FP) + (c.FN + c.TP) }

// Positives is the (weighted) number of rows whose true label is positive.
func (c Counts) Positives() float64 { return c.FN + c.TP }

// Negatives is the (weighted) number of rows whose true label is negative.
func (c Counts) Negatives() float64 { return c.TN + c.FP }

// PredictedPositives is the (weighted) number of positive predictions.
func (c Counts) PredictedPositives() float64 { return c.TP + c.FP }

// PredictedNegatives is the (weighted) number of negative predictions.
func (c Counts) PredictedNegatives() float64 { return c.TN + c.FN }

// Add returns the element-wise sum of two counts.
func (c Counts) Add(o Counts) Counts {
	return Counts{N: c.N + o.N, TP: c.TP + o.TP, FP: c.FP + o.FP, FN: c.FN + o.FN, TN: c.TN + o.TN, Weighted: c.Weighted || o.Weighted}
}

type metricKind int

const (
	kindCounts metricKind = iota
	kindScore
	kindCalibration
	kindAUC
	kindRows
)

// Metric is one per-group quantity a Frame can report. Use the predefined
// metrics (SelectionRate, TruePositiveRate, …) or build your own with
// CountsMetric or RowsMetric. A Metric is an immutable value.
type Metric struct {
	name string
	kind metricKind
	// fromCounts computes the value from confusion counts; defined is false
	// when the denominator is empty.
	fromCounts func(c Counts) (v float64, defined bool)
	// zeroWeightIsError mirrors numpy.average, which raises when a
	// non-empty group's weights sum to zero (sklearn's accuracy_score and
	// brier_score_loss); fairlearn then fails the whole metric.
	zeroWeightIsError bool
	fromScores        func(sumWS, sumBrier, weight float64) (float64, bool)
	bins              int
	fromRows          func(r Rows) (float64, error)
	// badParam, when set, makes NewFrame reject the metric (an invalid
	// FBeta beta).
	badParam string
}

// Name is the metric's name; predefined metrics use fairlearn's and
// scikit-learn's names (selection_rate, true_positive_rate, accuracy, …).
func (m Metric) Name() string { return m.name }

// String returns the name.
func (m Metric) String() string { return m.name }

func (m Metric) needsScores() bool {
	return m.kind == kindScore || m.kind == kindCalibration || m.kind == kindAUC
}

// rate returns num/den, or 0 flagged undefined when den is 0: scikit-learn's
// confusion_matrix(normalize="true") and precision_score(zero_division=
// "warn") return 0.0 for an empty denominator, and fairlearn passes that on.
func rate(num, den float64) (float64, bool) {
	if den == 0 {
		return 0, false
	}
	return num / den, true
}

// The predefined confusion-count metrics. Undefined rates (empty
// denominator) are 0.0 as in fairlearn, with Value.Defined false; empty
// groups are NaN with Value.Empty true.
var (
	// Count is the number of rows in the group (never weighted).
	Count = Metric{name: "count", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return float64(c.N), c.N > 0
	}}
	// SelectionRate is P(ŷ=1): Σw·[ŷ=1] / Σw. NaN when the weights sum
	// to zero (numpy's 0/0, as fairlearn's selection_rate).
	SelectionRate = Metric{name: "selection_rate", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		w := c.Weight()
		if w == 0 {
			return math.NaN(), false
		}
		return c.PredictedPositives() / w, true
	}}
	// MeanPrediction is fairlearn's mean_prediction of the predicted
	// labels, Σw·ŷ / Σw; for binary predictions it equals SelectionRate.
	MeanPrediction = Metric{name: "mean_prediction", kind: kindCounts, fromCounts: SelectionRate.fromCounts}
	// TruePositiveRate (recall, sensitivity) is TP / (TP+FN).
	TruePositiveRate = Metric{name: "true_positive_rate", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.TP, c.Positives())
	}}
	// FalsePositiveRate is FP / (FP+TN).
	FalsePositiveRate = Metric{name: "false_positive_rate", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.FP, c.Negatives())
	}}
	// FalseNegativeRate is FN / (TP+FN).
	FalseNegativeRate = Metric{name: "false_negative_rate", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.FN, c.Positives())
	}}
	// TrueNegativeRate (specificity) is TN / (FP+TN).
	TrueNegativeRate = Metric{name: "true_negative_rate", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.TN, c.Negatives())
	}}
	// Precision (positive predictive value) is TP / (TP+FP).
	Precision = Metric{name: "precision", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.TP, c.PredictedPositives())
	}}
	// NegativePredictiveValue is TN / (TN+FN).
	NegativePredictiveValue = Metric{name: "negative_predictive_value", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.TN, c.PredictedNegatives())
	}}
	// FalseDiscoveryRate is FP / (TP+FP).
	FalseDiscoveryRate = Metric{name: "false_discovery_rate", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.FP, c.PredictedPositives())
	}}
	// FalseOmissionRate is FN / (TN+FN).
	FalseOmissionRate = Metric{name: "false_omission_rate", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		return rate(c.FN, c.PredictedNegatives())
	}}
	// Accuracy is Σw·[ŷ=y] / Σw. A non-empty group whose weights sum to
	// zero makes the metric an error, as scikit-learn's accuracy_score.
	Accuracy = Metric{name: "accuracy", kind: kindCounts, zeroWeightIsError: true, fromCounts: func(c Counts) (float64, bool) {
		w := c.Weight()
		if w == 0 {
			return math.NaN(), false
		}
		return (c.TP + c.TN) / w, true
	}}
	// BalancedAccuracy is the mean recall of the classes present in y_true,
	// as scikit-learn's balanced_accuracy_score: (TPR+TNR)/2, or the one
	// recall that exists when a group has only one true class.
	BalancedAccuracy = Metric{name: "balanced_accuracy", kind: kindCounts, fromCounts: func(c Counts) (float64, bool) {
		p, n := c.Positives(), c.Negatives()
		switch {
		case p > 0 && n > 0:
			return (c.TP/p + c.TN/n) / 2, true
		case p > 0:
			return c.TP / p, false
		case n > 0:
			return c.TN / n, false
		}
		return math.NaN(), false
	}}
)

// F1 is the F1 score by group, scikit-learn's f1_score of the positive
// class: 2·TP / (2·TP + FP + FN) over (weighted) counts. It is FBeta(1).
func F1() Metric { return FBeta(1) }

// FBeta is the F-beta score by group, scikit-learn's fbeta_score of the
// positive class: (1+β²)·TP / ((1+β²)·TP + β²·FN + FP) over (weighted)
// counts. β weighs recall β times as much as precision; FBeta(0) is
// precision. When a group has no true and no predicted positives
// (TP+FP+FN = 0) the score is ill-defined: it is 0.0, as scikit-learn's
// zero_division="warn" (its default, which fairlearn passes on) returns,
// with Value.Defined false. A group whose precision or recall alone is
// ill-defined but that has a false negative or false positive scores 0.0
// and is defined (scikit-learn returns 0.0 and warns only about the
// F-score being ill-defined when TP+FP+FN = 0). beta must be finite and ≥ 0; NewFrame rejects other values.
// The name is "f1" for β = 1 and "fbeta_<β>" otherwise (e.g. fbeta_0.5).
func FBeta(beta float64) Metric {
	name := "fbeta_" + strconv.FormatFloat(beta, 'g', -1, 64)
	if beta == 1 {
		name = "f1"
	}
	m := Metric{name: name, kind: kindCounts}
	if math.IsNaN(beta) || math.IsInf(beta, 0) || beta < 0 {
		m.badParam = fmt.Sprintf("beta must be finite and >= 0, got %v", beta)
		m.fromCounts = func(Counts) (float64, bool) { return math.NaN(), false }
		return m
	}
	// F = TP / (TP + wFN·FN + wFP·FP) with wFN = β²/(1+β²) and
	// wFP = 1/(1+β²): algebraically (1+β²)TP / ((1+β²)TP + β²FN + FP), but
	// with weights ≤ 1 no product overflows for huge counts or β.
	b2 := beta * beta
	wFN, wFP := b2/(1+b2), 1/(1+b2)
	if math.IsInf(b2, 1) {
		wFN, wFP = 1, 0
	}
	m.fromCounts = func(c Counts) (float64, bool) {
		if c.TP+c.FP+c.FN == 0 {
			return 0, false
		}
		num := c.TP
		den := num + wFN*c.FN + wFP*c.FP
		if den == 0 {
			// β = 0 (precision) with no positive prediction but some
			// positive labels: 0, and not flagged, as scikit-learn.
			return 0, true
		}
		return num / den, true
	}
	return m
}

// Score metrics need Data.YScore.
var (
	// MeanScore is the weighted mean of the scores, Σw·s / Σw.
	MeanScore = Metric{name: "mean_score", kind: kindScore, fromScores: func(ws, _, w float64) (float64, bool) {
		if w == 0 {
			return math.NaN(), false
		}
		return ws / w, true
	}}
	// BrierScore is the weighted mean squared difference between score and
	// label, Σw·(s−y)² / Σw (scikit-learn's brier_score_loss). A non-empty
	// group with zero total weight makes the metric an error.
	BrierScore = Metric{name: "brier_score", kind: kindScore, zeroWeightIsError: true, fromScores: func(_, br, w float64) (float64, bool) {
		if w == 0 {
			return math.NaN(), false
		}
		return br / w, true
	}}
	// ROCAUC is the area under the ROC curve of the scores within each
	// group (weighted when sample weights are given), computed like
	// scikit-learn's roc_auc_score with trapezoids over distinct
	// thresholds. A non-empty group with only one true class makes the
	// metric an error, as in scikit-learn.
	ROCAUC = Metric{name: "roc_auc", kind: kindAUC}
	// ExpectedCalibrationError is CalibrationError(10).
	ExpectedCalibrationError = CalibrationError(10)
)

// MaxCalibrationBins is the largest number of bins of CalibrationError.
const MaxCalibrationBins = 1 << 16

// CalibrationError is the expected calibration error with the given number
// of equal-width bins over [0,1] (Naeini et al. 2015; Guo et al. 2017):
// Σ_b (W_b/W)·|mean score_b − positive fraction_b|. Scores must lie in
// [0,1]. The per-bin table is available from Cell.Reliability. bins must be
// in 1..MaxCalibrationBins (NewFrame reports an error otherwise).
func CalibrationError(bins int) Metric {
	name := "expected_calibration_error"
	if bins != 10 {
		name = fmt.Sprintf("expected_calibration_error_%d", bins)
	}
	return Metric{name: name, kind: kindCalibration, bins: bins}
}

// CountsMetric makes a user metric computed from a group's confusion
// counts. fn returns the value and whether it is defined for those counts.
func CountsMetric(name string, fn func(Counts) (float64, bool)) Metric {
	return Metric{name: name, kind: kindCounts, fromCounts: fn}
}

// Rows gives a user metric the rows of one group (and the Data they index).
type Rows struct {
	// Data is the frame's input.
	Data *Data
	// Index lists the group's row indices in ascending order.
	Index []int
}

// RowsMetric makes a user metric computed from a group's rows. Errors
// returned by fn make the whole metric an error, like an exception in a
// fairlearn metric function.
func RowsMetric(name string, fn func(Rows) (float64, error)) Metric {
	return Metric{name: name, kind: kindRows, fromRows: fn}
}

// Metrics lists the predefined metrics that need only labels and
// predictions, in a stable order.
func Metrics() []Metric {
	return []Metric{Count, SelectionRate, TruePositiveRate, FalsePositiveRate, FalseNegativeRate,
		TrueNegativeRate, Precision, NegativePredictiveValue, Accuracy, BalancedAccuracy,
		FalseDiscoveryRate, FalseOmissionRate, MeanPrediction}
}

// metricAliases maps scikit-learn function names and common synonyms to
// the predefined metrics.
var metricAliases = map[string]string{
	"accuracy_score":          "accuracy",
	"balanced_accuracy_score": "balanced_accuracy",
	"precision_score":         "precision",
	"recall_score":            "true_positive_rate",
	"recall":                  "true_positive_rate",
	"sensitivity":             "true_positive_rate",
	"specificity":             "true_negative_rate",
	"brier_score_loss":        "brier_score",
	"roc_auc_score":           "roc_auc",
	"f1_score":                "f1",
}

// MetricByName finds a predefined metric by its name, or by the name of
// the scikit-learn function it mirrors (accuracy_score, recall_score,
// f1_score, …).
func MetricByName(name string) (Metric, bool) {
	if alias, ok := metricAliases[name]; ok {
		name = alias
	}
	for _, m := range append(Metrics(), MeanScore, BrierScore, ROCAUC, ExpectedCalibrationError, F1()) {
		if m.name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// errZeroWeight mirrors numpy.average's ZeroDivisionError.
var errZeroWeight = errors.New("weights sum to zero, can't be normalized")
