package genai

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
)

// recordingHolder records the held decision in the system's decision log,
// as an oversight gate does on Submit, and opens a ticket.
type recordingHolder struct {
	sys *aims.System
	fakeHolder
}

func (h *recordingHolder) Hold(ctx context.Context, d aims.Decision) (string, error) {
	if err := h.sys.Record(ctx, d); err != nil {
		return "", err
	}
	return h.fakeHolder.Hold(ctx, d)
}

// reviewHolder is a recordingHolder that also takes the held text for its
// reviewers (ReviewTextHolder).
type reviewHolder struct {
	recordingHolder
	texts []string
}

func (h *reviewHolder) HoldForReview(ctx context.Context, d aims.Decision, text string) (string, error) {
	h.texts = append(h.texts, text)
	return h.Hold(ctx, d)
}

// heldSecret is a held answer whose words are conversation content that
// the default content policy keeps out of the records.
const heldSecret = "Your overdraft of 4,200 euros will be cancelled, you idiot."

// telemetryText is everything the log records carry: bodies and
// attribute values.
func telemetryText(r *rig) string {
	var b strings.Builder
	for _, rec := range r.logs.Records() {
		b.WriteString(rec.Body().String())
		rec.WalkAttributes(func(kv attribute.KeyValue) bool {
			b.WriteString(kv.Value.String())
			return true
		})
	}
	return b.String()
}

// ledgerText is every line of the ledger.
func ledgerText(t *testing.T, r *rig) string {
	t.Helper()
	require.NoError(t, r.sys.Close(context.Background()))
	var b strings.Builder
	require.NoError(t, ledger.Scan(r.dir, func(sr ledger.ScannedRecord) error {
		b.Write(sr.Record)
		return nil
	}))
	return b.String()
}

// Under the default content policy (CaptureDigests: "keeps none of the
// text"), a held answer's text must not reach the ledger or the
// OpenTelemetry log records through the decision it is held as: the
// gate records that decision.
func TestHeldTextStaysOutOfRecordsUnderDigestsOnly(t *testing.T) {
	r := newRig(t)
	h := &recordingHolder{sys: r.sys}
	a := newAssistant(t, r, replyWith(heldSecret),
		WithGuardrail(DenyList("toxicity", "idiot"), StageOutput, ActionHold), WithHolder(h))
	res, err := a.Turn(context.Background(), Turn{ConversationID: "c1", Message: "what about my overdraft?"})
	require.NoError(t, err)
	require.Equal(t, OutcomeHeld, res.Outcome)
	assert.Equal(t, heldSecret, res.Held, "the service keeps the held text to deliver")
	assert.NotContains(t, telemetryText(r), "4,200 euros", "the held answer's text is in the telemetry under digests only")
	assert.NotContains(t, ledgerText(t, r), "4,200 euros", "the held answer's text is in the ledger under digests only")
}

// A ReviewTextHolder gets the held text for its reviewers, beside the
// decision, and the records still keep none of it under CaptureDigests.
// Under CaptureRedacted the decision carries the redacted text, as the
// records may.
func TestHeldTextReachesReviewers(t *testing.T) {
	for _, policy := range []ContentPolicy{CaptureDigests, CaptureRedacted} {
		r := newRig(t)
		h := &reviewHolder{recordingHolder: recordingHolder{sys: r.sys}}
		a := newAssistant(t, r, replyWith(heldSecret+" Call +49 30 1234567."), WithContentPolicy(policy),
			WithGuardrail(DenyList("toxicity", "idiot"), StageOutput, ActionHold), WithHolder(h))
		res, err := a.Turn(context.Background(), Turn{ConversationID: "c1", Message: "what about my overdraft?"})
		require.NoError(t, err)
		require.Equal(t, OutcomeHeld, res.Outcome)
		require.Equal(t, []string{res.Held}, h.texts, "the reviewers get the text that approval delivers")
		require.Len(t, h.held, 1)
		red, ok := h.held[0].Attributes[HoldAttrRedacted]
		if policy == CaptureDigests {
			assert.False(t, ok, "the recorded decision carries the held text under digests only")
			assert.NotContains(t, ledgerText(t, r), "4,200 euros")
			continue
		}
		assert.Equal(t, heldSecret+" Call [PHONE].", red)
		assert.Contains(t, ledgerText(t, r), "4,200 euros", "CaptureRedacted keeps the redacted text")
	}
}
