package aims

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// cloneIncident returns a copy of in that shares no memory with it.
func cloneIncident(in Incident) Incident {
	in.Decisions = slices.Clone(in.Decisions)
	in.Risks = slices.Clone(in.Risks)
	if in.ReportDeadline != nil {
		d := *in.ReportDeadline
		in.ReportDeadline = &d
	}
	if in.ReportedAt != nil {
		r := *in.ReportedAt
		in.ReportedAt = &r
	}
	return in
}

func validSeverity(s IncidentSeverity) bool {
	switch s {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return true
	}
	return false
}

func checkClass(id string, sev IncidentSeverity, serious SeriousKind) error {
	if !validSeverity(sev) {
		return invalid(id, "severity", "%q is not low, medium, high or critical", sev)
	}
	if _, ok := serious.ReportingPeriod(); !ok && serious != SeriousNone {
		return invalid(id, "serious", "%q is not %q, %q or %q (or empty: not serious)", serious, SeriousOther, SeriousDeath, SeriousWidespread)
	}
	return nil
}

// addDecisions appends the decision IDs in add that have is not holding
// yet, checking each is a UUID.
func addDecisions(id string, have, add []string) ([]string, error) {
	out := slices.Clone(have)
	for i, d := range add {
		u, err := uuid.Parse(strings.TrimSpace(d))
		if err != nil || len(strings.TrimSpace(d)) != 36 {
			return nil, invalid(id, fmt.Sprintf("decisions[%d]", i), "%.40q is not a decision ID (a UUID)", d)
		}
		if s := u.String(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > MaxIncidentDecisions {
		return nil, invalid(id, "decisions", "%d linked decisions, more than %d", len(out), MaxIncidentDecisions)
	}
	return out, nil
}

// addRisks appends the risk IDs in add that have is not holding yet.
func addRisks(id string, have, add []string) ([]string, error) {
	out := slices.Clone(have)
	for i, r := range add {
		v, err := oneLine(id, fmt.Sprintf("risks[%d]", i), r, MaxIncidentName, true)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > MaxIncidentRisks {
		return nil, invalid(id, "risks", "%d linked risks, more than %d", len(out), MaxIncidentRisks)
	}
	return out, nil
}

// oneLine checks a one-line field: trimmed, valid UTF-8, no control
// characters, at most max bytes, present when required.
func oneLine(id, field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkString(id, field, s, max, required); err != nil {
		return "", err
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return "", invalid(id, field, "contains a control character at byte %d", i)
	}
	return s, nil
}

// text checks a free-text field: like oneLine, but line breaks and tabs
// are allowed.
func text(id, field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkString(id, field, s, max, false); err != nil {
		return "", err
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }); i >= 0 {
		return "", invalid(id, field, "contains a control character at byte %d", i)
	}
	return s, nil
}

func checkString(id, field, s string, max int, required bool) error {
	switch {
	case required && s == "":
		return invalid(id, field, "missing")
	case len(s) > max:
		return invalid(id, field, "%d bytes, more than %d", len(s), max)
	case !utf8.ValidString(s):
		return invalid(id, field, "not valid UTF-8")
	}
	return nil
}

// clip shortens s to at most n bytes at a rune boundary, on one line,
// without control characters.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func withNote(s, note string) string {
	if note == "" {
		return s
	}
	return s + ": " + note
}
