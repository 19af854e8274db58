package explain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// MethodLIME is LIME for tabular data (Ribeiro, Singh & Guestrin 2016,
// "Why Should I Trust You?": Explaining the Predictions of Any
// Classifier, KDD 2016): a kernel-weighted ridge surrogate fitted to the
// model on perturbations of the explained row.
const MethodLIME Method = "lime"

// Defaults of [NewLIME], those of lime's LimeTabularExplainer.
const (
	// DefaultLIMESamples is the number of perturbation samples, the
	// explained row included (lime's num_samples).
	DefaultLIMESamples = 5000
	// DefaultLIMEAlpha is the ridge penalty of the surrogate (lime's
	// Ridge(alpha=1)).
	DefaultLIMEAlpha = 1.0
	// MaxLIMESamples is the most perturbation samples WithLIMESamples
	// accepts. Each sample holds its row twice (as drawn and
	// standardised) and costs one model evaluation; a million samples
	// fit the surrogate two hundred times more finely than lime's 5000.
	MaxLIMESamples = 1 << 20
)

// LIMEOption configures only [NewLIME]. It is an [Option] so that it can
// be passed with the shared options; any other constructor given one
// fails with an error that names it.
type LIMEOption struct {
	name string
	set  func(*limeConfig)
}

func (o LIMEOption) apply(c *config) {
	c.fail("%s configures only NewLIME", o.name)
}

type limeConfig struct {
	samples  int
	width    float64 // 0: 0.75·√d
	alpha    float64
	around   bool
	errs     []error
	injected *Matrix // test hook: standard-normal draws, one row per sample
}

func (c *limeConfig) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("explain: "+format, args...))
}

// WithLIMESamples sets the number of perturbation samples LIME fits its
// surrogate on, the explained row included (default [DefaultLIMESamples]);
// fewer than 2 or more than [MaxLIMESamples] is an error.
func WithLIMESamples(n int) LIMEOption {
	return LIMEOption{"WithLIMESamples", func(c *limeConfig) {
		if n < 2 {
			c.fail("WithLIMESamples: %d samples, need at least 2", n)
			return
		}
		if n > MaxLIMESamples {
			c.fail("WithLIMESamples: %d samples exceed MaxLIMESamples (%d)", n, MaxLIMESamples)
			return
		}
		c.samples = n
	}}
}

// WithKernelWidth sets the width σ of LIME's exponential kernel
// π(z) = exp(−D(x,z)²/σ²), D the Euclidean distance in standardised
// feature units. The default is 0.75·√d for d features, lime's default
// width. σ must be finite and > 0.
//
// lime's LimeTabularExplainer weights samples by the square root of this
// kernel, which is the kernel of width √2·σ: pass
// WithKernelWidth(math.Sqrt2*0.75*math.Sqrt(d)) to reproduce lime's
// default weights exactly.
func WithKernelWidth(sigma float64) LIMEOption {
	return LIMEOption{"WithKernelWidth", func(c *limeConfig) {
		if !(sigma > 0) || math.IsInf(sigma, 1) {
			c.fail("WithKernelWidth: width %v is not a finite number > 0", sigma)
			return
		}
		c.width = sigma
	}}
}

// WithRidgeAlpha sets the ridge penalty α of LIME's surrogate (default
// [DefaultLIMEAlpha]); α must be finite and >= 0 (0 is weighted least
// squares).
func WithRidgeAlpha(alpha float64) LIMEOption {
	return LIMEOption{"WithRidgeAlpha", func(c *limeConfig) {
		if !(alpha >= 0) || math.IsInf(alpha, 1) {
			c.fail("WithRidgeAlpha: alpha %v is not a finite number >= 0", alpha)
			return
		}
		c.alpha = alpha
	}}
}

// WithSampleAroundInstance centres the perturbations on the explained row
// instead of on the training means (lime's sample_around_instance=True).
// The spread is still the training standard deviation of each feature.
func WithSampleAroundInstance() LIMEOption {
	return LIMEOption{"WithSampleAroundInstance", func(c *limeConfig) { c.around = true }}
}

