package oversight_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

const (
	tokAlice = "tok-alice-7f3a"
	tokBob   = "tok-bob-91cc"
	tokNoRol = "tok-guest-0000"
	tokCarol = "tok-carol-5e5e"
)

type consoleHarness struct {
	*harness
	srv    *httptest.Server
	ticket string
	client *http.Client
}

func newConsoleHarness(t *testing.T, opts ...oversight.ConsoleOption) *consoleHarness {
	t.Helper()
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	out, err := h.gate.Submit(oversight.ContextWithSubmitter(context.Background(), "svc-credit"), decision(t, "credit", "deny", 0.46, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	auth := oversight.BearerTokens(map[string]oversight.Reviewer{
		tokAlice: alice, tokBob: bob, tokNoRol: {ID: "guest"}, tokCarol: carol,
	})
	c, err := oversight.NewConsole(h.gate, auth, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &consoleHarness{harness: h, srv: srv, ticket: out.Ticket.ID, client: client}
}

func (c *consoleHarness) do(t *testing.T, method, path, token string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *consoleHarness) csrf(t *testing.T, token string) string {
	t.Helper()
	_, body := c.do(t, "GET", "/", token, nil, nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the queue page:\n%s", body)
	}
	return m[1]
}

func form(v url.Values) (io.Reader, map[string]string) {
	return strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
}

func TestConsoleAuthentication(t *testing.T) {
	c := newConsoleHarness(t)
	for _, p := range []string{"/", "/tickets/" + c.ticket, "/api/tickets"} {
		resp, _ := c.do(t, "GET", p, "", nil, nil)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without credentials: %d", p, resp.StatusCode)
		}
		resp, _ = c.do(t, "GET", p, "wrong-token", nil, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a bad token: %d", p, resp.StatusCode)
		}
		resp, _ = c.do(t, "GET", p, tokNoRol, nil, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s without a reviewer role: %d", p, resp.StatusCode)
		}
	}
	resp, body := c.do(t, "GET", "/api/tickets", "", nil, nil)
	if !strings.Contains(resp.Header.Get("Content-Type"), "json") || !strings.Contains(body, "not authenticated") {
		t.Errorf("API 401 body %q", body)
	}
}

func TestConsolePagesShowExplanationWithoutSecrets(t *testing.T) {
	c := newConsoleHarness(t)
	resp, queue := c.do(t, "GET", "/", tokAlice, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(queue, c.ticket) || !strings.Contains(queue, "adverse_outcome") {
		t.Fatalf("queue page %d:\n%s", resp.StatusCode, queue)
	}
	resp, page := c.do(t, "GET", "/tickets/"+c.ticket, tokAlice, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("ticket page %d", resp.StatusCode)
	}
	for _, want := range []string{"Income below typical approved range", "R01", "approved if income ≥ 52,000",
		"0.46", "0.5", "automation bias", `id="override-form"`, `id="approve-form"`, `id="reject-form"`} {
		if !strings.Contains(page, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	for _, secret := range []string{tokAlice, tokBob, "Bearer"} {
		if strings.Contains(page, secret) || strings.Contains(queue, secret) {
			t.Errorf("page contains secret %q", secret)
		}
	}
	// The inline style is exactly what the CSP hash allows; nothing else loads.
	csp := resp.Header.Get("Content-Security-Policy")
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no style element")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q does not allow exactly the inline style", csp)
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("page loads scripts or external assets")
	}
	if resp, _ := c.do(t, "GET", "/tickets/nope", tokAlice, nil, nil); resp.StatusCode != 404 {
		t.Errorf("unknown ticket page: %d", resp.StatusCode)
	}
}

func TestConsoleCSRF(t *testing.T) {
	c := newConsoleHarness(t)
	bobToken := c.csrf(t, tokBob)
	cases := map[string]struct {
		csrf string
		hdr  map[string]string
	}{
		"no token":             {"", nil},
		"forged token":         {"AAAA", nil},
		"another user's token": {c.csrf(t, tokAlice), nil},
		"cross-site request":   {bobToken, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"foreign origin":       {bobToken, map[string]string{"Origin": "https://evil.example"}},
	}
	for name, tc := range cases {
		body, hdr := form(url.Values{"csrf": {tc.csrf}, "action": {"override"}, "output": {"approve"}, "reason": {"csrf test"}})
		for k, v := range tc.hdr {
			hdr[k] = v
		}
		resp, _ := c.do(t, "POST", "/tickets/"+c.ticket, tokBob, body, hdr)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.StatusCode)
		}
	}
	tk, _ := c.gate.Ticket(context.Background(), c.ticket)
	if tk.State != oversight.StatePending || len(tk.Votes) != 0 {
		t.Fatalf("a CSRF attempt changed the ticket: %+v", tk)
	}
}

func TestConsoleFormOverride(t *testing.T) {
	c := newConsoleHarness(t)
	tok := c.csrf(t, tokBob)
	// Override without a reason: shown as a problem, nothing applied.
	body, hdr := form(url.Values{"csrf": {tok}, "action": {"override"}, "output": {"approve"}})
	resp, page := c.do(t, "POST", "/tickets/"+c.ticket, tokBob, body, hdr)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "reason is required") {
		t.Fatalf("override without reason: %d", resp.StatusCode)
	}
	body, hdr = form(url.Values{"csrf": {tok}, "action": {"override"}, "output": {"approve"}, "reason": {"payslips verified"}})
	resp, _ = c.do(t, "POST", "/tickets/"+c.ticket, tokBob, body, hdr)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("override: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	u, _ := url.Parse(loc)
	resp, page = c.do(t, "GET", u.RequestURI(), tokBob, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `id="outcome-action">override`) || !strings.Contains(page, "payslips verified") {
		t.Fatalf("outcome page after override:\n%s", page)
	}
	recs := c.rec.all()
	last := recs[len(recs)-1]
	if last.Oversight.Action != aims.ActionOverride || last.Oversight.Reviewer != "bob" || last.Output != "approve" {
		t.Fatalf("recorded %+v", last.Oversight)
	}
	// Acting again: conflict.
	body, hdr = form(url.Values{"csrf": {c.csrf(t, tokAlice)}, "action": {"approve"}})
	if resp, _ := c.do(t, "POST", "/tickets/"+c.ticket, tokAlice, body, hdr); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second action: %d", resp.StatusCode)
	}
}

func TestConsoleClaim(t *testing.T) {
	c := newConsoleHarness(t)
	body, hdr := form(url.Values{"csrf": {c.csrf(t, tokAlice)}})
	resp, _ := c.do(t, "POST", "/claim", tokAlice, body, hdr)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/tickets/"+c.ticket) {
		t.Fatalf("claim: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	body, hdr = form(url.Values{"csrf": {c.csrf(t, tokBob)}})
	resp, _ = c.do(t, "POST", "/claim", tokBob, body, hdr)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "notice=") {
		t.Fatalf("claim on empty queue: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestConsoleJSONAPI(t *testing.T) {
	c := newConsoleHarness(t)
	resp, body := c.do(t, "GET", "/api/tickets", tokAlice, nil, nil)
	var list struct{ Tickets []oversight.Ticket }
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 || len(list.Tickets) != 1 {
		t.Fatalf("list: %d %v %s", resp.StatusCode, err, body)
	}
	resp, body = c.do(t, "GET", "/api/tickets/"+c.ticket, tokAlice, nil, nil)
	var one struct {
		Pending bool
		Ticket  oversight.Ticket
	}
	if err := json.Unmarshal([]byte(body), &one); err != nil || !one.Pending || one.Ticket.Decision.Explanation.ReasonCodes[0].Code != "R01" {
		t.Fatalf("get: %d %v %s", resp.StatusCode, err, body)
	}
	js := map[string]string{"Content-Type": "application/json"}
	post := func(token, action, payload string, hdr map[string]string) (int, string) {
		resp, body := c.do(t, "POST", "/api/tickets/"+c.ticket+"/"+action, token, strings.NewReader(payload), hdr)
		return resp.StatusCode, body
	}
	if code, _ := post(tokBob, "approve", `{"reason":"x"}`, map[string]string{"Content-Type": "text/plain"}); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain post: %d", code)
	}
	if code, _ := post(tokBob, "override", `{"output":"approve"}`, js); code != http.StatusUnprocessableEntity {
		t.Errorf("override without reason: %d", code)
	}
	if code, _ := post(tokBob, "launch", `{}`, js); code != http.StatusNotFound {
		t.Errorf("unknown action: %d", code)
	}
	if code, _ := post(tokBob, "approve", `{"reason":1}`, js); code != http.StatusBadRequest {
		t.Errorf("bad body: %d", code)
	}
	// The submitter may not review its own decision.
	c2 := newConsoleHarness(t)
	svc, _ := oversight.NewConsole(c2.gate, oversight.AuthenticatorFunc(func(*http.Request) (oversight.Reviewer, error) {
		return oversight.Reviewer{ID: "svc-credit", Roles: []string{"reviewer"}}, nil
	}))
	rr := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/tickets/"+c2.ticket+"/approve", strings.NewReader(`{"reason":"self"}`))
	req.Header.Set("Content-Type", "application/json")
	svc.ServeHTTP(rr, req)
	if rr.Code != http.StatusForbidden || !strings.Contains(rr.Body.String(), "four-eyes") {
		t.Errorf("submitter approving own decision: %d %s", rr.Code, rr.Body.String())
	}
	code, body := post(tokBob, "approve", `{"reason":"evidence checked"}`, js)
	if code != 200 || !strings.Contains(body, `"applied": true`) {
		t.Fatalf("approve: %d %s", code, body)
	}
	if code, _ := post(tokAlice, "reject", `{"reason":"late"}`, js); code != http.StatusConflict {
		t.Errorf("acting twice: %d", code)
	}
	resp, _ = c.do(t, "POST", "/api/tickets/nope/approve", tokBob, strings.NewReader(`{}`), js)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown ticket: %d", resp.StatusCode)
	}
}

func TestConsoleTrustedHeaderAndBasePath(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	c, err := oversight.NewConsole(h.gate, oversight.TrustedHeader("X-Remote-User", "X-Remote-Roles"), oversight.WithBasePath("/oversight"))
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/oversight/", nil)
	req.Header.Set("X-Remote-User", "carol")
	req.Header.Set("X-Remote-Roles", "supervisor, auditor")
	c.ServeHTTP(rr, req)
	if rr.Code != 200 || !strings.Contains(rr.Body.String(), `action="/oversight/claim"`) || !strings.Contains(rr.Body.String(), "carol") {
		t.Fatalf("base path page: %d\n%s", rr.Code, rr.Body.String())
	}
	rr = httptest.NewRecorder()
	c.ServeHTTP(rr, httptest.NewRequest("GET", "/elsewhere", nil))
	if rr.Code != 404 {
		t.Fatalf("outside base path: %d", rr.Code)
	}
	if _, err := oversight.NewConsole(h.gate, oversight.TrustedHeader("a", "b"), oversight.WithCSRFKey([]byte("short"))); err == nil {
		t.Fatal("short CSRF key accepted")
	}
}

func TestConsoleHaltAndResume(t *testing.T) {
	c := newConsoleHarness(t)
	ctx := context.Background()
	body, hdr := form(url.Values{"csrf": {c.csrf(t, tokAlice)}, "system": {"credit"}, "reason": {"complaints spike"}})
	resp, _ := c.do(t, "POST", "/halt", tokAlice, body, hdr)
	if resp.StatusCode != http.StatusSeeOther || !c.gate.Halted("credit") {
		t.Fatalf("halt: %d, halted=%v", resp.StatusCode, c.gate.Halted("credit"))
	}
	if o, _ := c.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false)); o.Applied {
		t.Fatal("decision of a halted system applied")
	}
	_, page := c.do(t, "GET", "/", tokAlice, nil, nil)
	if !strings.Contains(page, "complaints spike") || strings.Contains(page, "/resume") {
		t.Fatal("queue page should list the halt, without a resume form for a plain reviewer")
	}
	// Without CSRF: refused.
	body, hdr = form(url.Values{"system": {"credit"}, "reason": {"x"}})
	if resp, _ := c.do(t, "POST", "/resume", tokAlice, body, hdr); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("resume without CSRF: %d", resp.StatusCode)
	}
	// A reviewer may not resume.
	body, hdr = form(url.Values{"csrf": {c.csrf(t, tokAlice)}, "system": {"credit"}, "reason": {"fine now"}})
	if resp, _ := c.do(t, "POST", "/resume", tokAlice, body, hdr); resp.StatusCode != http.StatusForbidden || !c.gate.Halted("credit") {
		t.Fatalf("resume by a reviewer: %d", resp.StatusCode)
	}
	// A halt without a reason is refused.
	body, hdr = form(url.Values{"csrf": {c.csrf(t, tokAlice)}, "system": {"hiring"}})
	if resp, _ := c.do(t, "POST", "/halt", tokAlice, body, hdr); resp.StatusCode != http.StatusUnprocessableEntity || c.gate.Halted("hiring") {
		t.Fatalf("halt without reason: %d", resp.StatusCode)
	}
	body, hdr = form(url.Values{"csrf": {c.csrf(t, tokCarol)}, "system": {"credit"}, "reason": {"root cause fixed"}})
	if resp, _ := c.do(t, "POST", "/resume", tokCarol, body, hdr); resp.StatusCode != http.StatusSeeOther || c.gate.Halted("credit") {
		t.Fatalf("resume by a supervisor: %d", resp.StatusCode)
	}
	want := []aims.OversightAction{aims.ActionReview, aims.ActionHalt, aims.ActionBlock, aims.ActionResume}
	if got := c.rec.actions(); !equalActions(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

// TestConsoleBodiesAreBounded: every form and API body to the console is
// bounded (64 KiB), not only the ticket form's: an 8 MB halt form is
// refused with 413 before the Gate sees it, and the system stays running.
func TestConsoleBodiesAreBounded(t *testing.T) {
	c := newConsoleHarness(t)
	huge := strings.Repeat("A", 8<<20)
	for _, path := range []string{"/halt", "/resume", "/claim", "/tickets/" + c.ticket} {
		body, hdr := form(url.Values{"csrf": {c.csrf(t, tokCarol)}, "system": {"credit"}, "action": {"reject"}, "reason": {huge}})
		if resp, _ := c.do(t, "POST", path, tokCarol, body, hdr); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with an 8 MB form: %d, want 413", path, resp.StatusCode)
		}
	}
	if c.gate.Halted("credit") {
		t.Error("an 8 MB halt form halted the system")
	}
	resp, _ := c.do(t, "POST", "/api/tickets/"+c.ticket+"/reject", tokCarol,
		strings.NewReader(`{"reason":"`+huge+`"}`), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("API body of 8 MB: %d, want 413", resp.StatusCode)
	}
	// Within the body bound but over MaxReasonBytes: the Gate refuses it.
	body, hdr := form(url.Values{"csrf": {c.csrf(t, tokCarol)}, "system": {"credit"}, "reason": {strings.Repeat("A", oversight.MaxReasonBytes+1)}})
	if resp, _ := c.do(t, "POST", "/halt", tokCarol, body, hdr); resp.StatusCode != http.StatusUnprocessableEntity || c.gate.Halted("credit") {
		t.Errorf("halt with a reason over MaxReasonBytes: %d, halted %v", resp.StatusCode, c.gate.Halted("credit"))
	}
}
