package explain

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// fuzzFloats turns fuzz bytes into float64 values of any bit pattern.
func fuzzFloats(b []byte, max int) []float64 {
	var out []float64
	for len(b) >= 8 && len(out) < max {
		out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b)))
		b = b[8:]
	}
	return out
}

// FuzzLinearReasonTop: the closed-form explainer, reason codes and top
// features on arbitrary weights, background and rows return an error or
// finite values and names, never a panic or a silent NaN.
func FuzzLinearReasonTop(f *testing.F) {
	seed := func(vals ...float64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(seed(1, -2, 0.5, 3, 4, 5, 1, 1, 1), uint8(3), int8(2))
	f.Add(seed(math.NaN(), 1, 2, math.Inf(1), 0, 0), uint8(2), int8(-1))
	f.Add(seed(1e308, -1e308, 1e308, 1e308, -1e308, 5e-324), uint8(2), int8(9))
	f.Fuzz(func(t *testing.T, b []byte, dim uint8, k int8) {
		d := int(dim)%6 + 1
		vals := fuzzFloats(b, 3*d+1)
		if len(vals) < 3*d+1 {
			return
		}
		weights, bg, row, intercept := vals[:d], vals[d:2*d], vals[2*d:3*d], vals[3*d]
		names := make([]string, d)
		for i := range names {
			names[i] = fmt.Sprintf("f%d", i)
		}
		ex, err := NewLinear(weights, intercept, Matrix{Rows: 1, Cols: d, Data: bg}, WithFeatureNames(names...))
		if err != nil {
			return
		}
		e, err := ex.Explain(context.Background(), row)
		if err != nil {
			return
		}
		for i, v := range e.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("value %d is %v without an error (weights %v, background %v, row %v)", i, v, weights, bg, row)
			}
		}
		if math.IsNaN(e.Prediction) || math.IsNaN(e.BaseValue) {
			t.Fatalf("prediction %v, base %v without an error", e.Prediction, e.BaseValue)
		}
		if top, err := TopFeatures(e, int(k)); err == nil {
			for _, n := range top {
				if n == "" {
					t.Fatal("TopFeatures returned a blank name")
				}
			}
		}
		if codes, err := ReasonCodes(e, ReasonOptions{TopK: int(k)}); err == nil {
			for _, c := range codes {
				if math.IsNaN(c.Contribution) || math.IsInf(c.Contribution, 0) {
					t.Fatalf("reason code %+v without an error", c)
				}
			}
		}
	})
}
