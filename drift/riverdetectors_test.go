package drift

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
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
