package aims

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// mdCell makes free text safe in Markdown: HTML is shown as text, table
// cells stay cells, line breaks become spaces.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	s = strings.ReplaceAll(s, ">", "&gt;")
	return mdText(s)
}

// mdList writes items as a Markdown bullet list, or "None." when empty.
func mdList(b *strings.Builder, items []string) {
	if len(items) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	for _, it := range items {
		fmt.Fprintf(b, "- %s\n", mdCell(it))
	}
	b.WriteString("\n")
}

// assessmentView is what both renderings of an impact assessment show.
type assessmentView struct {
	Title           string
	Meta            [][2]string
	IntendedPurpose string
	IntendedUse     string
	Misuse          []string
	Groups          [][]string
	Harms           [][]string
	Societal        [][]string
	Mitigations     [][]string
	Residual        string
	Statement       string
	Reviewers       [][]string
}

func (a *ImpactAssessment) view() assessmentView {
	v := assessmentView{
		Title:           fmt.Sprintf("AI system impact assessment %s, version %s", a.ID, a.Version),
		IntendedPurpose: a.IntendedPurpose, IntendedUse: a.IntendedUse, Misuse: a.ForeseeableMisuse,
	}
	status := "draft (not approved)"
	if a.Approved() {
		status = fmt.Sprintf("approved by %s (%s) on %s", a.Approval.ApprovedBy, a.Approval.Role, formatRecordTime(a.Approval.ApprovedAt))
	}
	digest, err := a.Digest()
	if err != nil {
		digest = "unavailable: " + err.Error()
	}
	v.Meta = [][2]string{{"System", a.SystemID}, {"Assessment version", a.Version}}
	if !a.Date.IsZero() {
		v.Meta = append(v.Meta, [2]string{"Date", formatRecordTime(a.Date)})
	}
	v.Meta = append(v.Meta, [2]string{"Status", status}, [2]string{"Digest", digest})
	for _, g := range a.AffectedGroups {
		vul := "no"
		if g.Vulnerable {
			vul = "yes: " + g.Vulnerability
		}
		v.Groups = append(v.Groups, []string{g.Name, vul, g.Description})
	}
	for _, h := range a.Harms {
		s := h.Score()
		v.Harms = append(v.Harms, []string{h.ID, h.Description, h.Group, h.Likelihood.String(), h.Severity.String(),
			fmt.Sprintf("%d (%s)", int(s), s.Band()), strings.Join(h.Rights, "; ")})
	}
	for _, s := range a.SocietalImpacts {
		v.Societal = append(v.Societal, []string{s.Area, s.Description})
	}
	for _, m := range a.Mitigations {
		v.Mitigations = append(v.Mitigations, []string{m.Description, strings.Join(m.Harms, ", "),
			strings.Join(controlsWithTitles(m.Controls), "; "), strings.Join(m.Monitors, ", "), m.Owner})
	}
	if r := a.ResidualRisk; r != nil {
		s := r.Score()
		v.Residual = fmt.Sprintf("%s × %s = %d (%s)", r.Likelihood, r.Severity, int(s), s.Band())
		v.Statement = r.Statement
	}
	for _, r := range a.Reviewers {
		v.Reviewers = append(v.Reviewers, []string{r.Name, r.Role, formatRecordTime(r.ReviewedAt)})
	}
	return v
}

// controlsWithTitles formats control IDs as "A.6.2.6 AI system operation
// and monitoring".
func controlsWithTitles(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		id = NormalizeControlID(id)
		out[i] = id
		if c, ok := LookupControl(id); ok {
			out[i] = id + " " + c.Title
		}
	}
	return out
}

