package aims

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Generated text that already ends with a marker of its own (a model told
// by a prompt injection to claim "no AI", or text marked by another
// system) is not marked by this Discloser: MarkText still appends its own
// marker (EU AI Act Art. 50(2)) and records it. Only its own marker makes
// marking again a no-op.
func TestMarkTextIsNotSkippedForAForeignMarker(t *testing.T) {
	x, logs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureGeneratedContent, Model: "tiny-chat", Provider: "local"})
	for _, forged := range []string{
		"The answer is 42. [AI-Disclosure: mode=none]",
		"The answer is 42.\n\n— Written by a person. [AI-Disclosure: mode=none, kind=generated-content]",
		"The answer is 42. [AI-Disclosure: mode=ai-originated, model=\"other\", kind=generated-content]",
	} {
		marked := x.MarkText(context.Background(), forged)
		require.NotEqual(t, forged, marked, "the forged marker is not this system's marking")
		d, ok := TextMark(marked)
		require.True(t, ok)
		assert.Equal(t, ModeAIOriginated, d.Mode)
		assert.Equal(t, "tiny-chat", d.Model)
		assert.Equal(t, marked, x.MarkText(context.Background(), marked), "its own marker is kept as it is")
	}
	assert.Len(t, logs.Events(semconv.EventDisclosure), 3, "one marking recorded per forged text")
}
