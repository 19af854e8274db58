package drift

import (
	"math/rand/v2"
	"testing"
)

func mustDetectors(t testing.TB) map[string]Detector {
	ph, err1 := NewPageHinkley(DefaultPageHinkley())
	ddm, err2 := NewDDM(DefaultDDM())
	eddm, err3 := NewEDDM(DefaultEDDM())
	ad, err4 := NewADWIN(DefaultADWIN())
	ks, err5 := NewKSWIN(DefaultKSWIN())
	ha, err6 := NewHDDMA(DefaultHDDMA())
	hw, err7 := NewHDDMW(DefaultHDDMW())
	for _, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return map[string]Detector{"PageHinkley": ph, "DDM": ddm, "EDDM": eddm, "ADWIN": ad, "KSWIN": ks, "HDDM_A": ha, "HDDM_W": hw}
}

// ADWIN's guarantee (Bifet & Gavaldà 2007, Theorem 3): on a stationary
// stream the probability that a check shrinks the window is at most δ.
// With δ = 0.002 and a check every 32 observations, 200 000 N(0,1)
// observations give 6 250 checks, so about 12.5 false alarms at the bound;
// the variance-based bound is conservative, so demand at most that.
func TestADWINStationaryFalseAlarmsWithinBound(t *testing.T) {
	a, err := NewADWIN(DefaultADWIN())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 7))
	const n = 200000
	alarms := 0
	for i := 0; i < n; i++ {
		if a.Update(rng.NormFloat64()) == SignalDrift {
			alarms++
		}
	}
	checks := n / DefaultADWIN().Clock
	bound := float64(checks) * DefaultADWIN().Delta
	if float64(alarms) > bound {
		t.Fatalf("ADWIN raised %d false alarms on a stationary stream, bound δ·checks = %.1f", alarms, bound)
	}
	if a.Width() < n/2 {
		t.Errorf("window shrank to %d on a stationary stream", a.Width())
	}
	t.Logf("false alarms %d (bound %.1f), final width %d", alarms, bound, a.Width())
}

func TestADWINDetectsMeanShiftWithinDelay(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		a, err := NewADWIN(DefaultADWIN())
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 99))
		const change = 5000
		detected := -1
		for i := 0; i < change+2000; i++ {
			x := rng.NormFloat64()
			if i >= change {
				x += 1
			}
			if a.Update(x) == SignalDrift && i >= change && detected < 0 {
				detected = i
			}
		}
		// A one-sigma shift is found within a dozen clock ticks (river's
		// split points, which skip the newest bucket of every row, make
		// it ~250–350 observations on these seeds).
		if detected < 0 || detected-change > 400 {
			t.Errorf("seed %d: shift at %d detected at %d, want within 400", seed, change, detected)
		}
		if m := a.Mean(); m < 0.8 {
			t.Errorf("seed %d: window mean %.3f after the shift, want ≈ 1 (old data not dropped)", seed, m)
		}
	}
}

func TestKSWINDetectsShift(t *testing.T) {
	k, err := NewKSWIN(DefaultKSWIN())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 1000; i++ {
		k.Update(rng.NormFloat64())
	}
	detected := -1
	for i := 0; i < 300; i++ {
		if k.Update(rng.NormFloat64()+3) == SignalDrift {
			detected = i
			break
		}
	}
	if detected < 0 || detected > 60 {
		t.Errorf("KSWIN: 3σ shift detected after %d observations, want within 60", detected)
	}
}

func TestDetectorsDoNotAllocate(t *testing.T) {
	for name, d := range mustDetectors(t) {
		rng := rand.New(rand.NewPCG(1, 2))
		allocs := testing.AllocsPerRun(5000, func() {
			d.Update(float64(rng.IntN(2)))
		})
		if allocs != 0 {
			t.Errorf("%s.Update allocates %.2f times per call", name, allocs)
		}
	}
}

func TestDetectorResetForgets(t *testing.T) {
	for name, d := range mustDetectors(t) {
		var first []Signal
		run := func() []Signal {
			rng := rand.New(rand.NewPCG(11, 12))
			var out []Signal
			for i := 0; i < 3000; i++ {
				x := float64(rng.IntN(10)) / 10
				if i > 1500 {
					x = 1
				}
				out = append(out, d.Update(x))
			}
			return out
		}
		first = run()
		d.Reset()
		second := run()
		for i := range first {
			if first[i] != second[i] {
				t.Errorf("%s: after Reset signal %d is %v, first run %v", name, i, second[i], first[i])
				break
			}
		}
	}
}

func TestDetectorConfigErrors(t *testing.T) {
	if _, err := NewPageHinkley(PageHinkleyConfig{}); err == nil {
		t.Error("zero PageHinkley config accepted")
	}
	if _, err := NewDDM(DDMConfig{WarningThreshold: 3, DriftThreshold: 2}); err == nil {
		t.Error("DDM with drift < warning threshold accepted")
	}
	if _, err := NewEDDM(EDDMConfig{Alpha: 0.5, Beta: 0.9}); err == nil {
		t.Error("EDDM with alpha < beta accepted")
	}
	if _, err := NewADWIN(ADWINConfig{Delta: 2}); err == nil {
		t.Error("ADWIN delta 2 accepted")
	}
	if _, err := NewKSWIN(KSWINConfig{Alpha: 0.005, WindowSize: 10, StatSize: 30}); err == nil {
		t.Error("KSWIN window smaller than stat size accepted")
	}
	if SignalDrift.String() != "drift" || SignalWarning.String() != "warning" || SignalNone.String() != "none" {
		t.Error("Signal.String")
	}
}

func BenchmarkDetectorUpdate(b *testing.B) {
	for name, d := range mustDetectors(b) {
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			xs := make([]float64, 4096)
			for i := range xs {
				xs[i] = float64(rng.IntN(2))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.Update(xs[i&4095])
			}
		})
	}
}
