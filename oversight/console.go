package oversight

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// Console is the reviewers' http.Handler: a JSON API and a small
// server-rendered HTML console (no scripts, no external assets).
//
//	GET  /                         queue page
//	POST /claim                    claim the next ticket (form), redirect to it
//	POST /halt                     halt an AI system (form: system, reason)
//	POST /resume                   resume a halted system (form; resume roles only)
//	GET  /tickets/{id}             ticket page: decision, explanation, forms
//	POST /tickets/{id}             approve / reject / override (form)
//	GET  /api/tickets              open tickets (JSON)
//	GET  /api/tickets/{id}         one ticket with its decision and explanation (JSON)
//	POST /api/tickets/{id}/{action} approve|reject|override, body {"reason": …, "output": …}
//
// Every request is authenticated through the Authenticator (401 without an
// identity) and needs one of the viewer roles (403 otherwise). Form posts
// carry a CSRF token bound to the reviewer and are also checked with
// net/http's cross-origin protection; JSON posts must be
// application/json, which browsers cannot send cross-origin without CORS.
type Console struct {
	gate        *Gate
	auth        Authenticator
	csrfKey     []byte
	base        string
	viewerRoles []string
	resumeRoles []string
	mux         *http.ServeMux
	cop         *http.CrossOriginProtection
}

// consoleConfig is what ConsoleOptions set.
type consoleConfig struct {
	csrfKey     []byte
	base        string
	viewerRoles []string
	resumeRoles []string
	// errs collects the invalid arguments of options; NewConsole reports
	// them all.
	errs []error
}

// ConsoleOption configures a Console. An option given an invalid argument
// makes NewConsole return an error naming it.
type ConsoleOption interface{ apply(*consoleConfig) }

type consoleOptionFunc func(*consoleConfig)

func (f consoleOptionFunc) apply(c *consoleConfig) { f(c) }

// WithCSRFKey sets the key CSRF tokens are derived from (at least 32
// bytes). Replicas behind one load balancer need the same key; by default
// each Console draws a random one.
func WithCSRFKey(key []byte) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) {
		if len(key) < 32 {
			c.errs = append(c.errs, fmt.Errorf("oversight: CSRF key has %d bytes; it needs at least 32", len(key)))
			return
		}
		c.csrfKey = append([]byte(nil), key...)
	})
}

// WithBasePath tells the Console the path prefix it is mounted under (for
// example "/oversight"), so that its links and form actions point there.
// The Console strips the prefix itself.
func WithBasePath(prefix string) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) {
		if prefix != "" && (!strings.HasPrefix(prefix, "/") || strings.HasSuffix(prefix, "/")) {
			c.errs = append(c.errs, fmt.Errorf("oversight: base path %q must start with / and not end with /", prefix))
			return
		}
		c.base = prefix
	})
}

// WithViewerRoles sets the roles allowed to use the console at all;
// default "reviewer" and "supervisor". Who may act on which ticket is
// still the Gate's Authorizer's decision.
func WithViewerRoles(roles ...string) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) {
		if len(roles) == 0 {
			c.errs = append(c.errs, errors.New("oversight: WithViewerRoles needs at least one role"))
			return
		}
		c.viewerRoles = append([]string(nil), roles...)
	})
}

// WithResumeRoles sets the roles allowed to resume a halted system from the
// console; default "supervisor". Any console user may halt one: the stop
// button must not wait for a supervisor.
func WithResumeRoles(roles ...string) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) {
		if len(roles) == 0 {
			c.errs = append(c.errs, errors.New("oversight: WithResumeRoles needs at least one role"))
			return
		}
		c.resumeRoles = append([]string(nil), roles...)
	})
}

