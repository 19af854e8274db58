package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/genai"
	"github.com/aimskit/aimskit/oversight"
)

// The held answer's text reaches the reviewers (GET /review/held/{ticket},
// reviewers only) and, once approved, the person, but never the ledger or
// the telemetry files: the service keeps the default content policy,
// digests only.
func TestHeldTextReachesReviewersNotTheRecords(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	s, err := newService(ctx, dataDir)
	require.NoError(t, err)
	srv := httptest.NewServer(s.routes())
	defer srv.Close()
	get := func(path, token string) *http.Response {
		t.Helper()
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return resp
	}

	held := postChat(t, srv, "conv-1", "What interest rate do I get on a loan?")
	require.Equal(t, string(genai.OutcomeHeld), held.Status)
	resp := get("/review/held/"+held.TicketID, "")
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the held text is for reviewers only")

	resp = get("/review/held/"+held.TicketID, s.reviewerTokens["ana"])
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var text heldTextReply
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&text))
	resp.Body.Close()
	assert.Equal(t, held.ResponseID, text.ResponseID)
	assert.Contains(t, text.Text, "0.5% interest", "the reviewer reads the held answer")

	_, err = s.gate.Approve(ctx, held.TicketID, oversight.Reviewer{ID: "ana", Roles: []string{"reviewer"}}, "checked")
	require.NoError(t, err)
	resp = get("/v1/responses/"+held.ResponseID, "")
	var got chatResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	resp.Body.Close()
	assert.Equal(t, text.Text, got.Reply, "approval delivers what the reviewer read")

	require.NoError(t, s.Close(ctx))
	require.NoError(t, filepath.WalkDir(dataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		assert.False(t, strings.Contains(string(b), "0.5% interest"), "%s holds the held answer's text", path)
		return nil
	}))
}
