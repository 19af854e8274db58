package aims

import (
	"strings"
	"testing"
	"time"
)

// A name that mixes scripts within a word ("Dave Jones" with a Cyrillic
// "а") reads as the same person in every report; a record file's
// four-eyes check refuses it as an approver or a submitter, with an error
// naming the field and the scripts, instead of counting a second person.
func TestFourEyesRefusesMixedScriptNames(t *testing.T) {
	_, da, _, _ := loadTestRecords(t)
	at := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	ap := func(name string) Approval { return Approval{ApprovedBy: name, Role: "approver", ApprovedAt: at} }
	const lookalike = "D\u0430ve Jones"
	cases := map[string]struct {
		submitter string
		approvals []Approval
		field     string
	}{
		"approver twice, once with a Cyrillic а": {"Ana Silva", []Approval{ap("Dave Jones"), ap(lookalike)}, "approvals[1].approved_by"},
		"submitter approving under a lookalike":  {"Dave Jones", []Approval{ap("Sam Okafor"), ap(lookalike)}, "approvals[1].approved_by"},
		"lookalike submitter":                    {lookalike, []Approval{ap("Sam Okafor"), ap("Dave Jones")}, "submitted_by"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := *da
			a.SubmittedBy = c.submitter
			a.Approvals = c.approvals
			err := a.Validate()
			if err == nil || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), "Cyrillic") {
				t.Fatalf("validated or without naming %s and the scripts: %v", c.field, err)
			}
		})
	}
}
