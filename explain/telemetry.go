package explain

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
	itel "github.com/aimskit/aimskit/internal/telemetry"
)

// controlExplanation is the ISO/IEC 42001 Annex A control an explanation
// is evidence for: A.8.2, system documentation and information for users,
// here the information users get about the system's outputs.
const controlExplanation = "A.8.2"

// telemetry is an explainer's span and metric instruments.
type telemetry struct {
	tracer       trace.Tracer
	explanations metric.Int64Counter
	duration     metric.Float64Histogram
}

func newTelemetry(cfg *config) *telemetry {
	meter := cfg.tel.Meter(semconv.ScopeExplain)
	// Instrument creation only fails for invalid names; ours are constants
	// checked by the tests, and the API returns a usable no-op on error.
	count, _ := meter.Int64Counter(semconv.MetricExplanations,
		metric.WithUnit("{explanation}"), metric.WithDescription("explanations produced"))
	dur, _ := meter.Float64Histogram(semconv.MetricExplanationDuration,
		metric.WithUnit("s"), metric.WithDescription("time to produce one explanation"),
		metric.WithExplicitBucketBoundaries(itel.ExplanationDurationBuckets()...))
	return &telemetry{tracer: cfg.tel.Tracer(semconv.ScopeExplain), explanations: count, duration: dur}
}

// explainSpan is one explanation in flight.
type explainSpan struct {
	tel    *telemetry
	span   trace.Span
	start  time.Time
	method Method
}

// start opens the span of one explanation.
func (t *telemetry) start(ctx context.Context, m Method, link Link, players, bgSize int) (context.Context, *explainSpan) {
	ctx, span := t.tracer.Start(ctx, semconv.SpanExplain, trace.WithAttributes(
		semconv.AimsExplanationMethod.String(string(m)),
		semconv.AimsExplanationLink.String(string(link)),
		semconv.AimsExplanationFeatures.Int(players),
		semconv.AimsExplanationBackgroundSize.Int(bgSize),
		semconv.AimsControlID.String(controlExplanation),
	))
	return ctx, &explainSpan{tel: t, span: span, start: time.Now(), method: m}
}

// end records the outcome: model evaluations, exactness and the names
// (never the values) of the top-k features; successful explanations are
// counted and timed.
func (s *explainSpan) end(ctx context.Context, e *Explanation, err error, topK int) {
	defer s.span.End()
	if err != nil {
		s.span.RecordError(err)
		s.span.SetStatus(codes.Error, err.Error())
		return
	}
	s.span.SetAttributes(
		semconv.AimsExplanationModelEvaluations.Int(e.ModelEvaluations),
		semconv.AimsExplanationExact.Bool(e.Exact),
	)
	if names, err := TopFeatures(*e, topK); err == nil {
		s.span.SetAttributes(attribute.StringSlice(string(semconv.AimsExplanationTopFeatures), names))
	}
	attrs := metric.WithAttributes(semconv.AimsExplanationMethod.String(string(s.method)), semconv.AimsExplanationExact.Bool(e.Exact))
	s.tel.explanations.Add(ctx, 1, attrs)
	s.tel.duration.Record(ctx, time.Since(s.start).Seconds(), attrs)
}

// TopFeatures returns the names of the k players with the largest |value|,
// largest first; ties keep column order. k is capped at the number of
// players; a negative k is an error, as is an explanation whose
// FeatureNames and Values differ in length (a name would be missing) or
// that has a NaN or infinite value.
func TopFeatures(e Explanation, k int) ([]string, error) {
	if len(e.FeatureNames) != len(e.Values) {
		return nil, fmt.Errorf("explain: TopFeatures: %d feature names for %d values", len(e.FeatureNames), len(e.Values))
	}
	if k < 0 {
		return nil, fmt.Errorf("explain: TopFeatures: k = %d is negative", k)
	}
	for i, v := range e.Values {
		// A NaN would break the ranking's order (and misrank the finite
		// values); no explainer returns a non-finite value.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("explain: TopFeatures: value of %s is %v; values must be finite", e.FeatureNames[i], v)
		}
	}
	idx := make([]int, len(e.Values))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(e.Values[idx[a]]) > math.Abs(e.Values[idx[b]]) })
	if k > len(idx) {
		k = len(idx)
	}
	out := make([]string, k)
	for i := range out {
		out[i] = e.FeatureNames[idx[i]]
	}
	return out, nil
}
