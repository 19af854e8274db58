package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func TestChatDisclosesInteractionAndMarksGeneratedText(t *testing.T) {
	logs := oteltest.NewLogs(t)
	a, err := newAssistant(context.Background(), aims.WithLoggerProvider(logs.Provider))
	require.NoError(t, err)
	defer a.Close(context.Background())
	srv := httptest.NewServer(a.routes())
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/v1/chat", "application/json", strings.NewReader(`{"conversation_id":"c1","message":"When do you open?"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Art. 50(1): the header says this is an interaction with an AI system.
	hd, err := aims.ParseDisclosureHeader(resp.Header.Get(aims.DisclosureHeader))
	require.NoError(t, err)
	assert.Equal(t, aims.DisclosureInteraction, hd.Kind)
	assert.Equal(t, modelName, hd.Model)

	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	reply := body["reply"].(string)
	assert.True(t, strings.HasPrefix(reply, "Our branches are open"))
	// Art. 50(2): the generated text is marked, machine-readably.
	mark, ok := aims.TextMark(reply)
	require.True(t, ok, "reply is not marked: %q", reply)
	assert.Equal(t, aims.DisclosureGeneratedContent, mark.Kind)
	assert.Equal(t, "generated-content", body[aims.JSONKey].(map[string]any)["kind"])

	kinds := map[string]int{}
	for _, ev := range logs.Events(semconv.EventDisclosure) {
		kinds[oteltest.Attrs(ev)[string(semconv.AimsDisclosureChannel)].AsString()]++
	}
	assert.Equal(t, map[string]int{aims.ChannelHTTPHeader: 1, aims.ChannelJSONBody: 1, aims.ChannelTextMarker: 1}, kinds)

	resp2, err := http.Post(srv.URL+"/v1/chat", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp2.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp2.StatusCode)
}
