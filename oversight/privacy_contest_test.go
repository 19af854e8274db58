package oversight_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// Free text people write about a case: the affected person's grounds, a
// reviewer's reason for an override and for a rejection, and the reasons
// given for a halt and a resume. Each may hold personal data.
const (
	rawGrounds        = "my employer is wrong, write to grounds.person@example.org"
	rawOverrideReason = "spoke to override.person@example.org, income verified"
	rawRejectReason   = "reject.person@example.org sent a forged payslip"
	rawHaltReason     = "halt.person@example.org reported a wrong refusal"
	rawResumeReason   = "resume.person@example.org's case fixed"
)

var rawReasons = []string{"grounds.person@example.org", "override.person@example.org",
	"reject.person@example.org", "halt.person@example.org", "resume.person@example.org"}

// The free text people write (contest grounds, reviewers' reasons, halt
// and resume reasons) is kept in the ledger only, since it may contain
// personal data (DESIGN.md: personal data never goes into attributes by
// default; raw data stays out of telemetry): it is neither in an
// attribute nor in the body of any OpenTelemetry log record (the
// aims.decision records of the decision log included, which the
// Collector carries), nor on a span, while the ledger keeps every one.
func TestPeoplesFreeTextStaysOutOfTelemetry(t *testing.T) {
	ctx := context.Background()
	logs, traces := oteltest.NewLogs(t), oteltest.NewTraces(t)
	dir := t.TempDir()
	skey, _, err := ledger.GenerateKey("contest-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, dir, "credit", "pod-1", signer)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := aims.NewSystem("credit", aims.WithLedger(led), aims.WithRiskLevel(aims.RiskMinimal),
		aims.WithLoggerProvider(logs.Provider), aims.WithTracerProvider(traces.Provider))
	if err != nil {
		t.Fatal(err)
	}
	g, err := oversight.New(ctx, sys, oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")))
	if err != nil {
		t.Fatal(err)
	}
	alice := oversight.Reviewer{ID: "alice", Roles: []string{"reviewer"}}
	bob := oversight.Reviewer{ID: "bob", Roles: []string{"reviewer"}}

	d, err := sys.NewDecision(ctx, aims.Draft{Output: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Override(ctx, out.Ticket.ID, alice, "deny", rawOverrideReason); err != nil {
		t.Fatal(err)
	}
	ct, err := g.Contest(ctx, d.ID, rawGrounds)
	if err != nil {
		t.Fatal(err)
	}
	if ct.Grounds != rawGrounds {
		t.Fatalf("the contest ticket lost the grounds: %q", ct.Grounds)
	}
	if _, err := g.Reject(ctx, ct.ID, bob, rawRejectReason); err != nil {
		t.Fatal(err)
	}
	if err := g.Halt(ctx, "credit", alice, rawHaltReason); err != nil {
		t.Fatal(err)
	}
	if err := g.Resume(ctx, "credit", bob, rawResumeReason); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sys.Close(ctx); err != nil {
		t.Fatal(err)
	}

	actions := map[string]bool{}
	var telemetry bytes.Buffer
	for _, r := range logs.Records() {
		telemetry.WriteString(r.EventName() + " body=" + r.Body().String())
		for k, v := range oteltest.Attrs(r) {
			telemetry.WriteString(" " + k + "=" + v.String())
			if k == "aims.oversight.action" {
				actions[v.AsString()] = true
			}
		}
		telemetry.WriteString("\n")
	}
	for _, s := range traces.Recorder.Ended() {
		telemetry.WriteString(s.Name() + " " + s.Status().Description + "\n")
		for _, a := range s.Attributes() {
			telemetry.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
		}
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				telemetry.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
			}
		}
	}
	for _, a := range []string{"override", "contest", "reject", "halt", "resume"} {
		if !actions[a] {
			t.Fatalf("no %s record in the telemetry; the search below would prove nothing", a)
		}
	}
	for _, raw := range rawReasons {
		if strings.Contains(telemetry.String(), raw) {
			t.Errorf("%s is in OpenTelemetry log records or spans", raw)
		}
	}
	if t.Failed() {
		t.Logf("telemetry:\n%s", telemetry.String())
	}

	var files bytes.Buffer
	if err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		files.Write(b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, raw := range rawReasons {
		if !strings.Contains(files.String(), raw) {
			t.Errorf("the ledger lost %s", raw)
		}
	}
}
