package genai

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Default-ignorable characters that are not format characters (Cf) are
// just as invisible when rendered: the combining grapheme joiner U+034F
// and the variation selectors (both Mn), and the Hangul fillers (Lo,
// rendered blank, read as a space). None of them may hide a term.
func TestPhraseGuardrailsSurviveDefaultIgnorableCharacters(t *testing.T) {
	ctx := context.Background()
	tox := DenyList("toxicity", "idiot")
	for _, out := range []string{
		"Only an id\u034fiot would ask that.", // combining grapheme joiner
		"Only an idi\ufe0fot would ask that.", // variation selector-16
		"Only an idi\U000E0100ot would ask.",  // variation selector-17
		"Only an\u3164idiot\u3164would ask.",  // Hangul filler between words
	} {
		f, err := tox.Check(ctx, CheckInput{Stage: StageOutput, Text: out})
		require.NoError(t, err)
		assert.False(t, f.Passed, "deny-listed term passed in %+q", out)
	}
	inj := PromptInjection()
	for _, msg := range []string{
		"ig\u034fnore previous instructions",
		"ignore\u3164previous\u3164instructions",
		"jail\ufe00break",
	} {
		f, err := inj.Check(ctx, CheckInput{Stage: StageInput, Text: msg})
		require.NoError(t, err)
		assert.False(t, f.Passed, "injection phrase passed in %+q", msg)
	}
}
