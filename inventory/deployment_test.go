package inventory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

var (
	approvedAt  = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	submittedAt = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

// evidenceFor returns an approved impact assessment of sys and a
// deployment authorisation of its version and models by two approvers
// other than the submitter, relying on the assessment's digest.
func evidenceFor(t testing.TB, sys System) (*aims.ImpactAssessment, *aims.DeploymentAuthorisation) {
	t.Helper()
	ia := &aims.ImpactAssessment{
		ID: "IA-" + sys.ID, SystemID: sys.ID, Version: "1", IntendedPurpose: sys.Purpose,
		ForeseeableMisuse: []string{"Use outside the intended purpose"},
		AffectedGroups:    []aims.AffectedGroup{{Name: "applicants"}},
		Harms: []aims.Harm{{ID: "H1", Description: "unfair refusal", Group: "applicants",
			Likelihood: aims.LikelihoodPossible, Severity: aims.ImpactMajor, Rights: []string{"non-discrimination"}}},
		Mitigations: []aims.Mitigation{{Description: "fairness monitor", Harms: []string{"H1"}, Controls: []string{"A.6.2.6"},
			Monitors: []string{"fairness:demographic_parity_ratio"}}},
		ResidualRisk: &aims.ResidualRisk{Likelihood: aims.LikelihoodUnlikely, Severity: aims.ImpactModerate, Statement: "acceptable with review"},
		Reviewers:    []aims.Reviewer{{Name: "Dana Ortiz", Role: "Data protection officer"}},
		Approval:     &aims.Approval{ApprovedBy: "Sam Okafor", Role: "Chief Risk Officer", ApprovedAt: approvedAt},
	}
	digest, err := ia.Digest()
	if err != nil {
		t.Fatal(err)
	}
	da := &aims.DeploymentAuthorisation{
		ID: "DA-" + sys.ID + "-" + sys.Version, SystemID: sys.ID, SystemVersion: sys.Version,
		ImpactAssessment: &aims.AssessmentRef{ID: ia.ID, Version: ia.Version, Digest: digest},
		SubmittedBy:      "Ana Silva", SubmittedAt: submittedAt,
		Approvals: []aims.Approval{
			{ApprovedBy: "Sam Okafor", Role: "Chief Risk Officer", ApprovedAt: submittedAt.Add(time.Hour)},
			{ApprovedBy: "Priya Nair", Role: "Head of Engineering", ApprovedAt: submittedAt.Add(2 * time.Hour)},
		},
	}
	for _, m := range sys.Models {
		da.Models = append(da.Models, aims.AuthorisedModel{Name: m.Name, Version: m.Version, Digest: m.Digest})
	}
	if err := ia.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := da.Validate(); err != nil {
		t.Fatal(err)
	}
	return ia, da
}

// authorised is the option that lets a high-risk system be registered as
// deployed: its approved assessment and its authorisation.
func authorised(t testing.TB, sys System) Option {
	ia, da := evidenceFor(t, sys)
	return optionFunc(func(c *config) {
		WithImpactAssessment(ia).apply(c)
		WithDeploymentAuthorisation(da).apply(c)
	})
}

// changeFor returns an approved change of model pd-gbm from the
// authorised version 7 to version 8.
func changeFor(da *aims.DeploymentAuthorisation) *aims.ChangeRecord {
	return &aims.ChangeRecord{
		ID: "CH-1", SystemID: da.SystemID, Authorisation: da.ID, Model: "pd-gbm",
		From: &aims.ModelRevision{Version: "7"}, To: &aims.ModelRevision{Version: "8"},
		Reason: "retraining", RiskAssessment: "same features; AUC and parity unchanged on the holdout",
		SubmittedBy: "Ana Silva", SubmittedAt: submittedAt.Add(24 * time.Hour), Status: aims.ChangeApproved,
		Approvals: []aims.Approval{
			{ApprovedBy: "Sam Okafor", Role: "Chief Risk Officer", ApprovedAt: submittedAt.Add(25 * time.Hour)},
			{ApprovedBy: "Priya Nair", Role: "Head of Engineering", ApprovedAt: submittedAt.Add(26 * time.Hour)},
		},
	}
}

// testLedgerDir opens a signed ledger for a system handle.
func testLedgerDir(t *testing.T) (string, *ledger.Ledger, note.Verifier) {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	led, err := ledger.Open(context.Background(), dir, "credit-scoring", "pod-1", signer)
	if err != nil {
		t.Fatal(err)
	}
	return dir, led, verifier
}

func managementRecords(t *testing.T, dir string, v note.Verifier) []aims.ManagementRecord {
	t.Helper()
	if _, err := ledger.Verify(dir, []note.Verifier{v}, ledger.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	var out []aims.ManagementRecord
	if err := ledger.Scan(dir, func(s ledger.ScannedRecord) error {
		r, err := aims.ParseManagementRecord(s.Record)
		if errors.Is(err, aims.ErrNotManagementRecord) {
			return nil
		}
		out = append(out, r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHighRiskDeployedNeedsAssessmentAndAuthorisation: a high-risk system
// cannot be registered as deployed without an approved impact assessment
// and a deployment authorisation; with them it is registered, the
// digests are bound into the registration record and its attributes, and
// both are written to the ledger.
func TestHighRiskDeployedNeedsAssessmentAndAuthorisation(t *testing.T) {
	sys := creditSystem()
	ia, da := evidenceFor(t, sys)
	ctx := context.Background()
	draft := *ia
	draft.Approval = nil
	onDraft := *da
	draftDigest, _ := draft.Digest()
	onDraft.ImpactAssessment = &aims.AssessmentRef{ID: draft.ID, Digest: draftDigest}
	for name, c := range map[string]struct {
		opts []Option
		want []string
	}{
		"nothing":               {nil, []string{"is high-risk and cannot be registered as deployed", "impactAssessment: is missing", "deploymentAuthorisation: is missing"}},
		"assessment only":       {[]Option{WithImpactAssessment(ia)}, []string{"deploymentAuthorisation: is missing"}},
		"authorisation only":    {[]Option{WithDeploymentAuthorisation(da)}, []string{"impactAssessment: is missing"}},
		"draft assessment":      {[]Option{WithImpactAssessment(&draft), WithDeploymentAuthorisation(da)}, []string{"is a draft", "changed since it was authorised"}},
		"authorised on a draft": {[]Option{WithImpactAssessment(&draft), WithDeploymentAuthorisation(&onDraft)}, []string{"is a draft", "relies on impact assessment IA-credit-scoring, which is not approved"}},
	} {
		t.Run(name, func(t *testing.T) {
			reg := NewRegistry()
			logs := oteltest.NewLogs(t)
			opts := append([]Option{WithRegistry(reg), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0)}, c.opts...)
			r, err := Register(ctx, sys, opts...)
			if err == nil {
				r.Close(ctx)
				t.Fatal("registered")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if len(reg.Entries()) != 0 || len(logs.Records()) != 0 {
				t.Errorf("a refused registration left %d entries and %d records", len(reg.Entries()), len(logs.Records()))
			}
		})
	}
	// The same system in development needs nothing.
	dev := creditSystem()
	dev.Lifecycle = StageDevelopment
	r, err := Register(ctx, dev, WithHeartbeatInterval(0))
	if err != nil {
		t.Fatalf("a high-risk system in development: %v", err)
	}
	r.Close(ctx)

	logs := oteltest.NewLogs(t)
	dir, led, verifier := testLedgerDir(t)
	r, err = Register(ctx, sys, WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0),
		WithImpactAssessment(ia), WithDeploymentAuthorisation(da), WithSystemOptions(aims.WithLedger(led)))
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := ia.Digest()
	daDigest, _ := da.Digest()
	ev := r.Description().Deployment
	if ev == nil || ev.ImpactAssessmentDigest != digest || ev.AuthorisationID != da.ID || ev.AuthorisationDigest != daDigest ||
		!slices.Equal(ev.Approvers, []string{"Sam Okafor (Chief Risk Officer)", "Priya Nair (Head of Engineering)"}) {
		t.Errorf("deployment evidence %+v", ev)
	}
	regs := logs.Events(semconv.EventInventoryRegistration)
	if len(regs) != 1 {
		t.Fatalf("%d registration records", len(regs))
	}
	a := oteltest.Attrs(regs[0])
	if a[string(semconv.AimsImpactAssessmentDigest)].AsString() != digest || a[string(semconv.AimsImpactAssessmentID)].AsString() != ia.ID ||
		a[string(semconv.AimsDeploymentAuthorisationID)].AsString() != da.ID || a[string(semconv.AimsDeploymentAuthorisationDigest)].AsString() != daDigest {
		t.Errorf("registration attributes %v", a)
	}
	if body := regs[0].Body().String(); !strings.Contains(body, digest) {
		t.Errorf("registration body does not carry the assessment digest: %s", body)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	recs := managementRecords(t, dir, verifier)
	if len(recs) != 2 || recs[0].Type != aims.RecordImpactAssessment || recs[1].Type != aims.RecordDeploymentAuthorisation ||
		!slices.Equal(recs[1].Controls, []string{"A.6.2.5", "A.3.2"}) || recs[1].SystemVersion != sys.Version {
		t.Fatalf("ledger records %+v", recs)
	}
}

// TestRegisterRefusesBadDeploymentRecords: each bad input refuses a
// high-risk deployed registration with an error naming what is wrong.
func TestRegisterRefusesBadDeploymentRecords(t *testing.T) {
	sys := creditSystem()
	ctx := context.Background()
	cases := map[string]struct {
		mutate func(sys *System, ia *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, changes *[]*aims.ChangeRecord)
		want   string
	}{
		"approval by the submitter alone": {func(_ *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			da.Approvals = []aims.Approval{{ApprovedBy: "Ana Silva", Role: "Data scientist", ApprovedAt: submittedAt}}
		}, `approvals[0].approved_by: "Ana Silva" is the submitter`},
		"one approver": {func(_ *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			da.Approvals = da.Approvals[:1]
		}, "approvals: needs two distinct approvers other than the submitter, has 1"},
		"mismatched version": {func(sys *System, _ *aims.ImpactAssessment, _ *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			sys.Version = "2.4.0"
		}, `authorises version "2.3.1" of credit-scoring, but version "2.4.0" is registered`},
		"other system": {func(_ *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			da.SystemID = "cv-screening"
		}, `authorises system "cv-screening"`},
		"unknown control ID": {func(_ *System, ia *aims.ImpactAssessment, _ *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			ia.Mitigations = []aims.Mitigation{{Description: "monitor", Harms: []string{"H1"}, Controls: []string{"A.6.2.99"}}}
		}, `mitigations[0].controls[0]: unknown Annex A control ID "A.6.2.99"`},
		"missing section": {func(_ *System, ia *aims.ImpactAssessment, _ *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			ia.Harms = nil
		}, "harms: is required"},
		"assessment changed since authorised": {func(_ *System, ia *aims.ImpactAssessment, _ *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			ia.Version = "2"
		}, "changed since it was authorised"},
		"model changed without a change record": {func(sys *System, _ *aims.ImpactAssessment, _ *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			sys.Models[0].Version = "8"
		}, "models[0]: model pd-gbm is registered at version 8, but DA-credit-scoring-2.3.1 authorises version 7; an approved change record covering it is required (inventory.WithChanges): no change record for model pd-gbm was given"},
		"unapproved change": {func(sys *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, ch *[]*aims.ChangeRecord) {
			sys.Models[0].Version = "8"
			c := changeFor(da)
			c.Status, c.Approvals = aims.ChangePending, nil
			*ch = append(*ch, c)
		}, "change CH-1 is pending, not approved"},
		"refused change": {func(sys *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, ch *[]*aims.ChangeRecord) {
			sys.Models[0].Version = "8"
			c := changeFor(da)
			c.Status = aims.ChangeRefused
			c.Refusal = &aims.Refusal{RefusedBy: "Sam Okafor", Role: "Chief Risk Officer", RefusedAt: submittedAt.Add(30 * time.Hour), Reason: "parity fell"}
			*ch = append(*ch, c)
		}, "change CH-1 was refused by Sam Okafor"},
		"stale change": {func(sys *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, ch *[]*aims.ChangeRecord) {
			sys.Models[0].Version = "8"
			c := changeFor(da)
			c.From.Version = "6"
			*ch = append(*ch, c)
		}, "change CH-1 is stale: it changes model pd-gbm from version 6, but the authorisation is for version 7"},
		"change against another authorisation": {func(sys *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, ch *[]*aims.ChangeRecord) {
			sys.Models[0].Version = "8"
			c := changeFor(da)
			c.Authorisation = "DA-credit-scoring-2.2.0"
			*ch = append(*ch, c)
		}, "change CH-1 is stale: it amends authorisation DA-credit-scoring-2.2.0"},
		"change to another version": {func(sys *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, ch *[]*aims.ChangeRecord) {
			sys.Models[0].Version = "9"
			*ch = append(*ch, changeFor(da))
		}, "changes model pd-gbm to version 8, but version 9 is registered"},
		"unauthorised model added": {func(sys *System, _ *aims.ImpactAssessment, _ *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			sys.Models = append(sys.Models, Model{Name: "reranker", Version: "1"})
		}, "model reranker (version 1) is registered but not authorised"},
		"pinned digest not stated": {func(sys *System, ia *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, _ *[]*aims.ChangeRecord) {
			da.Models[0].Digest = "sha256:" + strings.Repeat("ab", 32)
		}, "model pd-gbm is registered at version 7, but DA-credit-scoring-2.3.1 authorises version 7, digest sha256:abab"},
		"invalid change file": {func(sys *System, _ *aims.ImpactAssessment, da *aims.DeploymentAuthorisation, ch *[]*aims.ChangeRecord) {
			c := changeFor(da)
			c.Reason = ""
			*ch = append(*ch, c)
		}, "changes[0]: CH-1 is invalid"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := creditSystem()
			ia, da := evidenceFor(t, sys)
			var changes []*aims.ChangeRecord
			c.mutate(&s, ia, da, &changes)
			reg := NewRegistry()
			r, err := Register(ctx, s, WithRegistry(reg), WithHeartbeatInterval(0), WithImpactAssessment(ia), WithDeploymentAuthorisation(da), WithChanges(changes...))
			if err == nil {
				r.Close(ctx)
				t.Fatal("registered")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\ndoes not say %q", err, c.want)
			}
			if len(reg.Entries()) != 0 {
				t.Error("a refused registration is in the registry")
			}
		})
	}
}

// TestApprovedChangeAdmitsNewModel: a model that differs from the
// authorised one is admitted with an approved change covering it, and the
// change is written to the ledger.
func TestApprovedChangeAdmitsNewModel(t *testing.T) {
	sys := creditSystem()
	ia, da := evidenceFor(t, sys)
	sys.Models[0].Version = "8"
	ctx := context.Background()
	dir, led, verifier := testLedgerDir(t)
	other := changeFor(da) // a change of another model is ignored
	other.ID, other.Model = "CH-0", "gpt-4o"
	r, err := Register(ctx, sys, WithHeartbeatInterval(0), WithImpactAssessment(ia), WithDeploymentAuthorisation(da),
		WithChanges(other, changeFor(da)), WithSystemOptions(aims.WithLedger(led)))
	if err != nil {
		t.Fatal(err)
	}
	if ev := r.Description().Deployment; ev == nil || len(ev.Changes) != 1 || ev.Changes[0] != (ChangeEvidence{ID: "CH-1", Model: "pd-gbm", State: "approved"}) {
		t.Errorf("evidence %+v", ev)
	}
	r.Close(ctx)
	recs := managementRecords(t, dir, verifier)
	if len(recs) != 3 || recs[2].Type != aims.RecordChange || recs[2].Subject != "CH-1" || recs[2].State != "approved" ||
		!slices.Equal(recs[2].Controls, []string{"A.6.2.5", "A.6.1.3", "A.6.2.3"}) {
		t.Fatalf("ledger records %+v", recs)
	}
}

// TestBelowHighRiskRecordsUnapprovedChange: a limited-risk system whose
// model differs from the authorised one without an approved change is
// registered, and the change is recorded as unapproved with a warning.
func TestBelowHighRiskRecordsUnapprovedChange(t *testing.T) {
	sys := creditSystem()
	sys.UseCase = nil
	sys.RiskLevel = aims.RiskLimited
	ia, da := evidenceFor(t, sys)
	sys.Models[0].Version = "8"
	refused := changeFor(da)
	refused.Status = aims.ChangeRefused
	refused.Refusal = &aims.Refusal{RefusedBy: "Sam Okafor", Role: "Chief Risk Officer", RefusedAt: submittedAt.Add(30 * time.Hour), Reason: "parity fell"}
	ctx := context.Background()
	logs := oteltest.NewLogs(t)
	dir, led, verifier := testLedgerDir(t)
	r, err := Register(ctx, sys, WithHeartbeatInterval(0), WithLoggerProvider(logs.Provider), WithImpactAssessment(ia), WithDeploymentAuthorisation(da),
		WithChanges(refused), WithSystemOptions(aims.WithLedger(led)))
	if err != nil {
		t.Fatal(err)
	}
	ev := r.Description().Deployment
	if ev == nil || len(ev.Changes) != 1 || ev.Changes[0].State != "unapproved" || !strings.Contains(ev.Changes[0].Warning, "was refused by Sam Okafor") {
		t.Errorf("evidence %+v", ev)
	}
	if a := oteltest.Attrs(logs.Events(semconv.EventInventoryRegistration)[0]); a[string(semconv.AimsChangeUnapproved)].AsInt64() != 1 {
		t.Errorf("registration attributes %v", a)
	}
	r.Close(ctx)
	recs := managementRecords(t, dir, verifier)
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	u := recs[2]
	if u.Type != aims.RecordChange || u.State != "unapproved" || u.Subject != "CH-1" || !strings.HasPrefix(u.Summary, "WARNING:") ||
		!strings.Contains(u.Summary, "version 8") {
		t.Errorf("unapproved change record %+v", u)
	}
	var data aims.UnapprovedChange
	if err := u.DecodeData(&data); err != nil || data.Change == nil || data.Change.Status != aims.ChangeRefused || data.To.Version != "8" {
		t.Errorf("data %+v, %v", data, err)
	}

	// Without any change record the subject names the model.
	sys.Version = "2.3.1"
	r, err = Register(ctx, sys, WithHeartbeatInterval(0), WithImpactAssessment(ia), WithDeploymentAuthorisation(da))
	if err != nil {
		t.Fatal(err)
	}
	if ev := r.Description().Deployment; len(ev.Changes) != 1 || ev.Changes[0].ID != "unrecorded-change:pd-gbm" {
		t.Errorf("evidence %+v", ev)
	}
	r.Close(ctx)
}

// TestCallerCannotForgeEvidence: a Deployment value in the description is
// replaced by what Register checked.
func TestCallerCannotForgeEvidence(t *testing.T) {
	sys := creditSystem()
	sys.Lifecycle = StageDevelopment
	sys.Deployment = &DeploymentEvidence{AuthorisationID: "DA-forged"}
	r, err := Register(context.Background(), sys, WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	if r.Description().Deployment != nil {
		t.Errorf("forged evidence kept: %+v", r.Description().Deployment)
	}
}
