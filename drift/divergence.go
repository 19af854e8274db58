package drift

import (
	"errors"
	"fmt"
	"math"
)

// DivergenceOption configures [PSI], [KLDivergence] and [JensenShannon].
type DivergenceOption interface{ applyDivergence(*divConfig) }

type divOptionFunc func(*divConfig)

func (f divOptionFunc) applyDivergence(c *divConfig) { f(c) }

type divConfig struct {
	threshold float64
	binning   BinningKind
	nBins     int
	base2     bool
	errs      []error
}

// WithDivergenceThreshold sets the drift threshold (default 0.1, Evidently's
// for all three; drift when the score is at or above it); it must be
// finite and not negative.
func WithDivergenceThreshold(t float64) DivergenceOption {
	return divOptionFunc(func(c *divConfig) {
		if !(t >= 0 && !math.IsInf(t, 1)) {
			c.errs = append(c.errs, fmt.Errorf("drift: WithDivergenceThreshold: threshold %g is not a finite number >= 0", t))
			return
		}
		c.threshold = t
	})
}

// WithQuantileBins bins by n reference quantiles ([QuantileHistogram])
// instead of Evidently's binning ([EvidentlyHistogram]); n must be in
// 2..[MaxBins].
func WithQuantileBins(n int) DivergenceOption {
	return divOptionFunc(func(c *divConfig) {
		if n < 2 || n > MaxBins {
			c.errs = append(c.errs, fmt.Errorf("drift: WithQuantileBins: needs 2..%d bins, got %d", MaxBins, n))
			return
		}
		c.binning, c.nBins = BinningQuantile, n
	})
}

// WithBase2 makes [JensenShannon] use log base 2 (NannyML's convention,
// range [0, 1]) instead of the natural logarithm (scipy's and Evidently's).
func WithBase2() DivergenceOption { return divOptionFunc(func(c *divConfig) { c.base2 = true }) }

// divOptions applies opts over the defaults and returns the errors the
// options recorded.
func divOptions(opts []DivergenceOption) (divConfig, error) {
	cfg := divConfig{threshold: 0.1}
	for _, o := range opts {
		if o != nil {
			o.applyDivergence(&cfg)
		}
	}
	return cfg, errors.Join(cfg.errs...)
}

func histogramFor(test string, reference, current []float64, cfg divConfig) (Histogram, error) {
	if cfg.binning == BinningQuantile {
		return QuantileHistogram(reference, current, cfg.nBins)
	}
	h, err := EvidentlyHistogram(reference, current)
	if err != nil {
		return h, fmt.Errorf("%s: %w", test, err)
	}
	return h, nil
}

// EvidentlyZeroFill returns a copy of shares with every zero replaced as
// Evidently does before PSI and KL: by m/10⁶ when the smallest non-zero
// share m is at most 1e-4, else by 1e-4. The vector is not renormalised.
// A share that is negative or not finite is an error.
func EvidentlyZeroFill(shares []float64) ([]float64, error) {
	out := append([]float64(nil), shares...)
	m := math.Inf(1)
	for i, v := range shares {
		if !(v >= 0 && v <= math.MaxFloat64) {
			return nil, fmt.Errorf("zero fill: share %d is %v, not a finite non-negative share", i, v)
		}
		if v != 0 && v < m {
			m = v
		}
	}
	fill := 1e-4
	if m <= 1e-4 {
		fill = m / 1e6
	}
	for i, v := range out {
		if v == 0 {
			out[i] = fill
		}
	}
	return out, nil
}

// PSI is the population stability index,
//
//	PSI = Σ_i (ref_i − cur_i) · ln(ref_i / cur_i),
//
// over the bins of [EvidentlyHistogram] (or [WithQuantileBins]) with
// Evidently's zero fill ([EvidentlyZeroFill]) applied to each share vector;
// drift when PSI >= threshold (default 0.1).
func PSI(reference, current []float64, opts ...DivergenceOption) (Result, error) {
	cfg, err := divOptions(opts)
	if err != nil {
		return Result{}, err
	}
	h, err := histogramFor("psi", reference, current, cfg)
	if err != nil {
		return Result{}, err
	}
	return PSIFromHistogram(h, cfg.threshold)
}

// PSIFromHistogram computes [PSI] from binned counts. A histogram that
// fails [Histogram.Validate] or a threshold that is negative or not
// finite is an error.
func PSIFromHistogram(h Histogram, threshold float64) (Result, error) {
	if err := checkThreshold("psi", threshold, false); err != nil {
		return Result{}, err
	}
	if err := h.Validate(); err != nil {
		return Result{}, err
	}
	ref, cur, err := filledShares(h)
	if err != nil {
		return Result{}, fmt.Errorf("psi: %w", err)
	}
	return distanceResult(MethodPSI, psiValue(ref, cur), threshold, string(h.Kind)), nil
}

