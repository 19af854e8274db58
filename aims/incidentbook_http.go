package aims

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// actorKey is the context key of ContextWithActor.
type actorKey struct{}

// ContextWithActor returns a copy of ctx that names the authenticated
// person or role acting. The incident book's Handler takes the actor of a
// change from it (the request body's "by" must then be absent or equal),
// so a service's authentication middleware decides who acts, not the
// client.
func ContextWithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFromContext returns the actor ContextWithActor put in ctx.
func ActorFromContext(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(actorKey{}).(string)
	return a, ok && a != ""
}

// maxIncidentBody bounds a request body of the incident API.
const maxIncidentBody = 64 << 10

// Handler returns the book's HTTP API for people, JSON in and out, with
// paths relative to where the service mounts it (use http.StripPrefix):
//
//	GET  /incidents                     list: ?state= (repeatable), source=, alarm_key=, limit= (default 100, at most 1000), before=<id> (the next page)
//	POST /incidents                     open: title, severity, by, and optionally description, serious, source (person or user_report), owner, decisions, risks, aware_at
//	GET  /incidents/{id}                one incident
//	POST /incidents/{id}/update         to, by, note, root_cause, corrective_action, verification (Update)
//	POST /incidents/{id}/owner          owner, by (Assign)
//	POST /incidents/{id}/decisions      decisions, by (LinkDecisions)
//	POST /incidents/{id}/risks          risks, by (LinkRisks)
//	POST /incidents/{id}/reported       by, and optionally at, note (MarkReported)
//	POST /incidents/{id}/classification severity, serious, by, note (Classify)
//	GET  /                              an HTML page listing the incidents
//
// Request bodies must be application/json, one object of at most 64 KiB
// with exactly the documented field names (unknown or repeated fields are
// refused). Errors are application/problem+json (RFC 9457) with a "field"
// member naming the offending field where there is one: 400 for a bad
// value, 404 for an unknown incident, 409 for a refused state change, 413
// for a body too large, 415 for another content type, 429 when the open
// incidents reach their bound.
//
// The handler does not authenticate or authorise anyone: the service wraps
// it in its own authentication middleware, which should also put the
// authenticated identity into the request context with ContextWithActor;
// without it, the actor is the request's "by" field, as the client gives
// it. Requiring application/json keeps plain HTML forms of other sites from
// posting to it, but it is no substitute for authentication.
func (b *IncidentBook) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incidents", b.httpList)
	mux.HandleFunc("POST /incidents", b.httpOpen)
	mux.HandleFunc("GET /incidents/{id}", b.httpGet)
	mux.HandleFunc("POST /incidents/{id}/update", b.httpUpdate)
	mux.HandleFunc("POST /incidents/{id}/owner", b.httpOwner)
	mux.HandleFunc("POST /incidents/{id}/decisions", b.httpDecisions)
	mux.HandleFunc("POST /incidents/{id}/risks", b.httpRisks)
	mux.HandleFunc("POST /incidents/{id}/reported", b.httpReported)
	mux.HandleFunc("POST /incidents/{id}/classification", b.httpClassify)
	mux.HandleFunc("GET /{$}", b.httpConsole)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

// problem is an RFC 9457 problem detail.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Field  string `json:"field,omitempty"`
}

func writeProblem(w http.ResponseWriter, status int, field, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Field: field})
}

