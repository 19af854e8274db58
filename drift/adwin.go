package drift

import (
	"fmt"
	"math"
)

// ADWINConfig holds the ADWIN parameters; start from [DefaultADWIN].
type ADWINConfig struct {
	Delta           float64 // confidence of the cut test (0.002)
	Clock           int     // check for a cut every Clock observations (32)
	MaxBuckets      int     // buckets kept per size, M in the paper (5)
	MinWindowLength int     // smallest sub-window a cut may leave (5)
	GracePeriod     int     // observations before the first check (10)
	// KeepWindowAfterDrift keeps the shrunken window after a detection, as
	// the ADWIN paper and MOA do, instead of starting afresh as river does.
	// The kept window already describes the new concept, so Mean and Width
	// stay meaningful right after a drift; the price is that the cut test
	// may fire again a few clocks later on the same change (river's
	// docstring stream gives 1023 and 1055 instead of 1023). Default false.
	KeepWindowAfterDrift bool
}

// DefaultADWIN returns river's defaults.
func DefaultADWIN() ADWINConfig {
	return ADWINConfig{Delta: 0.002, Clock: 32, MaxBuckets: 5, MinWindowLength: 5, GracePeriod: 10}
}

// adwinRows bounds the exponential histogram: row r holds buckets of 2^r
// observations, so 62 rows cover any stream a program can count.
const adwinRows = 62

// adwinMaxM bounds MaxBuckets so the bucket storage is a fixed array.
const adwinMaxM = 32

type adwinRow struct {
	n       int // buckets in use; index 0 is the oldest
	sum, vr [adwinMaxM + 1]float64
}

// ADWIN is ADaptive WINdowing (Bifet & Gavaldà, "Learning from
// Time-Changing Data with Adaptive Windowing", SIAM SDM 2007), in the
// ADWIN2 form with an exponential histogram of at most M buckets per size,
// so memory is O(M log W) and Update is O(1) amortised (the cut check runs
// every Clock observations and is O(log W)). It keeps the longest recent
// window whose every split into an older and a newer part passes
//
//	|µ0 − µ1| <= sqrt(2/m · σ²_W · ln(2 ln W / δ)) + 2/(3m) · ln(2 ln W / δ),
//	1/m = 1/(n0 − L + 1) + 1/(n1 − L + 1)  (L = MinWindowLength),
//
// the variance-based bound of the paper's Theorem 3 as used by MOA and
// river, and drops the oldest buckets while a split fails; a drop is drift.
// Storage is a fixed array, so Update does not allocate.
type ADWIN struct {
	cfg      ADWINConfig
	rows     [adwinRows]adwinRow
	nRows    int
	width    float64
	total    float64
	variance float64 // sum of squared deviations of the window
	tick     int
	drift    bool
	ignored  int
}

// NewADWIN returns an ADWIN detector; Clock, MinWindowLength and
// GracePeriod must be at most [MaxDetectorCount].
func NewADWIN(cfg ADWINConfig) (*ADWIN, error) {
	if !(cfg.Delta > 0 && cfg.Delta < 1) || cfg.Clock < 1 || cfg.MaxBuckets < 2 || cfg.MaxBuckets > adwinMaxM || cfg.MinWindowLength < 1 || cfg.GracePeriod < 0 ||
		cfg.Clock > MaxDetectorCount || cfg.MinWindowLength > MaxDetectorCount || cfg.GracePeriod > MaxDetectorCount {
		return nil, fmt.Errorf("drift: adwin: invalid parameters %+v", cfg)
	}
	a := &ADWIN{cfg: cfg}
	a.Reset()
	return a, nil
}

// Reset implements [Detector].
func (a *ADWIN) Reset() {
	cfg := a.cfg
	*a = ADWIN{cfg: cfg, nRows: 1}
}

// Ignored is the number of non-finite observations Update has skipped
// since the detector was created or last Reset.
func (a *ADWIN) Ignored() int { return a.ignored }

// Width is the current window length.
func (a *ADWIN) Width() int { return int(a.width) }

// Mean is the mean of the current window.
func (a *ADWIN) Mean() float64 {
	if a.width == 0 {
		return 0
	}
	return a.total / a.width
}

// DriftDetected reports whether the last Update shrank the window.
func (a *ADWIN) DriftDetected() bool { return a.drift }

