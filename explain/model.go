package explain

import (
	"context"
	"fmt"
	"math"
)

// Matrix is a dense row-major matrix of feature values: row i, feature j is
// Data[i*Cols+j]. Explainers hand whole matrices of rows to a model so that
// model evaluation can be vectorised and parallelised.
type Matrix struct {
	Rows, Cols int       // number of rows (instances) and columns (features)
	Data       []float64 // the values, row after row; len(Data) == Rows*Cols
}

// NewMatrix returns a Rows×Cols matrix backed by a fresh zeroed slice.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// Row returns row i as a slice that aliases the matrix data.
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Validate reports whether the shape and the data length agree.
func (m Matrix) Validate() error {
	if m.Rows < 0 || m.Cols <= 0 {
		return fmt.Errorf("explain: matrix shape %d×%d is invalid", m.Rows, m.Cols)
	}
	// Compare by division: Rows×Cols can wrap around int and equal a
	// short Data's length for a shape no slice could hold.
	if len(m.Data)%m.Cols != 0 || len(m.Data)/m.Cols != m.Rows {
		if m.Rows > math.MaxInt/m.Cols {
			return fmt.Errorf("explain: matrix %d×%d has more cells than an int counts (it has %d values)", m.Rows, m.Cols, len(m.Data))
		}
		return fmt.Errorf("explain: matrix %d×%d needs %d values, has %d", m.Rows, m.Cols, m.Rows*m.Cols, len(m.Data))
	}
	return nil
}

// Model is a scoring function evaluated on a batch of rows. Predict writes
// one output per row of x into out (len(out) == x.Rows). Implementations
// must be safe for concurrent calls: explainers call Predict from several
// goroutines at once. Predict must not modify x or keep a reference to it
// after returning: explainers reuse the rows for the next coalition.
type Model interface {
	Predict(ctx context.Context, x Matrix, out []float64) error
}

// Func adapts a plain per-row scoring function to the [Model] interface.
type Func func(row []float64) float64

// Predict evaluates f on every row of x.
func (f Func) Predict(ctx context.Context, x Matrix, out []float64) error {
	if len(out) != x.Rows {
		return fmt.Errorf("explain: output has %d slots for %d rows", len(out), x.Rows)
	}
	for i := 0; i < x.Rows; i++ {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		out[i] = f(x.Row(i))
	}
	return nil
}
