package drift

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// ProfileKind says how a [NumericProfile] holds the reference distribution.
type ProfileKind string

// The profile kinds.
const (
	// ProfileExact keeps the sorted reference sample: tests on it give the
	// same results as the batch functions.
	ProfileExact ProfileKind = "exact"
	// ProfileSketch keeps a DDSketch (Masson, Rim & Lee, "DDSketch: A Fast
	// and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees",
	// VLDB 2019; github.com/DataDog/sketches-go): bounded memory, values
	// known to a relative accuracy, so test results are approximate.
	ProfileSketch ProfileKind = "ddsketch"
)

// NumericProfile is the reference distribution of one numerical feature,
// built once from training data and shipped with the model, so a window is
// tested without recomputing anything about the reference. It is
// JSON-serialisable and mergeable ([NumericProfile.Merge]). Non-finite
// training values are dropped and counted in Dropped.
//
// A profile is safe for concurrent use once built; Merge must not run
// concurrently with tests on the same profile.
type NumericProfile struct {
	// Feature names the feature the profile describes.
	Feature string `json:"feature"`
	// Kind says which of Sorted or Sketch holds the distribution.
	Kind ProfileKind `json:"kind"`
	// Count is the number of finite reference values.
	Count int `json:"count"`
	// Dropped counts NaN and infinite values left out.
	Dropped int     `json:"dropped"`
	Min     float64 `json:"min"` // smallest finite reference value
	Max     float64 `json:"max"` // largest finite reference value
	// Mean and M2 (sum of squared deviations) give the standard deviation
	// and merge exactly (Chan, Golub & LeVeque 1983).
	Mean float64 `json:"mean"` // mean of the finite reference values
	M2   float64 `json:"m2"`   // sum of squared deviations from Mean
	// Sorted is the sorted sample (ProfileExact).
	Sorted []float64 `json:"sorted,omitempty"`
	// RelativeAccuracy and Sketch (DDSketch binary encoding) for ProfileSketch.
	RelativeAccuracy float64 `json:"relative_accuracy,omitempty"` // the sketch's relative value accuracy, in (0, 1)
	Sketch           []byte  `json:"sketch,omitempty"`            // the encoded DDSketch
	// Support and SupportCounts hold the exact distinct values and their
	// counts of a sketch profile whose data has at most 20 distinct values
	// (Evidently bins such columns by value, which a sketch's approximate
	// values cannot do); tests then use them instead of the sketch.
	Support       []float64 `json:"support,omitempty"`        // the distinct values, ascending
	SupportCounts []int     `json:"support_counts,omitempty"` // SupportCounts[i] is how often Support[i] occurs

	once sync.Once
	dist refDist
	err  error
}

// refDist is the reference as sorted support points with cumulative weights.
type refDist struct {
	values   []float64
	cum      []float64 // cum[i] = weight of values[0..i]
	total    float64
	distinct []float64 // up to evidentlyDistinctMax+1 distinct values
	// prefHi+prefLo is the double-double prefix sum of the weighted
	// values: pref[i] = Σ_{k<i} w_k·v_k (len = len(values)+1), so sums over
	// any value range are exact to about one ulp of the range's sum.
	prefHi, prefLo []float64
}

// NewNumericProfile builds an exact profile (sorted sample) from data.
func NewNumericProfile(feature string, data []float64) (*NumericProfile, error) {
	clean, dropped := DropNonFinite(data)
	if len(clean) == 0 {
		return nil, fmt.Errorf("drift: profile %q: no finite values (%d dropped): %w", feature, dropped, ErrTooFew)
	}
	p := &NumericProfile{Feature: feature, Kind: ProfileExact, Dropped: dropped}
	p.Sorted = clean
	sortFloats(p.Sorted)
	if err := p.summarise(clean); err != nil {
		return nil, err
	}
	return p, nil
}

