package tree

import (
	"context"
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/explain"
	itel "github.com/aimskit/aimskit/internal/telemetry"
)

// controlExplanation is the ISO/IEC 42001 Annex A control an explanation is
// evidence for (A.8.2, system documentation and information for users), as
// in package explain.
const controlExplanation = "A.8.2"

// topK is how many feature names an explanation span carries.
const topK = 5

// explainerBase holds what both tree explainers share.
type explainerBase struct {
	e            *Ensemble
	class        int
	names        []string
	workers      int
	tracer       trace.Tracer
	explanations metric.Int64Counter
	duration     metric.Float64Histogram
}

func newExplainerBase(e *Ensemble, opts []Option) (explainerBase, config, error) {
	if e == nil {
		return explainerBase{}, config{}, fmt.Errorf("tree: nil ensemble")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return explainerBase{}, cfg, err
	}
	if cfg.class < 0 || cfg.class >= e.numGroups {
		return explainerBase{}, cfg, fmt.Errorf("tree: class %d out of range, model has %d output groups", cfg.class, e.numGroups)
	}
	maxFeatures := cfg.maxFeatures
	if maxFeatures == 0 {
		maxFeatures = DefaultMaxFeatures
	}
	if e.numFeatures > maxFeatures {
		return explainerBase{}, cfg, fmt.Errorf("tree: the model has %d features, more than the %d an explainer accepts (WithMaxFeatures): each explanation would hold a value per feature", e.numFeatures, maxFeatures)
	}
	names := cfg.names
	if names == nil {
		names = e.featureNames
	}
	if names == nil {
		names = make([]string, e.numFeatures)
		for i := range names {
			names[i] = fmt.Sprintf("x%d", i)
		}
	}
	if len(names) != e.numFeatures {
		return explainerBase{}, cfg, fmt.Errorf("tree: %d feature names for %d features", len(names), e.numFeatures)
	}
	meter := cfg.tel.Meter(semconv.ScopeExplainTree)
	// Instrument creation fails only for invalid names (ours are constants),
	// and the API then returns a usable no-op instrument.
	count, _ := meter.Int64Counter(semconv.MetricExplanations,
		metric.WithUnit("{explanation}"), metric.WithDescription("explanations produced"))
	dur, _ := meter.Float64Histogram(semconv.MetricExplanationDuration,
		metric.WithUnit("s"), metric.WithDescription("time to produce one explanation"),
		metric.WithExplicitBucketBoundaries(itel.ExplanationDurationBuckets()...))
	return explainerBase{
		e: e, class: cfg.class, names: names, workers: cfg.workers,
		tracer:       cfg.tel.Tracer(semconv.ScopeExplainTree),
		explanations: count, duration: dur,
	}, cfg, nil
}

// marginLink returns the link under which the margin of group k is the
// linked output: logit for a sigmoid model (margin = logit(probability)),
// identity otherwise, in which case the explained output is the margin
// itself.
func (b *explainerBase) marginLink() explain.Link {
	if b.e.transform == Sigmoid {
		return explain.LinkLogit
	}
	return explain.LinkIdentity
}

// rawOutput returns the raw model output that corresponds to margins m
// under marginLink: the probability for sigmoid models, the margin
// otherwise.
func (b *explainerBase) rawOutput(m []float64) float64 {
	if b.e.transform == Sigmoid {
		return sigmoid(m[b.class])
	}
	return m[b.class]
}

// call is one batch explanation in flight: its span and start time.
type call struct {
	b      *explainerBase
	span   trace.Span
	start  time.Time
	method explain.Method
}

