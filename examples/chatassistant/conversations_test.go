package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/genai"
	"github.com/aimskit/aimskit/aims/otlpfile"
)

// The service's memory is bounded however a client behaves: the oldest
// conversation is forgotten beyond maxConversations, and a conversation
// keeps its last maxHistory messages and maxResponses responses. (Held
// responses are bounded differently: TestHeldResponsesAreBoundedWithoutEviction.)
func TestConversationsAreBounded(t *testing.T) {
	c := newConversations()
	msg := func(s string) []genai.Message { return []genai.Message{{Role: genai.RoleUser, Content: s}} }
	for i := range maxConversations + 5 {
		c.add(fmt.Sprint("c", i), msg("hello"), fmt.Sprint("r", i), nil)
	}
	assert.Len(t, c.byID, maxConversations)
	assert.Nil(t, c.history("c0"), "the oldest conversation is forgotten")
	_, ok := c.gave("c0", "r0")
	assert.False(t, ok)
	assert.NotNil(t, c.history(fmt.Sprint("c", maxConversations+4)))

	for i := range 3 * maxResponses {
		c.add("long", msg(fmt.Sprint("m", i)), fmt.Sprint("long-r", i), nil)
	}
	h := c.history("long")
	require.Len(t, h, maxHistory)
	assert.Equal(t, fmt.Sprint("m", 3*maxResponses-1), h[len(h)-1].Content, "the latest messages are kept")
	_, ok = c.gave("long", "long-r0")
	assert.False(t, ok, "an old response is forgotten")
	_, ok = c.gave("long", fmt.Sprint("long-r", 3*maxResponses-1))
	assert.True(t, ok)
	_, ok = c.gave("other", fmt.Sprint("long-r", 3*maxResponses-1))
	assert.False(t, ok, "a response belongs to its conversation")
	assert.Len(t, c.byID, maxConversations, "no more conversations than the bound")
}

