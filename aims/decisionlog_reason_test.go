package aims

import (
	"context"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// A reason a person wrote (a contest's grounds, a reviewer's reason) is
// kept in the ledger and is neither an attribute nor in the body of the
// aims.decision log record; a policy's reason (no reviewer) is emitted.
func TestDecisionLogKeepsPersonalReasonsInTheLedgerOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, _ := testLedger(t, dir)
	logs := oteltest.NewLogs(t)
	dl, err := NewDecisionLog(WithLedger(l), WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	outcomes := []OversightOutcome{
		{Action: ActionContest, Reason: "grounds of person.one@example.org"},
		{Action: ActionOverride, Reviewer: "alice", Reason: "called person.two@example.org", OriginalOutput: "approve"},
		{Action: ActionHalt, Reviewer: "bob", Reason: "person.three@example.org was refused wrongly"},
		{Action: ActionReview, Policy: "threshold", Reason: "score below 0.5"},
	}
	for i := range outcomes {
		d, err := NewDecision(ctx, "credit-scoring")
		if err != nil {
			t.Fatal(err)
		}
		d.Output, d.Oversight = "deny", &outcomes[i]
		if err := dl.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := dl.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var ledgerText strings.Builder
	if err := ledger.Scan(dir, func(rec ledger.ScannedRecord) error {
		ledgerText.Write(rec.Record)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	recs := logs.Events(semconv.EventDecision)
	if len(recs) != len(outcomes) {
		t.Fatalf("%d aims.decision records, want %d", len(recs), len(outcomes))
	}
	var telemetry strings.Builder
	for _, r := range recs {
		telemetry.WriteString(r.Body().AsString())
		for k, v := range oteltest.Attrs(r) {
			telemetry.WriteString(" " + k + "=" + v.String())
		}
		telemetry.WriteString("\n")
	}
	for _, raw := range []string{"person.one@example.org", "person.two@example.org", "person.three@example.org"} {
		if !strings.Contains(ledgerText.String(), raw) {
			t.Errorf("the ledger lost the reason naming %s", raw)
		}
		if strings.Contains(telemetry.String(), raw) {
			t.Errorf("the reason naming %s is in the aims.decision log record", raw)
		}
	}
	if !strings.Contains(telemetry.String(), "score below 0.5") {
		t.Errorf("the policy's reason is not emitted:\n%s", telemetry.String())
	}
}
