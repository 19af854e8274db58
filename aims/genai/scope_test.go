package genai

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/semconv"
)

// TestRecordsComeUnderThePackagesScope: the interaction, feedback and
// evaluation records are written by aims' decision log, but they are this
// package's records, so their log records come under this package's
// instrumentation scope, like its spans, metrics and guardrail events (a
// Collector routing on the scope finds all GenAI evidence together), with
// the module version and the conventions' schema URL.
func TestRecordsComeUnderThePackagesScope(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	a := newAssistant(t, r, replyWith("Our branches open at nine."))
	ans, err := a.Turn(ctx, Turn{ConversationID: "c1", Number: 1, Message: "when do you open"})
	require.NoError(t, err)
	_, err = a.Feedback(ctx, FeedbackInput{ConversationID: "c1", ResponseID: ans.ResponseID, Kind: FeedbackRating, Rating: 1})
	require.NoError(t, err)
	score := 0.9
	_, err = a.Evaluate(ctx, "c1", Evaluation{ResponseID: ans.ResponseID, Name: "relevance", Score: &score})
	require.NoError(t, err)
	for _, name := range []string{semconv.EventGenAIInteraction, semconv.EventGenAIFeedback, semconv.EventGenAIEvaluationResult} {
		recs := r.logs.Events(name)
		require.NotEmpty(t, recs, name)
		for _, rec := range recs {
			require.Equal(t, semconv.ScopeGenAI, rec.InstrumentationScope().Name, "scope of %s", name)
			require.NotEmpty(t, rec.InstrumentationScope().Version, "scope version of %s", name)
		}
	}
}
