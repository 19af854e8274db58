package drift

import (
	"math"
	"strings"
	"testing"
)

// Size parameters beyond their documented bounds are clear errors, never a
// panic or an allocation sized by the parameter.
func TestSizeParametersBounded(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	if _, err := QuantileHistogram(x, x, 1e9); err == nil || !strings.Contains(err.Error(), "bins") {
		t.Errorf("QuantileHistogram(1e9 bins): %v", err)
	}
	if _, err := PSI(x, x, WithQuantileBins(1e9)); err == nil || !strings.Contains(err.Error(), "WithQuantileBins") {
		t.Errorf("WithQuantileBins(1e9): %v", err)
	}
	if _, err := NewMonitor(Profiles{}, WithCountWindow(1e9)); err == nil || !strings.Contains(err.Error(), "WithCountWindow") {
		t.Errorf("WithCountWindow(1e9): %v", err)
	}
	k := DefaultKSWIN()
	k.WindowSize = 1e9
	if _, err := NewKSWIN(k); err == nil {
		t.Error("KSWIN window 1e9 accepted")
	}
	a := DefaultADWIN()
	a.Clock = math.MaxInt
	if _, err := NewADWIN(a); err == nil {
		t.Error("ADWIN clock MaxInt accepted")
	}
	p := DefaultPageHinkley()
	p.MinInstances = math.MaxInt
	if _, err := NewPageHinkley(p); err == nil {
		t.Error("Page–Hinkley MinInstances MaxInt accepted")
	}
	d := DefaultDDM()
	d.WarmStart = math.MaxInt
	if _, err := NewDDM(d); err == nil {
		t.Error("DDM WarmStart MaxInt accepted")
	}
	e := DefaultEDDM()
	e.WarmStart = math.MaxInt
	if _, err := NewEDDM(e); err == nil {
		t.Error("EDDM WarmStart MaxInt accepted")
	}
	if _, err := NewSketchProfile("f", x, 1e-12); err == nil || !strings.Contains(err.Error(), "relative accuracy") {
		t.Errorf("sketch accuracy 1e-12: %v", err)
	}
	for _, c := range []struct {
		lo, hi float64
		n      int
	}{{0, 1, 0}, {0, 1, -5}, {math.NaN(), 1, 10}, {0, math.Inf(1), 10}, {-math.MaxFloat64, math.MaxFloat64, math.MaxInt}} {
		if e := SturgesEdges(c.lo, c.hi, c.n); len(e) < 2 || len(e) > 70 {
			t.Errorf("SturgesEdges(%v, %v, %d) has %d edges", c.lo, c.hi, c.n, len(e))
		}
	}
}