// LIMEExplainer is LIME for tabular data (Ribeiro, Singh & Guestrin 2016)
// with continuous features, as lime's LimeTabularExplainer with
// discretize_continuous=False and feature_selection='none':
//
//  1. draw samples z_i = μ + σ⊙ε_i, ε_i ~ N(0, I), with μ and σ the
//     per-feature mean and (population) standard deviation of the training
//     data; sample 0 is the explained row x itself;
//  2. standardise, s_i = (z_i − μ)/σ, and weight each sample by the
//     exponential kernel π_i = exp(−‖s_i − s_0‖²/width²);
//  3. fit the ridge regression y_i ≈ b + β·s_i of the model outputs
//     (through the link) with sample weights π_i, penalty α and an
//     unpenalised intercept — scikit-learn's Ridge(alpha, fit_intercept=True)
//     with sample_weight, lime's default surrogate.
//
// The coefficients β are per training standard deviation of each feature.
// The [Explanation] carries the contributions at x, Values_j = β_j·s_0j =
// β_j (x_j − μ_j)/σ_j, and BaseValue = b, so BaseValue + Σ Values is the
// surrogate's local prediction; AdditivityResidual is its distance from
// the model's Prediction. For a linear model the contributions estimate
// w_j (x_j − μ_j), the interventional Shapley values over the training
// data. StdErr is a heteroscedasticity-robust (HC0) standard error of
// each contribution over the sampling. [LIMEExplainer.ExplainLIME] also
// returns the coefficients, the intercept, the weighted R² of the fit and
// the local prediction.
//
// Sampling is seeded ([WithSeed]): the same explainer explains the same
// row identically every time. The explainer is safe for concurrent use.
type LIMEExplainer struct {
	model Model
	cfg   config
	lcfg  limeConfig
	mean  []float64
	std   []float64
	rows  int
	width float64
	names []string
	tel   *telemetry
}

// NewLIME returns a LIME explainer of model whose perturbations follow the
// per-feature mean and standard deviation of training (at least two rows;
// the rows may be weighted with [WithBackgroundWeights]). Every feature
// must vary in the training data: a constant feature has no scale to
// perturb and standardise by, and is reported as an error.
//
// It accepts the [LIMEOption] values ([WithLIMESamples], [WithKernelWidth],
// [WithRidgeAlpha], [WithSampleAroundInstance]) and the shared options
// [WithSeed], [WithLink], [WithFeatureNames], [WithBackgroundWeights],
// [WithWorkers], [WithRowsPerCall], [WithTopK] and the telemetry options.
// [WithGroups] and [WithSamples] (Kernel SHAP's coalition budget) are
// errors.
func NewLIME(model Model, training Matrix, opts ...Option) (*LIMEExplainer, error) {
	lc := limeConfig{samples: DefaultLIMESamples, alpha: DefaultLIMEAlpha}
	var shared []Option
	for _, o := range opts {
		if lo, ok := o.(LIMEOption); ok {
			lo.set(&lc)
			continue
		}
		shared = append(shared, o)
	}
	cfg, err := newConfig(shared)
	if err = errors.Join(err, errors.Join(lc.errs...)); err != nil {
		return nil, err
	}
	if cfg.nsamples != 0 {
		return nil, errors.New("explain: WithSamples is Kernel SHAP's coalition budget; NewLIME takes WithLIMESamples")
	}
	if len(cfg.groups) > 0 {
		return nil, errors.New("explain: NewLIME does not support WithGroups")
	}
	if model == nil {
		return nil, errors.New("explain: NewLIME needs a model")
	}
	if training.Rows < 2 {
		return nil, fmt.Errorf("explain: LIME needs at least 2 training rows to estimate feature scales, got %d", training.Rows)
	}
	w, err := prepareBackground(training, cfg.weights)
	if err != nil {
		return nil, err
	}
	d := training.Cols
	if err := cfg.validate(d); err != nil {
		return nil, err
	}
	names := cfg.featureNames(d)
	mean := make([]float64, d)
	for r := 0; r < training.Rows; r++ {
		for j, v := range training.Row(r) {
			mean[j] += w[r] * v
		}
	}
	std := make([]float64, d)
	for r := 0; r < training.Rows; r++ {
		for j, v := range training.Row(r) {
			dv := v - mean[j]
			std[j] += w[r] * dv * dv
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j])
		if math.IsInf(std[j], 0) || math.IsInf(mean[j], 0) {
			return nil, fmt.Errorf("explain: feature %d (%s) spreads beyond float64's range in the training data (its mean or variance overflows); rescale it", j, names[j])
		}
		if !(std[j] > 1e-12*math.Max(1, math.Abs(mean[j]))) {
			return nil, fmt.Errorf("explain: feature %d (%s) is constant in the training data (standard deviation %v); LIME cannot perturb or standardise it", j, names[j], std[j])
		}
	}
	width := lc.width
	if width == 0 {
		width = 0.75 * math.Sqrt(float64(d))
	}
	return &LIMEExplainer{
		model: model, cfg: cfg, lcfg: lc, mean: mean, std: std, rows: training.Rows,
		width: width, names: names, tel: newTelemetry(&cfg),
	}, nil
}

