package drift

import (
	"fmt"
	"math"
)

// Validate reports whether p is a profile that NewNumericProfile,
// NewSketchProfile and Merge can produce, so that tests and merges on it
// are sound: at least one value (Count), a Dropped count that is not
// negative, finite Min ≤ Mean ≤ Max (up to rounding) and M2 ≥ 0, and data
// that agrees with them — for an exact profile Count sorted finite values
// from Min to Max; for a sketch profile a relative accuracy in
// [MinSketchAccuracy, 1) and a sketch that decodes, whose bins hold
// positive finite counts adding up to Count, and, when present, a support
// of at most 20 strictly ascending values from Min to Max whose positive
// counts add up to Count. A profile read from JSON is validated
// (UnmarshalJSON), and so are both sides of a Merge.
func (p *NumericProfile) Validate() error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("drift: profile %q: %w", p.Feature, err)
	}
	return nil
}

func (p *NumericProfile) validate() error {
	if p.Count <= 0 {
		return fmt.Errorf("count %d: a profile holds at least one value", p.Count)
	}
	if p.Dropped < 0 {
		return fmt.Errorf("dropped %d is negative", p.Dropped)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"min", p.Min}, {"max", p.Max}, {"mean", p.Mean}, {"m2", p.M2}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s %g is not finite", f.name, f.v)
		}
	}
	if p.Min > p.Max {
		return fmt.Errorf("min %g is above max %g", p.Min, p.Max)
	}
	// The mean of values lies between their extremes; summing leaves it
	// at most a few rounding errors outside.
	slack := 1e-9 * max(math.Abs(p.Min), math.Abs(p.Max))
	if p.Mean < p.Min-slack || p.Mean > p.Max+slack {
		return fmt.Errorf("mean %g is outside [min %g, max %g]", p.Mean, p.Min, p.Max)
	}
	if p.M2 < 0 {
		return fmt.Errorf("m2 %g is negative: it is a sum of squares", p.M2)
	}
	switch p.Kind {
	case ProfileExact:
		return p.validateSorted()
	case ProfileSketch:
		if err := p.validateSketch(); err != nil {
			return err
		}
		return p.validateSupport()
	}
	return fmt.Errorf("unknown kind %q (want %q or %q)", p.Kind, ProfileExact, ProfileSketch)
}

func (p *NumericProfile) validateSorted() error {
	if len(p.Sorted) != p.Count {
		return fmt.Errorf("%d sorted values, count %d", len(p.Sorted), p.Count)
	}
	for i, v := range p.Sorted {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("sorted value %d is %g, not finite", i, v)
		}
		if i > 0 && v < p.Sorted[i-1] {
			return fmt.Errorf("values are not sorted (value %d, %g, is below the one before it)", i, v)
		}
	}
	if p.Sorted[0] != p.Min || p.Sorted[len(p.Sorted)-1] != p.Max {
		return fmt.Errorf("min %g and max %g are not the smallest and largest values (%g, %g)", p.Min, p.Max, p.Sorted[0], p.Sorted[len(p.Sorted)-1])
	}
	return nil
}

func (p *NumericProfile) validateSketch() error {
	if !(p.RelativeAccuracy >= MinSketchAccuracy && p.RelativeAccuracy < 1) {
		return fmt.Errorf("relative accuracy %g is not in [%g, 1)", p.RelativeAccuracy, MinSketchAccuracy)
	}
	if len(p.Sketch) == 0 {
		return fmt.Errorf("a %s profile without its sketch", ProfileSketch)
	}
	sk, err := p.decodeSketch()
	if err != nil {
		return fmt.Errorf("decode sketch: %w", err)
	}
	total, bad := 0.0, error(nil)
	sk.ForEach(func(v, c float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) || !(c > 0) || math.IsInf(c, 0) {
			bad = fmt.Errorf("the sketch has a bin of value %g with count %g", v, c)
			return true
		}
		total += c
		return false
	})
	if bad != nil {
		return bad
	}
	if math.Abs(total-float64(p.Count)) >= 0.5 {
		return fmt.Errorf("count %d, but the sketch holds %g values", p.Count, total)
	}
	return nil
}

func (p *NumericProfile) validateSupport() error {
	if len(p.Support) == 0 {
		if len(p.SupportCounts) > 0 {
			return fmt.Errorf("%d support counts without support values", len(p.SupportCounts))
		}
		return nil
	}
	if len(p.Support) > evidentlyDistinctMax {
		return fmt.Errorf("support of %d values; a profile keeps at most %d", len(p.Support), evidentlyDistinctMax)
	}
	if len(p.SupportCounts) != len(p.Support) {
		return fmt.Errorf("%d support values, %d support counts", len(p.Support), len(p.SupportCounts))
	}
	sum := 0
	for i, v := range p.Support {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("support value %d is %g, not finite", i, v)
		}
		if i > 0 && !(v > p.Support[i-1]) {
			return fmt.Errorf("support values are not strictly ascending (value %d, %g)", i, v)
		}
		c := p.SupportCounts[i]
		if c <= 0 || c > p.Count-sum {
			return fmt.Errorf("support count %d of value %g is not positive or takes the support counts over count %d", c, v, p.Count)
		}
		sum += c
	}
	if sum != p.Count {
		return fmt.Errorf("support counts add up to %d, count is %d", sum, p.Count)
	}
	if p.Support[0] != p.Min || p.Support[len(p.Support)-1] != p.Max {
		return fmt.Errorf("support from %g to %g, but min %g and max %g", p.Support[0], p.Support[len(p.Support)-1], p.Min, p.Max)
	}
	return nil
}
