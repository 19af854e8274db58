package fairness

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ErrEmptyInput is returned (wrapped) when a computation gets no rows.
var ErrEmptyInput = errors.New("fairness: empty input")

// ErrNilData is returned (wrapped) when a computation gets a nil *Data.
var ErrNilData = errors.New("fairness: nil *Data")

// ErrZeroWeight is returned (wrapped) when a disparity is asked of rows
// whose sample weights all sum to zero: every group rate is then 0/0.
var ErrZeroWeight = errors.New("fairness: sample weights sum to zero")

// checkData rejects a nil *Data; op names the entry point.
func checkData(op string, d *Data) error {
	if d == nil {
		return fmt.Errorf("%w passed to %s", ErrNilData, op)
	}
	return nil
}

// Feature is one categorical column (a sensitive or a control feature),
// stored as per-row codes into Levels. Codes keep the one pass over the rows
// free of string hashing; build a Feature from strings with [NewFeature].
type Feature struct {
	// Name is the column name, e.g. "sex".
	Name string
	// Levels are the labels of the codes; Levels[Codes[i]] is row i's label.
	// Groups are reported in this order (NewFeature sorts them, as
	// fairlearn does).
	Levels []string
	// Codes holds one level index per row.
	Codes []int32
}

// NewFeature builds a Feature from per-row labels. The levels are the
// distinct labels in sorted (byte-wise) order, matching fairlearn's sorted
// group order.
func NewFeature(name string, values []string) Feature {
	seen := make(map[string]int32)
	for _, v := range values {
		if _, ok := seen[v]; !ok {
			seen[v] = 0
		}
	}
	levels := make([]string, 0, len(seen))
	for v := range seen {
		levels = append(levels, v)
	}
	sort.Strings(levels)
	for i, v := range levels {
		seen[v] = int32(i)
	}
	codes := make([]int32, len(values))
	for i, v := range values {
		codes[i] = seen[v]
	}
	return Feature{Name: name, Levels: levels, Codes: codes}
}

// CodedFeature builds a Feature from already coded rows: codes[i] indexes
// levels. The slices are used as they are, not copied.
func CodedFeature(name string, levels []string, codes []int32) Feature {
	return Feature{Name: name, Levels: levels, Codes: codes}
}

// Data is the input of a fairness evaluation: binary labels and
// predictions, optional scores and sample weights, and the sensitive (and
// optional control) features of each row. Every non-nil slice must have the
// same length.
type Data struct {
	// YTrue are the true labels, 0/1 unless a positive label is declared
	// with WithPosLabel.
	YTrue []int
	// YPred are the predicted labels, coded like YTrue.
	YPred []int
	// YScore are model scores (probabilities of the positive class for
	// Brier score and calibration). Optional; needed by score metrics.
	YScore []float64
	// SampleWeight are non-negative row weights. Optional; nil means every
	// row weighs 1. Weights apply to every metric except Count.
	SampleWeight []float64
	// Sensitive are the sensitive features. Several features form
	// intersectional groups (every combination of their levels).
	Sensitive []Feature
	// Control are control features: metrics are computed separately within
	// each combination of control levels (fairlearn's control_features).
	Control []Feature
}

// Rows returns the number of rows, taken from YTrue, or YPred when YTrue is
// nil.
func (d *Data) Rows() int {
	if d.YTrue != nil {
		return len(d.YTrue)
	}
	return len(d.YPred)
}

// validateShape checks lengths, emptiness and the feature codes. It does
// not look at label values, weights or scores: those are checked during
// the accumulation pass so the rows are read only once.
func (d *Data) validateShape(needLabels bool) error {
	n := d.Rows()
	if needLabels {
		if d.YTrue == nil {
			return errors.New("fairness: y_true is missing")
		}
		if d.YPred == nil {
			return errors.New("fairness: y_pred is missing")
		}
	}
	if n == 0 {
		return fmt.Errorf("%w: no rows", ErrEmptyInput)
	}
	if d.YPred != nil && len(d.YPred) != n {
		return fmt.Errorf("fairness: y_true has %d rows, y_pred %d", n, len(d.YPred))
	}
	if d.YScore != nil && len(d.YScore) != n {
		return fmt.Errorf("fairness: y_true has %d rows, y_score %d", n, len(d.YScore))
	}
	if d.SampleWeight != nil && len(d.SampleWeight) != n {
		return fmt.Errorf("fairness: y_true has %d rows, sample_weight %d", n, len(d.SampleWeight))
	}
	if len(d.Sensitive) == 0 {
		return errors.New("fairness: no sensitive feature given")
	}
	names := map[string]bool{}
	check := func(kind string, f Feature) error {
		if f.Name == "" {
			return fmt.Errorf("fairness: a %s feature has no name", kind)
		}
		if names[f.Name] {
			return fmt.Errorf("fairness: feature name %q is used twice", f.Name)
		}
		names[f.Name] = true
		if len(f.Codes) != n {
			return fmt.Errorf("fairness: y_true has %d rows, %s feature %q %d", n, kind, f.Name, len(f.Codes))
		}
		if len(f.Levels) == 0 {
			return fmt.Errorf("fairness: %s feature %q has no levels", kind, f.Name)
		}
		if len(f.Levels) > math.MaxInt32 {
			return fmt.Errorf("fairness: %s feature %q has too many levels", kind, f.Name)
		}
		seen := make(map[string]bool, len(f.Levels))
		for _, lv := range f.Levels {
			if seen[lv] {
				return fmt.Errorf("fairness: %s feature %q lists level %q twice", kind, f.Name, lv)
			}
			seen[lv] = true
		}
		return nil
	}
	for _, f := range d.Control {
		if err := check("control", f); err != nil {
			return err
		}
	}
	for _, f := range d.Sensitive {
		if err := check("sensitive", f); err != nil {
			return err
		}
	}
	return nil
}

// labelCoding maps raw labels to 0/1. Without a declared positive label the
// labels must be 0 or 1. With one, the positive label maps to 1 and one
// other value (the first one met) to 0; a third distinct value is an error.
type labelCoding struct {
	pos, neg int
}

func newLabelCoding(pos *int, yTrue, yPred []int) labelCoding {
	if pos == nil {
		return labelCoding{pos: 1, neg: 0}
	}
	c := labelCoding{pos: *pos, neg: *pos}
	for _, ys := range [][]int{yTrue, yPred} {
		for _, y := range ys {
			if y != c.pos {
				c.neg = y
				return c
			}
		}
	}
	return c
}

func (c labelCoding) describe() string {
	if c.pos == 1 && c.neg == 0 {
		return "{0,1}"
	}
	if c.neg == c.pos {
		return fmt.Sprintf("{%d} (declared positive label)", c.pos)
	}
	return fmt.Sprintf("{%d,%d} (declared positive label %d)", c.neg, c.pos, c.pos)
}

func (c labelCoding) badLabel(column string, row, value int) error {
	return fmt.Errorf("fairness: %s[%d] = %d is not a binary label in %s", column, row, value, c.describe())
}
