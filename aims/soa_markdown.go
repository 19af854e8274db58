package aims

import (
	"fmt"
	"io"
	"strings"
)

// RenderMarkdown writes the SoA as a Markdown document: a header with the
// organisation, scope and version, a summary, and one table per Annex A
// objective listing every control with its applicability, status,
// justification, owner and evidence. Values from the SoA are shown as text:
// HTML in them is escaped (Markdown viewers pass raw HTML through), as in
// RenderHTML. Controls the SoA does not address are
// shown as "not addressed" so that gaps are visible rather than hidden.
func (s *SoA) RenderMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Statement of Applicability — %s\n\n", mdCell(s.Organization))
	b.WriteString("ISO/IEC 42001:2023 Annex A reference controls.\n\n")
	meta := [][2]string{{"Scope", s.Scope}, {"Version", s.Version}, {"Date", s.Date}, {"Approved by", s.ApprovedBy}}
	for _, m := range meta {
		if m[1] != "" {
			fmt.Fprintf(&b, "- **%s:** %s\n", m[0], mdCell(m[1]))
		}
	}
	sum := s.Summary()
	fmt.Fprintf(&b, "- **Controls:** %d addressed of %d — %d applicable, %d excluded\n", sum.Controls, len(controls), sum.Applicable, sum.Excluded)
	fmt.Fprintf(&b, "- **Implementation:** %d implemented, %d partially implemented, %d planned, %d not implemented\n\n",
		sum.ByStatus[StatusImplemented], sum.ByStatus[StatusPartiallyImplemented], sum.ByStatus[StatusPlanned], sum.ByStatus[StatusNotImplemented])

	rows := s.ordered()
	for _, o := range objectives {
		fmt.Fprintf(&b, "## %s %s\n\n", o.ID, o.Title)
		b.WriteString("| Control | Title | Applicable | Status | Justification | Owner | Evidence |\n")
		b.WriteString("|---|---|---|---|---|---|---|\n")
		for _, r := range rows {
			if r.control.Objective != o.ID {
				continue
			}
			applicable, status := "**not addressed**", ""
			if r.found {
				applicable, status = "no (excluded)", "—"
				if r.entry.Applicable {
					applicable, status = "yes", strings.ReplaceAll(string(r.entry.Status), "_", " ")
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
				r.control.ID, mdCell(r.control.Title), applicable, mdCell(status),
				mdCell(r.entry.Justification), mdCell(r.entry.Owner), mdCell(strings.Join(r.entry.Evidence, "; ")))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText keeps a value on one line and escapes the table separator; mdCell
// (which calls it) also escapes HTML. A line ending is any of CommonMark's
// three: a line feed, a carriage return, or both (CommonMark 0.31, 2.1); a
// carriage return on its own would otherwise start a line of free text's
// choosing.
func mdText(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "\r", " ")
	return s
}