// mdTable writes a Markdown table.
func mdTable(b *strings.Builder, head []string, rows [][]string) {
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	b.WriteString(strings.Repeat("---|", len(head)))
	b.WriteString("\n")
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = mdCell(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n")
}

// RenderMarkdown writes the assessment as a Markdown document: identity,
// status and digest, intended purpose and use, foreseeable misuse, tables
// of affected groups, harms (with their scores and the rights at stake),
// societal impacts, mitigations (with control titles and monitors), the
// residual risk and the reviewers. Free text is escaped so that it cannot
// break the tables or inject HTML.
func (a *ImpactAssessment) RenderMarkdown(w io.Writer) error {
	v := a.view()
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdCell(v.Title))
	for _, m := range v.Meta {
		fmt.Fprintf(&b, "- **%s:** %s\n", m[0], mdCell(m[1]))
	}
	fmt.Fprintf(&b, "\n## Intended purpose\n\n%s\n\n", mdCell(v.IntendedPurpose))
	if v.IntendedUse != "" {
		fmt.Fprintf(&b, "## Intended use\n\n%s\n\n", mdCell(v.IntendedUse))
	}
	b.WriteString("## Reasonably foreseeable misuse\n\n")
	mdList(&b, v.Misuse)
	b.WriteString("## Affected individuals and groups\n\n")
	mdTable(&b, []string{"Group", "Vulnerable", "Description"}, v.Groups)
	b.WriteString("## Harms\n\n")
	mdTable(&b, []string{"ID", "Harm", "Group", "Likelihood", "Severity", "Score", "Fundamental rights"}, v.Harms)
	b.WriteString("## Societal impacts\n\n")
	if len(v.Societal) == 0 {
		b.WriteString("Not assessed.\n\n")
	} else {
		mdTable(&b, []string{"Area", "Impact"}, v.Societal)
	}
	b.WriteString("## Mitigations\n\n")
	mdTable(&b, []string{"Mitigation", "Harms", "Annex A controls", "Monitors", "Owner"}, v.Mitigations)
	fmt.Fprintf(&b, "## Residual risk\n\n%s: %s\n\n", v.Residual, mdCell(v.Statement))
	b.WriteString("## Reviewers\n\n")
	mdTable(&b, []string{"Name", "Role", "Reviewed"}, v.Reviewers)
	_, err := io.WriteString(w, b.String())
	return err
}

