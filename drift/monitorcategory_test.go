package drift

import (
	"context"
	"fmt"
	"hash/fnv"
	"runtime"
	"strings"
	"testing"
)

// TestMonitorCategoricalMemoryIsBounded: the monitor's memory is bounded
// by its count window, whatever the values clients send. A window of 64
// categorical values once held 64 MB when each value was 1 MB long (and
// a value cut from a larger request kept all of that request alive).
// Long unseen values are kept shortened but still distinct, so the test
// still sees every one as a category the reference never had.
func TestMonitorCategoricalMemoryIsBounded(t *testing.T) {
	ref, err := NewCategoricalProfile("region", []string{"north", "south", "north", "south", "east"})
	if err != nil {
		t.Fatal(err)
	}
	const window = 64
	m, err := NewMonitor(Profiles{Categorical: []*CategoricalProfile{ref}}, WithCountWindow(window), WithMinObservations(window),
		WithMeterProvider(newTelemetry(t).mp), WithLoggerProvider(newTelemetry(t).lp))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	func() {
		for i := range window {
			// Each value is 1 MB; both halves of the request share it.
			body := fmt.Sprintf("%08d", i) + strings.Repeat("x", 1<<20)
			if err := m.Observe(nil, map[string]string{"region": body[:len(body)/2+8]}); err != nil {
				t.Fatal(err)
			}
		}
	}()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Errorf("a window of %d values holds %d MB", window, grown>>20)
	}
	ps, err := m.WindowProfiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Categorical) != 1 || len(ps.Categorical[0].Counts) != window {
		t.Fatalf("window profile %+v, want %d distinct categories", ps.Categorical, window)
	}
	for k := range ps.Categorical[0].Counts {
		if len(k) > 1024 {
			t.Errorf("window keeps a value of %d bytes", len(k))
			break
		}
	}
	rep, err := m.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Features[0]; !f.Evaluated || !f.Drift {
		t.Errorf("unseen categories: %+v, want drift", f)
	}
	// Known categories are kept as they are.
	for range window {
		if err := m.Observe(nil, map[string]string{"region": "north"}); err != nil {
			t.Fatal(err)
		}
	}
	if ps, _ := m.WindowProfiles(); ps.Categorical[0].Counts["north"] != window {
		t.Errorf("window %+v, want %d × north", ps.Categorical[0].Counts, window)
	}
}

// TestFNV1a64 checks fnv1a64 against hash/fnv.
func TestFNV1a64(t *testing.T) {
	for _, s := range []string{"", "a", "foobar", strings.Repeat("é", 1000)} {
		h := fnv.New64a()
		_, _ = h.Write([]byte(s))
		if got, want := fnv1a64(s), h.Sum64(); got != want {
			t.Errorf("fnv1a64(%.10q) = %x, want %x", s, got, want)
		}
	}
}