// writeError maps a book error to a problem.
func writeError(w http.ResponseWriter, err error) {
	var ie *incidentError
	field := ""
	if errors.As(err, &ie) {
		field = ie.field
	}
	switch {
	case errors.Is(err, ErrInvalidIncident):
		writeProblem(w, http.StatusBadRequest, field, err.Error())
	case errors.Is(err, ErrIncidentState):
		writeProblem(w, http.StatusConflict, field, err.Error())
	case errors.Is(err, ErrIncidentNotFound):
		writeProblem(w, http.StatusNotFound, "", err.Error())
	case errors.Is(err, ErrTooManyIncidents):
		writeProblem(w, http.StatusTooManyRequests, "", err.Error())
	case errors.Is(err, ErrIncidentBookClosed):
		writeProblem(w, http.StatusServiceUnavailable, "", err.Error())
	default:
		// A failed write (the ledger); its details are for the operator.
		writeProblem(w, http.StatusInternalServerError, "", "the change could not be recorded")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeBody reads a strict JSON object into dst: application/json, at
// most maxIncidentBody bytes, one object whose keys are exactly among
// fields (matched case-sensitively, each at most once), nothing after it.
// It writes the problem and returns false when the body is refused.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any, fields ...string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeProblem(w, http.StatusUnsupportedMediaType, "", "the body must be application/json")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIncidentBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeProblem(w, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("the body is larger than %d bytes", maxIncidentBody))
		} else {
			writeProblem(w, http.StatusBadRequest, "", "reading the body failed")
		}
		return false
	}
	if field, err := checkKeys(body, fields); err != nil {
		writeProblem(w, http.StatusBadRequest, field, err.Error())
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			writeProblem(w, http.StatusBadRequest, te.Field, fmt.Sprintf("%s: a JSON %s where %s is expected", te.Field, te.Value, jsonKind(te.Type.Kind().String())))
			return false
		}
		var pe *time.ParseError
		if errors.As(err, &pe) {
			writeProblem(w, http.StatusBadRequest, "", "a time is not RFC 3339: "+pe.Value)
			return false
		}
		writeProblem(w, http.StatusBadRequest, "", "the body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "an array"
	case "struct":
		return "an object or RFC 3339 time"
	}
	return "a " + k
}

