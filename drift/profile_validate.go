package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
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

// Validate reports whether p is a profile that NewCategoricalProfile and
// Merge can produce: at least one value (Count), at least one category,
// each category seen at least once, and Count the sum of the categories'
// counts. The empty string is a category like any other (Observe accepts
// it). A profile read from JSON is validated (UnmarshalJSON), which also
// refuses a category named twice, and so are both sides of a Merge.
func (p *CategoricalProfile) Validate() error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("drift: profile %q: %w", p.Feature, err)
	}
	return nil
}

func (p *CategoricalProfile) validate() error {
	if p.Count <= 0 {
		return fmt.Errorf("count %d: a profile holds at least one value", p.Count)
	}
	if len(p.Counts) == 0 {
		return fmt.Errorf("count %d, but no category", p.Count)
	}
	// Sorted, so that the error names the same category every time.
	sum := 0
	for _, k := range slices.Sorted(maps.Keys(p.Counts)) {
		c := p.Counts[k]
		if c <= 0 {
			return fmt.Errorf("category %q counts %d: a category of a profile was seen at least once", k, c)
		}
		if c > p.Count-sum {
			return fmt.Errorf("category counts add up past count %d", p.Count)
		}
		sum += c
	}
	if sum != p.Count {
		return fmt.Errorf("category counts add up to %d, count is %d", sum, p.Count)
	}
	return nil
}

// checkMerge refuses a merge of other into p that would give an
// inconsistent profile: another feature, an invalid side, or a total past
// the largest int. No category sum can overflow when the total does not.
func (p *CategoricalProfile) checkMerge(other *CategoricalProfile) error {
	if other == nil {
		return errors.New("drift: merge: nil profile")
	}
	if p.Feature != other.Feature {
		return fmt.Errorf("drift: merge: profile %q with a profile of feature %q", p.Feature, other.Feature)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("drift: merge: %w", err)
	}
	if err := other.Validate(); err != nil {
		return fmt.Errorf("drift: merge: the other profile: %w", err)
	}
	if other.Count > math.MaxInt-p.Count {
		return fmt.Errorf("drift: merge: profile %q: counts %d and %d add up past the largest int", p.Feature, p.Count, other.Count)
	}
	return nil
}

// clone returns a deep copy of p.
func (p *CategoricalProfile) clone() *CategoricalProfile {
	return &CategoricalProfile{Feature: p.Feature, Counts: maps.Clone(p.Counts), Count: p.Count}
}

// UnmarshalJSON implements json.Unmarshaler and validates the profile
// (Validate): a profile file comes from outside. A category named twice in
// counts is refused rather than letting the last one win.
func (p *CategoricalProfile) UnmarshalJSON(b []byte) error {
	var j struct {
		Feature string          `json:"feature"`
		Counts  json.RawMessage `json:"counts"`
		Count   int             `json:"count"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	counts, err := decodeCategoryCounts(j.Counts)
	if err != nil {
		return fmt.Errorf("drift: profile %q: counts: %w", j.Feature, err)
	}
	*p = CategoricalProfile{Feature: j.Feature, Counts: counts, Count: j.Count}
	return p.Validate()
}

// decodeCategoryCounts decodes a JSON object of category counts, refusing
// a name that appears twice (after unescaping). Absent or null counts
// decode to an empty map, which Validate refuses.
func decodeCategoryCounts(raw json.RawMessage) (map[string]int, error) {
	counts := map[string]int{}
	if len(raw) == 0 {
		return counts, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return counts, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object of category counts")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("category name %v is not a string", tok)
		}
		var c int
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("category %q: %w", k, err)
		}
		if _, dup := counts[k]; dup {
			return nil, fmt.Errorf("category %q twice", k)
		}
		counts[k] = c
	}
	return counts, nil
}
