package aims

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadExampleSoA(t *testing.T) *SoA {
	t.Helper()
	s, err := LoadSoAFile("testdata/soa.yaml")
	require.NoError(t, err)
	return s
}

func soaProblems(err error) []*SoAError {
	var out []*SoAError
	var walk func(error)
	walk = func(e error) {
		var se *SoAError
		if errors.As(e, &se) && se == e {
			out = append(out, se)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if u := errors.Unwrap(e); u != nil {
			walk(u)
		}
	}
	walk(err)
	return out
}

func TestExampleSoAIsValid(t *testing.T) {
	s := loadExampleSoA(t)
	require.NoError(t, s.Validate())
	sum := s.Summary()
	assert.Equal(t, 38, sum.Controls)
	assert.Equal(t, 2, sum.Excluded)
	assert.Equal(t, 36, sum.Applicable)
}

func TestSoAValidateRejectsUnknownUnjustifiedAndMissing(t *testing.T) {
	s := loadExampleSoA(t)
	// Drop A.9.4, exclude A.2.2 without a justification, add an unknown control.
	var kept []SoAEntry
	for _, e := range s.Controls {
		switch e.Control {
		case "A.9.4":
			continue
		case "A.2.2":
			e.Applicable = false
			e.Justification = ""
		}
		kept = append(kept, e)
	}
	kept = append(kept, SoAEntry{Control: "A.11.1", Applicable: true, Status: StatusImplemented,
		Justification: "not an Annex A control; the entry tests the unknown-ID check"})
	s.Controls = kept

	err := s.Validate()
	require.Error(t, err)
	probs := soaProblems(err)
	require.Len(t, probs, 3, "%v", err)
	msg := err.Error()
	assert.Contains(t, msg, `unknown Annex A control ID "A.11.1"`)
	assert.Contains(t, msg, "controls[0].justification (A.2.2): control A.2.2 is excluded without a justification")
	assert.Contains(t, msg, `control "A.9.4" (Intended use of the AI system) is not addressed`)
	// Problems found in a parsed file carry the line of the entry.
	assert.Equal(t, 8, probs[0].Line)
}

// TestSoAValidateRequiresJustificationForInclusion checks ISO/IEC
// 42001:2023 clause 6.1.3: the Statement of Applicability contains the
// necessary controls and the "justification for inclusion and exclusion of
// controls". An included control without a justification is refused like
// an excluded one, with an error that names the control; blank text does
// not count as a justification.
func TestSoAValidateRequiresJustificationForInclusion(t *testing.T) {
	s := &SoA{Organization: "Example"}
	for _, c := range Controls() {
		s.Controls = append(s.Controls, SoAEntry{Control: c.ID, Applicable: true, Status: StatusImplemented})
	}
	err := s.Validate()
	require.Error(t, err, "an SoA that includes every control without a justification validates")
	probs := soaProblems(err)
	require.Len(t, probs, len(Controls()), "%v", err)
	for i, p := range probs {
		assert.Equal(t, fmt.Sprintf("controls[%d].justification", i), p.Field)
		assert.Equal(t, Controls()[i].ID, p.Control)
		assert.Contains(t, p.Msg, "control "+Controls()[i].ID+" is included without a justification")
	}

	s = loadExampleSoA(t)
	require.True(t, s.Controls[5].Applicable)
	id := s.Controls[5].Control
	s.Controls[5].Justification = " \t"
	err = s.Validate()
	probs = soaProblems(err)
	require.Len(t, probs, 1, "%v", err)
	assert.Equal(t, "controls[5].justification", probs[0].Field)
	assert.Equal(t, id, probs[0].Control)
	assert.Contains(t, err.Error(), "("+id+"): control "+id+" is included without a justification")
	assert.Contains(t, err.Error(), "clause 6.1.3")
	assert.NotZero(t, probs[0].Line, "a problem in a parsed file carries its line")
}

func TestSoAValidateStatusAndDuplicates(t *testing.T) {
	s := loadExampleSoA(t)
	s.Controls[1].Status = "done"
	s.Controls[2].Status = ""
	s.Controls = append(s.Controls, s.Controls[3])
	err := s.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown status "done"`)
	assert.Contains(t, err.Error(), "needs a status")
	assert.Contains(t, err.Error(), "already addressed by controls[3]")
}

func TestParseSoAReportsLineAndField(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"bad bool":      {"organization: X\ncontrols:\n  - control: A.2.2\n    applicable: yes please\n", `line 4: controls[0].applicable: want true or false, got "yes please"`},
		"unknown field": {"organization: X\ncontrols:\n  - control: A.2.2\n    applicable: true\n    colour: red\n", "line 5: controls[0].colour: unknown field"},
		"missing appl":  {"organization: X\ncontrols:\n  - control: A.2.2\n    status: planned\n", "line 3: controls[0].applicable (A.2.2): is missing"},
		"not a list":    {"organization: X\ncontrols: everything\n", "line 2: controls: must be a list"},
		"syntax":        {"organization: X\ncontrols: [\n", "malformed file"},
		"empty":         {"", "empty"},
		"json bad type": {"{\n \"organization\": \"X\",\n \"controls\": [\n  {\"control\": \"A.2.2\", \"applicable\": \"true\"}\n ]\n}\n", `line 4: controls[0].applicable: want true or false, got "true"`},
		"no controls":   {"organization: X\n", "controls: is missing"},
		"evidence type": {"organization: X\ncontrols:\n  - control: A.2.2\n    applicable: true\n    evidence: one\n", "line 5: controls[0].evidence: must be a list"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSoA([]byte(c.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestSoAJSONFileAndRendering(t *testing.T) {
	s := loadExampleSoA(t)
	out, err := s.RenderJSON()
	require.NoError(t, err)

	var doc map[string]any
	require.NoError(t, json.Unmarshal(out, &doc))
	ctrls := doc["controls"].([]any)
	require.Len(t, ctrls, 38)
	first := ctrls[0].(map[string]any)
	assert.Equal(t, "A.2.2", first["control"])
	assert.Equal(t, "AI policy", first["title"])
	assert.Equal(t, "A.2", first["objective"])

	// The plain SoA encoded as JSON parses back identically (JSON files are accepted).
	plain, err := json.Marshal(s)
	require.NoError(t, err)
	path := t.TempDir() + "/soa.json"
	require.NoError(t, os.WriteFile(path, plain, 0o600))
	back, err := LoadSoAFile(path)
	require.NoError(t, err)
	require.NoError(t, back.Validate())
	assert.Equal(t, len(s.Controls), len(back.Controls))
	assert.Equal(t, s.Controls[5].Evidence, back.Controls[5].Evidence)
}

func TestSoAMarkdownIsATablePerObjective(t *testing.T) {
	s := loadExampleSoA(t)
	s.Controls = s.Controls[1:] // leave A.2.2 unaddressed: it must show as a gap
	s.Controls[0].Justification = "needs | escaping"
	var buf bytes.Buffer
	require.NoError(t, s.RenderMarkdown(&buf))
	md := buf.String()
	assert.True(t, strings.HasPrefix(md, "# Statement of Applicability — Example Lending Ltd\n"))
	assert.Equal(t, 9, strings.Count(md, "\n## A."), "one section per objective")
	assert.Equal(t, 9, strings.Count(md, "| Control | Title | Applicable | Status | Justification | Owner | Evidence |"))
	assert.Contains(t, md, "| A.2.2 | AI policy | **not addressed** |")
	assert.Contains(t, md, "| A.5.5 | Assessing societal impacts of AI systems | no (excluded) | — |")
	assert.Contains(t, md, `needs \| escaping`)
	assert.Contains(t, md, "| A.6.2.8 | AI system recording of event logs | yes | implemented |")
	// Every table row has the same number of cells as the header.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| A.") {
			cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
			assert.Equal(t, 8, cells, line)
		}
	}
}

func TestLoadSoAFileMissing(t *testing.T) {
	_, err := LoadSoAFile("testdata/does-not-exist.yaml")
	assert.ErrorContains(t, err, "does-not-exist.yaml")
}
