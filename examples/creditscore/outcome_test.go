package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOutcomeOfAForgottenDecisionCounts: loan outcomes arrive months
// after the decision, when the fairness monitor's bounded pending set
// (here one decision) may have forgotten it. The outcome of a final,
// unlabelled decision is still accepted once, and still feeds the drift
// monitor's error rate; the fairness monitor counts it as unmatched.
// It was refused with 409, unlabelled again, so every retry was refused
// too, and the error rate never saw it.
func TestOutcomeOfAForgottenDecisionCounts(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	cfg := config{
		dataDir: t.TempDir(), keyFile: filepath.Join(t.TempDir(), "ledger.key"), seed: 42, instance: "test",
		heartbeat: time.Hour, driftInterval: time.Hour, metricInterval: time.Hour, reviewDeadline: 10 * time.Minute,
		serviceToken: testServiceToken, fairPending: 1,
	}
	svc, err := newService(context.Background(), cfg)
	require.NoError(t, err)
	server := httptest.NewServer(svc.routes())
	t.Cleanup(func() {
		server.Close()
		require.NoError(t, svc.Close(context.Background()))
	})
	srv := server.URL

	a := apply(t, srv, goodApplication)
	apply(t, srv, strings.Replace(goodApplication, "c-good", "c-other", 1)) // the fairness monitor forgets a
	outcome := srv + "/v1/decisions/" + a.DecisionID + "/outcome"
	resp, raw := call(t, http.MethodPost, outcome, testServiceToken, `{"repaid":true}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "outcome of a decision the fairness monitor forgot: %s", raw)
	resp, raw = call(t, http.MethodPost, outcome, testServiceToken, `{"repaid":true}`)
	require.Equal(t, http.StatusConflict, resp.StatusCode, "labelled twice: %s", raw)

	rep, err := svc.drift.Evaluate(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, rep.Outcome.Observations, "outcomes in the drift monitor's error rate")
	require.Equal(t, int64(1), svc.fair.Snapshot().Unmatched, "the fairness monitor's unmatched labels")
}
