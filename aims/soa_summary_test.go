package aims

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The summary of a rendering counts what its tables show: every Annex A
// control once, by its first entry. An entry with an unknown control ID or
// a second entry for the same control is not a control addressed.
func TestSoASummaryAgreesWithTheTables(t *testing.T) {
	s := loadExampleSoA(t)
	for i := range s.Controls {
		if s.Controls[i].Control == "A.9.4" {
			s.Controls[i].Control = "A.11.1" // unknown: A.9.4 is now unaddressed
		}
	}
	dup := s.Controls[0] // A.2.2 again, excluded this time
	dup.Applicable, dup.Status, dup.Justification = false, "", "second entry"
	s.Controls = append(s.Controls, dup)

	var md bytes.Buffer
	require.NoError(t, s.RenderMarkdown(&md))
	assert.Contains(t, md.String(), "| A.9.4 | Intended use of the AI system | **not addressed** |")
	assert.Contains(t, md.String(), "| A.2.2 | AI policy | yes |")
	assert.Contains(t, md.String(), "- **Controls:** 37 addressed of 38 — 35 applicable, 2 excluded\n")

	var page bytes.Buffer
	require.NoError(t, s.RenderHTML(&page))
	assert.Contains(t, page.String(), "37 addressed of 38 — 35 applicable, 2 excluded")

	b, err := s.RenderJSON()
	require.NoError(t, err)
	var doc struct {
		Summary  SoASummary        `json:"summary"`
		Controls []json.RawMessage `json:"controls"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, 37, doc.Summary.Controls)
	assert.Equal(t, 35, doc.Summary.Applicable)
	assert.Equal(t, 2, doc.Summary.Excluded)
	applicable := 0
	for _, c := range s.ordered() {
		if c.found && c.entry.Applicable {
			applicable++
		}
	}
	assert.Equal(t, applicable, doc.Summary.Applicable)
	assert.False(t, strings.Contains(md.String(), "39 addressed"))
}