// NewConsole returns the reviewer console for g.
func NewConsole(g *Gate, auth Authenticator, opts ...ConsoleOption) (*Console, error) {
	if g == nil || auth == nil {
		return nil, errors.New("oversight: NewConsole needs a Gate and an Authenticator")
	}
	cfg := consoleConfig{viewerRoles: []string{"reviewer", "supervisor"}, resumeRoles: []string{"supervisor"}}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if cfg.csrfKey == nil {
		cfg.csrfKey = make([]byte, 32)
		if _, err := rand.Read(cfg.csrfKey); err != nil {
			return nil, fmt.Errorf("oversight: CSRF key: %w", err)
		}
	}
	c := &Console{gate: g, auth: auth, csrfKey: cfg.csrfKey, base: cfg.base, viewerRoles: cfg.viewerRoles,
		resumeRoles: cfg.resumeRoles, cop: http.NewCrossOriginProtection()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.queuePage)
	mux.HandleFunc("POST /claim", c.claimForm)
	mux.HandleFunc("POST /halt", c.haltForm)
	mux.HandleFunc("POST /resume", c.haltForm)
	mux.HandleFunc("GET /tickets/{id}", c.ticketPage)
	mux.HandleFunc("POST /tickets/{id}", c.actForm)
	mux.HandleFunc("GET /api/tickets", c.apiList)
	mux.HandleFunc("GET /api/tickets/{id}", c.apiGet)
	mux.HandleFunc("POST /api/tickets/{id}/{action}", c.apiAct)
	c.mux = mux
	return c, nil
}

type reviewerKey struct{}

var errUnknownAction = errors.New("oversight: unknown action")

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if c.base != "" {
		rest, ok := strings.CutPrefix(r.URL.Path, c.base)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if rest == "" {
			rest = "/"
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = rest
		r2.URL.RawPath = ""
		r = r2
	}
	rev, err := c.auth.Authenticate(r)
	if err != nil || rev.ID == "" {
		h.Set("WWW-Authenticate", `Bearer realm="aimskit oversight"`)
		c.fail(w, r, http.StatusUnauthorized, ErrUnauthenticated)
		return
	}
	if !rev.hasAnyRole(c.viewerRoles) {
		c.fail(w, r, http.StatusForbidden, fmt.Errorf("%w: %q holds none of the console roles %q", ErrForbidden, rev.ID, c.viewerRoles))
		return
	}
	if err := c.cop.Check(r); err != nil {
		c.fail(w, r, http.StatusForbidden, fmt.Errorf("oversight: cross-origin request refused: %w", err))
		return
	}
	// One bound for every form and API body: a form read past it fails
	// (checkCSRF), so nothing larger reaches the Gate.
	r.Body = http.MaxBytesReader(w, r.Body, maxConsoleBody)
	c.mux.ServeHTTP(w, r.WithContext(contextWithReviewer(r, rev)))
}

func contextWithReviewer(r *http.Request, rev Reviewer) context.Context {
	return context.WithValue(r.Context(), reviewerKey{}, rev)
}

func reviewerOf(r *http.Request) Reviewer {
	rev, _ := r.Context().Value(reviewerKey{}).(Reviewer)
	return rev
}

// csrfToken is HMAC-SHA256(key, reviewer ID): unguessable for another site,
// stable for the reviewer, and no secret of the reviewer's.
func (c *Console) csrfToken(rev Reviewer) string {
	m := hmac.New(sha256.New, c.csrfKey)
	io.WriteString(m, "aimskit-oversight-csrf\x00"+rev.ID)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// maxConsoleBody bounds a request body to the console; a form or API
// call needs a few kilobytes.
const maxConsoleBody = 64 << 10

// errBodyTooLarge: a request body over maxConsoleBody.
var errBodyTooLarge = fmt.Errorf("oversight: request body over %d bytes", maxConsoleBody)

// checkCSRF reads the form and checks its CSRF token. A form over
// maxConsoleBody is errBodyTooLarge, which statusOf maps to 413.
func (c *Console) checkCSRF(r *http.Request, rev Reviewer) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errBodyTooLarge
		}
		return fmt.Errorf("oversight: unreadable form: %w", err)
	}
	got := r.PostFormValue("csrf")
	want := c.csrfToken(rev)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errors.New("oversight: missing or invalid CSRF token; reload the page and try again")
	}
	return nil
}

