package genai

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The person can go away (their request's context is cancelled) after the
// model was called. The turn happened: its interaction record is written
// and Turn says so, rather than reporting a record "not written" that the
// ledger then holds anyway (a service that believes it would number the
// next turn the same and leave the model call unaccounted for).
func TestTurnWhoseCallerWentAwayIsRecorded(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := &echoModel{reply: func(Request) (Response, error) {
		cancel() // the person closes the chat while the answer is generated
		return Response{Text: "Our branches open at nine.", Usage: &Usage{InputTokens: 3, OutputTokens: 5}}, nil
	}}
	a := newAssistant(t, r, m)
	res, err := a.Turn(ctx, Turn{ConversationID: "c1", Number: 1, Message: "When do you open?"})
	require.NoError(t, err)
	require.NotEmpty(t, res.ResponseID)
	recs := r.records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, res.ResponseID, recs[0].Interaction.ResponseID)
	assert.Equal(t, &Usage{InputTokens: 3, OutputTokens: 5}, recs[0].Interaction.Usage)
}
