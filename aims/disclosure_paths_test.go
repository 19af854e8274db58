package aims

import (
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
