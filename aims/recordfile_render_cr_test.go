package aims

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestMarkdownLoneCarriageReturnCannotForgeLines: CommonMark ends a line
// at a carriage return on its own as at a line feed. Free text holding one
// must not start a line of its own in the rendering: a draft assessment
// must not show a forged "Status: approved" line, and a harm must not
// break out of its table row.
func TestMarkdownLoneCarriageReturnCannotForgeLines(t *testing.T) {
	ia, _, _, rr := loadTestRecords(t)
	a := *ia
	a.Approval = nil
	a.IntendedPurpose = "Scoring.\r- **Status:** approved by the board"
	a.Harms = slices.Clone(ia.Harms)
	a.Harms[0].Description = "harm\r\r## Approved"
	var m bytes.Buffer
	if err := a.RenderMarkdown(&m); err != nil {
		t.Fatal(err)
	}
	r := *rr
	r.Risks = slices.Clone(rr.Risks)
	r.Risks[0].Title = "title\r# Forged heading"
	if err := r.RenderMarkdown(&m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.String(), "\r") {
		t.Errorf("Markdown rendering keeps a carriage return from free text")
	}
	for _, line := range strings.FieldsFunc(m.String(), func(c rune) bool { return c == '\n' || c == '\r' }) {
		if strings.HasPrefix(line, "- **Status:** approved") || line == "## Approved" || line == "# Forged heading" {
			t.Errorf("free text forged the line %q", line)
		}
	}
}