// checkKeys checks that body is one JSON object whose keys are among
// fields, each once, and that nothing follows it. It returns the offending
// key with the error.
func checkKeys(body []byte, fields []string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return "", errors.New("the body is not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", errors.New("the body is not valid JSON")
		}
		key, _ := tok.(string)
		switch {
		case !slices.Contains(fields, key):
			return clip(key, 64), fmt.Errorf("unknown field %.64q (fields: %s)", key, strings.Join(fields, ", "))
		case seen[key]:
			return key, fmt.Errorf("field %q appears twice", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return key, fmt.Errorf("%s: not valid JSON", key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return "", errors.New("the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("the body holds more than one JSON value")
	}
	return "", nil
}

// actor returns who acts: the context's actor (the body's by must then be
// empty or the same) or the body's by.
func actor(w http.ResponseWriter, r *http.Request, by string) (string, bool) {
	a, ok := ActorFromContext(r.Context())
	if !ok {
		return by, true
	}
	if by != "" && strings.TrimSpace(by) != a {
		writeProblem(w, http.StatusBadRequest, "by", fmt.Sprintf("by: %.64q is not the authenticated actor", by))
		return "", false
	}
	return a, true
}

const defaultListLimit, maxListLimit = 100, 1000

// incidentList is the body of GET /incidents.
type incidentList struct {
	Incidents []Incident `json:"incidents"`
	// Next is the before= value of the next page, when there is one.
	Next string `json:"next,omitempty"`
}

func (b *IncidentBook) httpList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains([]string{"state", "source", "alarm_key", "limit", "before"}, k) {
			writeProblem(w, http.StatusBadRequest, clip(k, 64), fmt.Sprintf("unknown query parameter %.64q (state, source, alarm_key, limit, before)", k))
			return
		}
	}
	var f IncidentFilter
	for _, s := range q["state"] {
		if !slices.Contains(IncidentStates(), IncidentState(s)) {
			writeProblem(w, http.StatusBadRequest, "state", fmt.Sprintf("state: %.64q is not open, investigating, corrective_action, verified or closed", s))
			return
		}
		f.States = append(f.States, IncidentState(s))
	}
	f.Source, f.AlarmKey = IncidentSource(q.Get("source")), q.Get("alarm_key")
	limit := defaultListLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxListLimit {
			writeProblem(w, http.StatusBadRequest, "limit", fmt.Sprintf("limit: %.20q is not a number in 1..%d", s, maxListLimit))
			return
		}
		limit = n
	}
	all := b.List(f)
	if before := q.Get("before"); before != "" {
		i, _ := slices.BinarySearchFunc(all, before, func(in Incident, id string) int { return strings.Compare(id, in.ID) })
		for i < len(all) && all[i].ID >= before {
			i++
		}
		all = all[i:]
	}
	out := incidentList{Incidents: all}
	if len(all) > limit {
		out.Incidents, out.Next = all[:limit], all[limit-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

func (b *IncidentBook) httpGet(w http.ResponseWriter, r *http.Request) {
	in, ok := b.Get(r.PathValue("id"))
	if !ok {
		writeProblem(w, http.StatusNotFound, "", fmt.Sprintf("%v: %.64q", ErrIncidentNotFound, r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (b *IncidentBook) httpOpen(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Title       string           `json:"title"`
		Description string           `json:"description"`
		Severity    IncidentSeverity `json:"severity"`
		Serious     SeriousKind      `json:"serious"`
		Source      IncidentSource   `json:"source"`
		By          string           `json:"by"`
		Owner       string           `json:"owner"`
		Decisions   []string         `json:"decisions"`
		Risks       []string         `json:"risks"`
		AwareAt     *time.Time       `json:"aware_at"`
	}
	if !decodeBody(w, r, &req, "title", "description", "severity", "serious", "source", "by", "owner", "decisions", "risks", "aware_at") {
		return
	}
	by, ok := actor(w, r, req.By)
	if !ok {
		return
	}
	if req.Source != "" && req.Source != SourcePerson && req.Source != SourceUserReport {
		writeProblem(w, http.StatusBadRequest, "source", fmt.Sprintf("source: %.32q; people open incidents as person or user_report", req.Source))
		return
	}
	rep := IncidentReport{Title: req.Title, Description: req.Description, Severity: req.Severity, Serious: req.Serious,
		Source: req.Source, By: by, Owner: req.Owner, Decisions: req.Decisions, Risks: req.Risks}
	if req.AwareAt != nil {
		if req.AwareAt.IsZero() {
			writeProblem(w, http.StatusBadRequest, "aware_at", "aware_at: the zero time")
			return
		}
		rep.AwareAt = *req.AwareAt
	}
	in, err := b.Open(r.Context(), rep)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Location", "incidents/"+in.ID)
	writeJSON(w, http.StatusCreated, in)
}

// respond writes the result of a change.
func respond(w http.ResponseWriter, in Incident, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (b *IncidentBook) httpUpdate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		To               IncidentState `json:"to"`
		By               string        `json:"by"`
		Note             string        `json:"note"`
		RootCause        string        `json:"root_cause"`
		CorrectiveAction string        `json:"corrective_action"`
		Verification     string        `json:"verification"`
	}
	if !decodeBody(w, r, &req, "to", "by", "note", "root_cause", "corrective_action", "verification") {
		return
	}
	by, ok := actor(w, r, req.By)
	if !ok {
		return
	}
	in, err := b.Update(r.Context(), r.PathValue("id"), IncidentUpdate{To: req.To, By: by, Note: req.Note,
		RootCause: req.RootCause, CorrectiveAction: req.CorrectiveAction, Verification: req.Verification})
	respond(w, in, err)
}

func (b *IncidentBook) httpOwner(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Owner string `json:"owner"`
		By    string `json:"by"`
	}
	if !decodeBody(w, r, &req, "owner", "by") {
		return
	}
	by, ok := actor(w, r, req.By)
	if !ok {
		return
	}
	in, err := b.Assign(r.Context(), r.PathValue("id"), req.Owner, by)
	respond(w, in, err)
}

func (b *IncidentBook) httpDecisions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Decisions []string `json:"decisions"`
		By        string   `json:"by"`
	}
	if !decodeBody(w, r, &req, "decisions", "by") {
		return
	}
	by, ok := actor(w, r, req.By)
	if !ok {
		return
	}
	in, err := b.LinkDecisions(r.Context(), r.PathValue("id"), by, req.Decisions...)
	respond(w, in, err)
}

func (b *IncidentBook) httpRisks(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Risks []string `json:"risks"`
		By    string   `json:"by"`
	}
	if !decodeBody(w, r, &req, "risks", "by") {
		return
	}
	by, ok := actor(w, r, req.By)
	if !ok {
		return
	}
	in, err := b.LinkRisks(r.Context(), r.PathValue("id"), by, req.Risks...)
	respond(w, in, err)
}

func (b *IncidentBook) httpReported(w http.ResponseWriter, r *http.Request) {
	var req struct {
		By   string     `json:"by"`
		At   *time.Time `json:"at"`
		Note string     `json:"note"`
	}
	if !decodeBody(w, r, &req, "by", "at", "note") {
		return
	}
	by, ok := actor(w, r, req.By)
	if !ok {
		return
	}
	var at time.Time
	if req.At != nil {
		if req.At.IsZero() {
			writeProblem(w, http.StatusBadRequest, "at", "at: the zero time")
			return
		}
		at = *req.At
	}
	in, err := b.MarkReported(r.Context(), r.PathValue("id"), by, at, req.Note)
	respond(w, in, err)
}

func (b *IncidentBook) httpClassify(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Severity IncidentSeverity `json:"severity"`
		Serious  SeriousKind      `json:"serious"`
		By       string           `json:"by"`
		Note     string           `json:"note"`
	}
	if !decodeBody(w, r, &req, "severity", "serious", "by", "note") {
		return
	}
	by, ok := actor(w, r, req.By)
	if !ok {
		return
	}
	in, err := b.Classify(r.Context(), r.PathValue("id"), by, req.Severity, req.Serious, req.Note)
	respond(w, in, err)
}

