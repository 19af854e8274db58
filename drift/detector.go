package drift

// Signal is what a streaming detector reports after one observation.
type Signal int8

// The signals.
const (
	// SignalNone: nothing changed.
	SignalNone Signal = iota
	// SignalWarning: the statistic is in the warning zone (DDM, EDDM).
	SignalWarning
	// SignalDrift: a change was detected. The detector starts afresh with the
	// next observation, as river's detectors do (ADWIN keeps its shrunken
	// window instead when ADWINConfig.KeepWindowAfterDrift is set).
	SignalDrift
)

// String returns "none", "warning" or "drift".
func (s Signal) String() string {
	switch s {
	case SignalWarning:
		return "warning"
	case SignalDrift:
		return "drift"
	default:
		return "none"
	}
}

// Detector is a streaming change detector. Update is O(1) amortised and
// does not allocate. Detectors are not safe for concurrent use; guard them
// with a mutex or keep one per goroutine.
type Detector interface {
	// Update feeds one observation and reports the detector's state after it.
	Update(x float64) Signal
	// Reset forgets everything seen so far.
	Reset()
}

// riverMean is river.stats.Mean with unit weights, kept bit-compatible:
// n += 1; mean += (1/n)·(x − mean).
type riverMean struct{ n, mean float64 }

func (m *riverMean) update(x float64) {
	m.n++
	m.mean += (1 / m.n) * (x - m.mean)
}

// riverVar is river.stats.Var (Welford, ddof = 1).
type riverVar struct {
	mean riverMean
	s    float64
}

func (v *riverVar) update(x float64) {
	old := v.mean.mean
	v.mean.update(x)
	v.s += (x - old) * (x - v.mean.mean)
}

func (v *riverVar) get() float64 {
	if v.mean.n > 1 {
		return v.s / (v.mean.n - 1)
	}
	return 0
}
