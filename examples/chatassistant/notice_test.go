package main

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/genai"
)

// gatedModel answers like tinyModel, except that a message containing
// "first" tells entered it arrived, waits for release and then fails.
type gatedModel struct{ entered, release chan struct{} }

func (m gatedModel) Generate(ctx context.Context, req genai.Request) (genai.Response, error) {
	if strings.Contains(req.Messages[len(req.Messages)-1].Content, "first") {
		close(m.entered)
		<-m.release
		return genai.Response{}, errors.New("model unavailable")
	}
	return tinyModel{}.Generate(ctx, req)
}

// Two first messages of one conversation run at once: the one numbered
// turn 1 reaches the model, then the other (turn 2) is answered, then
// turn 1 fails. The person's first AI answer is turn 2's: it must carry
// the interaction notice (EU AI Act Art. 50(1)), and only it; the failed
// turn carries none, and the records say which turn showed it.
func TestConcurrentFirstTurnsTheDeliveredAnswerCarriesTheNotice(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	m := gatedModel{entered: make(chan struct{}), release: make(chan struct{})}
	client, err := genai.NewClient(m, providerName)
	require.NoError(t, err)
	s.asst, err = genai.New(s.reg.System, client, modelName, systemPrompt, s.assistantOptions()...)
	require.NoError(t, err)
	srv := httptest.NewServer(s.routes())
	defer srv.Close()

	firstDone := make(chan chatResponse)
	go func() { firstDone <- postChat(t, srv, "c", "my first question: opening hours?") }()
	<-m.entered
	second := postChat(t, srv, "c", "What are your opening hours?")
	close(m.release)
	first := <-firstDone

	assert.Equal(t, string(genai.OutcomeFailed), first.Status)
	assert.Equal(t, string(genai.OutcomeDelivered), second.Status)
	assert.Equal(t, s.asst.Notice(), second.Notice, "the first answer the person got carries no notice")
	assert.Empty(t, first.Notice, "the failed turn claims the notice as well")
	third := postChat(t, srv, "c", "And the fees?")
	assert.Empty(t, third.Notice, "the notice is given once per conversation")
}

// The conversations' notice claims: a released claim passes the notice
// to the next turn, a confirmed one ends it, and a conversation forgotten
// beyond maxConversations while a turn waits for its claim does not leave
// that turn waiting (its person sees the notice again).
func TestConversationsNoticeClaims(t *testing.T) {
	ctx := context.Background()
	c := newConversations()
	ok, err := c.ClaimNotice(ctx, "a")
	require.NoError(t, err)
	require.True(t, ok)
	c.ReleaseNotice("a")
	ok, _ = c.ClaimNotice(ctx, "a")
	require.True(t, ok, "a released claim is claimed again")
	c.ConfirmNotice("a")
	ok, _ = c.ClaimNotice(ctx, "a")
	assert.False(t, ok, "the notice is given once")

	ok, _ = c.ClaimNotice(ctx, "b")
	require.True(t, ok)
	waiter := make(chan bool)
	go func() {
		ok, err := c.ClaimNotice(ctx, "b")
		assert.NoError(t, err)
		waiter <- ok
	}()
	c.mu.Lock()
	for i := range maxConversations {
		c.conversation(fmt.Sprint("other-", i))
	}
	c.trim("")
	c.mu.Unlock()
	assert.True(t, <-waiter, "the forgotten conversation's notice is given again")
}
