package aims

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func loadTestRecords(t *testing.T) (*ImpactAssessment, *DeploymentAuthorisation, *ChangeRecord, *RiskRegister) {
	t.Helper()
	ia, err := LoadImpactAssessmentFile("testdata/records/impact_assessment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	da, err := LoadDeploymentAuthorisationFile("testdata/records/deployment_authorisation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := LoadChangeRecordFile("testdata/records/change.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rr, err := LoadRiskRegisterFile("testdata/records/risk_register.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return ia, da, ch, rr
}

// ledgerRecords reads the management records of a closed, verified ledger.
func ledgerRecords(t *testing.T, dir string, v note.Verifier) []ManagementRecord {
	t.Helper()
	if _, err := ledger.Verify(dir, []note.Verifier{v}, ledger.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	var out []ManagementRecord
	if err := ledger.Scan(dir, func(s ledger.ScannedRecord) error {
		r, err := ParseManagementRecord(s.Record)
		if err == ErrNotManagementRecord {
			return nil
		}
		out = append(out, r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRecordsGoToLedgerAndOTel records the four kinds of record file
// through one System and checks each record's type, subject, state,
// controls, clauses and data, in the verified ledger and in the emitted
// log records.
func TestRecordsGoToLedgerAndOTel(t *testing.T) {
	ia, da, ch, rr := loadTestRecords(t)
	logs := oteltest.NewLogs(t)
	dir := t.TempDir()
	led, verifier := testLedger(t, dir)
	sys, err := NewSystem("credit-scoring", WithVersion("1.0.0"), WithRiskLevel(RiskHigh), WithLedger(led), WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, rec := range []func() error{
		func() error { return ia.Record(ctx, sys) },
		func() error { return da.Record(ctx, sys) },
		func() error { return ch.Record(ctx, sys) },
		func() error { return rr.Record(ctx, sys) },
	} {
		if err := rec(); err != nil {
			t.Fatal(err)
		}
	}
	if err := sys.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := ledgerRecords(t, dir, verifier)
	if len(got) != 5 {
		t.Fatalf("%d management records in the ledger, want 5 (assessment, authorisation, change, two risks)", len(got))
	}
	digest, _ := ia.Digest()
	want := []struct {
		typ      RecordType
		subject  string
		state    string
		controls []string
		clauses  []string
	}{
		{RecordImpactAssessment, "IA-credit-scoring", "approved", []string{"A.5.2", "A.5.3", "A.5.4", "A.5.5", "A.9.4"}, []string{"6.1.4", "EU AI Act Art. 27"}},
		{RecordDeploymentAuthorisation, "DA-credit-scoring-1.0.0", "approved", []string{"A.6.2.5", "A.3.2"}, []string{"EU AI Act Art. 9", "EU AI Act Art. 17"}},
		{RecordChange, "CH-2026-014", "approved", []string{"A.6.2.5", "A.6.1.3", "A.6.2.3"}, []string{"6.3", "EU AI Act Art. 9", "EU AI Act Art. 17"}},
		{RecordRisk, "R-01", "mitigate", []string{"A.6.2.6", "A.7.4", "A.9.2"}, riskClauses},
		{RecordRisk, "R-02", "accept", []string{"A.6.2.6"}, riskClauses},
	}
	for i, w := range want {
		r := got[i]
		if r.Type != w.typ || r.Subject != w.subject || r.State != w.state || !slices.Equal(r.Controls, w.controls) || !slices.Equal(r.Clauses, w.clauses) {
			t.Errorf("record %d: %s %s %s %v %v, want %+v", i, r.Type, r.Subject, r.State, r.Controls, r.Clauses, w)
		}
		if r.SystemVersion != "1.0.0" || r.Summary == "" {
			t.Errorf("record %d: version %q summary %q", i, r.SystemVersion, r.Summary)
		}
	}
	var sum ImpactAssessmentSummary
	if err := got[0].DecodeData(&sum); err != nil || sum.Digest != digest || sum.HighestHarmScore != 12 ||
		!slices.Equal(sum.VulnerableGroups, []string{"young-applicants"}) || sum.ApprovedBy != "Sam Okafor" ||
		!slices.Equal(sum.Monitors, []string{"fairness:demographic_parity_ratio", "drift:income"}) {
		t.Errorf("assessment data %+v, %v", sum, err)
	}
	if !strings.Contains(got[0].Summary, digest) {
		t.Errorf("summary %q lacks the digest", got[0].Summary)
	}
	var auth struct {
		Digest string `json:"digest"`
		Models []AuthorisedModel
	}
	if err := got[1].DecodeData(&auth); err != nil || !strings.HasPrefix(auth.Digest, "sha256:") || len(auth.Models) != 1 {
		t.Errorf("authorisation data %+v, %v", auth, err)
	}
	if d, _ := da.Digest(); d != auth.Digest {
		t.Errorf("authorisation data digest %s, want %s", auth.Digest, d)
	}
	var risk RiskRecordData
	rrDigest, _ := rr.Digest()
	if err := got[4].DecodeData(&risk); err != nil || risk.ResidualScore != 9 || !risk.AcceptanceRequired || risk.RegisterVersion != "7" || risk.RegisterDigest != rrDigest ||
		risk.Acceptance == nil || risk.Acceptance.AcceptedBy != "Sam Okafor" {
		t.Errorf("risk data %+v, %v", risk, err)
	}
	for _, typ := range []RecordType{RecordImpactAssessment, RecordDeploymentAuthorisation, RecordChange, RecordRisk} {
		evs := logs.Events(semconv.EventManagementPrefix + string(typ))
		if len(evs) == 0 {
			t.Errorf("no %s log record", typ)
			continue
		}
		if a := oteltest.Attrs(evs[0]); a[string(semconv.AimsControlID)].AsString() == "" {
			t.Errorf("%s log record without aims.control.id", typ)
		}
	}
}

func TestImpactAssessmentRecordVariants(t *testing.T) {
	ia, _, _, _ := loadTestRecords(t)
	sys, err := NewSystem("credit-scoring")
	if err != nil {
		t.Fatal(err)
	}
	draft := *ia
	draft.Approval, draft.SocietalImpacts, draft.IntendedUse = nil, nil, ""
	r, err := draft.NewRecord(sys)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != "draft" || !slices.Equal(r.Controls, []string{"A.5.2", "A.5.3", "A.5.4"}) || r.Actor != "" {
		t.Errorf("draft without societal impacts or intended use: %s %v %q", r.State, r.Controls, r.Actor)
	}
	other, _ := NewSystem("chat-assistant")
	if _, err := ia.NewRecord(other); err == nil || !strings.Contains(err.Error(), `is for system "credit-scoring", not "chat-assistant"`) {
		t.Errorf("assessment recorded for another system: %v", err)
	}
	bad := *ia
	bad.Harms = nil
	if err := bad.Record(context.Background(), sys); err == nil || !strings.Contains(err.Error(), "harms: is required") {
		t.Errorf("invalid assessment recorded: %v", err)
	}
}

// TestAuthorisationNeedsTwoDistinctApprovers covers the separation of
// duties in a deployment authorisation, each case naming the field.
func TestAuthorisationNeedsTwoDistinctApprovers(t *testing.T) {
	_, da, _, _ := loadTestRecords(t)
	at := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	ap := func(name string) Approval { return Approval{ApprovedBy: name, Role: "approver", ApprovedAt: at} }
	cases := map[string]struct {
		approvals []Approval
		field     string
		text      string
	}{
		"submitter alone":         {[]Approval{ap("Ana Silva")}, "approvals[0].approved_by", "is the submitter"},
		"submitter and one other": {[]Approval{ap("Sam Okafor"), ap(" ana silva ")}, "approvals[1].approved_by", "is the submitter"},
		"one approver":            {[]Approval{ap("Sam Okafor")}, "approvals", "has 1"},
		"the same approver twice": {[]Approval{ap("Sam Okafor"), ap("sam okafor")}, "approvals[1].approved_by", "already approved"},
		"no approvals":            {nil, "approvals", "has 0"},
		"approval without role":   {[]Approval{ap("Sam Okafor"), {ApprovedBy: "Priya Nair", ApprovedAt: at}}, "approvals[1].role", "is required"},
		"approval before submission": {[]Approval{ap("Sam Okafor"), {ApprovedBy: "Priya Nair", Role: "r", ApprovedAt: da.SubmittedAt.Add(-time.Hour)}},
			"approvals[1].approved_at", "before the submission"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := *da
			a.Approvals = c.approvals
			var found bool
			for _, fe := range fileErrors(t, a.Validate()) {
				if fe.Field == c.field && strings.Contains(fe.Msg, c.text) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem at %s mentioning %q: %v", c.field, c.text, a.Validate())
			}
		})
	}
	a := *da
	a.Approvals = []Approval{ap("Sam Okafor"), ap("Priya Nair")}
	if err := a.Validate(); err != nil {
		t.Fatalf("two distinct approvers other than the submitter: %v", err)
	}
	sys, _ := NewSystem("credit-scoring", WithVersion("1.1.0"))
	if _, err := a.NewRecord(sys); err == nil || !strings.Contains(err.Error(), `is for version "1.0.0"`) {
		t.Errorf("authorisation recorded for another version: %v", err)
	}
}

// TestChangeCovers checks which changes cover a difference between the
// authorised and the registered model, and that every refusal says why.
func TestChangeCovers(t *testing.T) {
	_, da, ch, _ := loadTestRecords(t)
	auth := da.Models[0].Revision()
	reg := *ch.To
	if err := ch.Covers(da.ID, "pd-logistic", &auth, &reg); err != nil {
		t.Fatalf("the approved change does not cover 3 -> 4: %v", err)
	}
	mod := func(f func(c *ChangeRecord)) *ChangeRecord {
		c := *ch
		from, to := *ch.From, *ch.To
		c.From, c.To = &from, &to
		f(&c)
		return &c
	}
	v5 := ModelRevision{Version: "5", Digest: reg.Digest}
	noDigest := ModelRevision{Version: "4"}
	cases := map[string]struct {
		c          *ChangeRecord
		registered *ModelRevision
		want       string
	}{
		"other model":           {mod(func(c *ChangeRecord) { c.Model = "gpt" }), &reg, `about model "gpt"`},
		"stale authorisation":   {mod(func(c *ChangeRecord) { c.Authorisation = "DA-old" }), &reg, "stale: it amends authorisation DA-old"},
		"stale from":            {mod(func(c *ChangeRecord) { c.From.Version = "2" }), &reg, "stale: it changes model pd-logistic from version 2"},
		"to another revision":   {ch, &v5, "but version 5"},
		"registered w/o digest": {mod(func(c *ChangeRecord) { c.To.Digest = "" }), &noDigest, "registered without a digest"},
		"pending":               {mod(func(c *ChangeRecord) { c.Status = ChangePending }), &reg, "is pending, not approved"},
		"refused": {mod(func(c *ChangeRecord) {
			c.Status, c.Refusal = ChangeRefused, &Refusal{RefusedBy: "Sam Okafor", Role: "CRO", RefusedAt: time.Now(), Reason: "parity fell"}
		}), &reg, "was refused by Sam Okafor"},
		"adds a model that was authorised": {mod(func(c *ChangeRecord) { c.From = nil }), &reg, "adds model pd-logistic, but it was authorised"},
		"model removed":                    {ch, nil, "but that model is not registered"},
	}
	for name, c := range cases {
		err := c.c.Covers(da.ID, "pd-logistic", &auth, c.registered)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
	refused := mod(func(c *ChangeRecord) { c.Status = ChangeRefused })
	if err := refused.Validate(); err == nil || !strings.Contains(err.Error(), "refusal: is required") {
		t.Errorf("refused change without refusal: %v", err)
	}
	unapproved := mod(func(c *ChangeRecord) { c.Status = ChangeUnapproved })
	if err := unapproved.Validate(); err == nil || !strings.Contains(err.Error(), `unknown status "unapproved"`) {
		t.Errorf("a change file with status unapproved: %v", err)
	}
}

func TestUnapprovedChangeRecord(t *testing.T) {
	_, _, ch, _ := loadTestRecords(t)
	sys, _ := NewSystem("credit-scoring")
	u := UnapprovedChange{SystemID: "credit-scoring", Model: "pd-logistic", From: ch.From, To: ch.To, Warning: "no change record covers it"}
	r, err := u.NewRecord(sys)
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != RecordChange || r.State != "unapproved" || r.Subject != "unrecorded-change:pd-logistic" ||
		!strings.HasPrefix(r.Summary, "WARNING:") || !strings.Contains(r.Summary, "no change record covers it") {
		t.Errorf("%+v", r)
	}
	var back UnapprovedChange
	if err := r.DecodeData(&back); err != nil || back.Warning != u.Warning {
		t.Errorf("data %+v, %v", back, err)
	}
	u.Change = ch
	if r, _ = u.NewRecord(sys); r.Subject != ch.ID || r.Actor != ch.SubmittedBy {
		t.Errorf("with the change given: %+v", r)
	}
	u.Warning = ""
	if _, err := u.NewRecord(sys); err == nil {
		t.Error("an unapproved change without a warning")
	}
}

// TestRiskReviewsOverdue drives CheckReviews with an injected clock: a
// review due on a date is overdue once that day has passed (UTC), and
// each overdue risk raises one aims.risk.review_overdue event.
func TestRiskReviewsOverdue(t *testing.T) {
	_, _, _, rr := loadTestRecords(t)
	logs := oteltest.NewLogs(t)
	sys, err := NewSystem("credit-scoring", WithVersion("1.0.0"), WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// R-02 is due 2026-03-31, R-01 2026-06-30.
	for _, c := range []struct {
		now  time.Time
		want []string
	}{
		{time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), nil},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), []string{"R-02"}},
		{time.Date(2026, 7, 2, 9, 0, 0, 0, time.UTC), []string{"R-01", "R-02"}},
	} {
		got, err := rr.CheckReviews(ctx, nil, c.now)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if !slices.Equal(ids, c.want) {
			t.Errorf("at %s overdue %v, want %v", c.now, ids, c.want)
		}
	}
	if n := len(logs.Records()); n != 0 {
		t.Fatalf("a nil system emitted %d records", n)
	}
	now := time.Date(2026, 4, 12, 8, 0, 0, 0, time.UTC)
	if _, err := rr.CheckReviews(ctx, sys, now); err != nil {
		t.Fatal(err)
	}
	evs := logs.Events(semconv.EventRiskReviewOverdue)
	if len(evs) != 1 {
		t.Fatalf("%d overdue events", len(evs))
	}
	a := oteltest.Attrs(evs[0])
	if a[string(semconv.AimsRiskID)].AsString() != "R-02" || a[string(semconv.AimsRiskReviewDue)].AsString() != "2026-03-31" ||
		a[string(semconv.AimsRiskDaysOverdue)].AsInt64() != 12 || a[string(semconv.AimsControlID)].AsString() != "A.6.2.6" ||
		a[string(semconv.AimsSystemID)].AsString() != "credit-scoring" || evs[0].Severity().String() != "WARN" {
		t.Errorf("event %v severity %v", a, evs[0].Severity())
	}
	other, _ := NewSystem("chat-assistant")
	if _, err := rr.CheckReviews(ctx, other, now); err == nil {
		t.Error("a register of credit-scoring checked for another system")
	}
}

func TestRiskLookup(t *testing.T) {
	_, _, ch, rr := loadTestRecords(t)
	if r, ok := rr.Risk("R-01"); !ok || r.Title != "Discriminatory refusals" {
		t.Errorf("Risk(R-01) = %+v, %v", r, ok)
	}
	if _, ok := rr.Risk("R-99"); ok {
		t.Error("R-99 found")
	}
	if err := rr.CheckRisks(ch.Risks); err != nil {
		t.Errorf("the change's risks: %v", err)
	}
	if err := rr.CheckRisks([]string{"R-01", "R-9"}); err == nil || !strings.Contains(err.Error(), `risks[1] "R-9"`) {
		t.Errorf("unknown risk: %v", err)
	}
	inc := Incident{Risks: []string{"R-02"}}
	if err := rr.CheckRisks(inc.Risks); err != nil {
		t.Errorf("incident link: %v", err)
	}
}

func TestRiskRegisterRules(t *testing.T) {
	_, _, _, rr := loadTestRecords(t)
	mod := func(f func(r *RiskRegister)) error {
		c := *rr
		c.Risks = slices.Clone(rr.Risks)
		f(&c)
		return c.Validate()
	}
	for name, c := range map[string]struct {
		f          func(r *RiskRegister)
		field, msg string
	}{
		"accepted without acceptance": {func(r *RiskRegister) { r.Risks[1].Acceptance = nil }, "risks[1].acceptance", "the treatment is accept"},
		"above threshold":             {func(r *RiskRegister) { r.AcceptanceThreshold = 5 }, "risks[0].acceptance", "above the acceptance threshold 5"},
		"no controls":                 {func(r *RiskRegister) { r.Risks[0].Treatment.Controls = nil }, "risks[0].treatment.controls", "at least one"},
		"mitigation without plan":     {func(r *RiskRegister) { r.Risks[0].Treatment.Plan = "" }, "risks[0].treatment.plan", "is required"},
		"no review date":              {func(r *RiskRegister) { r.Risks[0].NextReview = time.Time{} }, "risks[0].next_review", "is required"},
		"duplicate id":                {func(r *RiskRegister) { r.Risks[1].ID = "R-01" }, "risks[1].id", "already risks[0]"},
		"no threshold":                {func(r *RiskRegister) { r.AcceptanceThreshold = 0 }, "acceptance_threshold", "1–25"},
		"no inherent rating":          {func(r *RiskRegister) { r.Risks[0].Inherent = RiskRating{} }, "risks[0].inherent.likelihood", "is required"},
	} {
		var ok bool
		err := mod(c.f)
		for _, fe := range fileErrors(t, err) {
			ok = ok || (fe.Field == c.field && strings.Contains(fe.Msg, c.msg))
		}
		if !ok {
			t.Errorf("%s: %v, want a problem at %s mentioning %q", name, err, c.field, c.msg)
		}
	}
	// A register built in Go reports the field path without a line.
	var empty RiskRegister
	fes := fileErrors(t, empty.Validate())
	if fes[0].Line != 0 || fes[0].File != "" || !strings.HasPrefix(fes[0].Error(), "aims: risk register: version: is required") {
		t.Errorf("first problem of an empty register: %v", fes[0])
	}
}

// TestRenderingsEscape: free text holding markup is shown as text in
// HTML and cannot break a Markdown table.
func TestRenderingsEscape(t *testing.T) {
	ia, _, _, rr := loadTestRecords(t)
	a := *ia
	a.Harms = slices.Clone(ia.Harms)
	a.Harms[0].Description = `<script>alert(1)</script> | injected`
	var h, m bytes.Buffer
	if err := a.RenderHTML(&h); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.String(), "<script>") || !strings.Contains(h.String(), "&lt;script&gt;") {
		t.Error("HTML rendering does not escape a harm's description")
	}
	if err := a.RenderMarkdown(&m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.String(), "<script>") || !strings.Contains(m.String(), `\| injected`) {
		t.Error("Markdown rendering does not escape a harm's description")
	}
	digest, _ := a.Digest()
	for _, want := range []string{"## Harms", "## Mitigations", "A.7.4 Quality of data for AI systems", "yes: Thin credit files", digest, "unlikely × moderate = 6 (medium)"} {
		if !strings.Contains(m.String(), want) || !strings.Contains(h.String(), strings.ReplaceAll(want, "## ", "")) {
			t.Errorf("renderings lack %q", want)
		}
	}
	r := *rr
	r.Risks = slices.Clone(rr.Risks)
	r.Risks[1].Acceptance = nil
	h.Reset()
	m.Reset()
	if err := r.RenderMarkdown(&m); err != nil {
		t.Fatal(err)
	}
	if err := r.RenderHTML(&h); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"REQUIRED, missing", "possible × major = 12 (high)", "2026-06-30"} {
		if !strings.Contains(m.String(), want) || !strings.Contains(h.String(), want) {
			t.Errorf("register renderings lack %q", want)
		}
	}
}