// formStatus maps a checkCSRF error to its HTTP status.
func formStatus(err error) int {
	if errors.Is(err, errBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusForbidden
}

// statusOf maps Gate errors to HTTP status codes.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrTicketNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrAlreadyResolved), errors.Is(err, ErrAlreadyActed), errors.Is(err, ErrClaimed),
		errors.Is(err, ErrTicketExpired), errors.Is(err, ErrHalted):
		return http.StatusConflict
	case errors.Is(err, ErrReasonRequired), errors.Is(err, ErrReasonTooLong), errors.Is(err, ErrOutputRequired):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrQueueFull):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrQueueEmpty):
		return http.StatusNotFound
	case errors.Is(err, errUnknownAction):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// fail answers with an error: JSON for the API, a small page otherwise.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	msg := err.Error()
	if status == http.StatusInternalServerError {
		msg = "internal error"
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "error", map[string]any{"Base": c.base, "Status": status, "StatusText": http.StatusText(status), "Message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (c *Console) queuePage(w http.ResponseWriter, r *http.Request) {
	q, err := c.gate.Queue(r.Context(), 200)
	if err != nil {
		c.fail(w, r, statusOf(err), err)
		return
	}
	rev := reviewerOf(r)
	c.render(w, "queue", map[string]any{
		"Base": c.base, "Reviewer": rev, "CSRF": c.csrfToken(rev), "Tickets": q,
		"Now": c.gate.now(), "Notice": c.noticeText(r), "Halts": c.gate.Halts(),
		"CanResume": rev.hasAnyRole(c.resumeRoles),
	})
}

func (c *Console) haltForm(w http.ResponseWriter, r *http.Request) {
	rev := reviewerOf(r)
	if err := c.checkCSRF(r, rev); err != nil {
		c.fail(w, r, formStatus(err), err)
		return
	}
	system, reason := strings.TrimSpace(r.PostFormValue("system")), r.PostFormValue("reason")
	var err error
	notice := "halted"
	if r.URL.Path == "/resume" {
		if !rev.hasAnyRole(c.resumeRoles) {
			c.fail(w, r, http.StatusForbidden, fmt.Errorf("%w: resuming a halted system needs one of the roles %q", ErrForbidden, c.resumeRoles))
			return
		}
		err = c.gate.Resume(r.Context(), system, rev, reason)
		notice = "resumed"
	} else {
		err = c.gate.Halt(r.Context(), system, rev, reason)
	}
	if err != nil {
		status := statusOf(err)
		if status == http.StatusInternalServerError {
			status = http.StatusBadRequest
		}
		c.fail(w, r, status, err)
		return
	}
	http.Redirect(w, r, c.base+"/?notice="+notice+"&system="+url.QueryEscape(system), http.StatusSeeOther)
}

func (c *Console) claimForm(w http.ResponseWriter, r *http.Request) {
	rev := reviewerOf(r)
	if err := c.checkCSRF(r, rev); err != nil {
		c.fail(w, r, formStatus(err), err)
		return
	}
	t, err := c.gate.Claim(r.Context(), rev)
	if errors.Is(err, ErrQueueEmpty) {
		http.Redirect(w, r, c.base+"/?notice=nothing-to-claim", http.StatusSeeOther)
		return
	}
	if err != nil {
		c.fail(w, r, statusOf(err), err)
		return
	}
	http.Redirect(w, r, c.base+"/tickets/"+url.PathEscape(t.ID), http.StatusSeeOther)
}

func (c *Console) ticketPage(w http.ResponseWriter, r *http.Request) {
	c.showTicket(w, r, http.StatusOK, "")
}

func (c *Console) showTicket(w http.ResponseWriter, r *http.Request, status int, problem string) {
	out, err := c.gate.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, statusOf(err), err)
		return
	}
	rev := reviewerOf(r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "ticket", map[string]any{
		"Base": c.base, "Reviewer": rev, "CSRF": c.csrfToken(rev), "T": out.Ticket, "Outcome": out,
		"Problem": problem, "Notice": c.noticeText(r), "Now": c.gate.now(),
	})
}

