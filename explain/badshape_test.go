package explain

import (
	"context"
	"testing"
)

// A shape whose Rows×Cols wraps around int to the length of Data is not a
// valid matrix: Validate must say so, and no constructor or batch call may
// size an allocation from the bogus row count.
func TestMatrixValidateShapeOverflow(t *testing.T) {
	data := []float64{1, 2, 3, 4}
	bad := []Matrix{
		{Rows: (1 << 62) + 1, Cols: 4, Data: data}, // 4·(2^62+1) ≡ 4 (mod 2^64)
		{Rows: 1 << 32, Cols: 1 << 32, Data: nil},  // 2^64 ≡ 0
	}
	for _, m := range bad {
		if err := m.Validate(); err == nil {
			t.Errorf("Validate(%d×%d with %d values) = nil, want an error", m.Rows, m.Cols, len(m.Data))
		}
	}
	f := Func(func(r []float64) float64 { return r[0] })
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("NewKernel with an overflowing background shape panicked: %v", r)
			}
		}()
		if _, err := NewKernel(f, bad[0]); err == nil {
			t.Error("NewKernel accepted a background whose shape overflows")
		}
	}()
	e, err := NewPermutation(f, Matrix{Rows: 1, Cols: 4, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("ExplainBatch with an overflowing shape panicked: %v", r)
			}
		}()
		if _, err := e.ExplainBatch(context.Background(), bad[0]); err == nil {
			t.Error("ExplainBatch accepted a batch whose shape overflows")
		}
	}()
}