// LIMEResult is one LIME explanation with the surrogate model behind it.
type LIMEResult struct {
	// Explanation holds the contributions β_j·(x_j − μ_j)/σ_j at the
	// explained row, with BaseValue the surrogate's intercept.
	Explanation
	// Coefficients are the surrogate's slopes β, per training standard
	// deviation of each feature (lime's explanation weights).
	Coefficients []float64 `json:"coefficients"`
	// Intercept is the surrogate's intercept b.
	Intercept float64 `json:"intercept"`
	// Score is the kernel-weighted R² of the surrogate on the samples
	// (lime's score): how well the local linear model fits.
	Score float64 `json:"score"`
	// LocalPrediction is the surrogate at the explained row, b + β·s_0
	// (lime's local_pred).
	LocalPrediction float64 `json:"local_prediction"`
	// KernelWidth is the kernel width σ used.
	KernelWidth float64 `json:"kernel_width"`
	// Samples is the number of perturbation samples, the row included.
	Samples int `json:"samples"`

	weights []float64 // the kernel weights, for the tests
}

// Explain explains the prediction for x; see [LIMEExplainer.ExplainLIME].
func (l *LIMEExplainer) Explain(ctx context.Context, x []float64) (Explanation, error) {
	r, err := l.ExplainLIME(ctx, x)
	return r.Explanation, err
}

// ExplainBatch explains every row of x, in order.
func (l *LIMEExplainer) ExplainBatch(ctx context.Context, x Matrix) ([]Explanation, error) {
	return batch(ctx, x, len(l.mean), l.cfg.workers, l.Explain)
}

// ExplainLIME explains the prediction for x and returns the surrogate
// with it.
func (l *LIMEExplainer) ExplainLIME(ctx context.Context, x []float64) (out LIMEResult, err error) {
	ctx, span := l.tel.start(ctx, MethodLIME, l.cfg.link, len(l.mean), l.rows)
	defer func() { span.end(ctx, &out.Explanation, err, l.cfg.topK) }()
	if err := validateRow(x, len(l.mean)); err != nil {
		return LIMEResult{}, err
	}
	eps := l.lcfg.injected
	if eps == nil {
		m := l.draws()
		eps = &m
	}
	r, err := l.fit(ctx, x, *eps)
	if err != nil {
		return LIMEResult{}, err
	}
	return r, nil
}

