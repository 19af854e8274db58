package aims

import (
	"strings"
	"testing"
	"time"
)

// TestFourEyesSeesThroughSpellingsOfOneName: separation of duties compares
// people, not byte strings. The submitter's name written in another
// Unicode normal form, with an invisible character or with doubled space,
// is still the submitter; an approver written twice that way still counts
// once. Each of these authorisations has fewer than two distinct
// approvers other than the submitter and must not validate.
func TestFourEyesSeesThroughSpellingsOfOneName(t *testing.T) {
	_, da, _, _ := loadTestRecords(t)
	at := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	ap := func(name string) Approval { return Approval{ApprovedBy: name, Role: "approver", ApprovedAt: at} }
	const nfc, nfd = "Jos\u00e9 Alvarez", "Jose\u0301 Alvarez"
	cases := map[string]struct {
		submitter string
		approvals []Approval
	}{
		"submitter in NFD":              {nfc, []Approval{ap("Sam Okafor"), ap(nfd)}},
		"submitter with zero width":     {"Ana Silva", []Approval{ap("Sam Okafor"), ap("Ana\u200b Silva")}},
		"submitter with double space":   {"Ana Silva", []Approval{ap("Sam Okafor"), ap("Ana  Silva")}},
		"submitter with no-break space": {"Ana Silva", []Approval{ap("Sam Okafor"), ap("Ana\u00a0Silva")}},
		"approver twice, NFC and NFD":   {"Ana Silva", []Approval{ap(nfc), ap(nfd)}},
		"approver twice, fullwidth":     {"Ana Silva", []Approval{ap("Sam Okafor"), ap("\uff33am Okafor")}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := *da
			a.SubmittedBy = c.submitter
			a.Approvals = c.approvals
			err := a.Validate()
			if err == nil || !strings.Contains(err.Error(), "approvals: needs two distinct approvers other than the submitter, has 1") {
				t.Fatalf("validated with one real approver: %v", err)
			}
		})
	}
}