// NewSketchProfile builds a bounded-memory profile from data with a
// DDSketch of the given relative accuracy (e.g. 0.01), which must lie in
// [[MinSketchAccuracy], 1).
func NewSketchProfile(feature string, data []float64, relativeAccuracy float64) (*NumericProfile, error) {
	if !(relativeAccuracy >= MinSketchAccuracy && relativeAccuracy < 1) {
		return nil, fmt.Errorf("drift: profile %q: relative accuracy %g not in [%g, 1)", feature, relativeAccuracy, MinSketchAccuracy)
	}
	clean, dropped := DropNonFinite(data)
	if len(clean) == 0 {
		return nil, fmt.Errorf("drift: profile %q: no finite values (%d dropped): %w", feature, dropped, ErrTooFew)
	}
	sk, err := ddsketch.NewDefaultDDSketch(relativeAccuracy)
	if err != nil {
		return nil, fmt.Errorf("drift: profile %q: %w", feature, err)
	}
	for _, v := range clean {
		if err := sk.Add(v); err != nil {
			return nil, fmt.Errorf("drift: profile %q: %w", feature, err)
		}
	}
	p := &NumericProfile{Feature: feature, Kind: ProfileSketch, Dropped: dropped, RelativeAccuracy: relativeAccuracy}
	sk.Encode(&p.Sketch, false)
	if err := p.summarise(clean); err != nil {
		return nil, err
	}
	counts := map[float64]int{}
	for _, v := range clean {
		counts[v]++
		if len(counts) > evidentlyDistinctMax {
			break
		}
	}
	if len(counts) <= evidentlyDistinctMax {
		p.setSupport(counts)
	}
	return p, nil
}

func (p *NumericProfile) setSupport(counts map[float64]int) {
	p.Support = p.Support[:0]
	for v := range counts {
		p.Support = append(p.Support, v)
	}
	slices.Sort(p.Support)
	p.SupportCounts = make([]int, len(p.Support))
	for i, v := range p.Support {
		p.SupportCounts[i] = counts[v]
	}
}

// summarise fills the count, range, mean and M2. Values near the limits
// of float64 are summed scaled down, so the mean of ±1e308 is 0, not NaN;
// a spread whose sum of squares no float64 can hold is an error, never an
// infinite or NaN M2.
func (p *NumericProfile) summarise(clean []float64) error {
	p.Count = len(clean)
	p.Min, p.Max = minMax(clean)
	// Ordinary data is summed as it is (scale 1), so results stay
	// bit-identical to the unscaled formulas.
	scale := 1.0
	if m := max(math.Abs(p.Min), math.Abs(p.Max)); m > 1e150 {
		scale = m
	}
	var s neumaier
	for _, v := range clean {
		s.add(v / scale)
	}
	mean := s.sum() / float64(len(clean))
	var ss neumaier
	for _, v := range clean {
		d := v/scale - mean
		ss.add(d * d)
	}
	p.Mean = mean * scale
	p.M2 = ss.sum() * scale * scale
	if math.IsInf(p.Mean, 0) || math.IsNaN(p.Mean) || math.IsInf(p.M2, 0) || math.IsNaN(p.M2) {
		return fmt.Errorf("drift: profile %q: values from %g to %g spread too widely for float64 (their sum of squared deviations overflows); rescale the feature", p.Feature, p.Min, p.Max)
	}
	return nil
}

// Std is the population standard deviation (ddof = 0) of the reference.
func (p *NumericProfile) Std() float64 { return math.Sqrt(p.M2 / float64(p.Count)) }

func (p *NumericProfile) decodeSketch() (*ddsketch.DDSketch, error) {
	m, err := mapping.NewDefaultMapping(p.RelativeAccuracy)
	if err != nil {
		return nil, err
	}
	return ddsketch.DecodeDDSketch(p.Sketch, store.DefaultProvider, m)
}

