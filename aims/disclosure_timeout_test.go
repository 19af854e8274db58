package aims

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Under http.TimeoutHandler, a handler that answers after the deadline
// writes into a response that is never sent: the client gets the 503 of
// the TimeoutHandler, without the AI-Disclosure header, and no disclosure
// is recorded for it.
func TestDisclosureMiddlewareUnderTimeoutHandlerRecordsNoUnsentDisclosure(t *testing.T) {
	x, logs, _ := newTestDiscloser(t, Disclosure{Kind: DisclosureGeneratedContent})
	h := x.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the TimeoutHandler's deadline passed
		for {
			if _, err := io.WriteString(w, `{"answer":"late"}`); errors.Is(err, http.ErrHandlerTimeout) {
				return
			}
		}
	}))
	// The TimeoutHandler does not wait for the handler it gave up on.
	returned := make(chan struct{})
	srv := httptest.NewServer(http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		h.ServeHTTP(w, r)
	}), time.Millisecond, "timed out"))
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(DisclosureHeader))
	<-returned
	srv.Close()
	assert.Empty(t, headerEvents(logs), "the response that carried the header was never sent")
}