func (b *explainerBase) startSpan(ctx context.Context, m explain.Method, link explain.Link, rows, bgSize int) (context.Context, *call) {
	ctx, span := b.tracer.Start(ctx, semconv.SpanExplain, trace.WithAttributes(
		semconv.AimsExplanationMethod.String(string(m)),
		semconv.AimsExplanationLink.String(string(link)),
		semconv.AimsExplanationFeatures.Int(b.e.numFeatures),
		semconv.AimsExplanationBackgroundSize.Int(bgSize),
		semconv.AimsExplanationTrees.Int(len(b.e.roots)),
		semconv.AimsExplanationRows.Int(rows),
		semconv.AimsControlID.String(controlExplanation),
	))
	return ctx, &call{b: b, span: span, start: time.Now(), method: m}
}

// end records the outcome on the span (for a single row also the names,
// never the values, of the most important features), counts the
// explanations and records the time per explanation (the batch's time
// divided by its rows, one observation per call).
func (c *call) end(ctx context.Context, out []explain.Explanation, err error) {
	defer c.span.End()
	if err != nil {
		c.span.RecordError(err)
		c.span.SetStatus(codes.Error, err.Error())
		return
	}
	c.span.SetAttributes(semconv.AimsExplanationExact.Bool(true), semconv.AimsExplanationModelEvaluations.Int(0))
	if len(out) == 1 {
		if names, err := explain.TopFeatures(out[0], topK); err == nil {
			c.span.SetAttributes(attribute.StringSlice(string(semconv.AimsExplanationTopFeatures), names))
		}
	}
	if len(out) == 0 {
		return
	}
	attrs := metric.WithAttributes(semconv.AimsExplanationMethod.String(string(c.method)), semconv.AimsExplanationExact.Bool(true))
	c.b.explanations.Add(ctx, int64(len(out)), attrs)
	c.b.duration.Record(ctx, time.Since(c.start).Seconds()/float64(len(out)), attrs)
}

// residual returns base + Σ values − prediction.
func residual(base float64, values []float64, pred float64) float64 {
	s := base
	for _, v := range values {
		s += v
	}
	return s - pred
}

// rowMatrix wraps one row as a 1-row matrix after checking its length.
func (b *explainerBase) rowMatrix(x []float64) (explain.Matrix, error) {
	if len(x) != b.e.numFeatures {
		return explain.Matrix{}, fmt.Errorf("tree: row has %d features, model expects %d", len(x), b.e.numFeatures)
	}
	return explain.Matrix{Rows: 1, Cols: len(x), Data: x}, nil
}

// outputSpaceFinite reports an output-space explanation holding a number
// beyond float64's range: exp of a margin above about 709.78, at the row or
// at a mix of the row and a background row.
func outputSpaceFinite(row int, ex *explain.Explanation) error {
	check := func(what string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tree: row %d: the output-space %s is %v: the model's output overflows float64 (exp of a margin above %.2f) for the row or for the row mixed with a background row; explain in margin space instead", row, what, v, math.Log(math.MaxFloat64))
		}
		return nil
	}
	for _, c := range []struct {
		what string
		v    float64
	}{{"base value", ex.BaseValue}, {"prediction", ex.Prediction}, {"additivity residual", ex.AdditivityResidual}} {
		if err := check(c.what, c.v); err != nil {
			return err
		}
	}
	for j, v := range ex.Values {
		if err := check("value of "+ex.FeatureNames[j], v); err != nil {
			return err
		}
	}
	return nil
}

// PathDependent explains tree-ensemble predictions with path-dependent
// TreeSHAP in margin space (see [Ensemble.Contributions]). It needs no
// background data: the node covers stand in for the feature distribution.
// For a logistic model the explanation's Link is logit (Prediction is the
// margin, Output the probability); for other objectives the explained
// output is the margin of the selected class, with an identity link.
// It implements [explain.Explainer] and is safe for concurrent use.
type PathDependent struct {
	explainerBase
	base float64
}

var _ explain.Explainer = (*PathDependent)(nil)

