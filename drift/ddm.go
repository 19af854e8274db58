package drift

import (
	"fmt"
	"math"
)

// DDMConfig holds the DDM parameters; start from [DefaultDDM].
type DDMConfig struct {
	WarmStart        int     // observations before a change can be signalled (30)
	WarningThreshold float64 // warning at p+s > p_min + 2·s_min
	DriftThreshold   float64 // drift at p+s > p_min + 3·s_min
}

// DefaultDDM returns river's defaults.
func DefaultDDM() DDMConfig { return DDMConfig{WarmStart: 30, WarningThreshold: 2, DriftThreshold: 3} }

// DDM is the Drift Detection Method of Gama, Medas, Castillo & Rodrigues,
// "Learning with Drift Detection", SBIA 2004, for a stream of errors
// (1 = error, 0 = correct), arranged as river's drift.binary.DDM so that
// warning and drift indices match river exactly.
type DDM struct {
	cfg               DDMConfig
	p                 riverMean
	pMin, sMin, psMin float64
	warning, drift    bool
}

// NewDDM returns a DDM detector; WarmStart must be in 0..[MaxDetectorCount].
func NewDDM(cfg DDMConfig) (*DDM, error) {
	if cfg.WarmStart < 0 || cfg.WarmStart > MaxDetectorCount || !(cfg.WarningThreshold > 0) || !(cfg.DriftThreshold >= cfg.WarningThreshold) {
		return nil, fmt.Errorf("drift: ddm: invalid parameters %+v", cfg)
	}
	d := &DDM{cfg: cfg}
	d.Reset()
	return d, nil
}

// Reset implements [Detector].
func (d *DDM) Reset() {
	d.p = riverMean{}
	d.pMin, d.sMin, d.psMin = math.Inf(1), math.Inf(1), math.Inf(1)
	d.warning, d.drift = false, false
}

// Update implements [Detector]. x is 1 for an error and 0 for a correct
// prediction; other finite values are used as given (river does the same).
// A non-finite x is ignored (the state and the previous signal are kept):
// river's DDM takes it into its mean and never detects again.
func (d *DDM) Update(x float64) Signal {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return signalOf(d.drift, d.warning)
	}
	if d.drift {
		d.Reset()
	}
	d.p.update(x)
	pi := d.p.mean
	n := d.p.n
	si := math.Sqrt(pi * (1 - pi) / n)
	if n > float64(d.cfg.WarmStart) {
		if pi+si <= d.psMin {
			d.pMin, d.sMin = pi, si
			d.psMin = d.pMin + d.sMin
		}
		d.warning = pi+si > d.pMin+d.cfg.WarningThreshold*d.sMin
		if pi+si > d.pMin+d.cfg.DriftThreshold*d.sMin {
			d.drift, d.warning = true, false
		}
	}
	return signalOf(d.drift, d.warning)
}

func signalOf(drift, warning bool) Signal {
	switch {
	case drift:
		return SignalDrift
	case warning:
		return SignalWarning
	}
	return SignalNone
}

// DriftDetected reports whether the last Update detected drift.
func (d *DDM) DriftDetected() bool { return d.drift }

// WarningDetected reports whether the detector is in the warning zone.
func (d *DDM) WarningDetected() bool { return d.warning }
