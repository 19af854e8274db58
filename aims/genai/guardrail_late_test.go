package genai

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A check that ignores its context cannot be stopped, and its goroutine
// (with the text it holds) lives on after the turn. A message that makes
// a guardrail hang must not let one client pile up such goroutines
// without bound: beyond MaxLateChecks abandoned checks of a guardrail,
// the guardrail is not started again until some return; the turn counts
// it as an error (fail-closed: blocked).
func TestHangingGuardrailChecksAreBounded(t *testing.T) {
	r := newRig(t)
	release := make(chan struct{})
	defer close(release)
	var running, maxRunning atomic.Int64
	hang := guardrailFunc{name: "hangs", fn: func(context.Context, CheckInput) (Finding, error) {
		n := running.Add(1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		<-release // ignores its context
		running.Add(-1)
		return Finding{Passed: true}, nil
	}}
	a := newAssistant(t, r, replyWith("fine"), WithGuardrailTimeout(time.Millisecond),
		WithGuardrail(hang, StageInput, ActionBlock))
	for range MaxLateChecks + 20 {
		res, err := a.Turn(context.Background(), Turn{ConversationID: "c1", Message: "crafted"})
		require.NoError(t, err)
		assert.Equal(t, OutcomeBlocked, res.Outcome)
	}
	assert.LessOrEqual(t, maxRunning.Load(), int64(MaxLateChecks), "abandoned checks of one guardrail are not bounded")
	res, err := a.Turn(context.Background(), Turn{ConversationID: "c1", Message: "crafted"})
	require.NoError(t, err)
	assert.Equal(t, "guardrail_busy", res.Record.Interaction.Guardrails[0].Reason)
}
