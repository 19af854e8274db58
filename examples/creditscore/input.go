package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// Problem types of the service's error responses (RFC 9457).
const (
	problemBase      = "https://lending.example/problems/"
	problemMalformed = problemBase + "malformed-request"
	problemInvalid   = problemBase + "invalid-fields"
	problemTooLarge  = problemBase + "request-too-large"
	problemUnauthn   = problemBase + "credential-required"
	problemForbidden = problemBase + "credential-refused"
	problemNotFound  = problemBase + "not-found"
	problemConflict  = problemBase + "conflict"
	// problemTooManyContests: the applicant has as many open contests as
	// the gate allows one person (oversight.ErrTooManyContests).
	problemTooManyContests = problemBase + "too-many-contests"
	problemUnavailable     = problemBase + "unavailable"
	problemInternal        = problemBase + "internal-error"
)

// fieldProblem is one member of a problem's "errors" extension: which field
// is wrong and why.
type fieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// problem is an RFC 9457 problem detail with the "errors" extension listing
// every field problem at once.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []fieldProblem `json:"errors,omitempty"`
}

func (p *problem) Error() string {
	var b strings.Builder
	b.WriteString(p.Title)
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "; %s: %s", e.Field, e.Detail)
	}
	return b.String()
}

// writeProblem answers with p as application/problem+json. Error responses
// carry no AI output, so they are never disclosed as one.
func writeProblem(w http.ResponseWriter, r *http.Request, p *problem) {
	if r != nil {
		aims.MarkAIOutput(r.Context(), false)
	}
	body, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

func newProblem(status int, typ, title, detail string) *problem {
	return &problem{Type: typ, Title: title, Status: status, Detail: detail}
}

// decodeObject reads exactly one JSON object of at most limit bytes from
// the request body: anything after it, other than white space, is refused
// (400), as is a body over the limit (413). It returns the members, raw.
func decodeObject(w http.ResponseWriter, r *http.Request, limit int64) (map[string]json.RawMessage, *problem) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, newProblem(http.StatusRequestEntityTooLarge, problemTooLarge, "Request body too large",
				fmt.Sprintf("the body must be at most %d bytes", limit))
		}
		return nil, newProblem(http.StatusBadRequest, problemMalformed, "Request body unreadable", err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil || obj == nil {
		detail := "the body must be one JSON object"
		if err != nil {
			detail += ": " + err.Error()
		}
		return nil, newProblem(http.StatusBadRequest, problemMalformed, "Malformed JSON", detail)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, newProblem(http.StatusBadRequest, problemMalformed, "Malformed JSON",
			fmt.Sprintf("trailing data after the JSON object at byte %d", dec.InputOffset()))
	}
	if !utf8.Valid(raw) {
		return nil, newProblem(http.StatusBadRequest, problemMalformed, "Malformed JSON", "the body is not valid UTF-8")
	}
	if dup := duplicateMember(raw); dup != "" {
		return nil, &problem{Type: problemInvalid, Title: "Invalid fields", Status: http.StatusUnprocessableEntity,
			Errors: []fieldProblem{{Field: dup, Detail: "given more than once"}}}
	}
	return obj, nil
}

