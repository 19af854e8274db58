package main

import (
	"context"
	"encoding/json"
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

// A contest the gate opened stands even when its record could not be
// written yet (the gate's sweep writes it later): the applicant is told
// it is under review, with its ticket, not that the decision cannot be
// contested, which a second try would then contradict ("already
// contested"). The record's failure goes to the log, not to the client.
func TestAnOpenedContestIsAcknowledgedWhenItsRecordIsLate(t *testing.T) {
	svc, srv := startService(t, nil)
	a := apply(t, srv.URL, goodApplication)
	require.NoError(t, svc.reg.System.Close(context.Background())) // the decision log fails every write from now on
	resp, raw := call(t, http.MethodPost, srv.URL+"/v1/decisions/"+a.DecisionID+"/contest", a.ContestToken, `{"grounds":"please review"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", raw)
	var ack map[string]string
	require.NoError(t, json.Unmarshal(raw, &ack))
	assert.NotEmpty(t, ack["ticket_id"])
	tk, err := svc.gate.Ticket(context.Background(), ack["ticket_id"])
	require.NoError(t, err)
	assert.True(t, tk.Open(), "the contest is open for reviewers")
	assert.NotContains(t, string(raw), "decision log")
}
