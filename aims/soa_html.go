package aims

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// soaHTML is the page RenderHTML writes. html/template escapes every value
// from the SoA for its context, so an entry holding markup is shown as
// text, never interpreted.
var soaHTML = template.Must(template.New("soa").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Statement of Applicability — {{.Organization}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:80rem}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}
.gap{color:#a00;font-weight:bold}
</style>
</head>
<body>
<h1>Statement of Applicability — {{.Organization}}</h1>
<p>ISO/IEC 42001:2023 Annex A reference controls.</p>
<ul>
{{range .Meta}}<li><strong>{{index . 0}}:</strong> {{index . 1}}</li>
{{end}}<li><strong>Controls:</strong> {{.Sum.Controls}} addressed of {{.Total}} — {{.Sum.Applicable}} applicable, {{.Sum.Excluded}} excluded</li>
<li><strong>Implementation:</strong> {{.Implemented}} implemented, {{.Partial}} partially implemented, {{.Planned}} planned, {{.NotImplemented}} not implemented</li>
</ul>
{{range .Objectives}}<section id="{{.ID}}">
<h2>{{.ID}} {{.Title}}</h2>
<table>
<thead><tr><th>Control</th><th>Title</th><th>Applicable</th><th>Status</th><th>Justification</th><th>Owner</th><th>Evidence</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.Title}}</td>{{if .Gap}}<td class="gap">{{.Applicable}}</td>{{else}}<td>{{.Applicable}}</td>{{end}}<td>{{.Status}}</td><td>{{.Justification}}</td><td>{{.Owner}}</td><td>{{range $i, $e := .Evidence}}{{if $i}}<br>{{end}}{{$e}}{{end}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}</body>
</html>
`))

type soaHTMLRow struct {
	ID, Title, Applicable, Status, Justification, Owner string
	Evidence                                            []string
	Gap                                                 bool
}

type soaHTMLObjective struct {
	ID, Title string
	Rows      []soaHTMLRow
}

// RenderHTML writes the SoA as a self-contained HTML page: the same
// content as RenderMarkdown (header, summary, and one table per Annex A
// objective with every control's applicability, status, justification,
// owner and evidence). Controls the SoA does not address are shown as "not
// addressed". Every value from the SoA is HTML-escaped.
func (s *SoA) RenderHTML(w io.Writer) error {
	sum := s.Summary()
	data := struct {
		Organization                                  string
		Meta                                          [][2]string
		Sum                                           SoASummary
		Total                                         int
		Implemented, Partial, Planned, NotImplemented int
		Objectives                                    []soaHTMLObjective
	}{
		Organization: s.Organization, Sum: sum, Total: len(controls),
		Implemented: sum.ByStatus[StatusImplemented], Partial: sum.ByStatus[StatusPartiallyImplemented],
		Planned: sum.ByStatus[StatusPlanned], NotImplemented: sum.ByStatus[StatusNotImplemented],
	}
	for _, m := range [][2]string{{"Scope", s.Scope}, {"Version", s.Version}, {"Date", s.Date}, {"Approved by", s.ApprovedBy}} {
		if m[1] != "" {
			data.Meta = append(data.Meta, m)
		}
	}
	rows := s.ordered()
	for _, o := range objectives {
		obj := soaHTMLObjective{ID: o.ID, Title: o.Title}
		for _, r := range rows {
			if r.control.Objective != o.ID {
				continue
			}
			row := soaHTMLRow{ID: r.control.ID, Title: r.control.Title, Applicable: "not addressed", Gap: true,
				Justification: r.entry.Justification, Owner: r.entry.Owner, Evidence: r.entry.Evidence}
			if r.found {
				row.Gap, row.Applicable, row.Status = false, "no (excluded)", "—"
				if r.entry.Applicable {
					row.Applicable, row.Status = "yes", strings.ReplaceAll(string(r.entry.Status), "_", " ")
				}
			}
			obj.Rows = append(obj.Rows, row)
		}
		data.Objectives = append(data.Objectives, obj)
	}
	bw := bufio.NewWriter(w)
	if err := soaHTML.Execute(bw, data); err != nil {
		return fmt.Errorf("aims: rendering the SoA as HTML: %w", err)
	}
	return bw.Flush()
}
