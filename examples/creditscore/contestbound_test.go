package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/oversight"
)

// TestContestsOfOnePersonAreBounded: one applicant contesting decision
// after decision of theirs is answered 429 once they have
// oversight.DefaultMaxOpenContestsPerSubject open contests (a limit of
// that client, unlike the full queue's 503), and nothing is opened;
// another applicant still contests.
func TestContestsOfOnePersonAreBounded(t *testing.T) {
	_, srv := startService(t, nil)
	grounds := `{"grounds":"please review"}`
	contest := func(d decisionResponse) (*http.Response, []byte) {
		t.Helper()
		return call(t, http.MethodPost, srv.URL+"/v1/decisions/"+d.DecisionID+"/contest", d.ContestToken, grounds)
	}
	for i := range oversight.DefaultMaxOpenContestsPerSubject {
		resp, raw := contest(apply(t, srv.URL, goodApplication))
		require.Equal(t, http.StatusAccepted, resp.StatusCode, "contest %d: %s", i+1, raw)
	}
	resp, raw := contest(apply(t, srv.URL, goodApplication))
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "%s", raw)
	p := problemOf(t, resp, raw)
	assert.Equal(t, problemTooManyContests, p.Type)
	resp, raw = contest(apply(t, srv.URL, strings.Replace(goodApplication, "c-good", "c-other", 1)))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "another applicant: %s", raw)
}
