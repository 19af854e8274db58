package drift

import (
	"context"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// fleetTest runs KS on feature "x" and Wasserstein on "y", so one
// evaluation checks both.
func fleetTest(p *NumericProfile, cur []float64) (Result, error) {
	if p.Feature == "x" {
		r, err := p.KS(cur)
		return r.Result, err
	}
	return p.Wasserstein(cur)
}

// fleetReference is a reference of n values: "x" standard normal, "y"
// exponential, "c" one of four categories.
func fleetReference(rng *rand.Rand, n int) Profiles {
	refX, refY, refC := make([]float64, n), make([]float64, n), make([]string, n)
	for i := range refX {
		refX[i], refY[i], refC[i] = rng.NormFloat64(), rng.ExpFloat64(), strconv.Itoa(rng.IntN(4))
	}
	px, _ := NewNumericProfile("x", refX)
	py, _ := NewNumericProfile("y", refY)
	pc, _ := NewCategoricalProfile("c", refC)
	return Profiles{Numeric: []*NumericProfile{px, py}, Categorical: []*CategoricalProfile{pc}}
}

func newFleetDriftMonitor(t *testing.T, ref Profiles) *Monitor {
	t.Helper()
	m, err := NewMonitor(ref, WithCountWindow(5000), WithMinObservations(100), WithNumericTest(fleetTest),
		WithMeterProvider(newTelemetry(t).mp), WithLoggerProvider(newTelemetry(t).lp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

// Three replicas' window profiles, merged, are the window of one monitor
// that saw every value: the same sample, so the KS and Wasserstein results
// (statistic, p-value, verdict) are identical, not merely close.
func TestMergedWindowProfilesGiveTheSingleVerdict(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	ref := fleetReference(rng, 2000)

	one := newFleetDriftMonitor(t, ref)
	var reps [3]*Monitor
	for i := range reps {
		reps[i] = newFleetDriftMonitor(t, ref)
	}
	for i := range 4500 {
		// x drifts (shifted by 0.25), y does not; ties in y and c.
		v := map[string]float64{"x": rng.NormFloat64() + 0.25, "y": math.Round(rng.ExpFloat64()*20) / 20}
		if i%97 == 0 {
			v["x"] = math.NaN() // dropped, never in a window
		}
		c := map[string]string{"c": strconv.Itoa(rng.IntN(5))}
		if err := one.Observe(v, c); err != nil {
			t.Fatal(err)
		}
		if err := reps[i%3].Observe(v, c); err != nil {
			t.Fatal(err)
		}
	}
	var parts []Profiles
	for _, r := range reps {
		p, err := r.WindowProfiles()
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	first := parts[0].Numeric[0].Count
	fleet, err := MergeProfiles(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if parts[0].Numeric[0].Count != first {
		t.Fatal("MergeProfiles changed its input")
	}
	single, err := one.WindowProfiles()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := one.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]FeatureReport{}
	for _, f := range rep.Features {
		byName[f.Feature] = f
	}
	for i, name := range []string{"x", "y"} {
		f, s := fleet.Numeric[i], single.Numeric[i]
		if f.Feature != name || s.Feature != name {
			t.Fatalf("features %q %q, want %q", f.Feature, s.Feature, name)
		}
		if !slices.Equal(f.Sorted, s.Sorted) || f.Count != s.Count || f.Min != s.Min || f.Max != s.Max {
			t.Fatalf("%s: merged window (%d values) is not the single window (%d)", name, f.Count, s.Count)
		}
		// Mean and M2 merge by Chan et al.'s formula, not a second pass.
		if math.Abs(f.Mean-s.Mean) > 1e-12 || math.Abs(f.Std()-s.Std()) > 1e-12 {
			t.Errorf("%s: merged mean %v std %v, single %v %v", name, f.Mean, f.Std(), s.Mean, s.Std())
		}
		got, err := fleetTest(ref.Numeric[i], f.Sorted)
		if err != nil {
			t.Fatal(err)
		}
		want := byName[name]
		// PValue is NaN for a distance: compare it apart.
		g, w := got, want.Result
		samePV := g.PValue == w.PValue || math.IsNaN(g.PValue) && math.IsNaN(w.PValue)
		g.PValue, w.PValue = 0, 0
		if !want.Evaluated || !samePV || !reflect.DeepEqual(g, w) {
			t.Errorf("%s: fleet %+v, single monitor %+v", name, got, want.Result)
		}
	}
	if !byName["x"].Result.Drift || byName["y"].Result.Drift {
		t.Errorf("verdicts x %v, y %v: want drift on x only", byName["x"].Result.Drift, byName["y"].Result.Drift)
	}
	if byName["x"].Observations != 4500-47 {
		t.Errorf("x: %d observations", byName["x"].Observations)
	}
	if fc, sc := fleet.Categorical[0], single.Categorical[0]; !maps.Equal(fc.Counts, sc.Counts) || fc.Count != 4500 || sc.Count != 4500 {
		t.Errorf("categorical: merged %v (%d), single %v (%d)", fc.Counts, fc.Count, sc.Counts, sc.Count)
	}
}

func TestWindowProfilesEmptyAndClosed(t *testing.T) {
	px, _ := NewNumericProfile("x", []float64{1, 2, 3})
	pc, _ := NewCategoricalProfile("c", []string{"a"})
	m, err := NewMonitor(Profiles{Numeric: []*NumericProfile{px}, Categorical: []*CategoricalProfile{pc}},
		WithMeterProvider(newTelemetry(t).mp), WithLoggerProvider(newTelemetry(t).lp))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := m.WindowProfiles()
	if err != nil || len(ps.Numeric)+len(ps.Categorical) != 0 {
		t.Fatalf("empty windows: %+v, %v", ps, err)
	}
	if err := m.ObserveNumeric("x", 7); err != nil {
		t.Fatal(err)
	}
	ps, err = m.WindowProfiles()
	if err != nil || len(ps.Numeric) != 1 || len(ps.Categorical) != 0 || !slices.Equal(ps.Numeric[0].Sorted, []float64{7}) {
		t.Fatalf("one value: %+v, %v", ps, err)
	}
	sk, _ := NewSketchProfile("x", []float64{1, 2}, 0.01)
	if _, err := MergeProfiles(ps, Profiles{Numeric: []*NumericProfile{sk}}); err == nil {
		t.Error("merging an exact and a sketch profile: no error")
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.WindowProfiles(); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}
