package drift

import (
	"errors"
	"math"
)

// WindowProfiles returns the current window of each feature as a profile:
// an exact [NumericProfile] (the window's values, sorted) per numeric
// feature and a [CategoricalProfile] per categorical one; features with no
// value in the window are left out. Profiles are mergeable, so the windows
// of several replicas of a service can be brought together: merge each
// feature's window profiles ([NumericProfile.Merge],
// [CategoricalProfile.Merge]) and test the merged sample (Sorted) against
// the reference, e.g. with [NumericProfile.KS]. The result is exactly that
// of one monitor whose window held every replica's values, since an exact
// profile is the sample itself; it is not an approximation.
//
// The window is the one Evaluate would test at this moment (the count
// window, cut to WithTimeWindow). Non-finite values never enter a window,
// so the profiles' Dropped is 0. A profile holds up to WithCountWindow
// values; it is a copy, which the caller owns.
func (m *Monitor) WindowProfiles() (Profiles, error) {
	cutoff := int64(math.MinInt64)
	if m.cfg.maxAge > 0 {
		cutoff = m.cfg.now().Add(-m.cfg.maxAge).UnixNano()
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return Profiles{}, ErrClosed
	}
	numWins := make(map[string][]float64, len(m.num))
	for k, f := range m.num {
		numWins[k] = f.win.since(cutoff)
	}
	catWins := make(map[string][]string, len(m.cat))
	for k, f := range m.cat {
		catWins[k] = f.win.since(cutoff)
	}
	m.mu.Unlock()

	var ps Profiles
	for _, name := range m.names {
		if w, ok := numWins[name]; ok {
			if len(w) == 0 {
				continue
			}
			p, err := NewNumericProfile(name, w)
			if err != nil {
				return Profiles{}, err
			}
			ps.Numeric = append(ps.Numeric, p)
			continue
		}
		if w := catWins[name]; len(w) > 0 {
			p, err := NewCategoricalProfile(name, w)
			if err != nil {
				return Profiles{}, err
			}
			ps.Categorical = append(ps.Categorical, p)
		}
	}
	return ps, nil
}

// MergeProfiles merges profiles of the same features (for instance the
// WindowProfiles of several replicas) into new profiles, feature by
// feature, in the order the features first appear; the inputs are left
// unchanged. Numeric profiles of one feature must be of one kind.
func MergeProfiles(sets ...Profiles) (Profiles, error) {
	var out Profiles
	num := map[string]*NumericProfile{}
	cat := map[string]*CategoricalProfile{}
	for _, s := range sets {
		for _, p := range s.Numeric {
			if p == nil {
				return Profiles{}, errors.New("drift: merge: nil profile")
			}
			if q, ok := num[p.Feature]; ok {
				if err := q.Merge(p); err != nil {
					return Profiles{}, err
				}
				continue
			}
			c := &NumericProfile{Feature: p.Feature, Kind: p.Kind, Count: p.Count, Dropped: p.Dropped, Min: p.Min, Max: p.Max,
				Mean: p.Mean, M2: p.M2, Sorted: append([]float64(nil), p.Sorted...), RelativeAccuracy: p.RelativeAccuracy,
				Sketch: append([]byte(nil), p.Sketch...), Support: append([]float64(nil), p.Support...),
				SupportCounts: append([]int(nil), p.SupportCounts...)}
			num[p.Feature] = c
			out.Numeric = append(out.Numeric, c)
		}
		for _, p := range s.Categorical {
			if p == nil {
				return Profiles{}, errors.New("drift: merge: nil profile")
			}
			q, ok := cat[p.Feature]
			if !ok {
				q = &CategoricalProfile{Feature: p.Feature, Counts: map[string]int{}}
				cat[p.Feature] = q
				out.Categorical = append(out.Categorical, q)
			}
			if err := q.Merge(p); err != nil {
				return Profiles{}, err
			}
		}
	}
	return out, nil
}
