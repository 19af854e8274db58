package main

import (
	"context"
	"strings"

	"github.com/aimskit/aimskit/aims/genai"
)

const (
	modelName    = "tiny-faq-1"
	providerName = "example.local"
	systemPrompt = "You are the bank's support assistant. Answer from the FAQ passages only; offer a member of staff when unsure."
)

// faqEntry is one passage of the FAQ the tiny model retrieves from, and
// the answer it gives. Some answers misbehave on purpose, so that every
// guardrail has something to catch: a contact line with personal data, an
// answer that is not in its passage, an insult.
type faqEntry struct {
	keywords []string
	passage  string
	answer   string
}

var faq = []faqEntry{
	{[]string{"hour", "open", "close"}, "Branches are open Monday to Friday, 9:00 to 17:00.",
		"Our branches are open Monday to Friday, 9:00 to 17:00."},
	{[]string{"fee", "cost", "charge", "transfer"}, "Account management is free. Transfers abroad cost EUR 2.",
		"Account management is free; transfers abroad cost EUR 2."},
	{[]string{"complain", "contact"}, "Write to our complaints team or call them.",
		"Write to our complaints team at complaints.team@bank.example or call +44 20 7946 0958."},
	{[]string{"interest", "rate"}, "Loan interest depends on the amount, the term and a credit check.",
		"Every loan costs 0.5% interest, guaranteed, whatever your history."},
	{[]string{"useless", "insult"}, "Staff are available on request.",
		"Only an idiot would ask that."},
}

// tinyModel is a deterministic stand-in for a hosted LLM: it picks the FAQ
// entry sharing the most keywords with the last message, and counts
// tokens as words. No network.
type tinyModel struct{}

// retrieve returns the FAQ entry for message, or nil.
func retrieve(message string) *faqEntry {
	words := strings.Fields(strings.ToLower(message))
	var best *faqEntry
	bestScore := 0
	for i := range faq {
		score := 0
		for _, w := range words {
			for _, k := range faq[i].keywords {
				if strings.HasPrefix(strings.Trim(w, "?!.,"), k) {
					score++
				}
			}
		}
		if score > bestScore {
			best, bestScore = &faq[i], score
		}
	}
	return best
}

func (tinyModel) Generate(_ context.Context, req genai.Request) (genai.Response, error) {
	last := req.Messages[len(req.Messages)-1].Content
	text := "I am not sure I understood \"" + last + "\". Would you like to talk to a member of staff?"
	if e := retrieve(last); e != nil {
		text = e.answer
	}
	in := len(strings.Fields(req.SystemPrompt))
	for _, m := range req.Messages {
		in += len(strings.Fields(m.Content))
	}
	return genai.Response{Model: modelName, Text: text, FinishReasons: []string{"stop"},
		Usage: &genai.Usage{InputTokens: in, OutputTokens: len(strings.Fields(text))}}, nil
}
