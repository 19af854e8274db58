package genai

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memNotices is a NoticeTracker in memory. onWait, when set, is told
// that a claimer waits for another's claim; afterClaim runs after a
// claim is granted, before ClaimNotice returns.
type memNotices struct {
	mu         sync.Mutex
	given      map[string]bool
	claims     map[string]chan struct{}
	onWait     chan string
	afterClaim func(conv string)
}

func newMemNotices() *memNotices {
	return &memNotices{given: map[string]bool{}, claims: map[string]chan struct{}{}}
}

func (m *memNotices) ClaimNotice(ctx context.Context, conv string) (bool, error) {
	for {
		m.mu.Lock()
		if m.given[conv] {
			m.mu.Unlock()
			return false, nil
		}
		ch := m.claims[conv]
		if ch == nil {
			m.claims[conv] = make(chan struct{})
			m.mu.Unlock()
			if m.afterClaim != nil {
				m.afterClaim(conv)
			}
			return true, nil
		}
		m.mu.Unlock()
		if m.onWait != nil {
			m.onWait <- conv
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

func (m *memNotices) end(conv string, given bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ch := m.claims[conv]; ch != nil {
		close(ch)
		delete(m.claims, conv)
	}
	if given {
		m.given[conv] = true
	}
}

func (m *memNotices) ConfirmNotice(conv string) { m.end(conv, true) }
func (m *memNotices) ReleaseNotice(conv string) { m.end(conv, false) }

// Two first turns of one conversation run at once, numbered 1 and 2 by
// the service. Turn 1 reaches the model; turn 2 is answered meanwhile;
// then turn 1's model call fails. The person's first answer, turn 2's,
// carries the notice; the failed turn 1 does not; exactly one result and
// one record say it was shown.
func TestNoticeGoesWithTheFirstDeliveredAnswerOfConcurrentTurns(t *testing.T) {
	r := newRig(t)
	entered, release := make(chan struct{}), make(chan struct{})
	m := &echoModel{reply: func(req Request) (Response, error) {
		if strings.Contains(req.Messages[len(req.Messages)-1].Content, "first") {
			close(entered)
			<-release
			return Response{}, errors.New("model unavailable")
		}
		return Response{Text: "We open at nine."}, nil
	}}
	a := newAssistant(t, r, m, WithNoticeTracker(newMemNotices()))
	ctx := context.Background()

	type out struct {
		res TurnResult
		err error
	}
	firstDone := make(chan out)
	go func() {
		res, err := a.Turn(ctx, Turn{ConversationID: "c", Number: 1, Message: "my first question"})
		firstDone <- out{res, err}
	}()
	<-entered
	second, err := a.Turn(ctx, Turn{ConversationID: "c", Number: 2, Message: "When do you open?"})
	require.NoError(t, err)
	close(release)
	first := <-firstDone
	require.Error(t, first.err)
	assert.Equal(t, OutcomeFailed, first.res.Outcome)

	assert.Equal(t, DefaultNotice, second.Notice, "the first answer the person gets carries the notice")
	assert.Empty(t, first.res.Notice, "a failed turn does not carry it")
	third, err := a.Turn(ctx, Turn{ConversationID: "c", Number: 3, Message: "And on Saturday?"})
	require.NoError(t, err)
	assert.Empty(t, third.Notice, "once per conversation")

	shown := map[int]bool{}
	for _, rec := range r.records(t) {
		shown[rec.Interaction.Turn] = rec.Interaction.NoticeShown
	}
	assert.Equal(t, map[int]bool{1: false, 2: true, 3: false}, shown)
}

// A turn that claimed the notice and then fails to go out (its record
// cannot be written) gives the claim back: a turn of the same
// conversation waiting for that claim meanwhile gets the notice instead,
// exactly once.
func TestNoticeOfATurnThatFailsIsGivenAgainOnTheNextAnswer(t *testing.T) {
	r := newRig(t)
	// Turn 1's answer makes its record too large for the ledger.
	huge := strings.Repeat("x", 17<<20)
	m := &echoModel{reply: func(req Request) (Response, error) {
		if strings.Contains(req.Messages[len(req.Messages)-1].Content, "first") {
			return Response{Text: "Hello.", FinishReasons: []string{huge}}, nil
		}
		return Response{Text: "We open at nine."}, nil
	}}
	tr := newMemNotices()
	tr.onWait = make(chan string)
	claimed, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	tr.afterClaim = func(string) {
		once.Do(func() { close(claimed); <-proceed })
	}
	a := newAssistant(t, r, m, WithNoticeTracker(tr))
	ctx := context.Background()

	firstErr := make(chan error)
	go func() {
		res, err := a.Turn(ctx, Turn{ConversationID: "c", Number: 1, Message: "my first question"})
		assert.Empty(t, res.Notice)
		firstErr <- err
	}()
	<-claimed // turn 1 holds the claim
	secondDone := make(chan TurnResult)
	go func() {
		res, err := a.Turn(ctx, Turn{ConversationID: "c", Number: 2, Message: "When do you open?"})
		assert.NoError(t, err)
		secondDone <- res
	}()
	assert.Equal(t, "c", <-tr.onWait, "turn 2 waits for turn 1's claim")
	close(proceed)
	require.Error(t, <-firstErr, "turn 1's record cannot be written")
	second := <-secondDone
	assert.Equal(t, DefaultNotice, second.Notice, "the notice of the failed turn goes with the next answer")
	assert.True(t, second.Record.Interaction.NoticeShown)
	third, err := a.Turn(ctx, Turn{ConversationID: "c", Number: 3, Message: "And on Saturday?"})
	require.NoError(t, err)
	assert.Empty(t, third.Notice)
	assert.False(t, third.Record.Interaction.NoticeShown)
}
