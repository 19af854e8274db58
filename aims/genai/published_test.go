package genai

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Every GenAI-convention key the published table lists for aims/genai is
// one that aims/genai emits: a run that uses every field of a model
// response (ID, model, finish reasons, usage, tool calls), a failed model
// call, an assistant turn and an evaluation with score, label and
// explanation carries each of them on a span, a metric point or a log
// record. A key listed but never emitted sends operators and auditors to
// query for evidence that can never be there.
func TestEveryPublishedGenAIKeyIsEmitted(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	full := &echoModel{reply: func(req Request) (Response, error) {
		return Response{ID: "resp-1", Model: "tiny-1-0613", Text: "Our branches open at nine.",
			FinishReasons: []string{"tool_calls"}, Usage: &Usage{InputTokens: 4, OutputTokens: 6},
			ToolCalls: []ToolCall{{Name: "opening_hours"}}}, nil
	}}
	a := newAssistant(t, r, full)
	_, err := a.Turn(ctx, Turn{ConversationID: "c1", Number: 1, Message: "when do you open"})
	require.NoError(t, err)
	score := 0.9
	_, err = a.Evaluate(ctx, "c1", Evaluation{ResponseID: "resp-1", Name: "relevance", Score: &score,
		Label: "relevant", Explanation: "answers the question"})
	require.NoError(t, err)
	failing, err := NewClient(&echoModel{reply: func(Request) (Response, error) { return Response{}, errors.New("down") }},
		"example.local", WithTracerProvider(r.traces.Provider), WithMeterProvider(r.metrics.Provider))
	require.NoError(t, err)
	_, err = failing.Generate(ctx, Request{Model: "tiny-1", Messages: []Message{{Role: RoleUser, Content: "hi"}}})
	require.Error(t, err)

	emitted := map[string]bool{}
	add := func(kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			emitted[string(kv.Key)] = true
		}
	}
	for _, s := range r.traces.Recorder.Ended() {
		add(s.Attributes())
	}
	for _, rec := range r.logs.Records() {
		rec.WalkAttributes(func(kv attribute.KeyValue) bool {
			emitted[string(kv.Key)] = true
			return true
		})
	}
	for _, name := range []string{semconv.MetricGenAIClientOperationDuration, semconv.MetricGenAIClientTokenUsage} {
		m, ok := r.metrics.Find(t, name)
		require.True(t, ok, name)
		add(pointAttributes(m.Data))
	}
	for _, e := range semconv.Catalog() {
		if e.Kind == semconv.KindAttribute && e.GenAI && e.Package == "aims/genai" && !emitted[e.Name] {
			t.Errorf("%s is published for aims/genai but nothing emitted it", e.Name)
		}
	}
}

// pointAttributes returns the attributes of every point of a histogram.
func pointAttributes(d metricdata.Aggregation) []attribute.KeyValue {
	var out []attribute.KeyValue
	switch h := d.(type) {
	case metricdata.Histogram[float64]:
		for _, p := range h.DataPoints {
			out = append(out, p.Attributes.ToSlice()...)
		}
	case metricdata.Histogram[int64]:
		for _, p := range h.DataPoints {
			out = append(out, p.Attributes.ToSlice()...)
		}
	}
	return out
}
