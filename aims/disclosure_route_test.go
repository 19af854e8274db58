package aims

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/semconv"
)

// aims.disclosure.route is the HTTP route (the ServeMux pattern) that
// carried a disclosure: a low-cardinality template, as OpenTelemetry's
// http.route. Behind a handler that is not a ServeMux there is no
// pattern, and the request path is no route: it holds whatever
// identifiers the URL has (a customer's e-mail, an application number),
// personal data that must stay out of attributes, and as many values as
// there are URLs. The event then has no route; the disclosure itself is
// still recorded.
func TestDisclosureRouteIsNeverTheRawPath(t *testing.T) {
	x, logs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureAutomatedDecision})
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"decision":"deny"}`))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /v1/applicants/{id}/decision", plain)
	for _, h := range []http.Handler{x.Middleware(plain), x.Middleware(mux)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/applicants/jane.doe@example.org/decision", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		require.NotEmpty(t, rec.Header().Get(DisclosureHeader))
	}
	events := headerEvents(logs)
	require.Len(t, events, 2, "both responses disclosed")
	for _, ev := range events {
		for k, v := range ev {
			assert.False(t, strings.Contains(v, "jane.doe"), "attribute %s = %q holds the request path", k, v)
		}
	}
	_, ok := events[0][string(semconv.AimsDisclosureHTTPRoute)]
	assert.False(t, ok, "no route without a ServeMux pattern")
	assert.Equal(t, "GET /v1/applicants/{id}/decision", events[1][string(semconv.AimsDisclosureHTTPRoute)])
}