// prepared builds the support points once.
func (p *NumericProfile) prepared() (*refDist, error) {
	p.once.Do(func() {
		d := &p.dist
		switch p.Kind {
		case ProfileExact:
			if len(p.Sorted) != p.Count || p.Count == 0 {
				p.err = fmt.Errorf("drift: profile %q: %d sorted values, count %d", p.Feature, len(p.Sorted), p.Count)
				return
			}
			if !slices.IsSorted(p.Sorted) {
				p.err = fmt.Errorf("drift: profile %q: values are not sorted", p.Feature)
				return
			}
			d.values = p.Sorted
			d.cum = nil // unit weights: cum[i] = i+1
			d.total = float64(p.Count)
		case ProfileSketch:
			if len(p.Support) > 0 {
				if len(p.SupportCounts) != len(p.Support) || !slices.IsSorted(p.Support) {
					p.err = fmt.Errorf("drift: profile %q: malformed support", p.Feature)
					return
				}
				acc := 0.0
				for i, v := range p.Support {
					acc += float64(p.SupportCounts[i])
					d.values = append(d.values, v)
					d.cum = append(d.cum, acc)
				}
				d.total = acc
				break
			}
			sk, err := p.decodeSketch()
			if err != nil {
				p.err = fmt.Errorf("drift: profile %q: decode sketch: %w", p.Feature, err)
				return
			}
			type vc struct{ v, c float64 }
			var pts []vc
			sk.ForEach(func(v, c float64) bool {
				pts = append(pts, vc{v, c})
				return false
			})
			sort.Slice(pts, func(i, j int) bool { return pts[i].v < pts[j].v })
			acc := 0.0
			for _, pt := range pts {
				acc += pt.c
				d.values = append(d.values, pt.v)
				d.cum = append(d.cum, acc)
			}
			d.total = acc
		default:
			p.err = fmt.Errorf("drift: profile %q: unknown kind %q", p.Feature, p.Kind)
			return
		}
		d.prefHi = make([]float64, len(d.values)+1)
		d.prefLo = make([]float64, len(d.values)+1)
		var hi, lo float64
		for i, v := range d.values {
			w := 1.0
			if d.cum != nil {
				w = d.cum[i]
				if i > 0 {
					w -= d.cum[i-1]
				}
			}
			hi, lo = twoSumAdd(hi, lo, w*v)
			d.prefHi[i+1], d.prefLo[i+1] = hi, lo
		}
		for i, v := range d.values {
			if i == 0 || v != d.values[i-1] {
				d.distinct = append(d.distinct, v)
				if len(d.distinct) > evidentlyDistinctMax {
					break
				}
			}
		}
	})
	return &p.dist, p.err
}

// weightLE is the reference weight at or below v; weightLT strictly below.
func (d *refDist) weightLE(v float64) float64 {
	i := sort.Search(len(d.values), func(i int) bool { return d.values[i] > v })
	return d.weightBefore(i)
}

func (d *refDist) weightLT(v float64) float64 {
	i := sort.Search(len(d.values), func(i int) bool { return d.values[i] >= v })
	return d.weightBefore(i)
}

func (d *refDist) weightBefore(i int) float64 {
	if i == 0 {
		return 0
	}
	if d.cum == nil {
		return float64(i)
	}
	return d.cum[i-1]
}

// Merge adds other's reference data into p (same feature and kind). Exact
// profiles merge their sorted samples; sketch profiles merge their
// sketches (which must share the relative accuracy). Both profiles must be
// valid (Validate); a merge that fails leaves p as it was.
func (p *NumericProfile) Merge(other *NumericProfile) error {
	if other == nil {
		return errors.New("drift: merge: nil profile")
	}
	if p.Feature != other.Feature {
		return fmt.Errorf("drift: merge: profile %q with a profile of feature %q", p.Feature, other.Feature)
	}
	if p.Kind != other.Kind {
		return fmt.Errorf("drift: merge: profile %q is %s, other is %s", p.Feature, p.Kind, other.Kind)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("drift: merge: %w", err)
	}
	if err := other.Validate(); err != nil {
		return fmt.Errorf("drift: merge: the other profile: %w", err)
	}
	if other.Count > math.MaxInt-p.Count || other.Dropped > math.MaxInt-p.Dropped {
		return fmt.Errorf("drift: merge: profile %q: counts %d and %d add up past the largest int", p.Feature, p.Count, other.Count)
	}
	// Chan, Golub & LeVeque's pairwise update; both counts are positive.
	n1, n2 := float64(p.Count), float64(other.Count)
	delta := other.Mean - p.Mean
	n := n1 + n2
	mean := p.Mean + delta*n2/n
	m2 := p.M2 + other.M2 + delta*delta*n1*n2/n
	if math.IsInf(mean, 0) || math.IsNaN(mean) || math.IsInf(m2, 0) || math.IsNaN(m2) {
		return fmt.Errorf("drift: merge: profile %q: values from %g to %g spread too widely for float64 (their sum of squared deviations overflows); rescale the feature",
			p.Feature, math.Min(p.Min, other.Min), math.Max(p.Max, other.Max))
	}
	if p.Kind == ProfileSketch && p.RelativeAccuracy != other.RelativeAccuracy {
		return fmt.Errorf("drift: merge: relative accuracy %g vs %g", p.RelativeAccuracy, other.RelativeAccuracy)
	}
	switch p.Kind {
	case ProfileExact:
		merged := make([]float64, 0, len(p.Sorted)+len(other.Sorted))
		i, j := 0, 0
		for i < len(p.Sorted) || j < len(other.Sorted) {
			if j >= len(other.Sorted) || (i < len(p.Sorted) && p.Sorted[i] <= other.Sorted[j]) {
				merged = append(merged, p.Sorted[i])
				i++
			} else {
				merged = append(merged, other.Sorted[j])
				j++
			}
		}
		p.Sorted = merged
	case ProfileSketch:
		a, err := p.decodeSketch()
		if err != nil {
			return fmt.Errorf("drift: merge: %w", err)
		}
		b, err := other.decodeSketch()
		if err != nil {
			return fmt.Errorf("drift: merge: %w", err)
		}
		if err := a.MergeWith(b); err != nil {
			return fmt.Errorf("drift: merge: %w", err)
		}
		p.Sketch = p.Sketch[:0]
		a.Encode(&p.Sketch, false)
		if len(p.Support) > 0 && len(other.Support) > 0 {
			counts := map[float64]int{}
			for i, v := range p.Support {
				counts[v] += p.SupportCounts[i]
			}
			for i, v := range other.Support {
				counts[v] += other.SupportCounts[i]
			}
			if len(counts) <= evidentlyDistinctMax {
				p.setSupport(counts)
			} else {
				p.Support, p.SupportCounts = nil, nil
			}
		} else {
			p.Support, p.SupportCounts = nil, nil
		}
	default:
		return fmt.Errorf("drift: merge: unknown kind %q", p.Kind)
	}
	p.Mean, p.M2 = mean, m2
	p.Count += other.Count
	p.Dropped += other.Dropped
	p.Min = math.Min(p.Min, other.Min)
	p.Max = math.Max(p.Max, other.Max)
	p.once = sync.Once{}
	p.dist = refDist{}
	p.err = nil
	return nil
}

