package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An internal failure (here the review store is gone) is the operator's
// business: an applicant, who needs no credential to apply, gets a 500
// problem that says nothing of the service's insides (no Go error text,
// no store, no file path), and the operator finds the error in the log.
func TestInternalErrorsTellApplicantsNothingOfTheInsides(t *testing.T) {
	svc, srv := startService(t, nil)
	require.NoError(t, svc.store.Close(context.Background()))
	resp, raw := call(t, http.MethodPost, srv.URL+"/v1/applications", "", poorApplication)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode, "%s", raw)
	p := problemOf(t, resp, raw)
	body := string(raw)
	for _, inside := range []string{"oversight", "bolt", "database", svc.cfg.dataDir, "storing ticket"} {
		assert.False(t, strings.Contains(body, inside), "the problem tells the client %q: %s", inside, body)
	}
	assert.Equal(t, "Internal error", p.Title)
}
