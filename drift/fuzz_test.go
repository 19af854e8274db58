package drift

import (
	"encoding/binary"
	"math"
	"testing"
)

// floatsFrom splits fuzz bytes into two samples of float64 values (any
// bit pattern: NaN, ±Inf, subnormals, huge values).
func floatsFrom(b []byte, cut uint8) (x, y []float64) {
	var all []float64
	for len(b) >= 8 && len(all) < 256 {
		all = append(all, math.Float64frombits(binary.LittleEndian.Uint64(b)))
		b = b[8:]
	}
	k := 0
	if len(all) > 0 {
		k = int(cut) % (len(all) + 1)
	}
	return all[:k], all[k:]
}

// checkResult fails on a verdict built from a non-finite number.
func checkResult(t *testing.T, what string, r Result) {
	t.Helper()
	if math.IsNaN(r.Statistic) || math.IsInf(r.Statistic, 0) {
		t.Fatalf("%s: statistic %v without an error", what, r.Statistic)
	}
	if r.HasPValue && !(r.PValue >= 0 && r.PValue <= 1) {
		t.Fatalf("%s: p-value %v without an error", what, r.PValue)
	}
}

// FuzzTests: every two-sample test returns an error or a finite result,
// never a panic or a silent NaN, whatever the values.
func FuzzTests(f *testing.F) {
	seed := func(vals ...float64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(seed(1, 2, 3, 4, 5, 6), uint8(3))
	f.Add(seed(1, 1, 1, 1), uint8(2))
	f.Add(seed(math.NaN(), 1, math.Inf(1), 2), uint8(2))
	f.Add(seed(1e308, -1e308, 1e308, 5e-324, 0, math.Copysign(0, -1)), uint8(3))
	f.Add(seed(1, 2), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, cut uint8) {
		x, y := floatsFrom(b, cut)
		if r, err := KS(x, y); err == nil {
			checkResult(t, "KS", r.Result)
		}
		if r, err := Wasserstein(x, y); err == nil {
			checkResult(t, "Wasserstein", r)
		}
		if r, err := WassersteinNormed(x, y); err == nil {
			checkResult(t, "WassersteinNormed", r)
		}
		if r, err := CramerVonMises(x, y, 0.05); err == nil {
			checkResult(t, "CramerVonMises", r)
		}
		if r, err := AndersonDarling(0.05, x, y); err == nil {
			checkResult(t, "AndersonDarling", r.Result)
		}
		if r, err := PSI(x, y); err == nil {
			checkResult(t, "PSI", r)
		}
		if r, err := JensenShannon(x, y); err == nil {
			checkResult(t, "JensenShannon", r)
		}
		if _, err := QuantileHistogram(x, y, int(cut)); err != nil {
			return
		}
		if len(x) >= 2 {
			_ = SturgesEdges(x[0], x[1], int(cut))
		}
	})
}