// MarshalJSON and UnmarshalJSON use the exported fields only.
type numericProfileJSON struct {
	Feature          string      `json:"feature"`
	Kind             ProfileKind `json:"kind"`
	Count            int         `json:"count"`
	Dropped          int         `json:"dropped"`
	Min              float64     `json:"min"`
	Max              float64     `json:"max"`
	Mean             float64     `json:"mean"`
	M2               float64     `json:"m2"`
	Sorted           []float64   `json:"sorted,omitempty"`
	RelativeAccuracy float64     `json:"relative_accuracy,omitempty"`
	Sketch           []byte      `json:"sketch,omitempty"`
	Support          []float64   `json:"support,omitempty"`
	SupportCounts    []int       `json:"support_counts,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (p *NumericProfile) MarshalJSON() ([]byte, error) {
	return json.Marshal(numericProfileJSON{p.Feature, p.Kind, p.Count, p.Dropped, p.Min, p.Max, p.Mean, p.M2, p.Sorted, p.RelativeAccuracy, p.Sketch, p.Support, p.SupportCounts})
}

// clone returns a deep copy of p's data (not its prepared distribution).
// Its field list is MarshalJSON's: a new field goes into both.
func (p *NumericProfile) clone() *NumericProfile {
	return &NumericProfile{Feature: p.Feature, Kind: p.Kind, Count: p.Count, Dropped: p.Dropped, Min: p.Min, Max: p.Max,
		Mean: p.Mean, M2: p.M2, Sorted: slices.Clone(p.Sorted), RelativeAccuracy: p.RelativeAccuracy,
		Sketch: slices.Clone(p.Sketch), Support: slices.Clone(p.Support), SupportCounts: slices.Clone(p.SupportCounts)}
}

// UnmarshalJSON implements json.Unmarshaler and validates the profile
// (Validate): a profile file comes from outside.
func (p *NumericProfile) UnmarshalJSON(b []byte) error {
	var j numericProfileJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = NumericProfile{Feature: j.Feature, Kind: j.Kind, Count: j.Count, Dropped: j.Dropped, Min: j.Min, Max: j.Max,
		Mean: j.Mean, M2: j.M2, Sorted: j.Sorted, RelativeAccuracy: j.RelativeAccuracy, Sketch: j.Sketch,
		Support: j.Support, SupportCounts: j.SupportCounts}
	if err := p.Validate(); err != nil {
		return err
	}
	_, err := p.prepared()
	return err
}

// checkCurrent validates a current window.
func checkCurrent(test string, p *NumericProfile, current []float64) error {
	return checkSample(test+" "+p.Feature, "current", current, 1)
}

// KS runs the two-sample KS test of current against the profile. The
// sorted current window is compared with the reference by binary search,
// so the cost is O(m log n) for a window of m values. On an exact profile
// statistic and p-value equal [KS]'s (the location may differ on ties); on
// a sketch profile they are approximate.
func (p *NumericProfile) KS(current []float64, opts ...KSOption) (KSResult, error) {
	cfg, err := newKSConfig(opts)
	if err != nil {
		return KSResult{}, err
	}
	d, err := p.prepared()
	if err != nil {
		return KSResult{}, err
	}
	if err := checkCurrent("ks", p, current); err != nil {
		return KSResult{}, err
	}
	c := sortedCopy(current)
	if d.cum == nil && mergeCheaper(len(c), len(d.values)) {
		// Large window against an exact profile: one merge pass is cheaper
		// than a binary search per value, and identical to [KS].
		return ksSorted(d.values, c, cfg)
	}
	n1, n2 := d.total, float64(len(c))
	// Both ECDFs are 1 at the largest value, so a difference of 0 is
	// always attained there.
	maxS, minS := 0.0, 0.0
	locMax := math.Max(p.Max, c[len(c)-1])
	locMin := locMax
	for j := 0; j < len(c); {
		v := c[j]
		jPrev := j
		for j < len(c) && c[j] == v {
			j++
		}
		iLT := sort.Search(len(d.values), func(i int) bool { return d.values[i] >= v })
		// On [previous current value, v) the current ECDF is flat, so the
		// reference leads most at the largest reference value below v.
		if iLT > 0 {
			if diff := d.weightBefore(iLT)/n1 - float64(jPrev)/n2; diff > maxS {
				maxS, locMax = diff, d.values[iLT-1]
			}
		}
		diff := d.weightLE(v)/n1 - float64(j)/n2
		if diff > maxS {
			maxS, locMax = diff, v
		}
		if diff < minS {
			minS, locMin = diff, v
		}
	}
	negMin := math.Min(math.Max(-minS, 0), 1)
	stat, loc, sign := maxS, locMax, 1
	if negMin > maxS {
		stat, loc, sign = negMin, locMin, -1
	}
	res, err := ksFromStatistic(stat, int(math.Round(n1)), len(c), cfg)
	if err != nil {
		return KSResult{}, err
	}
	res.Location, res.Sign = loc, sign
	if p.Kind == ProfileSketch && len(p.Support) == 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("reference from a DDSketch (relative accuracy %g): approximate", p.RelativeAccuracy))
	}
	return res, nil
}

// Wasserstein is [Wasserstein] against the profile. The reference side
// of the integral comes from prefix sums, so a window of m values costs
// O(m log n) however large the reference is.
func (p *NumericProfile) Wasserstein(current []float64, opts ...WassersteinOption) (Result, error) {
	cfg, err := newWassersteinConfig(opts)
	if err != nil {
		return Result{}, err
	}
	if cfg.weighted {
		return Result{}, fmt.Errorf("drift: profile %q: Wasserstein against a profile takes no weights (the profile keeps none)", p.Feature)
	}
	d, err := p.prepared()
	if err != nil {
		return Result{}, err
	}
	if err := checkCurrent("wasserstein", p, current); err != nil {
		return Result{}, err
	}
	c := sortedCopy(current)
	var w float64
	if d.cum == nil && mergeCheaper(len(c), len(d.values)) {
		w = wassersteinSorted(d.values, c)
	} else {
		w = wassersteinPrefix(d, c)
	}
	return distanceResult(MethodWasserstein, w, cfg.threshold, string(p.Kind)), nil
}

// WassersteinNormed is [WassersteinNormed] against the profile.
func (p *NumericProfile) WassersteinNormed(current []float64, opts ...WassersteinOption) (Result, error) {
	r, err := p.Wasserstein(current, opts...)
	if err != nil {
		return r, err
	}
	norm := math.Max(p.Std(), 0.001)
	r.Method = MethodWassersteinNormed
	r.Statistic /= norm
	r.verdict()
	r.Detail = fmt.Sprintf("%s,norm_std_ddof0=%g", p.Kind, norm)
	return r, nil
}

// mergeCheaper reports whether walking all n reference values once costs
// less than m binary searches into them.
func mergeCheaper(m, n int) bool {
	return float64(m)*math.Log2(float64(n)+1) > float64(n+m)
}

// twoSumAdd adds x to the double-double (hi, lo) (Knuth's TwoSum).
func twoSumAdd(hi, lo, x float64) (float64, float64) {
	s := hi + x
	bb := s - hi
	e := (hi - (s - bb)) + (x - bb)
	return s, lo + e
}

// index of the first value > t (count of support points <= t).
func (d *refDist) upper(t float64) int {
	return sort.Search(len(d.values), func(i int) bool { return d.values[i] > t })
}

// areaBelow is ∫_a^b F_r(t) dt for a <= b, F_r the reference ECDF:
// (1/n)·[W(≤a)·(b−a) + Σ_{a<v≤b} w·(b−v)], with the value sum taken from
// the double-double prefix sums.
func (d *refDist) areaBelow(a, b float64) float64 {
	if b <= a {
		return 0
	}
	ia, ib := d.upper(a), d.upper(b)
	wa, wb := d.weightBefore(ia), d.weightBefore(ib)
	// Σ_{a<v≤b} w·v = pref[ib] − pref[ia], in double-double.
	sHi := d.prefHi[ib] - d.prefHi[ia]
	sLo := d.prefLo[ib] - d.prefLo[ia]
	// Error of the high subtraction, recovered exactly (Sterbenz or TwoSum).
	bb := sHi - d.prefHi[ib]
	sLo += (d.prefHi[ib] - (sHi - bb)) + (-d.prefHi[ia] - bb)
	inner := (wb-wa)*b - sHi - sLo
	return (wa*(b-a) + inner) / d.total
}

// wassersteinPrefix integrates |F_r − F_c| segment by segment between the
// distinct current values. On a segment the current ECDF is a constant L;
// the reference ECDF crosses L at one order statistic, found by index, so
// each segment needs two areaBelow calls.
func wassersteinPrefix(d *refDist, c []float64) float64 {
	n, m := d.total, float64(len(c))
	rmin, rmax := d.values[0], d.values[len(d.values)-1]
	var acc neumaier
	// Segment before the first current value: L = 0.
	if rmin < c[0] {
		acc.add(d.areaBelow(rmin, c[0]))
	}
	for j := 0; j < len(c); {
		a := c[j]
		for j < len(c) && c[j] == a {
			j++
		}
		L := float64(j) / m
		if j == len(c) {
			// After the last current value: L = 1, ∫ (1 − F_r).
			if rmax > a {
				acc.add((rmax - a) - d.areaBelow(a, rmax))
			}
			break
		}
		b := c[j]
		// t* = first point where F_r >= L: the smallest support value whose
		// cumulative weight reaches L·n.
		k := sort.Search(len(d.values), func(i int) bool { return d.weightBefore(i+1)/n >= L })
		ts := b
		if k < len(d.values) {
			ts = math.Min(math.Max(d.values[k], a), b)
		}
		below := d.areaBelow(a, ts)
		above := d.areaBelow(ts, b)
		acc.add(L*(ts-a) - below + above - L*(b-ts))
	}
	return acc.sum()
}

// Histogram bins current against the profile as [EvidentlyHistogram]
// would bin (reference, current): the reference counts per bin come from
// the profile by binary search, the current values are counted once.
func (p *NumericProfile) Histogram(current []float64) (Histogram, error) {
	d, err := p.prepared()
	if err != nil {
		return Histogram{}, err
	}
	if err := checkCurrent("histogram", p, current); err != nil {
		return Histogram{}, err
	}
	nRef := int(math.Round(d.total))
	if len(d.distinct) > evidentlyDistinctMax {
		lc, hc := minMax(current)
		edges := SturgesEdges(math.Min(p.Min, lc), math.Max(p.Max, hc), nRef+len(current))
		k := len(edges) - 1
		h := Histogram{Kind: BinningSturges, Edges: edges, RefCounts: make([]int, k), CurCounts: countEdges(current, edges), NRef: nRef, NCur: len(current)}
		prev := 0.0
		for i := 0; i < k; i++ {
			var upTo float64
			if i == k-1 {
				upTo = d.weightLE(edges[k])
			} else {
				upTo = d.weightLT(edges[i+1])
			}
			h.RefCounts[i] = int(math.Round(upTo - prev))
			prev = upTo
		}
		return h, nil
	}
	set := map[float64]struct{}{}
	for _, v := range d.distinct {
		set[v] = struct{}{}
	}
	for _, v := range current {
		set[v] = struct{}{}
	}
	keys := make([]float64, 0, len(set))
	for v := range set {
		keys = append(keys, v)
	}
	slices.Sort(keys)
	index := make(map[float64]int, len(keys))
	for i, v := range keys {
		index[v] = i
	}
	h := Histogram{Kind: BinningDistinct, Keys: keys, RefCounts: make([]int, len(keys)), CurCounts: make([]int, len(keys)), NRef: nRef, NCur: len(current)}
	for _, v := range d.distinct {
		h.RefCounts[index[v]] = int(math.Round(d.weightLE(v) - d.weightLT(v)))
	}
	for _, v := range current {
		h.CurCounts[index[v]]++
	}
	return h, nil
}

// PSI is [PSI] against the profile.
func (p *NumericProfile) PSI(current []float64, threshold float64) (Result, error) {
	h, err := p.Histogram(current)
	if err != nil {
		return Result{}, err
	}
	return PSIFromHistogram(h, threshold)
}

// AutoTest is [AutoTest] against the profile.
func (p *NumericProfile) AutoTest(current []float64) (Result, error) {
	d, err := p.prepared()
	if err != nil {
		return Result{}, err
	}
	if err := checkCurrent("auto", p, current); err != nil {
		return Result{}, err
	}
	u := len(d.distinct)
	if u <= 5 {
		set := map[float64]struct{}{}
		for _, v := range d.distinct {
			set[v] = struct{}{}
		}
		for _, v := range current {
			set[v] = struct{}{}
			if len(set) > 5 {
				break
			}
		}
		u = len(set)
	}
	if p.Count <= 1000 {
		if u > 5 {
			r, err := p.KS(current)
			return r.Result, err
		}
		h, err := p.Histogram(current)
		if err != nil {
			return Result{}, err
		}
		if u > 2 {
			return ChiSquareGoF(h, 0.05)
		}
		return ZTestProportions(h, 0.05)
	}
	if u > 5 {
		return p.WassersteinNormed(current)
	}
	h, err := p.Histogram(current)
	if err != nil {
		return Result{}, err
	}
	return JSFromHistogram(h, 0.1, false)
}

// CategoricalProfile is the reference distribution of one categorical
// feature: category frequencies. JSON-serialisable and mergeable.
type CategoricalProfile struct {
	Feature string         `json:"feature"` // the feature the profile describes
	Counts  map[string]int `json:"counts"`  // reference occurrences of each category
	Count   int            `json:"count"`   // reference values in all, the sum of Counts
}

// NewCategoricalProfile counts the categories of data.
func NewCategoricalProfile(feature string, data []string) (*CategoricalProfile, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("drift: profile %q: no values: %w", feature, ErrTooFew)
	}
	return &CategoricalProfile{Feature: feature, Counts: countStrings(data), Count: len(data)}, nil
}

// Merge adds other's counts (same feature). Both profiles must be valid
// (Validate); a merge that fails leaves p as it was.
func (p *CategoricalProfile) Merge(other *CategoricalProfile) error {
	if err := p.checkMerge(other); err != nil {
		return err
	}
	for k, v := range other.Counts {
		p.Counts[k] += v
	}
	p.Count += other.Count
	return nil
}

// Histogram counts current over the union of reference and current categories.
func (p *CategoricalProfile) Histogram(current []string) (Histogram, error) {
	if p.Count == 0 {
		return Histogram{}, fmt.Errorf("drift: profile %q is empty: %w", p.Feature, ErrTooFew)
	}
	if len(current) == 0 {
		return Histogram{}, fmt.Errorf("drift: %s: current sample is empty: %w", p.Feature, ErrTooFew)
	}
	cc := countStrings(current)
	cats := make([]string, 0, len(p.Counts)+len(cc))
	for k := range p.Counts {
		cats = append(cats, k)
	}
	for k := range cc {
		if _, ok := p.Counts[k]; !ok {
			cats = append(cats, k)
		}
	}
	slices.Sort(cats)
	return histogramFromCounts(cats, p.Counts, cc, p.Count, len(current)), nil
}

// AutoTest is [AutoTestCategorical] against the profile.
func (p *CategoricalProfile) AutoTest(current []string) (Result, error) {
	h, err := p.Histogram(current)
	if err != nil {
		return Result{}, err
	}
	return autoCategoricalHistogram(h)
}
