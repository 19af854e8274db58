package drift

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRiverDetectorIndices replays the stream vectors through ADWIN (river's
// restart-after-drift semantics and the KeepWindowAfterDrift variant),
// KSWIN (seed 1, with the default window and with a window of 400, where the
// sampling takes its set-based path), HDDM_A and HDDM_W, and compares every
// drift and warning index with river's (testdata/river_detectors.json;
// recipe in testdata/README.md).
func TestRiverDetectorIndices(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "river_detectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]map[string]struct {
		Drift   []int `json:"drift_indices"`
		Warning []int `json:"warning_indices"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no streams")
	}
	for id, dets := range want {
		vb, err := os.ReadFile(filepath.Join("testdata", "vectors", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var stream struct {
			Values []float64 `json:"values"`
		}
		if err := json.Unmarshal(vb, &stream); err != nil {
			t.Fatal(err)
		}
		for name, w := range dets {
			var d Detector
			hasWarning := false
			switch name {
			case "ADWIN":
				d, err = NewADWIN(DefaultADWIN())
			case "ADWIN_keep_window":
				cfg := DefaultADWIN()
				cfg.KeepWindowAfterDrift = true
				d, err = NewADWIN(cfg)
			case "KSWIN":
				d, err = NewKSWIN(DefaultKSWIN())
			case "KSWIN_window_400":
				cfg := DefaultKSWIN()
				cfg.WindowSize = 400
				d, err = NewKSWIN(cfg)
			case "HDDM_A":
				d, err = NewHDDMA(DefaultHDDMA())
				hasWarning = true
			case "HDDM_W":
				d, err = NewHDDMW(DefaultHDDMW())
				hasWarning = true
			default:
				t.Fatalf("%s: unknown detector %q", id, name)
			}
			if err != nil {
				t.Fatal(err)
			}
			var drifts, warnings []int
			for i, x := range stream.Values {
				switch d.Update(x) {
				case SignalDrift:
					drifts = append(drifts, i)
				case SignalWarning:
					warnings = append(warnings, i)
				}
			}
			if !slices.Equal(drifts, w.Drift) && !(len(drifts) == 0 && len(w.Drift) == 0) {
				t.Errorf("%s %s: drift at %v, river %v", id, name, drifts, w.Drift)
			}
			if hasWarning && !slices.Equal(warnings, w.Warning) && !(len(warnings) == 0 && len(w.Warning) == 0) {
				t.Errorf("%s %s: warning at %v, river %v", id, name, warnings, w.Warning)
			}
		}
	}
}

// TestDetectorsSkipNaN: a stream with NaNs interleaved gives every
// detector the signals of the same stream without them, and a NaN
// returns the signal before it. KSWIN used to loop forever once a NaN
// reached its window (NaN equals nothing, so the KS walk never moved),
// and DDM and PageHinkley took it into their means and never detected
// again. ±Inf is skipped by the mean-based detectors (it poisons a mean)
// and kept by KSWIN (it has a place in an ordering).
func TestDetectorsSkipNaN(t *testing.T) {
	stream := make([]float64, 0, 1200)
	for i := range 1200 {
		v := float64(i%10) / 10
		if i >= 600 {
			v += 3
		}
		stream = append(stream, v)
	}
	errs := make([]float64, 1200) // an error stream for DDM: 10 % errors, then 60 %
	for i := range errs {
		if (i < 600 && i%10 == 0) || (i >= 600 && i%10 < 6) {
			errs[i] = 1
		}
	}
	for _, c := range []struct {
		name   string
		make   func() (Detector, error)
		stream []float64
	}{
		{"KSWIN", func() (Detector, error) { return NewKSWIN(DefaultKSWIN()) }, stream},
		{"DDM", func() (Detector, error) { return NewDDM(DefaultDDM()) }, errs},
		{"PageHinkley", func() (Detector, error) { return NewPageHinkley(DefaultPageHinkley()) }, stream},
		{"ADWIN", func() (Detector, error) { return NewADWIN(DefaultADWIN()) }, stream},
		{"HDDM_A", func() (Detector, error) { return NewHDDMA(DefaultHDDMA()) }, stream},
	} {
		t.Run(c.name, func(t *testing.T) {
			clean, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			noisy, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				prev, drifts := SignalNone, 0
				for i, x := range c.stream {
					if i%7 == 3 {
						if got := noisy.Update(math.NaN()); got != prev {
							t.Errorf("NaN before observation %d: %v, want the signal before it, %v", i, got, prev)
							return
						}
					}
					want, got := clean.Update(x), noisy.Update(x)
					if got != want {
						t.Errorf("observation %d: %v with NaNs in the stream, %v without", i, got, want)
						return
					}
					if got == SignalDrift {
						drifts++
					}
					prev = got
				}
				if drifts == 0 {
					t.Error("no drift on a stream that shifts; the comparison shows nothing")
				}
			}()
			select {
			case <-done:
			case <-time.After(time.Minute): // a hang detector, not a timing assertion
				t.Fatal("Update did not return after a NaN")
			}
		})
	}
	k, err := NewKSWIN(DefaultKSWIN())
	if err != nil {
		t.Fatal(err)
	}
	k.Update(math.NaN())
	k.Update(1)
	if k.Ignored() != 1 {
		t.Errorf("KSWIN.Ignored() = %d, want 1", k.Ignored())
	}
}

// TestKSStatisticEndsOnNaN: the KS walk's callers refuse NaN, but a NaN
// that got through must not make it loop.
func TestKSStatisticEndsOnNaN(t *testing.T) {
	done := make(chan float64, 1)
	go func() {
		d, _, _ := ksStatistic([]float64{math.NaN(), 1, 2}, []float64{math.NaN(), 1.5, 3})
		done <- d
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang detector, not a timing assertion
		t.Fatal("ksStatistic did not return on NaN")
	}
}

// Non-finite observations used to poison ADWIN's mean (+Inf → NaN); they
// are now skipped and counted.
func TestADWINIgnoresNonFinite(t *testing.T) {
	a, err := NewADWIN(DefaultADWIN())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		a.Update(0.5)
	}
	for _, x := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		if s := a.Update(x); s != SignalNone {
			t.Errorf("Update(%v) = %v", x, s)
		}
	}
	if m := a.Mean(); m != 0.5 || a.Width() != 100 || a.Ignored() != 3 {
		t.Errorf("mean %v width %d ignored %d, want 0.5 100 3", m, a.Width(), a.Ignored())
	}
}
