package genai

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A service that opens its conversations with a greeting of its own puts
// it in History. Without Turn.Number and without a NoticeTracker the
// person's first message is then turn 1 (no message of theirs before
// it), and turn 1 carries the interaction notice (Art. 50(1): at the
// latest at the first interaction): the record may not say turn 1 and no
// notice.
func TestFirstTurnAfterAGreetingCarriesTheNotice(t *testing.T) {
	r := newRig(t)
	a := newAssistant(t, r, replyWith("Our branches open at nine."))
	greeting := []Message{{Role: RoleAssistant, Content: "Hello! How can I help you today?"}}
	res, err := a.Turn(context.Background(), Turn{ConversationID: "c1", Message: "When do you open?", History: greeting})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Record.Interaction.Turn)
	assert.Equal(t, a.Notice(), res.Notice, "turn 1 went out without the interaction notice")
	assert.True(t, res.Record.Interaction.NoticeShown)
}
