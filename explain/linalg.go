package explain

import (
	"fmt"
	"math"
)

// solveSymmetric solves A·x = b for a small dense n×n system (row-major A)
// by Gaussian elimination with partial pivoting. A and b are overwritten.
// It reports an error when A is numerically singular.
func solveSymmetric(a []float64, b []float64, n int) ([]float64, error) {
	scale := 0.0
	for _, v := range a {
		scale = math.Max(scale, math.Abs(v))
	}
	for col := 0; col < n; col++ {
		p := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r*n+col]) > math.Abs(a[p*n+col]) {
				p = r
			}
		}
		if math.Abs(a[p*n+col]) <= 1e-13*scale || a[p*n+col] == 0 {
			return nil, fmt.Errorf("explain: the weighted least-squares system is singular (column %d)", col)
		}
		if p != col {
			for c := 0; c < n; c++ {
				a[p*n+c], a[col*n+c] = a[col*n+c], a[p*n+c]
			}
			b[p], b[col] = b[col], b[p]
		}
		piv := a[col*n+col]
		for r := col + 1; r < n; r++ {
			f := a[r*n+col] / piv
			if f == 0 {
				continue
			}
			for c := col; c < n; c++ {
				a[r*n+c] -= f * a[col*n+c]
			}
			b[r] -= f * b[col]
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < n; c++ {
			s -= a[r*n+c] * x[c]
		}
		x[r] = s / a[r*n+r]
	}
	return x, nil
}