// Update implements [Detector]. After a detection the next Update starts
// from an empty window, as river's ADWIN does (unless
// KeepWindowAfterDrift is set).
//
// A non-finite x (NaN, ±Inf) would poison the window's sum and variance:
// it is ignored, counted in [ADWIN.Ignored], and the previous signal is
// returned unchanged.
func (a *ADWIN) Update(x float64) Signal {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		a.ignored++
		if a.drift {
			return SignalDrift
		}
		return SignalNone
	}
	if a.drift && !a.cfg.KeepWindowAfterDrift {
		a.Reset()
	}
	a.drift = false
	a.insert(x)
	a.tick++
	if a.tick%a.cfg.Clock == 0 && a.width > float64(a.cfg.GracePeriod) {
		a.drift = a.detect()
	}
	if a.drift {
		return SignalDrift
	}
	return SignalNone
}

func (a *ADWIN) insert(x float64) {
	if a.width > 0 {
		mean := a.total / a.width
		a.variance += a.width * (x - mean) * (x - mean) / (a.width + 1)
	}
	a.width++
	a.total += x
	r := &a.rows[0]
	r.sum[r.n], r.vr[r.n] = x, 0
	r.n++
	a.compress()
}

// compress merges the two oldest buckets of every over-full row into one
// bucket of the next size.
func (a *ADWIN) compress() {
	for i := 0; i < adwinRows-1; i++ {
		r := &a.rows[i]
		if r.n <= a.cfg.MaxBuckets {
			break
		}
		size := math.Ldexp(1, i)
		u1, u2 := r.sum[0]/size, r.sum[1]/size
		v := r.vr[0] + r.vr[1] + size*size*(u1-u2)*(u1-u2)/(2*size)
		s := r.sum[0] + r.sum[1]
		copy(r.sum[:], r.sum[2:r.n])
		copy(r.vr[:], r.vr[2:r.n])
		r.n -= 2
		next := &a.rows[i+1]
		next.sum[next.n], next.vr[next.n] = s, v
		next.n++
		if i+2 > a.nRows {
			a.nRows = i + 2
		}
	}
}

// removeOldest drops the oldest bucket (row nRows−1, index 0).
func (a *ADWIN) removeOldest() {
	i := a.nRows - 1
	r := &a.rows[i]
	size := math.Ldexp(1, i)
	s, v := r.sum[0], r.vr[0]
	a.width -= size
	a.total -= s
	if a.width > 0 {
		u := s / size
		d := u - a.total/a.width
		a.variance -= v + size*a.width*d*d/(size+a.width)
	} else {
		a.variance = 0
	}
	if a.variance < 0 {
		a.variance = 0
	}
	copy(r.sum[:], r.sum[1:r.n])
	copy(r.vr[:], r.vr[1:r.n])
	r.n--
	for a.nRows > 1 && a.rows[a.nRows-1].n == 0 {
		a.nRows--
	}
}

// detect checks every split point from the oldest bucket onwards and drops
// old buckets while some split shows a significant difference in means.
func (a *ADWIN) detect() bool {
	cut := false
	minLen := float64(a.cfg.MinWindowLength)
	for a.width > 2*minLen {
		found := false
		n0, u0 := 0.0, 0.0
		n1, u1 := a.width, a.total
		v := a.variance / a.width
		d := math.Log(2 * math.Log(a.width) / a.cfg.Delta)
	scan:
		for i := a.nRows - 1; i >= 0; i-- {
			r := &a.rows[i]
			size := math.Ldexp(1, i)
			// As river (adwin_c.pyx), the newest bucket of every row is
			// not a split point.
			for k := 0; k < r.n-1; k++ {
				n0 += size
				n1 -= size
				u0 += r.sum[k]
				u1 -= r.sum[k]
				if n1 < minLen {
					break scan
				}
				if n0 < minLen {
					continue
				}
				diff := math.Abs(u0/n0 - u1/n1)
				m := 1/(n0-minLen+1) + 1/(n1-minLen+1)
				eps := math.Sqrt(2*m*v*d) + 2.0/3.0*d*m
				if diff > eps {
					found = true
					break scan
				}
			}
		}
		if !found {
			break
		}
		cut = true
		a.removeOldest()
	}
	return cut
}
