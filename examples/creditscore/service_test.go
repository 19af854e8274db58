package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"github.com/aimskit/aimskit/fairness"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/oversight"
)

const testServiceToken = "test-service-token"

// startService runs the service on an httptest server with local
// telemetry files; spans, when given, records every span.
func startService(t *testing.T, spans sdktrace.SpanProcessor) (*service, *httptest.Server) {
	t.Helper()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	cfg := config{
		dataDir: t.TempDir(), keyFile: filepath.Join(t.TempDir(), "ledger.key"), seed: 42, instance: "test",
		heartbeat: time.Hour, driftInterval: time.Hour, metricInterval: time.Hour, reviewDeadline: 10 * time.Minute,
		serviceToken: testServiceToken, spanProcessor: spans,
	}
	svc, err := newService(context.Background(), cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(svc.routes())
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, svc.Close(context.Background()))
	})
	return svc, srv
}

// call sends body (raw JSON) with an optional bearer token.
func call(t *testing.T, method, url, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, raw
}

// Applications of the tests: one the model approves with confidence (applied
// automatically), one it refuses (held for review).
const (
	goodApplication = `{"customer_id":"c-good","age":45,"income":90000,"debt":1000,"term_months":24,"amount":5000,"years_employed":15,"late_payments":0,"region":"north","sex":"female"}`
	poorApplication = `{"customer_id":"c-poor","age":23,"income":15000,"debt":20000,"term_months":60,"amount":29000,"years_employed":0,"late_payments":5,"region":"south","sex":"male"}`
)

func apply(t *testing.T, base, body string) decisionResponse {
	t.Helper()
	resp, raw := call(t, http.MethodPost, base+"/v1/applications", "", body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	var d decisionResponse
	require.NoError(t, json.Unmarshal(raw, &d))
	require.NotEmpty(t, d.DecisionID)
	return d
}

func problemOf(t *testing.T, resp *http.Response, raw []byte) problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), "%s", raw)
	var p problem
	require.NoError(t, json.Unmarshal(raw, &p), "%s", raw)
	assert.Equal(t, resp.StatusCode, p.Status)
	assert.NotEmpty(t, p.Type)
	assert.NotEmpty(t, p.Title)
	assert.Empty(t, resp.Header.Get(aims.DisclosureHeader), "an error carries no AI output and no disclosure")
	return p
}

