package drift

import (
	"fmt"
	"math"
)

// EDDMConfig holds the EDDM parameters; start from [DefaultEDDM].
type EDDMConfig struct {
	WarmStart int     // errors (and observations) before a change can be signalled (30)
	Alpha     float64 // warning when (p'+2s')/(p'+2s')_max < Alpha (0.95)
	Beta      float64 // drift when the ratio < Beta (0.9)
}

// DefaultEDDM returns river's defaults.
func DefaultEDDM() EDDMConfig { return EDDMConfig{WarmStart: 30, Alpha: 0.95, Beta: 0.9} }

// EDDM is the Early Drift Detection Method of Baena-García et al. (Fourth
// International Workshop on Knowledge Discovery from Data Streams, 2006):
// it tracks the mean and standard deviation of the distance between
// consecutive errors. Arranged as river's drift.binary.EDDM so that warning
// and drift indices match river exactly; like river, the warning flag only
// changes on errors.
type EDDM struct {
	cfg            EDDMConfig
	dist           riverVar
	n, lastError   int
	nErrors        int
	p2sMax         float64
	warning, drift bool
}

// NewEDDM returns an EDDM detector; WarmStart must be in 0..[MaxDetectorCount].
func NewEDDM(cfg EDDMConfig) (*EDDM, error) {
	if cfg.Alpha < cfg.Beta || !(cfg.Beta > 0) || cfg.Alpha > 1 || cfg.WarmStart < 0 || cfg.WarmStart > MaxDetectorCount {
		return nil, fmt.Errorf("drift: eddm: invalid parameters %+v (need 0 < beta <= alpha <= 1)", cfg)
	}
	e := &EDDM{cfg: cfg}
	e.Reset()
	return e, nil
}

// Reset implements [Detector].
func (e *EDDM) Reset() {
	e.dist = riverVar{}
	e.n, e.lastError, e.nErrors = 0, 0, 0
	e.p2sMax = -1
	e.warning, e.drift = false, false
}

// Update implements [Detector]. x == 1 is an error; anything else is not.
func (e *EDDM) Update(x float64) Signal {
	if e.drift {
		e.Reset()
	}
	e.n++
	if x == 1 {
		e.nErrors++
		e.dist.update(float64(e.n - e.lastError))
		if e.n > e.cfg.WarmStart {
			p := e.dist.mean.mean
			s := math.Sqrt(e.dist.get())
			p2s := p + 2*s
			if p2s > e.p2sMax {
				e.p2sMax = p2s
			} else if e.nErrors > e.cfg.WarmStart {
				level := p2s / e.p2sMax
				switch {
				case level < e.cfg.Beta:
					e.drift = true
				case level < e.cfg.Alpha:
					e.warning = true
				default:
					e.warning = false
				}
			}
		}
		e.lastError = e.n
	}
	return signalOf(e.drift, e.warning)
}

// DriftDetected reports whether the last Update detected drift.
func (e *EDDM) DriftDetected() bool { return e.drift }

// WarningDetected reports whether the detector is in the warning zone.
func (e *EDDM) WarningDetected() bool { return e.warning }
