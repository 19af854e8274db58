package aims

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// headerEvents returns the disclosure events of the http_header channel.
func headerEvents(logs *oteltest.Logs) []map[string]string {
	var out []map[string]string
	for _, ev := range logs.Events(semconv.EventDisclosure) {
		a := oteltest.Attrs(ev)
		if a[string(semconv.AimsDisclosureChannel)].AsString() != ChannelHTTPHeader {
			continue
		}
		m := map[string]string{}
		for k, v := range a {
			m[k] = v.String()
		}
		out = append(out, m)
	}
	return out
}

// A 101 (Switching Protocols) is a final status in net/http: its header
// is sent then and nothing follows on HTTP. It carries no AI-Disclosure
// header, so no disclosure may be recorded for it.
func TestDisclosureMiddlewareSwitchingProtocolsIsNotDisclosed(t *testing.T) {
	x, logs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureInteraction})
	srv := httptest.NewServer(x.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "example/1")
		w.WriteHeader(http.StatusSwitchingProtocols)
	})))
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "example/1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(DisclosureHeader))
	resp.Body.Close()
	srv.Close()
	assert.Empty(t, headerEvents(logs), "no header reached the client, so no disclosure is recorded")
}

// A handler that takes the connection over (http.ResponseController's
// Hijack) writes its own response: the Middleware never set a header on
// it, so it records no disclosure.
func TestDisclosureMiddlewareHijackedConnectionIsNotDisclosed(t *testing.T) {
	x, logs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureInteraction})
	// A hijacked connection is not the server's any more: Close does not
	// wait for its handler, so the test waits for the Middleware to return.
	returned := make(chan struct{})
	mw := x.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
		_ = buf.Flush()
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		mw.ServeHTTP(w, r)
	}))
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(DisclosureHeader))
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	<-returned
	srv.Close()
	assert.Empty(t, headerEvents(logs), "the hijacked response carried no disclosure")
}

// A handler that panics after its disclosed status went out (net/http or
// a recovery middleware upstream catches the panic): the person got the
// header with part of the AI output, so the disclosure is recorded. One
// that panics before writing anything gets no header and no event.
func TestDisclosureMiddlewarePanicAfterHeaderIsRecorded(t *testing.T) {
	x, logs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureGeneratedContent})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "partial answer")
		require.NoError(t, http.NewResponseController(w).Flush())
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("GET /early", func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})
	recoverer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil && v != http.ErrAbortHandler {
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(recoverer(x.Middleware(mux)))

	resp, err := http.Get(srv.URL + "/late")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get(DisclosureHeader), "the person got the disclosure")
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	assert.Contains(t, line, "partial answer")
	resp.Body.Close()

	resp, err = http.Get(srv.URL + "/early")
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(DisclosureHeader))
	resp.Body.Close()
	srv.Close()

	events := headerEvents(logs)
	require.Len(t, events, 1, "one event: the disclosed response whose handler panicked later")
	assert.Equal(t, "GET /late", events[0][string(semconv.AimsDisclosureHTTPRoute)])
}

// Two Middlewares around one handler (a service-wide Discloser and a
// route's own) share one AI-Disclosure header: the response carries one
// disclosure, exactly one of them records it (the one whose value the
// header carries), and MarkAIOutput(false) keeps both off.
func TestDisclosureMiddlewareNested(t *testing.T) {
	outer, outerLogs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureInteraction, SystemID: "outer"})
	inner, innerLogs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureGeneratedContent, SystemID: "inner"})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /answer", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") })
	mux.HandleFunc("GET /ack", func(w http.ResponseWriter, r *http.Request) {
		MarkAIOutput(r.Context(), false)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(outer.Middleware(inner.Middleware(mux)))

	resp, err := http.Get(srv.URL + "/answer")
	require.NoError(t, err)
	resp.Body.Close()
	vals := resp.Header.Values(DisclosureHeader)
	require.Len(t, vals, 1)
	d, err := ParseDisclosureHeader(vals[0])
	require.NoError(t, err)

	resp, err = http.Get(srv.URL + "/ack")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(DisclosureHeader), "the handler said its response holds no AI output")
	srv.Close()

	events := append(headerEvents(outerLogs), headerEvents(innerLogs)...)
	require.Len(t, events, 1, "one response disclosed, one event")
	assert.Equal(t, d.SystemID, events[0][string(semconv.AimsSystemID)], "the event is of the disclosure the header carries")
	assert.Equal(t, string(d.Kind), events[0][string(semconv.AimsDisclosureKind)])
}
