package genai

import (
	"context"
	"testing"
)

// TestDenyListTermThatCanNeverMatch: a deny-list term with no letters or
// digits ("🖕", "***") or an empty list reads as nothing once normalised,
// so the guardrail passed every text, the offending one included, and
// nothing told the operator that the list checks nothing. Such a list must
// be refused when the rule is configured, and its check must not pass.
func TestDenyListTermThatCanNeverMatch(t *testing.T) {
	for name, g := range map[string]Guardrail{
		"emoji":       DenyList("toxicity", "🖕"),
		"punctuation": DenyList("toxicity", "idiot", "***"),
		"no terms":    DenyList("toxicity"),
		"empty extra": PromptInjection(""),
	} {
		r := guardrailRule{g: g, stage: StageInput, onFail: ActionBlock}
		if err := r.validate(); err == nil {
			t.Errorf("%s: the rule was accepted", name)
		}
		f, err := g.Check(context.Background(), CheckInput{Text: "you 🖕 ***"})
		if err == nil && f.Passed {
			t.Errorf("%s: the check passed", name)
		}
	}
	// A valid list still works.
	r := guardrailRule{g: DenyList("toxicity", "idiot"), stage: StageInput, onFail: ActionBlock}
	if err := r.validate(); err != nil {
		t.Fatal(err)
	}
}