var consolePage = template.Must(template.New("incidents").Funcs(template.FuncMap{
	"time": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02 15:04 MST")
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incidents of {{.System}}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}.late{color:#b00;font-weight:bold}</style></head>
<body><h1>Incidents of {{.System}}</h1>
<p>{{len .Incidents}} incident(s), newest first; closed ones beyond the latest {{.ClosedKept}} are in the ledger only. Changes go through the JSON API.</p>
<table><thead><tr><th>Opened</th><th>Title</th><th>State</th><th>Severity</th><th>Serious</th><th>Report by</th><th>Reported</th><th>Source</th><th>Owner</th><th>ID</th></tr></thead><tbody>
{{range .Incidents}}<tr><td>{{.AwareAt.Format "2006-01-02 15:04 MST"}}</td><td>{{.Title}}{{if .AlarmActive}} (alarm active){{end}}</td><td>{{.State}}</td><td>{{.Severity}}</td><td>{{.Serious}}</td><td{{if and .ReportDeadline (not .ReportedAt)}} class="late"{{end}}>{{time .ReportDeadline}}</td><td>{{time .ReportedAt}}</td><td>{{.Source}}</td><td>{{.Owner}}</td><td><code>{{.ID}}</code></td></tr>
{{else}}<tr><td colspan="10">No incidents.</td></tr>
{{end}}</tbody></table></body></html>
`))

func (b *IncidentBook) httpConsole(w http.ResponseWriter, r *http.Request) {
	list := b.List(IncidentFilter{})
	if len(list) > maxListLimit {
		list = list[:maxListLimit]
	}
	var buf bytes.Buffer
	err := consolePage.Execute(&buf, struct {
		System     string
		ClosedKept int
		Incidents  []Incident
	}{b.sys.ID(), b.cfg.maxClosed, list})
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "", "rendering the page failed")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(buf.Bytes())
}