// NewPathDependent returns a path-dependent TreeSHAP explainer of e.
// Options: WithClass, WithFeatureNames, WithWorkers, WithTracerProvider,
// WithMeterProvider.
func NewPathDependent(e *Ensemble, opts ...Option) (*PathDependent, error) {
	b, cfg, err := newExplainerBase(e, opts)
	if err != nil {
		return nil, err
	}
	if cfg.outputSpace {
		return nil, fmt.Errorf("tree: %w: path-dependent TreeSHAP works in margin space only; use NewInterventional with WithOutputSpace", ErrUnsupported)
	}
	ev, err := e.ExpectedValues()
	if err != nil {
		return nil, err
	}
	return &PathDependent{explainerBase: b, base: ev[b.class]}, nil
}

// Explain explains the prediction for one row (NaN = missing).
func (p *PathDependent) Explain(ctx context.Context, x []float64) (explain.Explanation, error) {
	m, err := p.rowMatrix(x)
	if err != nil {
		return explain.Explanation{}, err
	}
	out, err := p.ExplainBatch(ctx, m)
	if err != nil {
		return explain.Explanation{}, err
	}
	return out[0], nil
}

// ExplainBatch explains every row of x, spreading rows over the workers.
func (p *PathDependent) ExplainBatch(ctx context.Context, x explain.Matrix) (out []explain.Explanation, err error) {
	link := p.marginLink()
	ctx, c := p.startSpan(ctx, explain.MethodTreePathDependent, link, x.Rows, 0)
	defer func() { c.end(ctx, out, err) }()
	if err := p.e.checkMatrix(x); err != nil {
		return nil, err
	}
	M, K := p.e.numFeatures, p.e.numGroups
	contribs := make([]float64, x.Rows*K*(M+1))
	if err := p.e.Contributions(ctx, x, contribs, withWorkerCount(p.workers)); err != nil {
		return nil, err
	}
	margins := make([]float64, x.Rows*K)
	if err := p.e.PredictMargins(ctx, x, margins, withWorkerCount(p.workers)); err != nil {
		return nil, err
	}
	out = make([]explain.Explanation, x.Rows)
	for i := range out {
		c := contribs[(i*K+p.class)*(M+1) : (i*K+p.class+1)*(M+1)]
		vals := c[:M:M]
		ex := explain.Explanation{
			Method:       explain.MethodTreePathDependent,
			Link:         link,
			FeatureNames: p.names,
			BaseValue:    c[M],
			Values:       vals,
			Prediction:   margins[i*K+p.class],
			Output:       p.rawOutput(margins[i*K : (i+1)*K]),
			StdErr:       make([]float64, M),
			Exact:        true,
		}
		ex.AdditivityResidual = residual(ex.BaseValue, ex.Values, ex.Prediction)
		out[i] = ex
	}
	return out, nil
}

// Interventional explains tree-ensemble predictions with interventional
// TreeSHAP against a background set: the exact Shapley values of
// v(S) = mean_b f(x_S, b_rest), where f is the margin (default) or, with
// [WithOutputSpace], the output-space prediction (probability). It
// implements [explain.Explainer] and is safe for concurrent use.
type Interventional struct {
	explainerBase
	bg          *Background
	outputSpace bool
	maxExact    int
	baseOutput  float64 // mean background output, output space
}

var _ explain.Explainer = (*Interventional)(nil)

// NewInterventional returns an interventional TreeSHAP explainer of e over
// the background rows. Options: WithClass, WithOutputSpace,
// WithFeatureNames, WithWorkers, WithTracerProvider, WithMeterProvider.
//
// In margin space the cost is O(N·T·L) per row (N background rows, T trees,
// L leaves). In output space the game is no longer a sum over trees, so for
// each background row the explainer evaluates all 2^k coalitions of the k
// features on which the row and the background row differ (with a
// fast subset-sum transform); rows with k > 20 return an error.
func NewInterventional(e *Ensemble, background explain.Matrix, opts ...Option) (*Interventional, error) {
	b, cfg, err := newExplainerBase(e, opts)
	if err != nil {
		return nil, err
	}
	bg, err := e.NewBackground(background)
	if err != nil {
		return nil, err
	}
	iv := &Interventional{explainerBase: b, bg: bg, outputSpace: cfg.outputSpace, maxExact: maxOutputSpaceFeatures}
	if iv.outputSpace {
		K := e.numGroups
		m := make([]float64, K)
		for r := 0; r < bg.n; r++ {
			copy(m, bg.margins[r*K:(r+1)*K])
			e.transform.apply(m)
			iv.baseOutput += m[b.class]
		}
		iv.baseOutput /= float64(bg.n)
	}
	return iv, nil
}

