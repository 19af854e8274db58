package drift

import (
	"fmt"
	"math"
)

// HDDMAConfig holds the HDDM_A parameters; start from [DefaultHDDMA].
type HDDMAConfig struct {
	DriftConfidence   float64 // confidence of the drift test (0.001)
	WarningConfidence float64 // confidence of the warning test (0.005)
	TwoSided          bool    // also detect decreases of the mean (false)
}

// DefaultHDDMA returns river's defaults (drift.binary.HDDM_A).
func DefaultHDDMA() HDDMAConfig {
	return HDDMAConfig{DriftConfidence: 0.001, WarningConfidence: 0.005}
}

// HDDMA is HDDM_A, the drift detector based on Hoeffding's bound with a
// test on moving averages of Frías-Blanco, del Campo-Ávila, Ramos-Jiménez,
// Morales-Bueno, Ortiz-Díaz & Caballero-Mota, "Online and Non-Parametric
// Drift Detection Methods Based on Hoeffding's Bounds", IEEE Transactions
// on Knowledge and Data Engineering 27(3):810–823, 2015, arranged as
// river's drift.binary.HDDM_A (after MOA) so that warning and drift
// indices match river exactly. Input: 1 for an error, 0 for a correct
// prediction (values in [0, 1] are accepted, as the bound assumes).
// After a drift the next Update starts afresh.
type HDDMA struct {
	cfg            HDDMAConfig
	xMin, xMax, z  riverMean
	warning, drift bool
}

// NewHDDMA returns an HDDM_A detector; both confidences must lie in (0, 1).
func NewHDDMA(cfg HDDMAConfig) (*HDDMA, error) {
	if !(cfg.DriftConfidence > 0 && cfg.DriftConfidence < 1) || !(cfg.WarningConfidence > 0 && cfg.WarningConfidence < 1) {
		return nil, fmt.Errorf("drift: hddm_a: invalid parameters %+v (need confidences in (0, 1))", cfg)
	}
	return &HDDMA{cfg: cfg}, nil
}

// Reset implements [Detector].
func (h *HDDMA) Reset() {
	cfg := h.cfg
	*h = HDDMA{cfg: cfg}
}

// DriftDetected reports whether the last Update detected drift.
func (h *HDDMA) DriftDetected() bool { return h.drift }

// WarningDetected reports whether the detector is in the warning zone.
func (h *HDDMA) WarningDetected() bool { return h.warning }

func (h *HDDMA) hoeffding(n float64) float64 {
	return math.Sqrt(1.0 / (2 * n) * math.Log(1.0/h.cfg.DriftConfidence))
}

// Update implements [Detector]. A non-finite x is ignored (the state and
// the previous signal are kept) and counts in neither mean.
func (h *HDDMA) Update(x float64) Signal {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return signalOf(h.drift, h.warning)
	}
	if h.drift {
		h.Reset()
	}
	h.z.update(x)
	if h.xMin.n == 0 {
		h.xMin = h.z
	}
	if h.xMax.n == 0 {
		h.xMax = h.z
	}
	epsZ := h.hoeffding(h.z.n)
	if h.xMin.mean+h.hoeffding(h.xMin.n) >= h.z.mean+epsZ {
		h.xMin = h.z
	}
	if h.xMax.mean-h.hoeffding(h.xMax.n) <= h.z.mean-epsZ {
		h.xMax = h.z
	}
	switch {
	case h.meanIncr(h.cfg.DriftConfidence):
		h.warning, h.drift = false, true
	case h.meanIncr(h.cfg.WarningConfidence):
		h.warning, h.drift = true, false
	default:
		h.warning, h.drift = false, false
	}
	if h.cfg.TwoSided {
		if h.meanDecr(h.cfg.DriftConfidence) {
			h.drift = true
		} else if h.meanDecr(h.cfg.WarningConfidence) {
			h.warning = true
		}
	}
	return signalOf(h.drift, h.warning)
}

func (h *HDDMA) meanIncr(confidence float64) bool {
	if h.xMin.n == h.z.n {
		return false
	}
	m := (h.z.n - h.xMin.n) / h.xMin.n * (1.0 / h.z.n)
	eps := math.Sqrt(m / 2 * math.Log(2.0/confidence))
	return h.z.mean-h.xMin.mean >= eps
}

func (h *HDDMA) meanDecr(confidence float64) bool {
	if h.xMax.n == h.z.n {
		return false
	}
	m := (h.z.n - h.xMax.n) / h.xMax.n * (1.0 / h.z.n)
	eps := math.Sqrt(m / 2 * math.Log(2.0/confidence))
	return h.xMax.mean-h.z.mean >= eps
}

// HDDMWConfig holds the HDDM_W parameters; start from [DefaultHDDMW].
type HDDMWConfig struct {
	DriftConfidence   float64 // confidence of the drift test (0.001)
	WarningConfidence float64 // confidence of the warning test (0.005)
	Lambda            float64 // weight of the newest value in the EWMA (0.05)
	TwoSided          bool    // also detect decreases of the mean (false)
}

