package aims

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// call sends one request to h and returns the status and the body.
func call(t testing.TB, h http.Handler, method, path, body string, mod ...func(*http.Request)) (int, string, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, m := range mod {
		m(req)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String(), w.Header()
}

// problemOf decodes a problem response.
func problemOf(t testing.TB, body string) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("not a problem: %q", body)
	}
	return p
}

func TestIncidentHTTPFlow(t *testing.T) {
	e := newBookEnv(t, RiskHigh)
	h := e.book.Handler()
	dec := uuid.NewString()
	code, body, hdr := call(t, h, "POST", "/incidents", `{"title":"refusals spike","severity":"high","serious":"other","by":"alice","decisions":["`+dec+`"],"aware_at":"2026-12-01T08:00:00Z"}`)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %s", code, body)
	}
	var in Incident
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if hdr.Get("Location") != "incidents/"+in.ID || in.State != IncidentOpen || in.ReportDeadline == nil || in.Decisions[0] != dec {
		t.Fatalf("opened %+v (Location %q)", in, hdr.Get("Location"))
	}
	steps := []struct{ path, body string }{
		{"/update", `{"to":"investigating","by":"bob","note":"on it"}`},
		{"/owner", `{"owner":"risk-team","by":"bob"}`},
		{"/decisions", `{"decisions":["` + uuid.NewString() + `"],"by":"bob"}`},
		{"/risks", `{"risks":["R-3"],"by":"bob"}`},
		{"/classification", `{"severity":"critical","serious":"death","by":"bob","note":"a death was reported"}`},
		{"/update", `{"to":"corrective_action","by":"bob","root_cause":"r","corrective_action":"c"}`},
		{"/update", `{"to":"verified","by":"carol","verification":"v"}`},
		{"/reported", `{"by":"carol","at":"2026-12-01T08:30:00Z","note":"ref 77"}`},
		{"/update", `{"to":"closed","by":"carol"}`},
	}
	for _, s := range steps {
		code, body, _ := call(t, h, "POST", "/incidents/"+in.ID+s.path, s.body)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", s.path, code, body)
		}
	}
	code, body, _ = call(t, h, "GET", "/incidents/"+in.ID, "")
	var got Incident
	if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.State != IncidentClosed || got.Owner != "risk-team" ||
		len(got.Decisions) != 2 || got.Serious != SeriousDeath || got.ReportedAt == nil {
		t.Fatalf("get: %d %+v", code, got)
	}
	if n := len(e.records(t)); n != len(steps)+1 {
		t.Fatalf("%d records for %d changes", n, len(steps)+1)
	}
	// List, filter and page.
	for range 4 {
		call(t, h, "POST", "/incidents", `{"title":"t","severity":"low","by":"a"}`)
	}
	var list incidentList
	code, body, _ = call(t, h, "GET", "/incidents?state=open", "")
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Incidents) != 4 || list.Next != "" {
		t.Fatalf("list open: %d %s", code, body)
	}
	code, body, _ = call(t, h, "GET", "/incidents?limit=3", "")
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Incidents) != 3 || list.Next == "" {
		t.Fatalf("page 1: %d %s", code, body)
	}
	first, next := list.Incidents, list.Next
	list = incidentList{}
	code, body, _ = call(t, h, "GET", "/incidents?limit=3&before="+next, "")
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Incidents) != 2 || list.Next != "" ||
		list.Incidents[0].ID >= first[2].ID || list.Incidents[1].ID != in.ID {
		t.Fatalf("page 2: %d %s", code, body)
	}
}