// draws returns the standard-normal draws, one row per sample (row 0 is
// unused: sample 0 is the row itself), from the explainer's seed.
func (l *LIMEExplainer) draws() Matrix {
	rng := rand.New(rand.NewPCG(l.cfg.seed, 0x6c696d65))
	m := NewMatrix(l.lcfg.samples, len(l.mean))
	for i := m.Cols; i < len(m.Data); i++ {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

// fit runs LIME on the given standard-normal draws eps (n×d; row 0 is
// ignored and replaced by x).
func (l *LIMEExplainer) fit(ctx context.Context, x []float64, eps Matrix) (LIMEResult, error) {
	d, n := len(l.mean), eps.Rows
	if eps.Cols != d || len(eps.Data) != n*d || n < 2 {
		return LIMEResult{}, fmt.Errorf("explain: LIME draws are %d×%d, need at least 2×%d", eps.Rows, eps.Cols, d)
	}
	centre := l.mean
	if l.lcfg.around {
		centre = x
	}
	// z: the samples in feature space, handed to the model; s: standardised.
	z := NewMatrix(n, d)
	s := NewMatrix(n, d)
	copy(z.Row(0), x)
	for i := 1; i < n; i++ {
		for j := 0; j < d; j++ {
			z.Data[i*d+j] = eps.Data[i*d+j]*l.std[j] + centre[j]
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			s.Data[i*d+j] = (z.Data[i*d+j] - l.mean[j]) / l.std[j]
		}
	}
	pi := make([]float64, n)
	s0 := s.Row(0)
	for i := range pi {
		dist2 := 0.0
		for j, v := range s.Row(i) {
			dv := v - s0[j]
			dist2 += dv * dv
		}
		pi[i] = math.Exp(-dist2 / (l.width * l.width))
	}
	raw := make([]float64, n)
	if err := l.predict(ctx, z, raw); err != nil {
		return LIMEResult{}, err
	}
	y := make([]float64, n)
	for i, v := range raw {
		t, err := l.cfg.link.Apply(v)
		if err != nil {
			return LIMEResult{}, fmt.Errorf("explain: LIME sample %d: %w", i, err)
		}
		y[i] = t
	}
	sf, err := weightedRidge(s, y, pi, l.lcfg.alpha)
	if err != nil {
		return LIMEResult{}, err
	}
	local := sf.intercept
	values := make([]float64, d)
	se := make([]float64, d)
	for j := range values {
		values[j] = sf.coef[j] * s0[j]
		local += values[j]
		se[j] = math.Abs(s0[j]) * sf.se[j]
	}
	e := Explanation{
		Method: MethodLIME, Link: l.cfg.link, FeatureNames: append([]string(nil), l.names...),
		BaseValue: sf.intercept, Values: values, Prediction: y[0], Output: raw[0], StdErr: se,
		ModelEvaluations: n, BackgroundSize: l.rows,
	}
	e.AdditivityResidual = residual(e.BaseValue, e.Values, e.Prediction)
	r := LIMEResult{
		Explanation: e, Coefficients: sf.coef, Intercept: sf.intercept, Score: sf.score,
		LocalPrediction: local, KernelWidth: l.width, Samples: n, weights: pi,
	}
	for _, v := range append(append([]float64{r.Intercept, r.Score, r.LocalPrediction, e.AdditivityResidual}, values...), se...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return LIMEResult{}, errors.New("explain: LIME's surrogate fit is not finite (model outputs too large?)")
		}
	}
	return r, nil
}

// predict evaluates the model on z in up to cfg.workers concurrent blocks.
func (l *LIMEExplainer) predict(ctx context.Context, z Matrix, out []float64) error {
	workers := max(1, l.cfg.workers)
	block := max(l.cfg.rowsPerCall, (z.Rows+workers-1)/workers)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for lo := 0; lo < z.Rows; lo += block {
		hi := min(z.Rows, lo+block)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			m := Matrix{Rows: hi - lo, Cols: z.Cols, Data: z.Data[lo*z.Cols : hi*z.Cols]}
			if err := l.model.Predict(ctx, m, out[lo:hi]); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(lo, hi)
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("explain: LIME model evaluation: %w", errs[0])
	}
	return ctx.Err()
}

// ridgeFit is a weighted ridge regression with an unpenalised intercept.
type ridgeFit struct {
	coef      []float64
	intercept float64
	score     float64   // weighted R²
	se        []float64 // HC0 standard errors of coef
}

// weightedRidge fits y ≈ b + β·s with sample weights w and penalty alpha
// on β, as scikit-learn's Ridge(alpha, fit_intercept=True).fit(s, y,
// sample_weight=w): centre s and y on their weighted means, solve
// (S_cᵀ W S_c + αI) β = S_cᵀ W y_c, b = ȳ − s̄·β.
func weightedRidge(s Matrix, y, w []float64, alpha float64) (ridgeFit, error) {
	n, d := s.Rows, s.Cols
	sw := 0.0
	for _, v := range w {
		sw += v
	}
	if !(sw > 0) {
		return ridgeFit{}, errors.New("explain: every LIME sample has kernel weight 0 (the kernel width is too small for the sample spread)")
	}
	sbar := make([]float64, d)
	ybar := 0.0
	for i := 0; i < n; i++ {
		ybar += w[i] * y[i]
		for j, v := range s.Row(i) {
			sbar[j] += w[i] * v
		}
	}
	ybar /= sw
	for j := range sbar {
		sbar[j] /= sw
	}
	a := make([]float64, d*d)
	b := make([]float64, d)
	c := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range s.Row(i) {
			c[j] = v - sbar[j]
		}
		yc := y[i] - ybar
		for j := 0; j < d; j++ {
			wc := w[i] * c[j]
			b[j] += wc * yc
			for k := 0; k <= j; k++ {
				a[j*d+k] += wc * c[k]
			}
		}
	}
	for j := 0; j < d; j++ {
		for k := 0; k < j; k++ {
			a[k*d+j] = a[j*d+k]
		}
		a[j*d+j] += alpha
	}
	// The inverse of A gives β = A⁻¹b and the sandwich covariance.
	ainv := make([]float64, d*d)
	for col := 0; col < d; col++ {
		e := make([]float64, d)
		e[col] = 1
		v, err := solveSymmetric(append([]float64(nil), a...), e, d)
		if err != nil {
			return ridgeFit{}, fmt.Errorf("explain: LIME surrogate: %w (too few samples with weight, or alpha 0 with collinear samples)", err)
		}
		for r := 0; r < d; r++ {
			ainv[r*d+col] = v[r]
		}
	}
	coef := make([]float64, d)
	for r := 0; r < d; r++ {
		for k := 0; k < d; k++ {
			coef[r] += ainv[r*d+k] * b[k]
		}
	}
	intercept := ybar
	for j := range coef {
		intercept -= sbar[j] * coef[j]
	}
	var ssRes, ssTot float64
	meat := make([]float64, d*d)
	for i := 0; i < n; i++ {
		pred := intercept
		for j, v := range s.Row(i) {
			pred += coef[j] * v
			c[j] = v - sbar[j]
		}
		res := y[i] - pred
		ssRes += w[i] * res * res
		ssTot += w[i] * (y[i] - ybar) * (y[i] - ybar)
		g := w[i] * w[i] * res * res
		for j := 0; j < d; j++ {
			for k := 0; k < d; k++ {
				meat[j*d+k] += g * c[j] * c[k]
			}
		}
	}
	// R² as scikit-learn's r2_score: 1 when both sums vanish, 0 when only
	// the total does.
	score := 1.0
	switch {
	case ssTot > 0:
		score = 1 - ssRes/ssTot
	case ssRes > 0:
		score = 0
	}
	se := make([]float64, d)
	for j := 0; j < d; j++ {
		v := 0.0
		for p := 0; p < d; p++ {
			for q := 0; q < d; q++ {
				v += ainv[j*d+p] * meat[p*d+q] * ainv[j*d+q]
			}
		}
		se[j] = math.Sqrt(math.Max(v, 0))
	}
	return ridgeFit{coef: coef, intercept: intercept, score: score, se: se}, nil
}
