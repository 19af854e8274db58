package drift

import (
	"fmt"
	"math"
	"slices"
)

// KSWINConfig holds the KSWIN parameters; start from [DefaultKSWIN].
type KSWINConfig struct {
	Alpha      float64 // p-value threshold of the KS test (0.005)
	WindowSize int     // observations kept (100)
	StatSize   int     // size of the most recent and of the sampled window (30)
	// Seed seeds the sampling of the older part of the window as
	// river's KSWIN(seed=Seed) does: Python's random.Random(Seed).
	Seed uint64
}

// DefaultKSWIN returns river's defaults, except for the seed: river's
// default seed=None draws one from the operating system, so its runs do not
// repeat; aimskit uses Seed 1 (the seed of river's own KSWIN unit tests), and
// so detects at the indices of river's KSWIN(seed=1).
func DefaultKSWIN() KSWINConfig {
	return KSWINConfig{Alpha: 0.005, WindowSize: 100, StatSize: 30, Seed: 1}
}

// KSWIN is the Kolmogorov–Smirnov Windowing detector of Raab, Heusinger &
// Schleif, "Reactive Soft Prototype Computing for Concept Drift Streams",
// Neurocomputing 416, 2020, as river arranges it: keep the last WindowSize
// observations; once full, compare the StatSize most recent ones with
// StatSize drawn without replacement from the rest by a two-sample KS test
// (exact p-value); drift when p <= Alpha and D > 0.1. The draw is river's,
// random.Random(Seed).sample(range(WindowSize-StatSize), StatSize), made by
// a Go transcription of CPython's generator and sampling, so for the same
// Seed KSWIN picks the same positions and detects drift at the same indices
// as river's KSWIN(seed=Seed). After a detection the next Update starts
// afresh, as river's KSWIN does: the window is emptied and the sampler is
// re-seeded, so no test runs until WindowSize new observations have
// arrived. The window is a fixed ring and the test works in preallocated
// scratch space, so Update does not allocate; its cost is bounded by
// WindowSize, not by the stream length.
type KSWIN struct {
	cfg      KSWINConfig
	ring     []float64
	start, n int
	rng      pyRandom
	pick     []int  // sampled positions of the older part
	pool     []int  // scratch of the pool method of the sampling, or nil
	seen     []bool // scratch of its set method, or nil
	a, b     []float64
	drift    bool
	ignored  int
	lastP    float64
	lastStat float64
}

// NewKSWIN returns a KSWIN detector; WindowSize must be at most
// [MaxDetectorWindow].
func NewKSWIN(cfg KSWINConfig) (*KSWIN, error) {
	if !(cfg.Alpha > 0 && cfg.Alpha < 1) || cfg.StatSize < 2 || cfg.WindowSize > MaxDetectorWindow || cfg.WindowSize <= 2*cfg.StatSize-1 {
		return nil, fmt.Errorf("drift: kswin: invalid parameters %+v (need 0 < alpha < 1, stat_size >= 2, 2*stat_size <= window_size <= %d)", cfg, MaxDetectorWindow)
	}
	k := &KSWIN{cfg: cfg,
		ring: make([]float64, cfg.WindowSize),
		pick: make([]int, cfg.StatSize),
		a:    make([]float64, cfg.StatSize),
		b:    make([]float64, cfg.StatSize),
	}
	if older := cfg.WindowSize - cfg.StatSize; older <= pySampleSetSize(cfg.StatSize) {
		k.pool = make([]int, older)
	} else {
		k.seen = make([]bool, older)
	}
	k.rng.seed(cfg.Seed)
	return k, nil
}

// Reset implements [Detector]; it also re-seeds the sampler, as river's
// KSWIN does, so a reset detector repeats its answers on the same stream.
func (k *KSWIN) Reset() {
	k.start, k.n, k.drift, k.ignored = 0, 0, false, 0
	k.lastStat, k.lastP = 0, 0
	k.rng.seed(k.cfg.Seed)
}

// DriftDetected reports whether the last Update detected drift.
func (k *KSWIN) DriftDetected() bool { return k.drift }

// LastTest returns the KS statistic and p-value of the last test run.
func (k *KSWIN) LastTest() (stat, p float64) { return k.lastStat, k.lastP }

func (k *KSWIN) at(i int) float64 { return k.ring[(k.start+i)%len(k.ring)] }

// Ignored is the number of NaN observations Update has skipped since the
// detector was created or last Reset.
func (k *KSWIN) Ignored() int { return k.ignored }

// Update implements [Detector]. A NaN x is ignored, counted in
// [KSWIN.Ignored], and the previous signal is returned unchanged: a NaN
// has no place in an ordering, and river's KSWIN, which keeps it, tests a
// window whose order depends on where the sort puts it. ±Inf are ordered
// values and are kept.
func (k *KSWIN) Update(x float64) Signal {
	if math.IsNaN(x) {
		k.ignored++
		if k.drift {
			return SignalDrift
		}
		return SignalNone
	}
	if k.drift {
		k.Reset()
	}
	w := len(k.ring)
	if k.n < w {
		k.ring[(k.start+k.n)%w] = x
		k.n++
	} else {
		k.ring[k.start] = x
		k.start = (k.start + 1) % w
	}
	k.drift = false
	if k.n < w {
		return SignalNone
	}
	s := k.cfg.StatSize
	older := w - s
	k.rng.sampleRange(older, k.pick, k.pool, k.seen)
	for i, j := range k.pick {
		k.a[i] = k.at(j)
	}
	for i := 0; i < s; i++ {
		k.b[i] = k.at(older + i)
	}
	slices.Sort(k.a)
	slices.Sort(k.b)
	d, _, _ := ksStatistic(k.a, k.b)
	_, dd, p := ksExact2(s, s, s, d)
	k.lastStat, k.lastP = dd, p
	if p <= k.cfg.Alpha && dd > 0.1 {
		k.drift = true
		return SignalDrift
	}
	return SignalNone
}
