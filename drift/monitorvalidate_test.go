package drift

import (
	"context"
	"math"
	"testing"
)

// TestMonitorRefusesInvalidNumericProfile: NewMonitor checks a numeric
// reference profile as it checks a categorical one. A profile built in Go
// whose fields contradict each other (here a negative sum of squares,
// which Validate refuses) once gave a NaN distance and a "no drift"
// verdict on a window far outside the reference.
func TestMonitorRefusesInvalidNumericProfile(t *testing.T) {
	const n = 2000
	ref := make([]float64, n)
	for i := range ref {
		ref[i] = float64(i)
	}
	good, err := NewNumericProfile("x", ref)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]*NumericProfile{
		"negative m2": {Feature: "x", Kind: ProfileExact, Count: n, Sorted: ref, Min: good.Min, Max: good.Max, Mean: good.Mean, M2: -1},
		"infinite value": {Feature: "x", Kind: ProfileExact, Count: 3, Sorted: []float64{1, 2, math.Inf(1)},
			Min: 1, Max: 2, Mean: 1.5, M2: 0.5},
		"count of another sample": {Feature: "x", Kind: ProfileExact, Count: n, Sorted: ref, Min: 5, Max: good.Max, Mean: good.Mean, M2: good.M2},
	} {
		if bad.Validate() == nil {
			t.Fatalf("%s: Validate accepts the profile", name)
		}
		m, err := NewMonitor(Profiles{Numeric: []*NumericProfile{bad}}, WithMinObservations(10))
		if err == nil {
			for i := range 100 {
				_ = m.ObserveNumeric("x", float64(i*1000))
			}
			rep, _ := m.Evaluate(context.Background())
			_ = m.Close(context.Background())
			t.Errorf("%s: NewMonitor accepted a profile Validate refuses; its evaluation: %+v", name, rep.Features)
		}
	}
	// The valid profile is accepted and finds the drift.
	m, err := NewMonitor(Profiles{Numeric: []*NumericProfile{good}}, WithMinObservations(10))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	for i := range 100 {
		_ = m.ObserveNumeric("x", float64(i*1000))
	}
	rep, err := m.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Features[0]; !f.Evaluated || !f.Drift || math.IsNaN(f.Result.Score) {
		t.Errorf("valid profile: %+v, want a drift with a number", f)
	}
}