// DefaultHDDMW returns river's defaults (drift.binary.HDDM_W).
func DefaultHDDMW() HDDMWConfig {
	return HDDMWConfig{DriftConfidence: 0.001, WarningConfidence: 0.005, Lambda: 0.05}
}

// hddmwSample is river's SampleInfo: an exponentially weighted mean and
// its independent bound condition Σ wᵢ².
type hddmwSample struct {
	ewma   float64
	ibc    float64
	isInit bool
}

func newHDDMWSample() hddmwSample { return hddmwSample{ibc: 1} }

// update follows river.stats.EWMean, including its quirk that a mean of
// exactly 0 is replaced by the next value instead of being averaged.
func (s *hddmwSample) update(x, lambda float64) {
	if s.ewma != 0 {
		s.ewma = lambda*x + (1-lambda)*s.ewma
	} else {
		s.ewma = x
	}
	s.isInit = true
	s.ibc = lambda*lambda + (1-lambda)*(1-lambda)*s.ibc
}

// HDDMW is HDDM_W, the drift detector with a test on exponentially
// weighted moving averages bounded by McDiarmid's inequality, of
// Frías-Blanco et al., IEEE TKDE 27(3):810–823, 2015 (see [HDDMA]),
// arranged as river's drift.binary.HDDM_W (after MOA) so that warning and
// drift indices match river exactly, including river.stats.EWMean's
// treatment of a mean of exactly 0 as "not started". Input: 1 for an
// error, 0 for a correct prediction. After a drift the next Update starts
// afresh.
type HDDMW struct {
	cfg                               HDDMWConfig
	total, s1Dec, s1Inc, s2Dec, s2Inc hddmwSample
	incrCut, decrCut                  float64
	warning, drift                    bool
}

// NewHDDMW returns an HDDM_W detector; both confidences and Lambda must
// lie in (0, 1).
func NewHDDMW(cfg HDDMWConfig) (*HDDMW, error) {
	if !(cfg.DriftConfidence > 0 && cfg.DriftConfidence < 1) || !(cfg.WarningConfidence > 0 && cfg.WarningConfidence < 1) || !(cfg.Lambda > 0 && cfg.Lambda < 1) {
		return nil, fmt.Errorf("drift: hddm_w: invalid parameters %+v (need confidences and lambda in (0, 1))", cfg)
	}
	h := &HDDMW{cfg: cfg}
	h.Reset()
	return h, nil
}

// Reset implements [Detector].
func (h *HDDMW) Reset() {
	s := newHDDMWSample()
	h.total, h.s1Dec, h.s1Inc, h.s2Dec, h.s2Inc = s, s, s, s, s
	h.incrCut, h.decrCut = math.Inf(1), math.Inf(-1)
	h.warning, h.drift = false, false
}

// DriftDetected reports whether the last Update detected drift.
func (h *HDDMW) DriftDetected() bool { return h.drift }

// WarningDetected reports whether the detector is in the warning zone.
func (h *HDDMW) WarningDetected() bool { return h.warning }

func mcdiarmid(ibc, confidence float64) float64 {
	return math.Sqrt(ibc * math.Log(1/confidence) / 2)
}

// Update implements [Detector]. A non-finite x is ignored (the state and
// the previous signal are kept).
func (h *HDDMW) Update(x float64) Signal {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return signalOf(h.drift, h.warning)
	}
	if h.drift {
		h.Reset()
	}
	lambda := h.cfg.Lambda
	h.total.update(x, lambda)

	eps := mcdiarmid(h.total.ibc, h.cfg.DriftConfidence)
	if h.total.ewma+eps < h.incrCut {
		h.incrCut = h.total.ewma + eps
		h.s1Inc, h.s2Inc = h.total, newHDDMWSample()
	} else {
		h.s2Inc.update(x, lambda)
	}
	switch {
	case hddmwChanged(h.s1Inc, h.s2Inc, h.cfg.DriftConfidence):
		h.warning, h.drift = false, true
	case hddmwChanged(h.s1Inc, h.s2Inc, h.cfg.WarningConfidence):
		h.warning, h.drift = true, false
	default:
		h.warning, h.drift = false, false
	}

	eps = mcdiarmid(h.total.ibc, h.cfg.DriftConfidence)
	if h.total.ewma-eps > h.decrCut {
		h.decrCut = h.total.ewma - eps
		h.s1Dec, h.s2Dec = h.total, newHDDMWSample()
	} else {
		h.s2Dec.update(x, lambda)
	}
	if h.cfg.TwoSided {
		if hddmwChanged(h.s2Dec, h.s1Dec, h.cfg.DriftConfidence) {
			h.drift = true
		} else if hddmwChanged(h.s2Dec, h.s1Dec, h.cfg.WarningConfidence) {
			h.warning = true
		}
	}
	return signalOf(h.drift, h.warning)
}

// hddmwChanged reports whether the mean of s2 exceeds that of s1 by more
// than McDiarmid's bound.
func hddmwChanged(s1, s2 hddmwSample, confidence float64) bool {
	if !s1.isInit || !s2.isInit {
		return false
	}
	return s2.ewma-s1.ewma > mcdiarmid(s1.ibc+s2.ibc, confidence)
}
