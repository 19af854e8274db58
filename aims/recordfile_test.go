package aims

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// fileErrors returns the *RecordFileError parts of a (joined) error.
func fileErrors(t *testing.T, err error) []*RecordFileError {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var out []*RecordFileError
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var fe *RecordFileError
		if errors.As(e, &fe) {
			out = append(out, fe)
			return
		}
		t.Errorf("error %v is not a *RecordFileError", e)
	}
	walk(err)
	return out
}

// wantProblems checks that err reports exactly the given "line field"
// locations (in any order) and that each message mentions its text.
func wantProblems(t *testing.T, err error, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, fe := range fileErrors(t, err) {
		got[fmt.Sprintf("%d %s", fe.Line, fe.Field)] = fe.Msg
	}
	for loc, text := range want {
		msg, ok := got[loc]
		if !ok {
			t.Errorf("no problem reported at %q; got %v", loc, keys(got))
			continue
		}
		if !strings.Contains(msg, text) {
			t.Errorf("%s: message %q does not mention %q", loc, msg, text)
		}
	}
	for loc, msg := range got {
		if _, ok := want[loc]; !ok {
			t.Errorf("unexpected problem at %s: %s", loc, msg)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBadFilesNameLineAndField parses the bad example files: every
// problem, structural or of content, is reported with its line and field
// path, in one error.
func TestBadFilesNameLineAndField(t *testing.T) {
	cases := []struct {
		file  string
		parse func(string) error
		want  map[string]string
	}{
		{"impact_assessment_bad.yaml", func(p string) error { _, err := LoadImpactAssessmentFile(p); return err }, map[string]string{
			"1 residual_risk":               "is required",
			"13 harms[0].severity":          `unknown impact "huge"`,
			"16 harms[1].group":             `"young-applicants" is not one of affected_groups`,
			"22 mitigations[0].controls[1]": `unknown Annex A control ID "A.99.1"`,
			"23 mitigations[0].monitors[0]": "<kind>:<name>",
			"24 mitigations[0].colour":      "unknown field",
		}},
		{"deployment_authorisation_bad.yaml", func(p string) error { _, err := LoadDeploymentAuthorisationFile(p); return err }, map[string]string{
			"9 impact_assessment.digest":  "not a digest",
			"11 approvals":                "two distinct approvers other than the submitter, has 0",
			"12 approvals[0].approved_by": `"Ana Silva" is the submitter`,
		}},
		{"change_bad.yaml", func(p string) error { _, err := LoadChangeRecordFile(p); return err }, map[string]string{
			"1 risk_assessment":           "is required",
			"5 to":                        "the same as from",
			"9 approvals":                 "has 1",
			"12 approvals[0].approved_at": `got "yesterday"`,
		}},
		{"risk_register_bad.yaml", func(p string) error { _, err := LoadRiskRegisterFile(p); return err }, map[string]string{
			"5 risks[0].acceptance":             "residual score 16 (high) is above the acceptance threshold 6",
			"10 risks[0].residual":              "above the inherent score 12",
			"13 risks[0].treatment.controls[1]": `unknown Annex A control ID "B.1"`,
			"16 risks[1].acceptance":            "residual score 9",
			"23 risks[1].treatment.option":      `unknown option "ignore"`,
			"25 risks[1].next_review":           `got "soon"`,
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := "testdata/records/" + c.file
			err := c.parse(path)
			wantProblems(t, err, c.want)
			for _, fe := range fileErrors(t, err) {
				if fe.File != path {
					t.Errorf("problem %v does not name the file", fe)
				}
			}
			if !strings.Contains(err.Error(), path+":") {
				t.Errorf("message does not start problems with file:line: %v", err)
			}
		})
	}
}

// TestStrictDecoder covers the structural checks of the shared decoder on
// small inline files.
func TestStrictDecoder(t *testing.T) {
	const head = "id: CH-1\nsystem_id: s\nmodel: m\nto: {version: \"2\"}\nreason: r\nrisk_assessment: ra\nsubmitted_by: a\nstatus: pending\n"
	cases := map[string]struct {
		src  string
		want map[string]string
	}{
		"unknown top-level field": {head + "colour: blue\n", map[string]string{"9 colour": "unknown field; known: id, system_id"}},
		"misspelt field":          {head + "reason2: x\n", map[string]string{"9 reason2": "unknown field"}},
		"duplicate key":           {head + "model: n\n", map[string]string{"9 model": "given twice (first on line 3)"}},
		"mapping for a text": {strings.Replace(head, "reason: r", "reason: {why: r}", 1),
			map[string]string{"5 reason": "single value"}},
		"text for a list": {head + "risks: R-1\n", map[string]string{"9 risks": "must be a list"}},
		"text for a mapping": {strings.Replace(head, `to: {version: "2"}`, "to: v2", 1),
			map[string]string{"4 to": "must be a mapping with the fields version, digest"}},
		"boolean for a text": {strings.Replace(head, "reason: r", "reason: true", 1),
			map[string]string{"5 reason": "got the boolean true"}},
		"alias": {strings.Replace(strings.Replace(head, "model: m", "model: &m m", 1), "reason: r", "reason: *m", 1),
			map[string]string{"5 reason": "aliases (*m) are not supported"}},
		"missing sections": {"id: CH-1\nsystem_id: s\nmodel: m\nto: {version: \"2\"}\nstatus: pending\n", map[string]string{
			"1 reason": "is required", "1 risk_assessment": "is required", "1 submitted_by": "is required"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseChangeRecord([]byte(c.src))
			wantProblems(t, err, c.want)
		})
	}
	for name, c := range map[string]struct{ src, want string }{
		"empty":           {"", "the file is empty"},
		"comment only":    {"# nothing\n", "the file is empty"},
		"top-level list":  {"- a\n- b\n", "line 1: the top level must be a mapping"},
		"second document": {head + "---\nid: CH-2\n", "line 9: the file holds a second document"},
		"malformed":       {"id: [CH-1\nsystem_id: s\n", "line "},
		"unknown anchor":  {"id: *x\n", "unknown anchor"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseChangeRecord([]byte(c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	_, err := ParseRiskRegister([]byte("version: '1'\nowner: o\nacceptance_threshold: high\nrisks: []\n"))
	wantProblems(t, err, map[string]string{"3 acceptance_threshold": `want a whole number, got "high"`, "4 risks": "is required"})
}

// TestDigestIsStableAcrossFormatting: the YAML file and a JSON file with
// other key order, spellings of the same scale points and control IDs,
// and a time in another zone have the same digest; any change of content
// changes it.
func TestDigestIsStableAcrossFormatting(t *testing.T) {
	y, err := LoadImpactAssessmentFile("testdata/records/impact_assessment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	j, err := LoadImpactAssessmentFile("testdata/records/impact_assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	dy, err := y.Digest()
	if err != nil {
		t.Fatal(err)
	}
	dj, _ := j.Digest()
	if dy != dj {
		t.Fatalf("YAML digest %s, JSON digest %s", dy, dj)
	}
	if len(dy) != len("sha256:")+64 || !strings.HasPrefix(dy, "sha256:") {
		t.Fatalf("digest %q", dy)
	}
	// The authorisation in testdata relies on exactly this digest.
	a, err := LoadDeploymentAuthorisationFile("testdata/records/deployment_authorisation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if a.ImpactAssessment.Digest != dy {
		t.Fatalf("testdata authorisation relies on %s, the assessment's digest is %s", a.ImpactAssessment.Digest, dy)
	}
	// Comments, indentation and quoting do not matter.
	src, _ := os.ReadFile("testdata/records/impact_assessment.yaml")
	reformatted := strings.ReplaceAll(string(src), `version: "3"`, "version: '3'  # quoted differently")
	r, err := ParseImpactAssessment([]byte(reformatted))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := r.Digest(); d != dy {
		t.Fatalf("reformatted digest %s", d)
	}
	// Content does.
	for name, change := range map[string]func(a *ImpactAssessment){
		"severity":   func(a *ImpactAssessment) { a.Harms[0].Severity = ImpactSevere },
		"approval":   func(a *ImpactAssessment) { a.Approval = nil },
		"a new line": func(a *ImpactAssessment) { a.IntendedPurpose += "\n" },
	} {
		c := *y
		c.Harms = append([]Harm(nil), y.Harms...)
		change(&c)
		if d, _ := c.Digest(); d == dy {
			t.Errorf("changing the %s leaves the digest", name)
		}
	}
}
