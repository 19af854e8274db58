package genai

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A held response is submitted as a decision that the gate records in the
// ledger and the decision log: with WithDigestKey, the digest it carries
// must be keyed like every other digest of the person's conversation, or a
// reader of the records confirms a guessed short response with plain
// SHA-256.
func TestHeldResponseDigestIsKeyed(t *testing.T) {
	r := newRig(t)
	key := []byte("0123456789abcdef")
	const response = "4111111111111111 idiot"
	h := &fakeHolder{}
	a := newAssistant(t, r, replyWith(response), WithDigestKey(key),
		WithGuardrail(DenyList("toxicity", "idiot"), StageOutput, ActionHold), WithHolder(h))
	res, err := a.Turn(context.Background(), Turn{ConversationID: "c1", Message: "hi"})
	require.NoError(t, err)
	require.Equal(t, OutcomeHeld, res.Outcome)
	require.Len(t, h.held, 1)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(response))
	want := "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
	got := h.held[0].Attributes["genai.response.digest"]
	assert.NotEqual(t, Digest(response), got, "the held decision carries the unkeyed digest of the response")
	assert.Equal(t, want, got)
	assert.Equal(t, want, res.Record.Interaction.Response.Digest, "the held decision and the interaction record name the response by the same digest")
}
