package auditreport

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Formatting helpers shared by the HTML and Markdown renderers, so both
// say the same thing in the same words.

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < 2*time.Hour:
		return fmt.Sprintf("%.1f min", d.Minutes())
	default:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
}

// fmtNum formats an optional value; nil is shown as a dash.
func fmtNum(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmtFloat(*v)
}

func fmtFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "undefined"
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func fmtPct(v float64) string { return fmt.Sprintf("%.1f %%", 100*v) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func join(ss []string) string { return orDash(strings.Join(ss, ", ")) }

// plural returns n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// words shows an identifier-like value (partially_implemented) as words.
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// fmtEvidenceCount shows one record type's count: "ledger: aims.decision × 41".
func fmtEvidenceCount(e EvidenceCount) string {
	return fmt.Sprintf("%s: %s × %d", e.Source, e.Type, e.N)
}

// fmtEvidenceCounts shows a control's record types, separated by
// semicolons; a dash when there are none.
func fmtEvidenceCounts(es []EvidenceCount) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = fmtEvidenceCount(e)
	}
	return orDash(strings.Join(parts, "; "))
}

// fmtSample shows one sample record: its type, ID, subject, time and,
// for a collector record, where it was read.
func fmtSample(s EvidenceSample) string {
	parts := []string{string(s.Source) + ": " + s.Type}
	if s.ID != "" {
		parts = append(parts, s.ID)
	}
	if s.Subject != "" {
		parts = append(parts, "about "+s.Subject)
	}
	if !s.Time.IsZero() {
		parts = append(parts, fmtTime(s.Time))
	}
	if s.Where != "" {
		parts = append(parts, s.Where)
	}
	return strings.Join(parts, ", ")
}

// fmtSamples shows a control's samples, separated by semicolons; a dash
// when there are none.
func fmtSamples(ss []EvidenceSample) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmtSample(s)
	}
	return orDash(strings.Join(parts, "; "))
}
