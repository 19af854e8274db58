package genai

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func TestClientEmitsGenAISpanAndMetrics(t *testing.T) {
	traces, metrics := oteltest.NewTraces(t), oteltest.NewMetrics(t)
	m := replyWith("Our branches open at nine.") // 5 output tokens
	c, err := NewClient(m, "example.local", WithTracerProvider(traces.Provider), WithMeterProvider(metrics.Provider))
	require.NoError(t, err)
	resp, err := c.Generate(context.Background(), Request{Model: "tiny-1", ConversationID: "c1",
		Messages: []Message{{Role: RoleUser, Content: "when do you open"}}}) // 4 input tokens
	require.NoError(t, err)
	assert.Equal(t, "tiny-1", resp.Model, "an empty response model means the one requested")

	spans := traces.Recorder.Ended()
	require.Len(t, spans, 1)
	s := spans[0]
	assert.Equal(t, "chat tiny-1", s.Name())
	assert.Equal(t, trace.SpanKindClient, s.SpanKind())
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		attrs[kv.Key] = kv.Value
	}
	assert.Equal(t, "chat", attrs[semconv.GenAIOperationName].AsString())
	assert.Equal(t, "example.local", attrs[semconv.GenAIProviderName].AsString())
	assert.Equal(t, "tiny-1", attrs[semconv.GenAIRequestModel].AsString())
	assert.Equal(t, "tiny-1", attrs[semconv.GenAIResponseModel].AsString())
	assert.Equal(t, "resp-1", attrs[semconv.GenAIResponseID].AsString())
	assert.Equal(t, "c1", attrs[semconv.GenAIConversationID].AsString())
	assert.Equal(t, []string{"stop"}, attrs[semconv.GenAIResponseFinishReasons].AsStringSlice())
	assert.Equal(t, int64(4), attrs[semconv.GenAIUsageInputTokens].AsInt64())
	assert.Equal(t, int64(5), attrs[semconv.GenAIUsageOutputTokens].AsInt64())

	tok, ok := metrics.Find(t, semconv.MetricGenAIClientTokenUsage)
	require.True(t, ok)
	assert.Equal(t, "{token}", tok.Unit)
	sums := map[string]int64{}
	for _, dp := range tok.Data.(metricdata.Histogram[int64]).DataPoints {
		typ, _ := dp.Attributes.Value(semconv.GenAITokenType)
		sums[typ.AsString()] += dp.Sum
		assert.Equal(t, tokenBuckets, dp.Bounds)
	}
	assert.Equal(t, map[string]int64{"input": 4, "output": 5}, sums)
	dur, ok := metrics.Find(t, semconv.MetricGenAIClientOperationDuration)
	require.True(t, ok)
	assert.Equal(t, "s", dur.Unit)
	dps := dur.Data.(metricdata.Histogram[float64]).DataPoints
	require.Len(t, dps, 1)
	assert.Equal(t, uint64(1), dps[0].Count)
	assert.Equal(t, durationBuckets, dps[0].Bounds)
}

func TestClientRecordsErrorTypeAndNoTokens(t *testing.T) {
	traces, metrics := oteltest.NewTraces(t), oteltest.NewMetrics(t)
	m := &echoModel{reply: func(Request) (Response, error) { return Response{}, context.DeadlineExceeded }}
	c, err := NewClient(m, "example.local", WithTracerProvider(traces.Provider), WithMeterProvider(metrics.Provider))
	require.NoError(t, err)
	_, err = c.Generate(context.Background(), Request{Model: "tiny-1"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	s := traces.Recorder.Ended()[0]
	var et string
	for _, kv := range s.Attributes() {
		if kv.Key == "error.type" {
			et = kv.Value.AsString()
		}
	}
	assert.Equal(t, "timeout", et)
	_, ok := metrics.Find(t, semconv.MetricGenAIClientTokenUsage)
	assert.False(t, ok, "no usage, no token metric")
	dur, ok := metrics.Find(t, semconv.MetricGenAIClientOperationDuration)
	require.True(t, ok)
	v, _ := dur.Data.(metricdata.Histogram[float64]).DataPoints[0].Attributes.Value("error.type")
	assert.Equal(t, "timeout", v.AsString())
}

func TestClientRefusesBadInputAndBadUsage(t *testing.T) {
	_, err := NewClient(nil, "p")
	assert.Error(t, err)
	_, err = NewClient(replyWith("x"), "")
	assert.Error(t, err)
	c, err := NewClient(&echoModel{reply: func(Request) (Response, error) {
		return Response{Text: "x", Usage: &Usage{InputTokens: -1}}, nil
	}}, "p")
	require.NoError(t, err)
	_, err = c.Generate(context.Background(), Request{})
	assert.ErrorContains(t, err, "no model")
	_, err = c.Generate(context.Background(), Request{Model: "m"})
	assert.ErrorContains(t, err, "negative token usage")
	assert.Equal(t, "*errors.errorString", errorType(errors.New("x")))
}
