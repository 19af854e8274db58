package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One client that reports answer after answer (each of a conversation of
// its own) cannot use up the service's bound on open problem reports:
// another person's report of a harmful answer still opens an incident.
func TestOneClientCannotCrowdOutOtherPeoplesReports(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	h := s.routes()
	as := func(client string, req *http.Request) *httptest.ResponseRecorder {
		req.RemoteAddr = client + ":40000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	turn := func(conv, client string) string {
		body := fmt.Sprintf(`{"conversation_id":%q,"message":%q}`, conv, script[0])
		rec := as(client, httptest.NewRequest("POST", "/v1/chat", strings.NewReader(body)))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var out chatResponse
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
		return out.ResponseID
	}
	report := func(conv, resp, client string) *httptest.ResponseRecorder {
		body := fmt.Sprintf(`{"conversation_id":%q,"response_id":%q,"kind":"report","category":"harmful"}`, conv, resp)
		return as(client, httptest.NewRequest("POST", "/v1/feedback", strings.NewReader(body)))
	}
	const attacker, victim = "198.51.100.9", "192.0.2.1"
	for i := range maxOpenReports + 1 {
		conv := fmt.Sprint("attacker-", i)
		report(conv, turn(conv, attacker), attacker)
	}
	rec := report("victim", turn("victim", victim), victim)
	require.Equal(t, http.StatusOK, rec.Code, "the victim's report was refused: %s", rec.Body.String())
	var out map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	assert.NotEmpty(t, out["incident_id"], "the report of a harmful answer opened no incident")
}