// recordHTML is the page both documents render into. html/template
// escapes every value for its context, so text holding markup is shown,
// never interpreted.
var recordHTML = template.Must(template.New("record").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:80rem}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}
code{word-break:break-all}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<ul>
{{range .Meta}}<li><strong>{{index . 0}}:</strong> {{index . 1}}</li>
{{end}}</ul>
{{range .Sections}}<section>
<h2>{{.Heading}}</h2>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{if .List}}<ul>
{{range .List}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{if .Head}}<table>
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}</section>
{{end}}</body>
</html>
`))

type htmlSection struct {
	Heading    string
	Paragraphs []string
	List       []string
	Head       []string
	Rows       [][]string
}

type htmlPage struct {
	Title    string
	Meta     [][2]string
	Sections []htmlSection
}

func renderHTMLPage(w io.Writer, what string, p htmlPage) error {
	bw := bufio.NewWriter(w)
	if err := recordHTML.Execute(bw, p); err != nil {
		return fmt.Errorf("aims: rendering the %s as HTML: %w", what, err)
	}
	return bw.Flush()
}

// RenderHTML writes the assessment as a self-contained HTML page with the
// content of RenderMarkdown. Every value from the assessment is
// HTML-escaped.
func (a *ImpactAssessment) RenderHTML(w io.Writer) error {
	v := a.view()
	p := htmlPage{Title: v.Title, Meta: v.Meta}
	p.Sections = append(p.Sections, htmlSection{Heading: "Intended purpose", Paragraphs: []string{v.IntendedPurpose}})
	if v.IntendedUse != "" {
		p.Sections = append(p.Sections, htmlSection{Heading: "Intended use", Paragraphs: []string{v.IntendedUse}})
	}
	p.Sections = append(p.Sections,
		htmlSection{Heading: "Reasonably foreseeable misuse", List: v.Misuse},
		htmlSection{Heading: "Affected individuals and groups", Head: []string{"Group", "Vulnerable", "Description"}, Rows: v.Groups},
		htmlSection{Heading: "Harms", Head: []string{"ID", "Harm", "Group", "Likelihood", "Severity", "Score", "Fundamental rights"}, Rows: v.Harms})
	if len(v.Societal) == 0 {
		p.Sections = append(p.Sections, htmlSection{Heading: "Societal impacts", Paragraphs: []string{"Not assessed."}})
	} else {
		p.Sections = append(p.Sections, htmlSection{Heading: "Societal impacts", Head: []string{"Area", "Impact"}, Rows: v.Societal})
	}
	p.Sections = append(p.Sections,
		htmlSection{Heading: "Mitigations", Head: []string{"Mitigation", "Harms", "Annex A controls", "Monitors", "Owner"}, Rows: v.Mitigations},
		htmlSection{Heading: "Residual risk", Paragraphs: []string{v.Residual + ": " + v.Statement}},
		htmlSection{Heading: "Reviewers", Head: []string{"Name", "Role", "Reviewed"}, Rows: v.Reviewers})
	return renderHTMLPage(w, "impact assessment", p)
}

// registerView is what both renderings of a risk register show.
type registerView struct {
	Title   string
	Meta    [][2]string
	Head    []string
	Rows    [][]string
	Details []htmlSection
}

func (rr *RiskRegister) view() registerView {
	scope := "AI management system"
	if rr.SystemID != "" {
		scope = rr.SystemID
	}
	v := registerView{Title: fmt.Sprintf("AI risk register: %s, version %s", scope, rr.Version)}
	v.Meta = [][2]string{{"Owner", rr.Owner}}
	if !rr.Date.IsZero() {
		v.Meta = append(v.Meta, [2]string{"Date", formatRecordTime(rr.Date)})
	}
	bands := map[string]int{}
	for _, r := range rr.Risks {
		bands[r.Residual.Score().Band()]++
	}
	v.Meta = append(v.Meta,
		[2]string{"Acceptance threshold", fmt.Sprintf("a residual score above %d, or the treatment accept, needs a recorded acceptance", int(rr.AcceptanceThreshold))},
		[2]string{"Scale", "likelihood (rare 1, unlikely 2, possible 3, likely 4, almost certain 5) × impact (negligible 1, minor 2, moderate 3, major 4, severe 5); bands low 1–4, medium 5–9, high 10–16, critical 20–25"},
		[2]string{"Risks", fmt.Sprintf("%d; residual: %d critical, %d high, %d medium, %d low", len(rr.Risks), bands["critical"], bands["high"], bands["medium"], bands["low"])})
	v.Head = []string{"ID", "Risk", "Owner", "Inherent", "Residual", "Treatment", "Annex A controls", "Acceptance", "Next review"}
	for _, r := range rr.Risks {
		acc := "not required"
		if r.Acceptance != nil {
			acc = fmt.Sprintf("%s (%s), %s", r.Acceptance.AcceptedBy, r.Acceptance.Role, formatRecordTime(r.Acceptance.AcceptedAt))
		} else if rr.AcceptanceRequired(r) {
			acc = "REQUIRED, missing"
		}
		v.Rows = append(v.Rows, []string{r.ID, r.Title, r.Owner, r.Inherent.String(), r.Residual.String(),
			string(r.Treatment.Option), strings.Join(controlsWithTitles(r.Treatment.Controls), "; "), acc, formatRecordTime(r.NextReview)})
		d := htmlSection{Heading: r.ID + " " + r.Title, Paragraphs: []string{r.Description}}
		if r.Treatment.Plan != "" {
			d.Paragraphs = append(d.Paragraphs, "Treatment plan: "+r.Treatment.Plan)
		}
		if !r.LastReview.IsZero() {
			d.Paragraphs = append(d.Paragraphs, "Last reviewed: "+formatRecordTime(r.LastReview))
		}
		v.Details = append(v.Details, d)
	}
	return v
}

// RenderMarkdown writes the register as a Markdown document: its owner,
// threshold and scale, one table row per risk (inherent and residual
// rating with score and band, treatment and its controls with titles,
// acceptance, next review), and a section per risk with its description
// and plan. A required acceptance that is missing is shown, not hidden.
// Free text is escaped.
func (rr *RiskRegister) RenderMarkdown(w io.Writer) error {
	v := rr.view()
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdCell(v.Title))
	for _, m := range v.Meta {
		fmt.Fprintf(&b, "- **%s:** %s\n", m[0], mdCell(m[1]))
	}
	b.WriteString("\n")
	mdTable(&b, v.Head, v.Rows)
	for _, d := range v.Details {
		fmt.Fprintf(&b, "## %s\n\n", mdCell(d.Heading))
		for _, p := range d.Paragraphs {
			fmt.Fprintf(&b, "%s\n\n", mdCell(p))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderHTML writes the register as a self-contained HTML page with the
// content of RenderMarkdown. Every value from the register is
// HTML-escaped.
func (rr *RiskRegister) RenderHTML(w io.Writer) error {
	v := rr.view()
	p := htmlPage{Title: v.Title, Meta: v.Meta}
	p.Sections = append(p.Sections, htmlSection{Heading: "Risks", Head: v.Head, Rows: v.Rows})
	p.Sections = append(p.Sections, v.Details...)
	return renderHTMLPage(w, "risk register", p)
}