func TestIncidentHTTPRefusals(t *testing.T) {
	e := newBookEnv(t, RiskHigh, WithMaxOpenIncidents(10))
	h := e.book.Handler()
	_, body, _ := call(t, h, "POST", "/incidents", `{"title":"t","severity":"low","by":"a"}`)
	var in Incident
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	big := `{"title":"` + strings.Repeat("x", maxIncidentBody) + `","severity":"low","by":"a"}`
	for name, c := range map[string]struct {
		method, path, body string
		mod                func(*http.Request)
		code               int
		field              string
	}{
		"unknown field":   {"POST", "/incidents", `{"title":"t","severity":"low","by":"a","admin":true}`, nil, 400, "admin"},
		"case folded":     {"POST", "/incidents", `{"Title":"t","severity":"low","by":"a"}`, nil, 400, "Title"},
		"repeated field":  {"POST", "/incidents", `{"title":"t","title":"u","severity":"low","by":"a"}`, nil, 400, "title"},
		"wrong type":      {"POST", "/incidents", `{"title":7,"severity":"low","by":"a"}`, nil, 400, "title"},
		"not an array":    {"POST", "/incidents", `{"title":"t","severity":"low","by":"a","decisions":"x"}`, nil, 400, "decisions"},
		"missing title":   {"POST", "/incidents", `{"severity":"low","by":"a"}`, nil, 400, "title"},
		"bad severity":    {"POST", "/incidents", `{"title":"t","severity":"meh","by":"a"}`, nil, 400, "severity"},
		"alarm source":    {"POST", "/incidents", `{"title":"t","severity":"low","by":"a","source":"halt"}`, nil, 400, "source"},
		"bad time":        {"POST", "/incidents", `{"title":"t","severity":"low","by":"a","aware_at":"yesterday"}`, nil, 400, ""},
		"zero time":       {"POST", "/incidents", `{"title":"t","severity":"low","by":"a","aware_at":"0001-01-01T00:00:00Z"}`, nil, 400, "aware_at"},
		"two values":      {"POST", "/incidents", `{"title":"t","severity":"low","by":"a"} {}`, nil, 400, ""},
		"array body":      {"POST", "/incidents", `[]`, nil, 400, ""},
		"truncated":       {"POST", "/incidents", `{"title":"t"`, nil, 400, ""},
		"too large":       {"POST", "/incidents", big, nil, 413, ""},
		"no content type": {"POST", "/incidents", `{}`, func(r *http.Request) { r.Header.Del("Content-Type") }, 415, ""},
		"form":            {"POST", "/incidents", `title=t`, func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") }, 415, ""},
		"unknown id":      {"GET", "/incidents/" + uuid.NewString(), "", nil, 404, ""},
		"unknown id post": {"POST", "/incidents/nope/owner", `{"owner":"o","by":"a"}`, nil, 404, ""},
		"skip a state":    {"POST", "/incidents/" + in.ID + "/update", `{"to":"verified","by":"a"}`, nil, 409, "to"},
		"bad decision":    {"POST", "/incidents/" + in.ID + "/decisions", `{"decisions":["x"],"by":"a"}`, nil, 400, "decisions[0]"},
		"future report":   {"POST", "/incidents/" + in.ID + "/reported", `{"by":"a","at":"2099-01-01T00:00:00Z"}`, nil, 400, "at"},
		"bad state query": {"GET", "/incidents?state=opne", "", nil, 400, "state"},
		"bad limit":       {"GET", "/incidents?limit=0", "", nil, 400, "limit"},
		"unknown query":   {"GET", "/incidents?sort=title", "", nil, 400, "sort"},
		"method":          {"DELETE", "/incidents/" + in.ID, "", nil, 405, ""},
		"actor mismatch": {"POST", "/incidents/" + in.ID + "/owner", `{"owner":"o","by":"mallory"}`,
			func(r *http.Request) { *r = *r.WithContext(ContextWithActor(r.Context(), "alice")) }, 400, "by"},
	} {
		code, body, hdr := call(t, h, c.method, c.path, c.body, func(r *http.Request) {
			if c.mod != nil {
				c.mod(r)
			}
		})
		if code != c.code {
			t.Errorf("%s: %d %s, want %d", name, code, body, c.code)
			continue
		}
		if code == 405 {
			continue
		}
		p := problemOf(t, body)
		if hdr.Get("Content-Type") != "application/problem+json" || p.Status != code || p.Field != c.field || p.Title == "" {
			t.Errorf("%s: problem %+v (%s), want field %q", name, p, hdr.Get("Content-Type"), c.field)
		}
	}
	// The actor from the context wins over an absent "by".
	code, body, _ := call(t, h, "POST", "/incidents/"+in.ID+"/owner", `{"owner":"o"}`, func(r *http.Request) {
		*r = *r.WithContext(ContextWithActor(r.Context(), "alice"))
	})
	if code != 200 {
		t.Fatalf("owner with context actor: %d %s", code, body)
	}
	recs := e.records(t)
	if last := recs[len(recs)-1]; last.Actor != "alice" {
		t.Fatalf("actor %q, want the authenticated one", last.Actor)
	}
	// Too many open incidents: 429.
	for range 8 {
		call(t, h, "POST", "/incidents", `{"title":"t","severity":"low","by":"a"}`)
	}
	if code, body, _ := call(t, h, "POST", "/incidents", `{"title":"t","severity":"low","by":"a"}`); code != http.StatusTooManyRequests {
		t.Fatalf("beyond the bound: %d %s", code, body)
	}
	// A closed book: 503.
	if err := e.book.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call(t, h, "POST", "/incidents/"+in.ID+"/owner", `{"owner":"p","by":"a"}`); code != http.StatusServiceUnavailable {
		t.Fatalf("closed book: %d", code)
	}
}

func TestIncidentConsoleEscapes(t *testing.T) {
	e := newBookEnv(t, RiskHigh)
	ctx := context.Background()
	if _, err := e.book.Open(ctx, IncidentReport{Title: `<script>alert(1)</script>`, Severity: SeverityHigh, Serious: SeriousOther, By: `"><img src=x>`, Owner: "<b>o</b>"}); err != nil {
		t.Fatal(err)
	}
	code, body, hdr := call(t, e.book.Handler(), "GET", "/", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("console: %d %v", code, hdr)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "<b>o") || !strings.Contains(body, "&lt;script&gt;") || !strings.Contains(body, `class="late"`) {
		t.Fatalf("console does not escape: %s", body)
	}
	if hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
}

// FuzzIncidentHandler sends arbitrary bodies and query strings to every
// route: the handler answers (never panics), and only 2xx answers change
// the book.
func FuzzIncidentHandler(f *testing.F) {
	for _, s := range []string{`{"title":"t","severity":"low","by":"a"}`, `{"to":"investigating","by":"a"}`, `{"decisions":["x"],"by":"a"}`,
		`{"a":{"b":[1,2,{"c":null}]}}`, `{"title":"\ud800","severity":"low","by":"a"}`, `{"at":"2026-01-01T00:00:00+99:00","by":"a"}`, "\x00", `{"risks":[null],"by":"a"}`} {
		f.Add(s, "state=open&limit=2")
	}
	e := newBookEnv(f, RiskHigh)
	h := e.book.Handler()
	seed, err := e.book.Open(context.Background(), IncidentReport{Title: "seed", Severity: SeverityLow, By: "a"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, query string) {
		for _, p := range []string{"/incidents", "/incidents/" + seed.ID + "/update", "/incidents/" + seed.ID + "/owner",
			"/incidents/" + seed.ID + "/decisions", "/incidents/" + seed.ID + "/risks", "/incidents/" + seed.ID + "/reported",
			"/incidents/" + seed.ID + "/classification"} {
			code, resp, _ := call(t, h, "POST", p, body)
			if code >= 500 {
				t.Fatalf("%s: %d %s", p, code, resp)
			}
		}
		req := httptest.NewRequest("GET", "/incidents", nil)
		req.URL.RawQuery = query
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("list ?%s: %d", query, w.Code)
		}
	})
}