func (c *Console) actForm(w http.ResponseWriter, r *http.Request) {
	rev := reviewerOf(r)
	if err := c.checkCSRF(r, rev); err != nil {
		c.fail(w, r, formStatus(err), err)
		return
	}
	id := r.PathValue("id")
	out, err := c.act(r, id, rev, r.PostFormValue("action"), r.PostFormValue("output"), r.PostFormValue("reason"))
	if err != nil {
		c.showTicket(w, r, statusOf(err), err.Error())
		return
	}
	notice := "recorded"
	switch {
	case out.Escalated:
		notice = "escalated"
	case out.Pending():
		notice = "needs-second"
	}
	http.Redirect(w, r, c.base+"/tickets/"+url.PathEscape(id)+"?notice="+notice, http.StatusSeeOther)
}

func (c *Console) act(r *http.Request, id string, rev Reviewer, action, output, reason string) (Outcome, error) {
	switch aims.OversightAction(action) {
	case aims.ActionApprove:
		return c.gate.Approve(r.Context(), id, rev, reason)
	case aims.ActionReject:
		return c.gate.Reject(r.Context(), id, rev, reason)
	case aims.ActionOverride:
		return c.gate.Override(r.Context(), id, rev, output, reason)
	}
	return Outcome{}, fmt.Errorf("%w %q; use approve, reject or override", errUnknownAction, action)
}

func (c *Console) apiList(w http.ResponseWriter, r *http.Request) {
	q, err := c.gate.Queue(r.Context(), 500)
	if err != nil {
		c.fail(w, r, statusOf(err), err)
		return
	}
	if q == nil {
		q = []Ticket{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": q})
}

func (c *Console) apiGet(w http.ResponseWriter, r *http.Request) {
	out, err := c.gate.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusOK, apiOutcome(out))
}

// apiOutcome is the JSON shape of an outcome.
func apiOutcome(o Outcome) map[string]any {
	return map[string]any{"action": o.Action, "applied": o.Applied, "pending": o.Pending(), "decision": o.Decision, "ticket": o.Ticket}
}

func (c *Console) apiAct(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(strings.ToLower(mt)) != "application/json" {
		c.fail(w, r, http.StatusUnsupportedMediaType, fmt.Errorf("oversight: content type %q; the API takes application/json", ct))
		return
	}
	var body struct {
		Reason string `json:"reason"`
		Output string `json:"output"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		c.fail(w, r, status, fmt.Errorf("oversight: bad request body: %w", err))
		return
	}
	out, err := c.act(r, r.PathValue("id"), reviewerOf(r), r.PathValue("action"), body.Output, body.Reason)
	if err != nil {
		status := statusOf(err)
		if errors.Is(err, errUnknownAction) {
			status = http.StatusNotFound
		}
		c.fail(w, r, status, err)
		return
	}
	writeJSON(w, http.StatusOK, apiOutcome(out))
}

func (c *Console) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		// Headers are gone; all we can do is stop.
		return
	}
}

// noticeText turns the notice code of a redirect into its text. Only fixed
// texts are shown, so a crafted link cannot make the console say something
// it did not do; the system name is shown only as data.
func (c *Console) noticeText(r *http.Request) string {
	q := r.URL.Query()
	switch q.Get("notice") {
	case "recorded":
		return "Your action is recorded; the outcome is below."
	case "needs-second":
		return "Your action is recorded; another reviewer must confirm it before it takes effect."
	case "escalated":
		return "Your action is recorded. It differs from an earlier review, so nothing takes effect: the ticket went to the next escalation level."
	case "nothing-to-claim":
		return "Nothing to claim right now."
	case "halted":
		if !c.gate.Halted(q.Get("system")) {
			return ""
		}
		return "Halted system " + strconvQuote(q.Get("system")) + " (see the list of halted systems)."
	case "resumed":
		if c.gate.Halted(q.Get("system")) {
			return ""
		}
		return "Resumed system " + strconvQuote(q.Get("system")) + "."
	}
	return ""
}

func strconvQuote(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return strconv.Quote(s)
}

// until formats the time left to a deadline for people.
func until(deadline, now time.Time) string {
	d := deadline.Sub(now).Round(time.Second)
	if d <= 0 {
		return "overdue by " + (-d).String()
	}
	return "in " + d.String()
}