func fieldsOf(p problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

// TestStrictApplicationInput: trailing data, unknown fields, non-finite or
// absurd values are refused with an RFC 9457 problem that lists every
// field problem at once.
func TestStrictApplicationInput(t *testing.T) {
	_, srv := startService(t, nil)
	url := srv.URL + "/v1/applications"

	resp, raw := call(t, http.MethodPost, url, "", goodApplication+` {"customer_id":"someone-else"}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "trailing data: %s", raw)
	assert.Contains(t, problemOf(t, resp, raw).Detail, "trailing data")

	resp, raw = call(t, http.MethodPost, url, "", strings.Replace(goodApplication, `"amount":5000`, `"amount":1e308`, 1))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "1e308: %s", raw)
	assert.Equal(t, []string{"amount"}, fieldsOf(problemOf(t, resp, raw)))

	resp, raw = call(t, http.MethodPost, url, "", strings.Replace(goodApplication, `"amount":5000`, `"amount":1e999`, 1))
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "1e999: %s", raw)
	assert.Equal(t, []string{"amount"}, fieldsOf(problemOf(t, resp, raw)))

	// Every problem at once: unknown fields, wrong types, out of range, missing.
	bad := `{"customer_id":"c1","age":-3,"income":"lots","debt":-1,"term_months":36.5,"amount":12000,` +
		`"late_payments":0,"region":"east","sex":"female","vip":true,"Amount":1}`
	resp, raw = call(t, http.MethodPost, url, "", bad)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%s", raw)
	p := problemOf(t, resp, raw)
	assert.Equal(t, []string{"Amount", "age", "debt", "income", "region", "term_months", "vip", "years_employed"}, fieldsOf(p))
	for _, e := range p.Errors {
		assert.NotEmpty(t, e.Detail, e.Field)
	}

	resp, raw = call(t, http.MethodPost, url, "", `[1,2]`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	problemOf(t, resp, raw)
	resp, raw = call(t, http.MethodPost, url, "", `{"customer_id":"a","customer_id":"b"}`)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "duplicate member: %s", raw)
	problemOf(t, resp, raw)
	resp, raw = call(t, http.MethodPost, url, "", `{"customer_id":"`+strings.Repeat("x", 1<<17)+`"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	problemOf(t, resp, raw)

	// The valid application still goes through, disclosed.
	resp, raw = call(t, http.MethodPost, url, "", goodApplication)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	assert.NotEmpty(t, resp.Header.Get(aims.DisclosureHeader))
}

// TestOutsideIntendedUseIsReferredToAPerson: an application the model
// would approve with confidence, but for an amount above the intended use
// (or an applicant younger than the model is validated for), is held for a
// person, never decided by the model alone.
func TestOutsideIntendedUseIsReferredToAPerson(t *testing.T) {
	svc, srv := startService(t, nil)
	ok := apply(t, srv.URL, goodApplication)
	require.Equal(t, "decided", ok.Status, "the in-use application is decided automatically")
	for name, body := range map[string]string{
		"amount":   strings.Replace(goodApplication, `"amount":5000`, `"amount":45000`, 1),
		"term":     strings.Replace(goodApplication, `"term_months":24`, `"term_months":90`, 1),
		"under 21": strings.Replace(strings.Replace(goodApplication, `"age":45`, `"age":19`, 1), `"years_employed":15`, `"years_employed":1`, 1),
	} {
		d := apply(t, srv.URL, body)
		assert.Equal(t, "pending_review", d.Status, name)
		require.NotEmpty(t, d.OutsideIntendedUse, name)
		tk, err := svc.gate.Ticket(context.Background(), d.TicketID)
		require.NoError(t, err, name)
		assert.Contains(t, tk.Reason, "outside the intended use", name)
	}
}

// TestContestAndOutcomeNeedCredentials: contesting and looking up a decision
// need its contest credential (from the decision response) or the service
// credential; reporting an outcome needs the service credential.
func TestContestAndOutcomeNeedCredentials(t *testing.T) {
	_, srv := startService(t, nil)
	a := apply(t, srv.URL, goodApplication)
	b := apply(t, srv.URL, strings.Replace(goodApplication, "c-good", "c-other", 1))
	require.NotEmpty(t, a.ContestToken)
	require.NotEqual(t, a.ContestToken, b.ContestToken)
	contest := srv.URL + "/v1/decisions/" + a.DecisionID + "/contest"
	outcome := srv.URL + "/v1/decisions/" + a.DecisionID + "/outcome"
	grounds := `{"grounds":"please review"}`

	resp, raw := call(t, http.MethodPost, contest, "", grounds)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", raw)
	assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer"))
	problemOf(t, resp, raw)
	resp, raw = call(t, http.MethodPost, contest, b.ContestToken, grounds)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "another decision's credential: %s", raw)
	resp, _ = call(t, http.MethodGet, srv.URL+"/v1/decisions/"+a.DecisionID, "", "")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	resp, raw = call(t, http.MethodPost, outcome, "", `{"repaid":true}`)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", raw)
	resp, raw = call(t, http.MethodPost, outcome, a.ContestToken, `{"repaid":true}`)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the applicant cannot label: %s", raw)
	resp, raw = call(t, http.MethodPost, outcome, testServiceToken, `{"repaid":true,"model_approved":true}`)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "unknown field: %s", raw)
	resp, raw = call(t, http.MethodPost, outcome, testServiceToken, `{"repaid":true}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", raw)
	resp, raw = call(t, http.MethodPost, outcome, testServiceToken, `{"repaid":true}`)
	require.Equal(t, http.StatusConflict, resp.StatusCode, "labelled twice: %s", raw)
	resp, raw = call(t, http.MethodPost, srv.URL+"/v1/decisions/01a2505d-0000-7000-8000-000000000000/outcome", testServiceToken, `{"repaid":true}`)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", raw)

	// The applicant contests an automatically applied decision.
	resp, raw = call(t, http.MethodPost, contest, a.ContestToken, grounds)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", raw)
	assert.Empty(t, resp.Header.Get(aims.DisclosureHeader), "an acknowledgement carries no AI output")
}

// TestDecisionLookupByDecisionID: every decision, applied automatically or
// held and reviewed, is found by its decision ID, as it stands.
func TestDecisionLookupByDecisionID(t *testing.T) {
	svc, srv := startService(t, nil)
	get := func(d decisionResponse) decisionResponse {
		t.Helper()
		resp, raw := call(t, http.MethodGet, srv.URL+"/v1/decisions/"+d.DecisionID, d.ContestToken, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
		assert.NotEmpty(t, resp.Header.Get(aims.DisclosureHeader))
		var out decisionResponse
		require.NoError(t, json.Unmarshal(raw, &out))
		assert.Equal(t, d.DecisionID, out.DecisionID)
		return out
	}
	auto := apply(t, srv.URL, goodApplication)
	require.Equal(t, "decided", auto.Status)
	assert.Equal(t, "approve", get(auto).Decision)

	held := apply(t, srv.URL, poorApplication)
	require.Equal(t, "pending_review", held.Status)
	assert.Equal(t, "pending_review", get(held).Status)
	ctx := context.Background()
	for _, r := range []oversight.Reviewer{{ID: "alice", Roles: []string{"credit-officer"}}, {ID: "bob", Roles: []string{"credit-officer"}}} {
		_, err := svc.gate.Override(ctx, held.TicketID, r, "approve", "documented income")
		require.NoError(t, err)
	}
	now := get(held)
	assert.Equal(t, "decided", now.Status)
	assert.Equal(t, "approve", now.Decision, "the reviewers' decision, looked up by the decision's own ID")

	resp, _ := call(t, http.MethodGet, srv.URL+"/v1/decisions/01a2505d-0000-7000-8000-000000000000", testServiceToken, "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestFinalOutcomesFeedTheFairnessMonitor: a held decision reaches the
// fairness monitor only once it is final, with the reviewers' outcome, not
// the model's proposal.
func TestFinalOutcomesFeedTheFairnessMonitor(t *testing.T) {
	svc, srv := startService(t, nil)
	held := apply(t, srv.URL, poorApplication)
	require.Equal(t, "pending_review", held.Status)
	assert.Empty(t, svc.fair.Snapshot().Groups, "nothing final yet")
	resp, raw := call(t, http.MethodPost, srv.URL+"/v1/decisions/"+held.DecisionID+"/outcome", testServiceToken, `{"repaid":true}`)
	require.Equal(t, http.StatusConflict, resp.StatusCode, "no label before the decision is final: %s", raw)

	ctx := context.Background()
	for _, r := range []oversight.Reviewer{{ID: "alice", Roles: []string{"credit-officer"}}, {ID: "bob", Roles: []string{"credit-officer"}}} {
		_, err := svc.gate.Override(ctx, held.TicketID, r, "approve", "documented income")
		require.NoError(t, err)
	}
	snap := svc.fair.Snapshot()
	require.Len(t, snap.Groups, 1)
	assert.Equal(t, []string{"male", "south"}, snap.Groups[0].Group)
	assert.Equal(t, int64(1), snap.Groups[0].Decisions)
	assert.Equal(t, 1.0, snap.Groups[0].SelectionRate, "the monitor saw the reviewers' approval, not the model's refusal")

	resp, raw = call(t, http.MethodPost, srv.URL+"/v1/decisions/"+held.DecisionID+"/outcome", testServiceToken, `{"repaid":true}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", raw)
	snap = svc.fair.Snapshot()
	assert.Equal(t, int64(1), snap.Groups[0].Labeled)
	assert.Equal(t, 1.0, snap.Groups[0].TruePositiveRate, "approved and repaid: a true positive of the final decision")
}

// TestOneTracePerRequest: the HTTP server span is the root of the request's
// trace, and the explanation, counterfactual search and gate spans are in
// it, as descendants.
func TestOneTracePerRequest(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	_, srv := startService(t, rec)
	before := len(rec.Ended())
	resp, raw := call(t, http.MethodPost, srv.URL+"/v1/applications", "", poorApplication)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)

	var spans []sdktrace.ReadOnlySpan
	var server sdktrace.ReadOnlySpan
	require.Eventually(t, func() bool { // the server span ends just after the response
		spans = rec.Ended()[before:]
		for _, s := range spans {
			if s.SpanKind() == trace.SpanKindServer {
				server = s
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, "POST /v1/applications", server.Name())
	assert.False(t, server.Parent().IsValid(), "the server span is the root")

	ids := map[trace.SpanID]bool{}
	names := map[string]bool{}
	for _, s := range spans {
		ids[s.SpanContext().SpanID()] = true
		names[s.Name()] = true
	}
	for _, s := range spans {
		assert.Equal(t, server.SpanContext().TraceID(), s.SpanContext().TraceID(), "span %s is in another trace", s.Name())
		if s != server {
			assert.True(t, ids[s.Parent().SpanID()], "span %s has no parent in the request's trace", s.Name())
		}
	}
	for _, want := range []string{semconv.SpanExplain, semconv.SpanCounterfactuals, "oversight.submit"} {
		assert.True(t, names[want], "no %s span in the request's trace (have %v)", want, names)
	}
}

// TestDisclosureOnlyOnAIOutputs: the example discloses the decision
// responses, not its errors, refusals or acknowledgements.
func TestDisclosureOnlyOnAIOutputs(t *testing.T) {
	_, srv := startService(t, nil)
	resp, _ := call(t, http.MethodPost, srv.URL+"/v1/applications", "", `{"age":1}`)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(aims.DisclosureHeader))
	resp, _ = call(t, http.MethodGet, srv.URL+"/v1/decisions/x", "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(aims.DisclosureHeader))
	resp, _ = call(t, http.MethodGet, srv.URL+"/v1/decisions/01a2505d-0000-7000-8000-000000000000", testServiceToken, "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(aims.DisclosureHeader))
	resp, _ = call(t, http.MethodPost, srv.URL+"/v1/applications", "", goodApplication)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get(aims.DisclosureHeader))
}

// TestConsoleLoginChallengesAndLimits: a wrong password gets a Basic
// challenge (so the browser asks again), and repeated failures from one
// client are answered 429 with Retry-After until the bucket refills.
func TestConsoleLoginChallengesAndLimits(t *testing.T) {
	svc, srv := startService(t, nil)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/review/", nil)
	require.NoError(t, err)
	req.SetBasicAuth("alice", "wrong")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic realm="), resp.Header.Get("WWW-Authenticate"))

	// The limiter, on a clock of its own.
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	accts, err := newReviewerAccounts(func() time.Time { return now })
	require.NoError(t, err)
	accts.passwords = svc.accounts.passwords
	h := accts.challenge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	login := func(addr, user, pass string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/review/", nil)
		r.RemoteAddr = addr
		r.SetBasicAuth(user, pass)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 5 {
		w := login("192.0.2.1:1000", "alice", "guess")
		require.Equal(t, http.StatusUnauthorized, w.Code, "attempt %d", i+1)
		assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic realm="))
	}
	w := login("192.0.2.1:1000", "bob", svc.accounts.passwords["bob"])
	require.Equal(t, http.StatusTooManyRequests, w.Code, "the client is limited, even with a right password")
	assert.Equal(t, "12", w.Header().Get("Retry-After"))
	w = login("198.51.100.7:1000", "alice", svc.accounts.passwords["alice"])
	require.Equal(t, http.StatusTooManyRequests, w.Code, "the user name is limited from any client")
	w = login("198.51.100.7:1000", "bob", svc.accounts.passwords["bob"])
	require.Equal(t, http.StatusOK, w.Code, "another client and user are not")
	now = now.Add(13 * time.Second)
	w = login("192.0.2.1:1000", "alice", svc.accounts.passwords["alice"])
	require.Equal(t, http.StatusOK, w.Code, "a token refilled")
}

// TestLoginLimiterIsBoundedUnderAFlood: failed logins from many client
// addresses (an IPv6 /64 is 2^64 of them), each under a made-up user name
// of 1 KB (the server takes up to 1 MB), cannot grow the limiter past
// maxBuckets, byUser keeps a fixed-size key per name, not the name, and
// inserting past the cap stays cheap (it evicts the least recently used
// bucket instead of scanning the map under the lock). The flood cannot
// lift a real user name's lock either: the accounts' buckets are never
// evicted.
func TestLoginLimiterIsBoundedUnderAFlood(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	accts, err := newReviewerAccounts(func() time.Time { return now })
	require.NoError(t, err)
	h := accts.challenge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	login := func(addr, user, pass string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/review/", nil)
		r.RemoteAddr = addr
		r.SetBasicAuth(user, pass)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for range 5 {
		require.Equal(t, http.StatusUnauthorized, login("192.0.2.1:1000", "alice", "guess").Code)
	}

	const flood = 3 * maxBuckets
	pad := strings.Repeat("x", 1024)
	start := time.Now()
	for i := range flood {
		w := login(fmt.Sprintf("[2001:db8::%x:%x]:40000", i>>16, i&0xffff), fmt.Sprintf("u%d-%s", i, pad), "wrong")
		require.Equal(t, http.StatusUnauthorized, w.Code, "attempt %d", i)
		now = now.Add(100 * time.Microsecond) // 30,000 attempts in 3 s
	}
	t.Logf("%d failed logins took %v", flood, time.Since(start))
	for _, l := range []*loginLimiter{accts.byClient, accts.byUser} {
		assert.LessOrEqual(t, len(l.buckets), maxBuckets)
		assert.LessOrEqual(t, l.lru.Len(), maxBuckets)
	}
	for k := range accts.byUser.buckets {
		require.Len(t, k, sha256.Size, "byUser keys by digest, not by the client's name")
	}
	last := fmt.Sprintf("2001:db8::%x:%x", (flood-1)>>16, (flood-1)&0xffff)
	assert.Contains(t, accts.byClient.buckets, last, "the latest client's bucket is kept")
	assert.NotContains(t, accts.byClient.buckets, "2001:db8::0:0", "the oldest client's bucket is evicted")

	w := login("198.51.100.7:1000", "alice", accts.passwords["alice"])
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "alice's lock outlives the flood")
	w = login("198.51.100.7:1000", "bob", accts.passwords["bob"])
	assert.Equal(t, http.StatusOK, w.Code)
}

// TestMadeUpHostHeadersDoNotCreateMetricSeries: the Host header is the
// client's, and otelhttp takes server.address and server.port of its HTTP
// server metrics from it. Unbounded, 2,001 requests with made-up hosts
// and ports (one more than the SDK's cardinality limit of 2,000 series)
// would leave a series per host, each holding the client's string, and
// push every later request, legitimate ones included, into the overflow
// series. With the telemetry's view (httpServerMetricsView) neither
// attribute reaches any http.server.* series: all the made-up requests
// share one series, nothing overflows, and the application after them
// has a series of its own.
func TestMadeUpHostHeadersDoNotCreateMetricSeries(t *testing.T) {
	svc, srv := startService(t, nil)
	const flood = 2001
	pad := strings.Repeat("a", 1000)
	for i := range flood {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/inventory/", nil)
		require.NoError(t, err)
		req.Host = fmt.Sprintf("h%d-%s.attacker.example:%d", i, pad, 1024+i)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "request %d", i)
	}
	resp, raw := call(t, http.MethodPost, srv.URL+"/v1/applications", "", goodApplication)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the application after them: %s", raw)
	require.NoError(t, svc.tel.mp.ForceFlush(context.Background()))

	f, err := os.Open(filepath.Join(svc.cfg.dataDir, "telemetry", "metrics.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	// The points are cumulative, and a slow run may export them more than
	// once: a series is a metric and attribute set however often it was
	// exported, and its count is its latest (largest).
	var inventory, application uint64
	latest := map[string]uint64{}  // request.duration series -> count
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
		if p.Metric != "http.server.request.duration" {
			return nil
		}
		switch {
		case p.Attributes["http.route"] == "/inventory/" && p.Attributes["http.request.method"] == "GET":
			inventory += max(latest[id], p.Count) - latest[id]
		case p.Attributes["http.route"] == "/v1/applications" && p.Attributes["http.request.method"] == "POST":
			application += max(latest[id], p.Count) - latest[id]
		}
		latest[id] = max(latest[id], p.Count)
		return nil
	}))
	assert.Empty(t, clientKeys, "series carrying the Host header's parts, or overflowing")
	assert.EqualValues(t, flood, inventory, "the made-up hosts' requests, in their route's series")
	assert.EqualValues(t, 1, application, "the application's own series")
	require.NotEmpty(t, series)
	for m, n := range series {
		assert.LessOrEqual(t, n, 5, "%s has %d series", m, n)
	}
}

// TestMadeUpGroupValuesDoNotDegradeService: 1,000 applications with
// made-up sensitive-feature values (one 60 KB long) are refused with a
// problem naming the field, and never reach the fairness monitor; the
// next normal application is decided, and the monitor's groups stay
// within the declared levels (plus the overflow bucket).
func TestMadeUpGroupValuesDoNotDegradeService(t *testing.T) {
	svc, srv := startService(t, nil)
	url := srv.URL + "/v1/applications"
	for i := range 1000 {
		region := fmt.Sprintf("region-%d", i)
		if i == 500 {
			region = strings.Repeat("r", 60<<10)
		}
		body := strings.Replace(goodApplication, `"region":"north"`, `"region":"`+region+`"`, 1)
		body = strings.Replace(body, `"sex":"female"`, fmt.Sprintf(`"sex":"sex-%d"`, i), 1)
		resp, raw := call(t, http.MethodPost, url, "", body)
		require.Less(t, resp.StatusCode, 500, "application %d: %s", i, raw)
		if resp.StatusCode == http.StatusUnprocessableEntity {
			assert.Subset(t, fieldsOf(problemOf(t, resp, raw)), []string{"sex"}, "application %d", i)
		}
	}
	resp, raw := call(t, http.MethodPost, url, "", goodApplication)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the normal application after them: %s", raw)
	declared := map[string]bool{"female": true, "male": true, "other": true, "north": true, "south": true, fairness.OverflowLevel: true}
	snap := svc.fair.Snapshot()
	require.NotEmpty(t, snap.Groups)
	for _, g := range snap.Groups {
		for _, level := range g.Group {
			assert.True(t, declared[level], "group level %q is not declared", level)
		}
	}
}

// TestSoAIsServedAsHTML: the statement of applicability is a page people
// can read (escaped HTML, one table per objective), and Markdown for
// clients that ask for it.
func TestSoAIsServedAsHTML(t *testing.T) {
	_, srv := startService(t, nil)
	resp, err := http.Get(srv.URL + "/soa")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, string(body), "<table")
	assert.Contains(t, string(body), "A.6.2.8")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/soa", nil)
	req.Header.Set("Accept", "text/markdown")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "text/markdown; charset=utf-8", resp.Header.Get("Content-Type"))
}

// TestProblemReportOpensOneIncident: an applicant's problem report needs
// the decision's credential, opens one incident of source user_report
// linked to the decision (a repeat adds nothing), and the incident API
// needs a reviewer login and records the logged-in user as the actor.
func TestProblemReportOpensOneIncident(t *testing.T) {
	svc, srv := startService(t, nil)
	a := apply(t, srv.URL, goodApplication)
	b := apply(t, srv.URL, strings.Replace(goodApplication, "c-good", "c-other", 1))
	report := srv.URL + "/v1/decisions/" + a.DecisionID + "/report"
	body := `{"problem":"the reasons do not fit"}`

	resp, raw := call(t, http.MethodPost, report, "", body)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", raw)
	resp, raw = call(t, http.MethodPost, report, b.ContestToken, body)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "another decision's credential: %s", raw)
	resp, raw = call(t, http.MethodPost, report, a.ContestToken, `{"problem":"x","extra":1}`)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "unknown field: %s", raw)

	resp, raw = call(t, http.MethodPost, report, a.ContestToken, body)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	assert.Empty(t, resp.Header.Get(aims.DisclosureHeader), "an acknowledgement carries no AI output")
	var first map[string]string
	require.NoError(t, json.Unmarshal(raw, &first))
	resp, raw = call(t, http.MethodPost, report, a.ContestToken, body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", raw)
	var again map[string]string
	require.NoError(t, json.Unmarshal(raw, &again))
	assert.Equal(t, first["incident_id"], again["incident_id"], "a repeated report is the same incident")

	reports := svc.incidents.List(aims.IncidentFilter{Source: aims.SourceUserReport})
	require.Len(t, reports, 1)
	assert.Equal(t, []string{a.DecisionID}, reports[0].Decisions)
	assert.NotContains(t, reports[0].Description, "reasons do not fit", "the applicant's words stay out of the record")

	// The incident API: a reviewer login, and the login is the actor.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/incidents/"+first["incident_id"], nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	req, err = http.NewRequest(http.MethodPost, srv.URL+"/incidents/"+first["incident_id"]+"/owner", strings.NewReader(`{"owner":"Complaints lead"}`))
	require.NoError(t, err)
	req.SetBasicAuth("alice", svc.accounts.passwords["alice"])
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	in, ok := svc.incidents.Get(first["incident_id"])
	require.True(t, ok)
	assert.Equal(t, "Complaints lead", in.Owner)
	assert.Equal(t, "alice", in.Transition.By, "the logged-in reviewer acted")

	// Reports cannot crowd out everyone else's incidents: with the cap
	// of open reports reached, a new one is refused for now, and an
	// officer can still open an incident.
	for i := len(svc.incidents.List(aims.IncidentFilter{Source: aims.SourceUserReport})); i < maxOpenReports; i++ {
		_, err := svc.incidents.Open(context.Background(), aims.IncidentReport{Title: fmt.Sprint("report ", i),
			Severity: aims.SeverityLow, Source: aims.SourceUserReport, By: "applicant"})
		require.NoError(t, err)
	}
	resp, raw = call(t, http.MethodPost, srv.URL+"/v1/decisions/"+b.DecisionID+"/report", b.ContestToken, body)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", raw)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	_, err = svc.incidents.Open(context.Background(), aims.IncidentReport{Title: "officer's incident", Severity: aims.SeverityHigh, By: "carol"})
	require.NoError(t, err, "people other than applicants can still open incidents")
}
