package aims_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel/log/noop"

	"github.com/aimskit/aimskit/aims"
)

// An impact assessment kept as a YAML file in the service's repository:
// loaded, validated, identified by its digest and recorded as an
// impact_assessment record of the system.
func ExampleLoadImpactAssessmentFile() {
	ia, err := aims.LoadImpactAssessmentFile("testdata/records/impact_assessment.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	digest, _ := ia.Digest()
	fmt.Println(ia.ID, "version", ia.Version, ia.State())
	fmt.Println(digest)

	sys, _ := aims.NewSystem("credit-scoring", aims.WithLoggerProvider(noop.NewLoggerProvider()))
	rec, err := ia.NewRecord(sys) // ia.Record(ctx, sys) writes it to the ledger
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.Type, rec.Subject, rec.Controls)
	// Output:
	// IA-credit-scoring version 3 approved
	// sha256:d6d8874d5cc03a91521e5a99d10637a895fcc3a2a511159fa4d23f47e71039a8
	// impact_assessment IA-credit-scoring [A.5.2 A.5.3 A.5.4 A.5.5 A.9.4]
}

// Every problem in a record file is reported with its line and field: here
// an authorisation approved only by the person who submitted it.
func ExampleParseDeploymentAuthorisation() {
	_, err := aims.ParseDeploymentAuthorisation([]byte(`id: DA-7
system_id: credit-scoring
system_version: 1.0.0
models:
  - {name: pd-logistic, version: "3"}
impact_assessment:
  id: IA-credit-scoring
  digest: sha256:d6d8874d5cc03a91521e5a99d10637a895fcc3a2a511159fa4d23f47e71039a8
submitted_by: Ana Silva
approvals:
  - approved_by: Ana Silva
    role: Data scientist
    approved_at: 2026-03-03T15:00:00Z
`))
	fmt.Println(err)
	// Output:
	// aims: deployment authorisation: line 10: approvals: needs two distinct approvers other than the submitter, has 0
	// aims: deployment authorisation: line 11: approvals[0].approved_by: "Ana Silva" is the submitter; a submission needs approvers other than the person who submitted it
}

// A change record covers the step from the authorised model to the one
// being deployed only when it is approved and starts where the
// authorisation ends.
func ExampleChangeRecord_Covers() {
	auth, _ := aims.LoadDeploymentAuthorisationFile("testdata/records/deployment_authorisation.yaml")
	change, _ := aims.LoadChangeRecordFile("testdata/records/change.yaml")
	authorised, _ := auth.Model("pd-logistic")
	from := authorised.Revision()

	fmt.Println(change.Covers(auth.ID, "pd-logistic", &from, change.To))
	v5 := aims.ModelRevision{Version: "5"}
	fmt.Println(change.Covers(auth.ID, "pd-logistic", &from, &v5))
	// Output:
	// <nil>
	// change CH-2026-014 changes model pd-logistic to version 4, digest sha256:1b3d5f7092a4c6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6, but version 5 is registered
}

// A scheduler calls CheckReviews daily with the current time; each risk
// whose review date has passed raises an aims.risk.review_overdue event
// through the system's LoggerProvider.
func ExampleRiskRegister_CheckReviews() {
	rr, err := aims.LoadRiskRegisterFile("testdata/records/risk_register.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	sys, _ := aims.NewSystem("credit-scoring", aims.WithLoggerProvider(noop.NewLoggerProvider()))
	now := time.Date(2026, 4, 12, 8, 0, 0, 0, time.UTC)
	overdue, err := rr.CheckReviews(context.Background(), sys, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range overdue {
		fmt.Println(r.ID, r.Title, "was due", r.NextReview.Format(time.DateOnly), "owner", r.Owner)
	}
	// Incidents link to risks by ID.
	fmt.Println(rr.CheckRisks([]string{"R-01", "R-13"}))
	// Output:
	// R-02 Income drift after a recession was due 2026-03-31 owner Model risk validator
	// aims: not in risk register version 7: risks[1] "R-13"
}

// The register renders for people as Markdown (and as HTML with
// RenderHTML).
func ExampleRiskRegister_RenderMarkdown() {
	rr, err := aims.ParseRiskRegister([]byte(`version: "1"
owner: Head of Risk
acceptance_threshold: 8
risks:
  - id: R-1
    title: Unfair refusals
    description: A group is refused more often.
    owner: Head of Risk
    inherent: {likelihood: possible, impact: major}
    residual: {likelihood: unlikely, impact: major}
    treatment: {option: mitigate, controls: [A.6.2.6], plan: Fairness monitor.}
    next_review: 2026-06-30
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = rr.RenderMarkdown(os.Stdout)
	// Output:
	// # AI risk register: AI management system, version 1
	//
	// - **Owner:** Head of Risk
	// - **Acceptance threshold:** a residual score above 8, or the treatment accept, needs a recorded acceptance
	// - **Scale:** likelihood (rare 1, unlikely 2, possible 3, likely 4, almost certain 5) × impact (negligible 1, minor 2, moderate 3, major 4, severe 5); bands low 1–4, medium 5–9, high 10–16, critical 20–25
	// - **Risks:** 1; residual: 0 critical, 0 high, 1 medium, 0 low
	//
	// | ID | Risk | Owner | Inherent | Residual | Treatment | Annex A controls | Acceptance | Next review |
	// |---|---|---|---|---|---|---|---|---|
	// | R-1 | Unfair refusals | Head of Risk | possible × major = 12 (high) | unlikely × major = 8 (medium) | mitigate | A.6.2.6 AI system operation and monitoring | not required | 2026-06-30 |
	//
	// ## R-1 Unfair refusals
	//
	// A group is refused more often.
	//
	// Treatment plan: Fairness monitor.
}
