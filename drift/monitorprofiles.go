package drift

import (
	"errors"
	"fmt"
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
	cutoff := m.cutoff(m.cfg.now())
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return Profiles{}, ErrClosed
	}
	numWins, catWins := m.windowsSince(cutoff)
	m.mu.Unlock()
	return m.windowProfiles(numWins, catWins)
}

// windowProfiles turns copied windows into profiles, in the monitor's
// feature order, leaving out empty windows.
func (m *Monitor) windowProfiles(numWins map[string][]float64, catWins map[string][]string) (Profiles, error) {
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
			c := p.clone()
			num[p.Feature] = c
			out.Numeric = append(out.Numeric, c)
		}
		for _, p := range s.Categorical {
			if p == nil {
				return Profiles{}, errors.New("drift: merge: nil profile")
			}
			if q, ok := cat[p.Feature]; ok {
				if err := q.Merge(p); err != nil {
					return Profiles{}, err
				}
				continue
			}
			if err := p.Validate(); err != nil {
				return Profiles{}, fmt.Errorf("drift: merge: %w", err)
			}
			c := p.clone()
			cat[p.Feature] = c
			out.Categorical = append(out.Categorical, c)
		}
	}
	return out, nil
}