func psiValue(ref, cur []float64) float64 {
	s := 0.0
	for i := range ref {
		s += (ref[i] - cur[i]) * math.Log(ref[i]/cur[i])
	}
	return s
}

// KLDivergence is the Kullback–Leibler divergence KL(ref ‖ cur) in nats,
// computed as Evidently does: scipy.stats.entropy of the zero-filled share
// vectors (which renormalises both to sum 1). Drift when >= threshold
// (default 0.1).
func KLDivergence(reference, current []float64, opts ...DivergenceOption) (Result, error) {
	cfg, err := divOptions(opts)
	if err != nil {
		return Result{}, err
	}
	h, err := histogramFor("kl_div", reference, current, cfg)
	if err != nil {
		return Result{}, err
	}
	return KLFromHistogram(h, cfg.threshold)
}

// KLFromHistogram computes [KLDivergence] from binned counts. A histogram
// that fails [Histogram.Validate] or a threshold that is negative or not
// finite is an error.
func KLFromHistogram(h Histogram, threshold float64) (Result, error) {
	if err := checkThreshold("kl_div", threshold, false); err != nil {
		return Result{}, err
	}
	if err := h.Validate(); err != nil {
		return Result{}, err
	}
	ref, cur, err := filledShares(h)
	if err != nil {
		return Result{}, fmt.Errorf("kl_div: %w", err)
	}
	return distanceResult(MethodKLDivergence, entropy(ref, cur), threshold, string(h.Kind)), nil
}

// filledShares returns the histogram's share vectors with Evidently's zero
// fill.
func filledShares(h Histogram) (ref, cur []float64, err error) {
	r, c := h.Shares()
	if ref, err = EvidentlyZeroFill(r); err != nil {
		return nil, nil, err
	}
	if cur, err = EvidentlyZeroFill(c); err != nil {
		return nil, nil, err
	}
	return ref, cur, nil
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// relEntr is scipy.special.rel_entr.
func relEntr(x, y float64) float64 {
	switch {
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	default:
		return math.Inf(1)
	}
}

// entropy is scipy.stats.entropy(p, q): Σ rel_entr(p/Σp, q/Σq).
func entropy(p, q []float64) float64 {
	sp, sq := sum(p), sum(q)
	s := 0.0
	for i := range p {
		s += relEntr(p[i]/sp, q[i]/sq)
	}
	return s
}

// JensenShannon is the Jensen–Shannon *distance* (the square root of the
// divergence) between the binned shares, without zero fill, as
// scipy.spatial.distance.jensenshannon and Evidently compute it:
//
//	JS = sqrt( (KL(p‖m) + KL(q‖m)) / 2 ),  m = (p+q)/2,
//
// natural log unless [WithBase2]. Drift when >= threshold (default 0.1).
func JensenShannon(reference, current []float64, opts ...DivergenceOption) (Result, error) {
	cfg, err := divOptions(opts)
	if err != nil {
		return Result{}, err
	}
	h, err := histogramFor("jensenshannon", reference, current, cfg)
	if err != nil {
		return Result{}, err
	}
	return JSFromHistogram(h, cfg.threshold, cfg.base2)
}

// JSFromHistogram computes [JensenShannon] from binned counts. A histogram
// that fails [Histogram.Validate] or a threshold that is negative or not
// finite is an error.
func JSFromHistogram(h Histogram, threshold float64, base2 bool) (Result, error) {
	if err := checkThreshold("jensenshannon", threshold, false); err != nil {
		return Result{}, err
	}
	if err := h.Validate(); err != nil {
		return Result{}, err
	}
	ref, cur := h.Shares()
	detail := string(h.Kind)
	if base2 {
		detail += ",base2"
	}
	return distanceResult(MethodJensenShannon, jsDistance(ref, cur, base2), threshold, detail), nil
}

func jsDistance(p, q []float64, base2 bool) float64 {
	sp, sq := sum(p), sum(q)
	left, right := 0.0, 0.0
	for i := range p {
		pi, qi := p[i]/sp, q[i]/sq
		m := (pi + qi) / 2
		left += relEntr(pi, m)
		right += relEntr(qi, m)
	}
	js := left + right
	if base2 {
		js /= math.Log(2)
	}
	return math.Sqrt(js / 2)
}
