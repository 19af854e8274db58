package tree

import (
	"fmt"
	"math"
)

// Transform maps the margins of one row to the model's output space.
type Transform int

// The output transforms of the supported objectives.
const (
	// Identity leaves the margin as it is (regression, ranking, binary:logitraw).
	Identity Transform = iota
	// Sigmoid maps the margin to a probability, 1/(1+exp(-m))
	// (binary:logistic, reg:logistic).
	Sigmoid
	// Softmax maps the K group margins to K class probabilities
	// (multi:softprob).
	Softmax
	// Exp maps the margin to exp(m) (count:poisson, reg:gamma, reg:tweedie,
	// survival:cox (a hazard ratio), survival:aft (a survival time)).
	Exp
	// Hinge maps the margin to the predicted class, 1 if the margin is
	// above 0 and 0 otherwise (binary:hinge).
	Hinge
	// Argmax maps the K group margins to a one-hot vector marking the class
	// of the largest margin, the first one on a tie (multi:softmax, whose
	// XGBoost prediction is that class's index).
	Argmax
)

// String returns the transform's name.
func (t Transform) String() string {
	switch t {
	case Identity:
		return "identity"
	case Sigmoid:
		return "sigmoid"
	case Softmax:
		return "softmax"
	case Exp:
		return "exp"
	case Hinge:
		return "hinge"
	case Argmax:
		return "argmax"
	}
	return "unknown"
}

// valid reports whether t is one of the defined transforms.
func (t Transform) valid() bool { return t >= Identity && t <= Argmax }

// vector reports a transform that maps all K group margins at once
// (Softmax, Argmax) rather than each margin on its own.
func (t Transform) vector() bool { return t == Softmax || t == Argmax }

// apply transforms margins in place.
func (t Transform) apply(m []float64) {
	switch t {
	case Sigmoid:
		for i, v := range m {
			m[i] = sigmoid(v)
		}
	case Exp:
		for i, v := range m {
			m[i] = math.Exp(v)
		}
	case Hinge:
		for i, v := range m {
			m[i] = hinge(v)
		}
	case Softmax:
		softmax(m)
	case Argmax:
		argmax(m)
	}
}

// scalar applies an element-wise transform (not Softmax or Argmax) to one
// margin.
func (t Transform) scalar(v float64) float64 {
	switch t {
	case Sigmoid:
		return sigmoid(v)
	case Exp:
		return math.Exp(v)
	case Hinge:
		return hinge(v)
	}
	return v
}

// hinge is binary:hinge's prediction (XGBoost's PredTransform: 1 when the
// margin is above 0, else 0).
func hinge(v float64) float64 {
	if v > 0 {
		return 1
	}
	return 0
}

// argmax replaces m with the one-hot vector of its first largest entry,
// the class multi:softmax predicts (XGBoost takes the first maximum).
func argmax(m []float64) {
	best := 0
	for i, v := range m {
		if v > m[best] {
			best = i
		}
	}
	for i := range m {
		m[i] = 0
	}
	if len(m) > 0 {
		m[best] = 1
	}
}

// sigmoid is the logistic function, written so that it does not overflow
// for large negative margins.
func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// softmax normalises m in place, subtracting the maximum first so that exp
// cannot overflow.
func softmax(m []float64) {
	if len(m) == 0 {
		return
	}
	mx := m[0]
	for _, v := range m[1:] {
		if v > mx {
			mx = v
		}
	}
	var s float64
	for i, v := range m {
		m[i] = math.Exp(v - mx)
		s += m[i]
	}
	for i := range m {
		m[i] /= s
	}
}

// checkOutputs reports the first output of rows (K per row, groups from
// group0 on) that the transform took beyond float64's range: exp of a
// margin above about 709.78. Margins are finite (New bounds the leaves),
// so only Exp can.
func (t Transform) checkOutputs(out []float64, K, group0 int) error {
	if t != Exp {
		return nil
	}
	for i, v := range out {
		if math.IsInf(v, 0) {
			return fmt.Errorf("tree: the output of row %d group %d overflows float64: exp of a margin above %.2f", i/K, group0+i%K, math.Log(math.MaxFloat64))
		}
	}
	return nil
}
