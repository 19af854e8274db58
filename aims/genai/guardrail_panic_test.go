package genai

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A guardrail that panics on some input runs in a goroutine of the
// Assistant, where no recover of the service (net/http's per-request one)
// can reach it: it must count as a failed check, fail closed, not end the
// process for every user of the service.
func TestPanickingGuardrailFailsClosedInsteadOfCrashing(t *testing.T) {
	r := newRig(t)
	boom := guardrailFunc{name: "fragile", fn: func(_ context.Context, in CheckInput) (Finding, error) {
		var found []int
		_ = found[len(in.Text)] // a bug a crafted message reaches: index out of range
		return Finding{Passed: true}, nil
	}}
	model := replyWith("fine")
	a := newAssistant(t, r, model, WithGuardrail(boom, StageInput, ActionBlock))
	res, err := a.Turn(context.Background(), Turn{ConversationID: "c1", Message: "crafted"})
	require.NoError(t, err)
	assert.Equal(t, OutcomeBlocked, res.Outcome)
	assert.Equal(t, RefusalText, res.Text)
	assert.Zero(t, model.Calls(), "a blocked input never reaches the model")
	recs := r.records(t)
	require.Len(t, recs, 1)
	g := recs[0].Interaction.Guardrails[0]
	assert.Equal(t, VerdictError, g.Verdict)
	assert.Equal(t, "panic", g.Reason)
	assert.Equal(t, "fail-closed: the turn was blocked", g.Fallback)
}
