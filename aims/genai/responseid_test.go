package genai

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
)

// eventAttr returns the value of key on a log record, and whether it is set.
func eventAttr(r interface {
	WalkAttributes(func(attribute.KeyValue) bool)
}, key attribute.Key) (string, bool) {
	var v string
	var ok bool
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if kv.Key == key {
			v, ok = kv.Value.String(), true
			return false
		}
		return true
	})
	return v, ok
}

// gen_ai.response.id is, in the OpenTelemetry GenAI conventions, the
// provider's identifier of the completion: the GenAI client span carries
// it, and the gen_ai.evaluation.result event carries it to correlate an
// evaluation with the model call it evaluates. The interaction record must
// keep the provider's ID (or nothing links the record to the model call),
// and the evaluation event must never put aimskit's own response ID under
// the conventions' key: a GenAI back end would look for a model call of
// that ID and find none.
func TestProviderResponseIDLinksRecordSpanAndEvaluation(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	a := newAssistant(t, r, replyWith("Our branches open at nine."))
	res, err := a.Turn(ctx, Turn{ConversationID: "c1", Number: 1, Message: "when do you open"})
	require.NoError(t, err)
	require.NotEqual(t, "resp-1", res.ResponseID)

	var spanID string
	for _, s := range r.traces.Recorder.Ended() {
		if s.SpanKind().String() == "client" {
			for _, kv := range s.Attributes() {
				if kv.Key == semconv.GenAIResponseID {
					spanID = kv.Value.AsString()
				}
			}
		}
	}
	require.Equal(t, "resp-1", spanID, "the client span carries the provider's response ID")

	score := 0.9
	_, err = a.Evaluate(ctx, "c1", Evaluation{ResponseID: res.ResponseID, Name: "relevance", Score: &score})
	require.NoError(t, err)
	evs := r.logs.Events(semconv.EventGenAIEvaluationResult)
	require.Len(t, evs, 1)
	if got, ok := eventAttr(&evs[0], semconv.GenAIResponseID); ok {
		assert.Equal(t, spanID, got, "the evaluation event's gen_ai.response.id is not the ID of any model call")
	}

	assert.Equal(t, "resp-1", res.ProviderResponseID)
	_, err = a.Evaluate(ctx, "c1", Evaluation{ResponseID: res.ResponseID, ProviderResponseID: res.ProviderResponseID,
		Name: "relevance", Score: &score})
	require.NoError(t, err)
	evs = r.logs.Events(semconv.EventGenAIEvaluationResult)
	require.Len(t, evs, 2)
	got, ok := eventAttr(&evs[1], semconv.GenAIResponseID)
	assert.True(t, ok, "the evaluation event carries no gen_ai.response.id though the provider's ID was given")
	assert.Equal(t, spanID, got)
	got, ok = eventAttr(&r.logs.Events(semconv.EventGenAIInteraction)[0], semconv.GenAIResponseID)
	assert.True(t, ok, "the interaction event does not name the model call")
	assert.Equal(t, spanID, got)

	require.NoError(t, r.sys.Close(ctx))
	found := false
	require.NoError(t, ledger.Scan(r.dir, func(sr ledger.ScannedRecord) error {
		var m struct {
			Type        string         `json:"type"`
			Interaction map[string]any `json:"interaction"`
		}
		if json.Unmarshal(sr.Record, &m) == nil && m.Type == string(RecordInteraction) {
			found = true
			assert.Equal(t, "resp-1", m.Interaction["provider_response_id"], "the interaction record does not keep the provider's response ID")
		}
		return nil
	}))
	assert.True(t, found)
}
