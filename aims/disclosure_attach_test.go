package aims

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	lognoop "go.opentelemetry.io/otel/log/noop"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
)

// AttachJSON appends the member to the body as it is: the members keep
// their order and bytes, whatever the whitespace around them.
func TestAttachJSONKeepsTheBody(t *testing.T) {
	x, _, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureAutomatedDecision, Provider: "Example"})
	for _, body := range []string{
		`{}`, ` { } `, "{\n}\n", `{"z":1,"a":[1,2,{"ai_disclosure":3}]}`, ` {"s":"x\"y","n":1e400} `,
		`{"n": 12345678901234567890, "t": "<&>"}`,
	} {
		out, err := x.AttachJSON(context.Background(), []byte(body))
		require.NoError(t, err, body)
		var got, want map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(out, &got), "%s", out)
		require.NoError(t, json.Unmarshal([]byte(body), &want))
		require.Contains(t, got, JSONKey)
		var d map[string]any
		require.NoError(t, json.Unmarshal(got[JSONKey], &d))
		assert.Equal(t, "automated-decision", d["kind"])
		delete(got, JSONKey)
		assert.Equal(t, want, got, body)
	}
	out, err := x.AttachJSON(context.Background(), []byte(`{"b":2,"a":1}`))
	require.NoError(t, err)
	assert.Regexp(t, `^\{"b":2,"a":1,"ai_disclosure":\{`, string(out), "members keep their order")
}

// A body that has the member, spelled plainly or escaped, is refused, and
// so is anything that is not exactly one JSON object.
func TestAttachJSONRefusesTheMemberEscapedAndTrailingData(t *testing.T) {
	x, _, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureInteraction})
	for _, body := range []string{`{"ai_disclosure":1}`, `{"a":1, "ai\u005fdisclosure":2}`, ` {"x":"\n", "ai_disclosure":null} `} {
		_, err := x.AttachJSON(context.Background(), []byte(body))
		assert.ErrorContains(t, err, "already has", body)
	}
	for _, body := range []string{``, `null`, `"{}"`, `{} {}`, `{"a":1} x`, `{"a":`, `[{}]`} {
		_, err := x.AttachJSON(context.Background(), []byte(body))
		assert.ErrorContains(t, err, "JSON object", body)
	}
}

// BenchmarkAttachJSON attaches the disclosure to the creditscore example's
// answer to an adverse decision.
func BenchmarkAttachJSON(b *testing.B) {
	x, err := NewDiscloser(Disclosure{Kind: DisclosureAutomatedDecision, Provider: "Example Lending Ltd",
		InfoURL: "https://lending.example/ai-decisions"}, WithLoggerProvider(lognoop.NewLoggerProvider()),
		WithMeterProvider(metricnoop.NewMeterProvider()), WithClock(func() time.Time { return fixedNow }))
	require.NoError(b, err)
	body := []byte(`{"decision_id":"0193a1d2-7c4e-7b3a-9f00-1234567890ab","status":"pending_review","decision":"deny","score":0.3127,` +
		`"ticket_id":"0193a1d2-7c4e-7b3a-9f00-1234567890ac","contest_token":"c1.0193a1d2.k3J9xYv2Qm8","reasons":[` +
		`{"code":"late_payments","feature":"late_payments","description":"Late payments in the last 24 months","contribution":-0.81},` +
		`{"code":"debt","feature":"debt","description":"Outstanding debt","contribution":-0.42}]}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.AttachJSON(ctx, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDisclosureMiddleware is the Middleware around a handler that
// attaches the disclosure to a JSON answer: the header, the member and
// two events, with no-op telemetry.
func BenchmarkDisclosureMiddleware(b *testing.B) {
	x, err := NewDiscloser(Disclosure{Kind: DisclosureAutomatedDecision, Provider: "Example Lending Ltd",
		InfoURL: "https://lending.example/ai-decisions", SystemID: "credit-scoring"}, WithLoggerProvider(lognoop.NewLoggerProvider()),
		WithMeterProvider(metricnoop.NewMeterProvider()))
	require.NoError(b, err)
	h := x.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := x.AttachJSON(r.Context(), []byte(`{"decision":"deny","score":0.31}`))
		if err != nil {
			b.Fatal(err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	req := httptest.NewRequest(http.MethodPost, "/v1/applications", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Header().Get(DisclosureHeader) == "" {
			b.Fatal("no header")
		}
	}
}

// The Middleware's header value is remembered for a second: a later
// second gets its own date.
func TestDisclosureHeaderFollowsTheClock(t *testing.T) {
	now := fixedNow
	x, err := NewDiscloser(Disclosure{Kind: DisclosureAutomatedDecision}, WithLoggerProvider(lognoop.NewLoggerProvider()),
		WithMeterProvider(metricnoop.NewMeterProvider()), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	h := x.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) }))
	header := func() Disclosure {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		d, err := ParseDisclosureHeader(w.Header().Get(DisclosureHeader))
		require.NoError(t, err)
		return d
	}
	assert.Equal(t, fixedNow, header().Date)
	now = fixedNow.Add(900 * time.Millisecond)
	assert.Equal(t, fixedNow, header().Date, "same second")
	now = fixedNow.Add(2 * time.Second)
	assert.Equal(t, fixedNow.Add(2*time.Second), header().Date)
}
