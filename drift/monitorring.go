package drift

import "math"

// ring is a bounded window of timestamped observations.
type ring[T any] struct {
	vals  []T
	times []int64
	start int
	n     int
}

func newRing[T any](capacity int) ring[T] {
	return ring[T]{vals: make([]T, capacity), times: make([]int64, capacity)}
}

func (r *ring[T]) push(v T, t int64) {
	c := len(r.vals)
	if r.n < c {
		i := (r.start + r.n) % c
		r.vals[i], r.times[i] = v, t
		r.n++
		return
	}
	r.vals[r.start], r.times[r.start] = v, t
	r.start = (r.start + 1) % c
}

// countSince counts the values with time >= cutoff.
func (r *ring[T]) countSince(cutoff int64) int {
	if cutoff == math.MinInt64 {
		return r.n
	}
	n := 0
	for k := 0; k < r.n; k++ {
		if r.times[(r.start+k)%len(r.vals)] >= cutoff {
			n++
		}
	}
	return n
}

// since copies the values with time >= cutoff, oldest first.
func (r *ring[T]) since(cutoff int64) []T {
	out := make([]T, 0, r.n)
	for k := 0; k < r.n; k++ {
		i := (r.start + k) % len(r.vals)
		if r.times[i] >= cutoff {
			out = append(out, r.vals[i])
		}
	}
	return out
}
