package inventory

import (
	"github.com/aimskit/aimskit/aims"

	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/internal/oteltest"
)

func testServer(t *testing.T) (*httptest.Server, *Registration) {
	t.Helper()
	logs := oteltest.NewLogs(t)
	reg := NewRegistry()
	r1, err := reg.Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0), WithInstance("pod-1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r1.Close(context.Background()) })
	r2, err := reg.Register(context.Background(), sparseSystem(), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r2.Close(context.Background()) })
	mux := http.NewServeMux()
	mux.Handle("/inventory/", http.StripPrefix("/inventory", Handler(reg)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, r2
}

func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestHandlerList(t *testing.T) {
	srv, _ := testServer(t)
	for _, path := range []string{"/inventory/", "/inventory/systems"} {
		code, ct, body := get(t, srv.URL+path)
		if code != 200 || ct != "application/json" {
			t.Fatalf("%s: %d %s", path, code, ct)
		}
		var entries []Entry
		if err := json.Unmarshal([]byte(body), &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].System.ID != "credit-scoring" || entries[1].System.ID != "faq-bot" {
			t.Fatalf("%s: %+v", path, entries)
		}
		if entries[0].Instances[0].ID != "pod-1" || entries[0].System.RiskLevel != aims.RiskHigh {
			t.Errorf("entry %+v", entries[0])
		}
	}
}

func TestHandlerEmptyListIsArray(t *testing.T) {
	srv := httptest.NewServer(Handler(NewRegistry()))
	defer srv.Close()
	if code, _, body := get(t, srv.URL+"/systems"); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("empty registry: %d %q", code, body)
	}
}

func TestHandlerOneSystemAndDocuments(t *testing.T) {
	srv, faq := testServer(t)
	base := srv.URL + "/inventory/systems/"

	code, _, body := get(t, base+"credit-scoring")
	var e Entry
	if err := json.Unmarshal([]byte(body), &e); code != 200 || err != nil || e.System.Name != "Consumer credit scoring" || len(e.System.Models) != 2 {
		t.Fatalf("one system: %d %v %+v", code, err, e)
	}

	code, ct, body := get(t, base+"credit-scoring/modelcard")
	if code != 200 || !strings.HasPrefix(ct, "text/markdown") || !strings.HasPrefix(body, "# Model card: Consumer credit scoring 2.3.1") {
		t.Errorf("model card markdown: %d %s %.80q", code, ct, body)
	}
	code, ct, body = get(t, base+"credit-scoring/modelcard.json")
	var card ModelCard
	if err := json.Unmarshal([]byte(body), &card); code != 200 || ct != "application/json" || err != nil || card.Risk.Level != aims.RiskHigh {
		t.Errorf("model card json: %d %s %v %+v", code, ct, err, card.Risk)
	}
	code, _, body = get(t, base+"faq-bot/techdoc")
	if code != 200 || !strings.Contains(body, "> **MISSING:**") {
		t.Errorf("techdoc: %d %.200q", code, body)
	}
	code, _, body = get(t, base+"faq-bot/techdoc.json")
	var td TechnicalDocumentation
	if err := json.Unmarshal([]byte(body), &td); code != 200 || err != nil || len(td.Sections) == 0 {
		t.Errorf("techdoc json: %d %v", code, err)
	}

	code, ct, body = get(t, base+"credit-scoring/cyclonedx")
	if code != 200 || ct != CycloneDXMediaType {
		t.Fatalf("cyclonedx: %d %s", code, ct)
	}
	schema := cycloneDXSchema(t)
	if err := validateBOM(t, schema, []byte(body)); err != nil {
		t.Errorf("served BOM invalid: %v", err)
	}
	if strings.Contains(body, "faq-bot") {
		t.Error("per-system BOM contains another system")
	}
	code, _, body = get(t, srv.URL+"/inventory/cyclonedx")
	if code != 200 || !strings.Contains(body, "faq-bot") || !strings.Contains(body, "credit-scoring") {
		t.Errorf("inventory BOM: %d", code)
	}
	if err := validateBOM(t, schema, []byte(body)); err != nil {
		t.Errorf("served inventory BOM invalid: %v", err)
	}

	// A retired system stays listed, marked retired.
	if err := faq.Retire(context.Background(), "merged into support-chat"); err != nil {
		t.Fatal(err)
	}
	_, _, body = get(t, base+"faq-bot")
	if err := json.Unmarshal([]byte(body), &e); err != nil || !e.Retired || e.System.Lifecycle != StageRetired {
		t.Errorf("retired entry: %v %+v", err, e)
	}
}

func TestHandlerErrors(t *testing.T) {
	srv, _ := testServer(t)
	for _, path := range []string{"/inventory/systems/nope", "/inventory/systems/nope/modelcard", "/inventory/systems/nope/cyclonedx", "/inventory/whatever"} {
		code, ct, body := get(t, srv.URL+path)
		var eb errorBody
		if code != 404 || ct != "application/json" || json.Unmarshal([]byte(body), &eb) != nil || eb.Error == "" {
			t.Errorf("%s: %d %s %q", path, code, ct, body)
		}
	}
	_, _, body := get(t, srv.URL+"/inventory/systems/nope")
	if !strings.Contains(body, `no system \"nope\"`) {
		t.Errorf("404 body does not name the system: %s", body)
	}
	resp, err := http.Post(srv.URL+"/inventory/systems", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
}

func httpGet(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}
