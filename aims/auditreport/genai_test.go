package auditreport

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/genai"
)

func TestGenAISectionCountsFromTheRecords(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	turn := func(conv string, o genai.Outcome, held string, gr ...genai.GuardrailResult) genai.Record {
		x := &genai.Interaction{Outcome: o, Guardrails: gr, Usage: &genai.Usage{InputTokens: 10, OutputTokens: 4}, NoticeShown: conv == "new"}
		if held != "" {
			x.Review = &genai.Review{TicketID: "t-" + held, DecisionID: held}
		}
		return genai.Record{Type: genai.RecordInteraction, SystemID: "chat", ConversationID: conv, Time: now, Interaction: x}
	}
	fail := genai.GuardrailResult{Name: "groundedness", Stage: genai.StageOutput, Verdict: genai.VerdictFail, Action: genai.ActionHold}
	pass := genai.GuardrailResult{Name: "groundedness", Stage: genai.StageOutput, Verdict: genai.VerdictPass, Action: genai.ActionNone}
	score := func(v float64) *float64 { return &v }
	in := &Input{
		Decisions: []aims.Decision{
			{ID: "f1", Oversight: &aims.OversightOutcome{Action: aims.ActionApprove, RelatedDecisionID: "d1"}},
			// A first vote of two (four-eyes) does not resolve d2.
			{ID: "f2", Oversight: &aims.OversightOutcome{Action: aims.ActionApprove, RelatedDecisionID: "d2"},
				Attributes: map[string]string{partialApprovalsAttr: "1 of 2"}},
			{ID: "f3", Oversight: &aims.OversightOutcome{Action: aims.ActionReject, RelatedDecisionID: "d3"}},
		},
		GenAI: []genai.Record{
			turn("new", genai.OutcomeDelivered, "", pass),
			turn("c2", genai.OutcomeHeld, "d1", fail),
			turn("c2", genai.OutcomeHeld, "d2", fail),
			turn("c3", genai.OutcomeHeld, "d3", fail),
			{Type: genai.RecordFeedback, Feedback: &genai.Feedback{Kind: genai.FeedbackRating, Rating: -1}},
			{Type: genai.RecordFeedback, Feedback: &genai.Feedback{Kind: genai.FeedbackReport, Category: "false", IncidentID: "INC-1"}},
			{Type: genai.RecordEvaluation, Evaluation: &genai.Evaluation{Name: "relevance", Score: score(1), Label: "pass"}},
			{Type: genai.RecordEvaluation, Evaluation: &genai.Evaluation{Name: "relevance", Score: score(0.5), Label: "pass"}},
			{Type: genai.RecordEvaluation, Evaluation: &genai.Evaluation{Name: "relevance", Label: "fail"}},
		},
	}
	s := buildGenAI(in, newView(in))
	require.True(t, s.Available)
	assert.Equal(t, 4, s.Interactions)
	assert.Equal(t, 3, s.Conversations)
	assert.Equal(t, 1, s.Notices)
	assert.Equal(t, []Count{{"delivered", 1}, {"redacted", 0}, {"blocked", 0}, {"held", 3}, {"failed", 0}}, s.Outcomes)
	assert.Equal(t, []GuardrailRow{{Name: "groundedness", Stage: "output", Pass: 1, Fail: 3, Hold: 3}}, s.Guardrails)
	assert.Equal(t, [4]int{3, 1, 1, 1}, [4]int{s.Held, s.Approved, s.Rejected, s.Pending})
	assert.Equal(t, [2]int{0, 1}, [2]int{s.RatingsUp, s.RatingsDown})
	assert.Equal(t, 1, s.Reports)
	assert.Equal(t, []string{"INC-1"}, s.ReportIncidents)
	assert.Equal(t, int64(40), s.InputTokens)
	assert.Equal(t, int64(16), s.OutputTokens)
	require.Len(t, s.Evaluations, 1)
	e := s.Evaluations[0]
	assert.Equal(t, 3, e.N)
	assert.Equal(t, 2, e.Scored)
	assert.InDelta(t, 0.75, *e.Mean, 1e-12, "the unscored evaluation does not count as 0")
	assert.Equal(t, []Count{{"pass", 2}, {"fail", 1}}, e.Labels)

	// Both renderings carry the section, and the records count as ledger
	// evidence for the controls they name.
	for i := range in.GenAI {
		in.GenAI[i].Controls = []string{"A.6.2.8", "A.8.2"}
	}
	rep, err := Build(in)
	require.NoError(t, err)
	seen := 0
	for _, row := range rep.Coverage.Rows {
		switch row.ID {
		case "A.8.2":
			seen++
			assert.Equal(t, 9, row.LedgerRecords, "A.8.2: the nine GenAI records")
		case "A.6.2.8":
			seen++
			assert.Equal(t, 12, row.LedgerRecords, "A.6.2.8: three decisions and nine GenAI records")
		}
	}
	assert.Equal(t, 2, seen)
	var html, md bytes.Buffer
	require.NoError(t, rep.RenderHTML(&html))
	require.NoError(t, rep.RenderMarkdown(&md))
	assert.Contains(t, html.String(), "<h2>13. Generative AI</h2>")
	assert.Contains(t, md.String(), "- **WARNING** Generative AI: 4 turns in 3 conversations (1 delivered, 0 redacted, 0 blocked, 3 held, 0 failed); 3 responses held for review (1 approved, 1 rejected or expired, 1 pending); 0 documented fallbacks; 1 problem report opened 1 incident.")
	assert.Contains(t, html.String(), "<tr><th>Responses held for review</th><td class=\"num\">3 (1 approved, 1 rejected or expired, 1 pending)</td></tr>")
	assert.Contains(t, html.String(), "<td>groundedness</td><td>output</td><td class=\"num\">1</td><td class=\"num\">3</td>")
	assert.Contains(t, md.String(), "| Responses held for review | 3 (1 approved, 1 rejected or expired, 1 pending) |")
	assert.Contains(t, md.String(), "| relevance | 3 | 2 | 0.750 | pass 2, fail 1 |")

	assert.False(t, buildGenAI(&Input{}, newView(nil)).Available)
	assert.Equal(t, "The ledger holds no generative-AI records (aims.genai/v1).", buildGenAI(&Input{Decisions: []aims.Decision{}}, newView(nil)).Note)
}