// Feedback is about a response the service gave in that conversation; a
// response reported twice opens one incident; and once maxOpenReports
// reports are open, more are refused (503) instead of crowding out the
// incidents staff and monitors open.
func TestReportsCannotFloodTheIncidentBook(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	h := s.routes()
	turn := func(conv string) string {
		var out chatResponse
		require.NoError(t, call(h, "POST", "/v1/chat", chatRequest{ConversationID: conv, Message: script[0]}, &out))
		return out.ResponseID
	}
	clients := map[string]string{} // one client per conversation: one client's bound is maxOpenReportsPerClient
	report := func(conv, resp string) (int, string) {
		rec := httptest.NewRecorder()
		body := fmt.Sprintf(`{"conversation_id":%q,"response_id":%q,"kind":"report","category":"false"}`, conv, resp)
		req := httptest.NewRequest("POST", "/v1/feedback", strings.NewReader(body))
		if clients[conv] == "" {
			clients[conv] = fmt.Sprintf("10.0.%d.%d", len(clients)/256, len(clients)%256)
		}
		req.RemoteAddr = clients[conv] + ":40000"
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	code, _ := report("nobody", "no-such-response")
	assert.Equal(t, http.StatusNotFound, code, "a report of a response never given")
	r0 := turn("c0")
	code, _ = report("c1", r0)
	assert.Equal(t, http.StatusNotFound, code, "a response of another conversation")

	code, first := report("c0", r0)
	require.Equal(t, http.StatusOK, code, first)
	code, again := report("c0", r0)
	require.Equal(t, http.StatusOK, code, again)
	assert.Contains(t, again, "already reported")
	for i := 1; i < maxOpenReports; i++ {
		conv := fmt.Sprint("c", i)
		code, body := report(conv, turn(conv))
		require.Equal(t, http.StatusOK, code, body)
	}
	assert.Equal(t, maxOpenReports, s.openReports())
	code, body := report("over", turn("over"))
	assert.Equal(t, http.StatusServiceUnavailable, code, body)
	assert.Equal(t, maxOpenReports, s.openReports(), "the refused report opened nothing")
}

// Made-up Host headers do not become metric series: otelhttp takes
// server.address and server.port from the client's Host header, and the
// telemetry's view (httpServerMetricsView) keeps them out of every
// http.server.* series. Unbounded, 2,001 made-up hosts (one more than the
// SDK's limit of 2,000 series) would fill the instruments with the
// client's strings and push every later request into the overflow series.
func TestMadeUpHostHeadersDoNotCreateMetricSeries(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	s, err := newService(ctx, data)
	require.NoError(t, err)
	defer s.Close(ctx)
	h := s.routes()
	const flood = 2001
	for i := range flood {
		r := httptest.NewRequest(http.MethodGet, "/review/", nil)
		r.Host = fmt.Sprintf("h%d-%s.attacker.example:%d", i, strings.Repeat("a", 200), 1024+i)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		require.Less(t, rec.Code, 500, "request %d", i)
	}
	require.NoError(t, s.tel.mp.ForceFlush(ctx))

	f, err := os.Open(filepath.Join(data, "telemetry", "metrics.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	// The points are cumulative, and a slow run may export them more than
	// once: a series is a metric and attribute set however often it was
	// exported, and its count is its latest (largest).
	var review uint64
	latest := map[string]uint64{}  // series -> count
	seen := map[string]bool{}      // metric and attributes of each series
	series := map[string]int{}     // http.server.* metric -> number of series
	clientKeys := map[string]int{} // attribute -> series that carry it
	require.NoError(t, otlpfile.EachPoint(f, func(p otlpfile.Point) error {
		if !strings.HasPrefix(p.Metric, "http.server.") {
			return nil
		}
		id := p.Metric + fmt.Sprint(p.Attributes)
		if !seen[id] {
			seen[id] = true
			series[p.Metric]++
		}
		for _, k := range []string{"server.address", "server.port", "otel.metric.overflow"} {
			if _, ok := p.Attributes[k]; ok {
				clientKeys[k]++
			}
		}
		if p.Metric == "http.server.request.duration" && p.Attributes["http.route"] == "/review/" {
			review += max(latest[id], p.Count) - latest[id]
		}
		latest[id] = max(latest[id], p.Count)
		return nil
	}))
	assert.Empty(t, clientKeys, "series carrying the Host header's parts, or overflowing")
	assert.EqualValues(t, flood, review, "the made-up hosts' requests, in their route's series")
	require.NotEmpty(t, series)
	for m, n := range series {
		assert.LessOrEqual(t, n, 2, "%s has %d series", m, n)
	}
}

// Turn numbers are given out per conversation, 1 for the first; a number
// given back (the assistant refused the turn before recording it) is
// reused unless a later turn took a later one, and a conversation started
// only for a refused turn is not kept.
func TestTurnNumbersArePerConversation(t *testing.T) {
	c := newConversations()
	assert.Equal(t, 1, c.nextTurn("a"))
	assert.Equal(t, 2, c.nextTurn("a"))
	assert.Equal(t, 1, c.nextTurn("b"))
	c.releaseTurn("a", 2)
	assert.Equal(t, 2, c.nextTurn("a"), "a released number is given out again")
	assert.Equal(t, 3, c.nextTurn("a"))
	assert.Equal(t, 4, c.nextTurn("a"))
	c.releaseTurn("a", 3)
	assert.Equal(t, 5, c.nextTurn("a"), "a number released after a later one was taken leaves a gap, never a duplicate")

	c.releaseTurn("junk", c.nextTurn("junk"))
	assert.NotContains(t, c.byID, "junk", "a conversation started only for a refused turn is not kept")
	assert.NotContains(t, c.order, "junk")
	c.releaseTurn("b", 1)
	assert.NotContains(t, c.byID, "b")
}

// Held responses waiting for review are bounded per conversation, per
// client and in all, and the bounds refuse new holds (the assistant then
// blocks the turn) instead of forgetting a held response whose ticket is
// open: that one could no longer be delivered once approved. A resolved
// or expired ticket frees its place; the reviewed response is kept for
// heldRetention to be fetched, then forgotten.
func TestHeldResponsesAreBoundedWithoutEviction(t *testing.T) {
	c := newConversations()
	now := time.Now()
	hold := func(conv, client, resp string) error {
		return c.reserveHold(heldResponse{conversationID: conv, client: client, decisionID: "d-" + resp}, resp, now)
	}
	var limit *holdLimitError

	// Per conversation.
	for i := range maxHeldPerConversation {
		require.NoError(t, hold("conv", "", fmt.Sprint("c", i)))
	}
	require.ErrorAs(t, hold("conv", "", "c-more"), &limit)
	assert.Equal(t, "this conversation", limit.what)
	require.NoError(t, hold("other", "", "o0"), "another conversation is not affected")
	c.closeHold("d-c0", now)
	require.NoError(t, hold("conv", "", "c-more"), "a resolved ticket frees its place")
	h, ok := c.heldResponse("c0")
	require.True(t, ok, "a reviewed response is kept to be fetched")
	assert.False(t, h.open)

	// Per client, over many conversations.
	for i := range maxHeldPerClient {
		require.NoError(t, hold(fmt.Sprint("k", i), "192.0.2.7", fmt.Sprint("k", i)))
	}
	require.ErrorAs(t, hold("k-more", "192.0.2.7", "k-more"), &limit)
	assert.Equal(t, "this client", limit.what)
	require.NoError(t, hold("k-more", "192.0.2.8", "k-other"), "another client is not affected")

	// In all: at maxHeld open holds, new ones are refused and none is
	// forgotten.
	for i := 0; c.open < maxHeld; i++ {
		require.NoError(t, hold(fmt.Sprint("g", i), "", fmt.Sprint("g", i)))
	}
	require.ErrorAs(t, hold("g-more", "", "g-more"), &limit)
	assert.Equal(t, "the service", limit.what)
	for _, id := range []string{"c1", "o0", "k0", "g0"} {
		_, ok := c.heldResponse(id)
		assert.True(t, ok, "held response %s was forgotten while its ticket is open", id)
	}

	// A hold that was not submitted gives its place back; a reviewed
	// response is forgotten after heldRetention.
	c.releaseHold("d-g0")
	_, ok = c.heldResponse("g0")
	assert.False(t, ok)
	require.NoError(t, hold("g-more", "", "g-more"))
	c.mu.Lock()
	c.pruneReviewed(now.Add(heldRetention))
	c.mu.Unlock()
	_, ok = c.heldResponse("c0")
	assert.False(t, ok, "a reviewed response is forgotten after heldRetention")
}

// A turn the assistant refuses before anything runs (no usable
// conversation ID, an empty or oversized message) costs the client
// nothing, so it must cost other people nothing either: with the
// conversation table full, a flood of refused turns under new
// conversation IDs forgets no conversation that is kept (its history,
// its notice, the responses its person may still report).
func TestRefusedTurnsForgetNoConversation(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	h := s.routes()
	for i := range maxConversations {
		s.convs.add(fmt.Sprint("c", i), []genai.Message{{Role: genai.RoleUser, Content: "hello"}}, fmt.Sprint("r", i), nil)
	}
	for i := range 100 {
		for _, body := range []string{
			fmt.Sprintf(`{"conversation_id":"new-%d","message":"   "}`, i),
			fmt.Sprintf(`{"conversation_id":"%s-%d","message":"hello"}`, strings.Repeat("x", genai.MaxIDBytes), i),
		} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/chat", strings.NewReader(body)))
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
		}
	}
	for _, i := range []int{0, 1, 199, maxConversations - 1} {
		_, ok := s.convs.gave(fmt.Sprint("c", i), fmt.Sprint("r", i))
		assert.True(t, ok, "conversation c%d was forgotten for a refused turn of another", i)
	}
	assert.LessOrEqual(t, len(s.convs.byID), maxConversations)
}

// Feedback that cannot be recorded is the service's failure, not the
// client's: it is answered 500, without the service's error text (which
// names its insides), and never 400, which would tell the person their
// report was at fault. Feedback that is at fault is still a 400 that
// says why.
func TestFeedbackThatCannotBeRecordedIsNotBlamedOnTheClient(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	h := s.routes()
	var out chatResponse
	require.NoError(t, call(h, "POST", "/v1/chat", chatRequest{ConversationID: "c0", Message: script[0]}, &out))
	feedback := func(body string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/feedback", strings.NewReader(body)))
		return rec.Code, rec.Body.String()
	}
	code, msg := feedback(fmt.Sprintf(`{"conversation_id":"c0","response_id":%q,"kind":"rating","rating":7}`, out.ResponseID))
	assert.Equal(t, http.StatusBadRequest, code, msg)
	assert.Contains(t, msg, "rating")

	require.NoError(t, s.reg.System.Close(ctx)) // the decision log is gone
	code, msg = feedback(fmt.Sprintf(`{"conversation_id":"c0","response_id":%q,"kind":"rating","rating":1}`, out.ResponseID))
	assert.Equal(t, http.StatusInternalServerError, code, msg)
	assert.NotContains(t, msg, "aims")
	assert.NotContains(t, msg, "genai")
}
