package drift

import (
	"fmt"
	"math"
)

// PageHinkleyMode selects which direction of change Page–Hinkley detects.
type PageHinkleyMode int

// The modes.
const (
	// PageHinkleyBoth signals a rise or a fall of the mean.
	PageHinkleyBoth PageHinkleyMode = iota
	// PageHinkleyUp signals only a rise of the mean.
	PageHinkleyUp
	// PageHinkleyDown signals only a fall of the mean.
	PageHinkleyDown
)

// PageHinkleyConfig holds the Page–Hinkley parameters; the zero value is
// not valid, start from [DefaultPageHinkley].
type PageHinkleyConfig struct {
	MinInstances int             // observations before a change can be signalled (30)
	Delta        float64         // magnitude of change tolerated (0.005)
	Threshold    float64         // lambda, the detection threshold (50)
	Alpha        float64         // forgetting factor of the cumulative sums (1 − 1e-4)
	Mode         PageHinkleyMode // direction of change to detect (PageHinkleyBoth)
}

// DefaultPageHinkley returns river's defaults.
func DefaultPageHinkley() PageHinkleyConfig {
	return PageHinkleyConfig{MinInstances: 30, Delta: 0.005, Threshold: 50, Alpha: 1 - 0.0001, Mode: PageHinkleyBoth}
}

// PageHinkley is the Page–Hinkley test (E. S. Page, "Continuous Inspection
// Schemes", Biometrika 41, 1954) on the deviation of each observation from
// the running mean, with forgetting factor and two-sided mode as in river's
// drift.PageHinkley; its drift indices match river's exactly (including
// river's initial maximum of the decrease sum, −1).
type PageHinkley struct {
	cfg            PageHinkleyConfig
	mean           riverMean
	sumInc, sumDec float64
	minInc, maxDec float64
	drift          bool
}

// NewPageHinkley returns a Page–Hinkley detector; MinInstances must be in
// 1..[MaxDetectorCount].
func NewPageHinkley(cfg PageHinkleyConfig) (*PageHinkley, error) {
	if cfg.MinInstances < 1 || cfg.MinInstances > MaxDetectorCount || !(cfg.Threshold > 0) || !(cfg.Alpha > 0 && cfg.Alpha <= 1) || math.IsNaN(cfg.Delta) {
		return nil, fmt.Errorf("drift: page-hinkley: invalid parameters %+v", cfg)
	}
	p := &PageHinkley{cfg: cfg}
	p.Reset()
	return p, nil
}

// Reset implements [Detector].
func (p *PageHinkley) Reset() {
	p.mean = riverMean{}
	p.sumInc, p.sumDec = 0, 0
	p.minInc, p.maxDec = math.Inf(1), -1
	p.drift = false
}

// Update implements [Detector]. A non-finite x is ignored (the state and
// the previous signal are kept): river's PageHinkley takes it into its
// mean and sums and never detects again.
func (p *PageHinkley) Update(x float64) Signal {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return signalOf(p.drift, false)
	}
	if p.drift {
		p.Reset()
	}
	p.mean.update(x)
	dev := x - p.mean.mean
	p.sumInc = p.cfg.Alpha*p.sumInc + dev - p.cfg.Delta
	p.sumDec = p.cfg.Alpha*p.sumDec + dev + p.cfg.Delta
	if p.sumInc < p.minInc {
		p.minInc = p.sumInc
	}
	if p.sumDec > p.maxDec {
		p.maxDec = p.sumDec
	}
	if p.mean.n >= float64(p.cfg.MinInstances) {
		inc := p.sumInc - p.minInc
		dec := p.maxDec - p.sumDec
		switch p.cfg.Mode {
		case PageHinkleyUp:
			p.drift = inc > p.cfg.Threshold
		case PageHinkleyDown:
			p.drift = dec > p.cfg.Threshold
		default:
			p.drift = inc > p.cfg.Threshold || dec > p.cfg.Threshold
		}
	}
	if p.drift {
		return SignalDrift
	}
	return SignalNone
}

// DriftDetected reports whether the last Update detected drift.
func (p *PageHinkley) DriftDetected() bool { return p.drift }