// duplicateMember returns the first member name that occurs twice at the
// top level of the JSON object raw (already known to be valid), or "".
func duplicateMember(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		name, _ := tok.(string)
		if seen[name] {
			return name
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// fieldReader collects every problem of an object's members.
type fieldReader struct {
	obj      map[string]json.RawMessage
	known    []string
	problems []fieldProblem
}

func (f *fieldReader) fail(field, format string, args ...any) {
	f.problems = append(f.problems, fieldProblem{Field: field, Detail: fmt.Sprintf(format, args...)})
}

// number reads a required finite number within [lo, hi]; integer asks for a
// whole number.
func (f *fieldReader) number(field string, lo, hi float64, integer bool, unit string) float64 {
	f.known = append(f.known, field)
	raw, ok := f.obj[field]
	if !ok || string(raw) == "null" {
		f.fail(field, "is required")
		return 0
	}
	s := string(bytes.TrimSpace(raw))
	if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		f.fail(field, "must be a number")
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		f.fail(field, "must be a finite number")
		return 0
	}
	if integer && v != math.Trunc(v) {
		f.fail(field, "must be a whole number")
		return 0
	}
	if v < lo || v > hi {
		f.fail(field, "must be between %s and %s%s", fmtNum(lo), fmtNum(hi), unit)
		return 0
	}
	return v
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// text reads a required string of 1..max bytes, printable, or one of allowed.
func (f *fieldReader) text(field string, maxLen int, allowed ...string) string {
	f.known = append(f.known, field)
	raw, ok := f.obj[field]
	if !ok || string(raw) == "null" {
		f.fail(field, "is required")
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		f.fail(field, "must be a string")
		return ""
	}
	switch {
	case len(allowed) > 0 && !slices.Contains(allowed, s):
		f.fail(field, "must be one of %s", strings.Join(allowed, ", "))
	case strings.TrimSpace(s) == "":
		f.fail(field, "must not be empty")
	case len(s) > maxLen:
		f.fail(field, "must be at most %d bytes", maxLen)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		f.fail(field, "must not contain control characters")
	default:
		return s
	}
	return ""
}

func (f *fieldReader) boolean(field string, required bool) *bool {
	f.known = append(f.known, field)
	raw, ok := f.obj[field]
	if !ok || string(raw) == "null" {
		if required {
			f.fail(field, "is required")
		}
		return nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		f.fail(field, "must be true or false")
		return nil
	}
	return &b
}

// done adds a problem for every member that is not a known field, and
// returns every problem as one 422, or nil.
func (f *fieldReader) done() *problem {
	var unknown []string
	for name := range f.obj {
		if !slices.Contains(f.known, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		f.fail(name, "is not a known field")
	}
	if len(f.problems) == 0 {
		return nil
	}
	n := len(f.problems)
	detail := "1 field is invalid"
	if n > 1 {
		detail = fmt.Sprintf("%d fields are invalid", n)
	}
	return &problem{Type: problemInvalid, Title: "Invalid fields", Status: http.StatusUnprocessableEntity,
		Detail: detail, Errors: f.problems}
}

// The declared ranges of an application. Values outside them are refused
// as implausible. Narrower still is the system's intended use (see
// intendedUseProblems): applications within the ranges but outside the
// intended use are decided by a person, never by the model alone.
const (
	maxMoney         = 10_000_000 // EUR; income and debt beyond it are not a consumer's
	minAmount        = 500        // EUR
	maxAmount        = 1_000_000  // EUR; the intended use ends at intendedMaxAmount
	minTerm, maxTerm = 6, 120     // months
	minAge, maxAge   = 18, 110    // no credit agreement with minors
	maxLatePayments  = 24         // in the last 24 months

	intendedMaxAmount = 30_000 // EUR: "consumer loans up to EUR 30,000"
	intendedMinAge    = 21     // "not validated for applicants under 21"
)

// intendedTerms are the loan terms the product offers and the model was
// trained on.
var intendedTerms = []float64{12, 24, 36, 48, 60}

// parseApplication reads an application strictly: every field problem is
// reported at once, unknown fields included.
func parseApplication(obj map[string]json.RawMessage) (Applicant, *problem) {
	f := &fieldReader{obj: obj}
	a := Applicant{
		CustomerID:   f.text("customer_id", 64),
		Age:          f.number("age", minAge, maxAge, true, " years"),
		Income:       f.number("income", 1, maxMoney, false, " EUR a year"),
		Debt:         f.number("debt", 0, maxMoney, false, " EUR"),
		TermMonths:   f.number("term_months", minTerm, maxTerm, true, " months"),
		Amount:       f.number("amount", minAmount, maxAmount, false, " EUR"),
		YearsEmploy:  f.number("years_employed", 0, 80, false, " years"),
		LatePayments: f.number("late_payments", 0, maxLatePayments, true, ""),
		Region:       f.text("region", 16, "north", "south"),
		Sex:          f.text("sex", 16, "female", "male", "other"),
	}
	if p := f.done(); p != nil {
		return Applicant{}, p
	}
	if a.YearsEmploy > a.Age-14 {
		return Applicant{}, &problem{Type: problemInvalid, Title: "Invalid fields", Status: http.StatusUnprocessableEntity,
			Detail: "1 field is invalid", Errors: []fieldProblem{{Field: "years_employed", Detail: "exceeds the working life the age allows"}}}
	}
	return a, nil
}

// intendedUseProblems lists why an application, valid as such, lies outside
// the system's declared intended use (inventory IntendedUse and
// Limitations): such applications are referred to a person.
func intendedUseProblems(a Applicant) []string {
	var out []string
	if a.Amount > intendedMaxAmount {
		out = append(out, fmt.Sprintf("amount %s EUR is above the intended use (consumer loans up to EUR %d)", fmtNum(a.Amount), intendedMaxAmount))
	}
	if !slices.Contains(intendedTerms, a.TermMonths) {
		out = append(out, fmt.Sprintf("term of %s months is not one the model was trained on (12, 24, 36, 48 or 60)", fmtNum(a.TermMonths)))
	}
	if a.Age < intendedMinAge {
		out = append(out, fmt.Sprintf("the model is not validated for applicants under %d", intendedMinAge))
	}
	return out
}

type outOfUseKey struct{}

// withOutOfUse carries the intended-use problems of an application to the
// gate's policy (the recorded decision holds neither age nor the raw
// request, so the policy cannot see them otherwise).
func withOutOfUse(ctx context.Context, reasons []string) context.Context {
	if len(reasons) == 0 {
		return ctx
	}
	return context.WithValue(ctx, outOfUseKey{}, reasons)
}

// intendedUsePolicy holds for a person every decision whose application is
// outside the intended use.
func intendedUsePolicy() oversight.Policy {
	return func(ctx context.Context, c oversight.Candidate) oversight.Verdict {
		if reasons, _ := ctx.Value(outOfUseKey{}).([]string); len(reasons) > 0 {
			return oversight.Verdict{Route: oversight.RouteReview, Policy: "intended_use",
				Reason: "outside the intended use: " + strings.Join(reasons, "; ")}
		}
		return oversight.Verdict{Route: oversight.RouteApply, Policy: "intended_use"}
	}
}
