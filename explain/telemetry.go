package explain

import (
	"context"
	"math"
	"sort"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/internal/semconv"
)

// controlExplanation is the ISO/IEC 42001 Annex A control an explanation
// is evidence for: information for interested parties about the system's
// outputs (A.8.2).
const controlExplanation = "A.8.2"

func newTracer(tp trace.TracerProvider) trace.Tracer {
	return tp.Tracer(semconv.ScopeExplain, trace.WithInstrumentationVersion(semconv.Version))
}

// startExplainSpan opens the span of one explanation.
func startExplainSpan(ctx context.Context, tr trace.Tracer, m Method, link Link, players, bgSize int) (context.Context, trace.Span) {
	return tr.Start(ctx, semconv.SpanExplain, trace.WithAttributes(
		semconv.AimsExplanationMethod.String(string(m)),
		semconv.AimsExplanationLink.String(string(link)),
		semconv.AimsExplanationFeatures.Int(players),
		semconv.AimsExplanationBackgroundSize.Int(bgSize),
		semconv.AimsControlID.String(controlExplanation),
	))
}

// endExplainSpan records the outcome: model evaluations, exactness and the
// names (never the values) of the top-k features.
func endExplainSpan(span trace.Span, e *Explanation, err error, topK int) {
	defer span.End()
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return
	}
	span.SetAttributes(
		semconv.AimsExplanationModelEvaluations.Int(e.ModelEvaluations),
		semconv.AimsExplanationExact.Bool(e.Exact),
		attribute.StringSlice(string(semconv.AimsExplanationTopFeatures), TopFeatures(*e, topK)),
	)
}

// TopFeatures returns the names of the k players with the largest |value|,
// largest first; ties keep column order.
func TopFeatures(e Explanation, k int) []string {
	idx := make([]int, len(e.Values))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(e.Values[idx[a]]) > math.Abs(e.Values[idx[b]]) })
	if k > len(idx) {
		k = len(idx)
	}
	if k < 0 {
		k = 0
	}
	out := make([]string, k)
	for i := range out {
		if idx[i] < len(e.FeatureNames) {
			out[i] = e.FeatureNames[idx[i]]
		}
	}
	return out
}
