package genai

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Bucket boundaries the GenAI metric conventions recommend
// (semantic-conventions-genai, docs/gen-ai/gen-ai-metrics.md): powers of
// four tokens from 1 to 4^12·4, and doubling durations from 10 ms.
var (
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// OperationChat is the default gen_ai.operation.name.
const OperationChat = "chat"

// Client wraps a Model with OpenTelemetry GenAI instrumentation: each
// Generate is one client span named "{operation} {model}" with the
// gen_ai.* request and response attributes (error.type on failure), and
// records gen_ai.client.operation.duration and, when the model reports
// usage, gen_ai.client.token.usage. A Client is safe for concurrent use
// when its Model is.
type Client struct {
	model    Model
	provider string
	tracer   trace.Tracer
	duration metric.Float64Histogram
	tokens   metric.Int64Histogram
}

// NewClient returns a Client around m. provider is the
// gen_ai.provider.name ("openai", "aws.bedrock", or a name of your own for
// a local model).
func NewClient(m Model, provider string, opts ...Option) (*Client, error) {
	if m == nil {
		return nil, errors.New("genai: NewClient needs a Model")
	}
	if provider == "" {
		return nil, errors.New("genai: NewClient needs the provider name (gen_ai.provider.name)")
	}
	c := newConfig(opts)
	meter := c.tel.Meter(semconv.ScopeGenAI)
	duration, err := meter.Float64Histogram(semconv.MetricGenAIClientOperationDuration, metric.WithUnit("s"),
		metric.WithDescription("GenAI operation duration."), metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		return nil, fmt.Errorf("genai: creating %s: %w", semconv.MetricGenAIClientOperationDuration, err)
	}
	tokens, err := meter.Int64Histogram(semconv.MetricGenAIClientTokenUsage, metric.WithUnit("{token}"),
		metric.WithDescription("Number of input and output tokens used."), metric.WithExplicitBucketBoundaries(tokenBuckets...))
	if err != nil {
		return nil, fmt.Errorf("genai: creating %s: %w", semconv.MetricGenAIClientTokenUsage, err)
	}
	return &Client{model: m, provider: provider, tracer: c.tel.Tracer(semconv.ScopeGenAI), duration: duration, tokens: tokens}, nil
}

// Provider returns the gen_ai.provider.name of the client.
func (c *Client) Provider() string { return c.provider }

// Generate calls the model inside a GenAI client span. A request without a
// model, and a response with negative token counts, are errors (the
// response is returned with the latter, so the caller can still see it).
func (c *Client) Generate(ctx context.Context, req Request) (Response, error) {
	if req.Model == "" {
		return Response{}, errors.New("genai: request has no model (gen_ai.request.model)")
	}
	if req.Operation == "" {
		req.Operation = OperationChat
	}
	base := []attribute.KeyValue{
		semconv.GenAIOperationName.String(req.Operation),
		semconv.GenAIProviderName.String(c.provider),
		semconv.GenAIRequestModel.String(req.Model),
	}
	ctx, span := c.tracer.Start(ctx, req.Operation+" "+req.Model, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(base...))
	defer span.End()
	if req.ConversationID != "" {
		span.SetAttributes(semconv.GenAIConversationID.String(req.ConversationID))
	}
	start := time.Now()
	resp, err := c.model.Generate(ctx, req)
	elapsed := time.Since(start).Seconds()
	if err == nil && resp.Usage != nil && (resp.Usage.InputTokens < 0 || resp.Usage.OutputTokens < 0) {
		err = fmt.Errorf("genai: model %s reported negative token usage (input %d, output %d)", req.Model, resp.Usage.InputTokens, resp.Usage.OutputTokens)
	}
	if err != nil {
		et := errorType(err)
		span.SetAttributes(semconv.ErrorType.String(et))
		span.SetStatus(codes.Error, err.Error())
		c.duration.Record(ctx, elapsed, metric.WithAttributes(append(slices.Clip(base), semconv.ErrorType.String(et))...))
		return resp, err
	}
	if resp.Model == "" {
		resp.Model = req.Model
	}
	attrs := append(slices.Clip(base), semconv.GenAIResponseModel.String(resp.Model))
	span.SetAttributes(semconv.GenAIResponseModel.String(resp.Model))
	if resp.ID != "" {
		span.SetAttributes(semconv.GenAIResponseID.String(resp.ID))
	}
	if len(resp.FinishReasons) > 0 {
		span.SetAttributes(semconv.GenAIResponseFinishReasons.StringSlice(resp.FinishReasons))
	}
	c.duration.Record(ctx, elapsed, metric.WithAttributes(attrs...))
	if resp.Usage != nil {
		span.SetAttributes(semconv.GenAIUsageInputTokens.Int(resp.Usage.InputTokens),
			semconv.GenAIUsageOutputTokens.Int(resp.Usage.OutputTokens))
		c.tokens.Record(ctx, int64(resp.Usage.InputTokens), metric.WithAttributes(append(slices.Clip(attrs), semconv.GenAITokenType.String(semconv.GenAITokenTypeInput))...))
		c.tokens.Record(ctx, int64(resp.Usage.OutputTokens), metric.WithAttributes(append(slices.Clip(attrs), semconv.GenAITokenType.String(semconv.GenAITokenTypeOutput))...))
	}
	return resp, nil
}

// errorType is the low-cardinality error.type of err: timeout and
// canceled for the context's errors, else the error's Go type, as the
// conventions suggest when no better class is known.
func errorType(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	if pe := (*panicError)(nil); errors.As(err, &pe) {
		return "panic"
	}
	if errors.Is(err, ErrGuardrailBusy) {
		return "guardrail_busy"
	}
	if t := reflect.TypeOf(err); t != nil {
		return t.String()
	}
	return otelsemconv.ErrorTypeOther.Value.AsString()
}