// Background returns the prepared background set.
func (iv *Interventional) Background() *Background { return iv.bg }

// Explain explains the prediction for one row (NaN = missing).
func (iv *Interventional) Explain(ctx context.Context, x []float64) (explain.Explanation, error) {
	m, err := iv.rowMatrix(x)
	if err != nil {
		return explain.Explanation{}, err
	}
	out, err := iv.ExplainBatch(ctx, m)
	if err != nil {
		return explain.Explanation{}, err
	}
	return out[0], nil
}

// ExplainBatch explains every row of x, spreading rows over the workers.
func (iv *Interventional) ExplainBatch(ctx context.Context, x explain.Matrix) (out []explain.Explanation, err error) {
	link := iv.marginLink()
	if iv.outputSpace {
		link = explain.LinkIdentity
	}
	ctx, c := iv.startSpan(ctx, explain.MethodTree, link, x.Rows, iv.bg.n)
	defer func() { c.end(ctx, out, err) }()
	if err := iv.e.checkMatrix(x); err != nil {
		return nil, err
	}
	M, K := iv.e.numFeatures, iv.e.numGroups
	margins := make([]float64, x.Rows*K)
	if err := iv.e.PredictMargins(ctx, x, margins, withWorkerCount(iv.workers)); err != nil {
		return nil, err
	}
	var vals []float64 // x.Rows × (M+1) for the selected class
	if iv.outputSpace && iv.e.transform != Identity {
		vals = make([]float64, x.Rows*(M+1))
		if err := iv.e.interventionalOutput(ctx, x, iv.bg, iv.class, iv.workers, vals); err != nil {
			return nil, err
		}
	} else {
		all := make([]float64, x.Rows*K*(M+1))
		if err := iv.e.InterventionalContributions(ctx, x, iv.bg, all, withWorkerCount(iv.workers)); err != nil {
			return nil, err
		}
		vals = make([]float64, x.Rows*(M+1))
		for i := 0; i < x.Rows; i++ {
			copy(vals[i*(M+1):(i+1)*(M+1)], all[(i*K+iv.class)*(M+1):])
		}
	}
	out = make([]explain.Explanation, x.Rows)
	m := make([]float64, K)
	for i := range out {
		v := vals[i*(M+1) : (i+1)*(M+1)]
		ex := explain.Explanation{
			Method:         explain.MethodTree,
			Link:           link,
			FeatureNames:   iv.names,
			Values:         v[:M:M],
			StdErr:         make([]float64, M),
			Exact:          true,
			BackgroundSize: iv.bg.n,
		}
		copy(m, margins[i*K:(i+1)*K])
		if iv.outputSpace {
			iv.e.transform.apply(m)
			ex.BaseValue = iv.baseOutput
			ex.Prediction = m[iv.class]
			ex.Output = m[iv.class]
		} else {
			ex.BaseValue = iv.bg.mean[iv.class]
			ex.Prediction = m[iv.class]
			ex.Output = iv.rawOutput(m)
		}
		ex.AdditivityResidual = residual(ex.BaseValue, ex.Values, ex.Prediction)
		if iv.outputSpace {
			if err := outputSpaceFinite(i, &ex); err != nil {
				return nil, err
			}
		}
		out[i] = ex
	}
	return out, nil
}
