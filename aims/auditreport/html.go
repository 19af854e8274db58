package auditreport

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every value put into
// it by context (text, attribute, URL), so names and reasons taken from
// the inputs cannot inject markup.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"fmtTime":          fmtTime,
	"fleetMinGroup":    func() int { return fleetMinGroup },
	"dur":              fmtDur,
	"num":              fmtNum,
	"float":            fmtFloat,
	"pct":              fmtPct,
	"orDash":           orDash,
	"join":             join,
	"share":            share,
	"cls":              verdictClass,
	"verdictWord":      verdictWord,
	"badge":            badge,
	"chart":            chartHTML,
	"verificationText": func(l LedgerSection) string { return verificationText(&l) },
	"evidenceCount":    fmtEvidenceCount,
	"sample":           fmtSample,
	"words":            words,
	"reportWord":       reportWord,
	"countList":        countList,
	"history":          func(h []string) string { return strings.Join(h, " → ") },
	"reportClass":      reportClass,
	"plural":           plural,
	"duplicateText":    func() string { return duplicateText },
	"notLedgeredText":  func() string { return notLedgeredText },
	"add":              func(a, b int) int { return a + b },
	"commas":           func(s []string) string { return strings.Join(s, ", ") },
	"semicolons":       func(s []string) string { return strings.Join(s, "; ") },
}).Parse(htmlSource))

// RenderHTML writes the report as one self-contained HTML document: styles
// inline, charts as inline SVG, no scripts and no external resources, laid
// out to print on A4 or Letter.
func (r *Report) RenderHTML(w io.Writer) error {
	if err := htmlTemplate.Execute(w, r); err != nil {
		return fmt.Errorf("auditreport: rendering HTML: %w", err)
	}
	return nil
}

// RenderJSON writes the report's data as indented JSON: the Report struct
// with Go's field names, times in RFC 3339 and durations in nanoseconds,
// for tools that read the numbers rather than the page.
func (r *Report) RenderJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("auditreport: writing JSON: %w", err)
	}
	return nil
}

func share(n, total int) string {
	if total == 0 {
		return "—"
	}
	return fmtPct(float64(n) / float64(total))
}

func verdictClass(v Verdict) string { return strings.ReplaceAll(string(v), " ", "-") }

func verdictWord(v Verdict) string {
	switch v {
	case VerdictPass:
		return "PASS"
	case VerdictFail:
		return "FAIL"
	case VerdictWarn:
		return "WARNING"
	case VerdictInfo:
		return "INFO"
	default:
		return "NOT ASSESSED"
	}
}

// badge renders a verdict as a coloured label. The class and text come
// from the fixed verdict set, escaped again for safety.
func badge(v any) template.HTML {
	verdict := Verdict(fmt.Sprint(v))
	return template.HTML(`<span class="badge v-` + template.HTMLEscapeString(verdictClass(verdict)) + `">` +
		template.HTMLEscapeString(verdictWord(verdict)) + `</span>`)
}

// chartHTML inlines a chart. The SVG is produced by gonum/plot's SVG
// backend, which escapes every text it draws; the title attribute was
// escaped when the chart was rendered.
func chartHTML(c Chart) template.HTML {
	switch {
	case c.SVG != "":
		return template.HTML(`<figure>` + c.SVG + `<figcaption>` + template.HTMLEscapeString(c.Title) + `</figcaption></figure>`)
	case c.Err != "":
		return template.HTML(`<div class="note">` + template.HTMLEscapeString(c.Title+": "+c.Err) + `</div>`)
	}
	return ""
}

// reportClass is the verdict an incident's Art. 73 status is shown with.
func reportClass(x IncidentRow) Verdict {
	switch x.Report {
	case ReportOverdue, ReportLate:
		return VerdictFail
	case ReportPending:
		return VerdictWarn
	case ReportOnTime:
		return VerdictPass
	}
	return VerdictInfo
}
