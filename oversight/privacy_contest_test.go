package oversight_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// rawGrounds is personal data the affected person writes in a contest.
const rawGrounds = "my employer is wrong, write to grounds.person@example.org"

// Contest keeps the grounds out of telemetry attributes, since they may
// contain personal data (DESIGN.md: personal data never goes into
// attributes): not on the contest's span or event, and not in the
// attributes of the aims.decision log record the decision log emits for
// the contest record (whose body is the record itself, as in the ledger).
func TestContestGroundsStayOutOfTelemetry(t *testing.T) {
	ctx := context.Background()
	logs, traces := oteltest.NewLogs(t), oteltest.NewTraces(t)
	sys, err := aims.NewSystem("credit", aims.WithRiskLevel(aims.RiskMinimal),
		aims.WithLoggerProvider(logs.Provider), aims.WithTracerProvider(traces.Provider))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close(ctx)
	g, err := oversight.New(ctx, sys, oversight.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	d, err := sys.NewDecision(ctx, aims.Draft{Output: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Submit(ctx, d); err != nil {
		t.Fatal(err)
	}
	ct, err := g.Contest(ctx, d.ID, rawGrounds)
	if err != nil {
		t.Fatal(err)
	}
	if ct.Grounds != rawGrounds {
		t.Fatalf("the contest ticket lost the grounds: %q", ct.Grounds)
	}
	var contestRecords int
	var telemetry bytes.Buffer
	for _, r := range logs.Records() {
		telemetry.WriteString(r.EventName())
		for k, v := range oteltest.Attrs(r) {
			telemetry.WriteString(" " + k + "=" + v.String())
			if k == "aims.oversight.action" && v.AsString() == "contest" {
				contestRecords++
			}
		}
		telemetry.WriteString("\n")
	}
	for _, s := range traces.Recorder.Ended() {
		telemetry.WriteString(s.Status().Description + "\n")
		for _, a := range s.Attributes() {
			telemetry.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
		}
	}
	if contestRecords == 0 {
		t.Fatal("no contest record in the telemetry; the search below would prove nothing")
	}
	if strings.Contains(telemetry.String(), "grounds.person@example.org") {
		t.Errorf("the contest's grounds are in telemetry attributes or span statuses:\n%s", telemetry.String())
	}
}
