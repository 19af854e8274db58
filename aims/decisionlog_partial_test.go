package aims

import (
	"context"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// A reviewer's vote on a ticket that needs more reviewers is recorded
// with the action it voted for (approve, reject) and the decision-record
// attribute aims.oversight.approvals ("1 of 2"), which the published
// conventions list as the attribute marking a partial approval. The
// aims.decision log record must carry it as an attribute too: a Collector
// pipeline that counts resolutions by aims.oversight.action would
// otherwise take the lone vote for a resolution.
func TestDecisionLogMarksPartialApprovalsInTheLogRecord(t *testing.T) {
	ctx := context.Background()
	logs := oteltest.NewLogs(t)
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	for _, partial := range []bool{true, false} {
		d, err := NewDecision(ctx, "hiring")
		if err != nil {
			t.Fatal(err)
		}
		d.Output = "invite"
		d.Oversight = &OversightOutcome{Action: ActionApprove, Reviewer: "alice"}
		if partial {
			d.Attributes = map[string]string{semconv.AimsOversightApprovals: "1 of 2", "note": "app-defined"}
		}
		if err := dl.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := dl.Close(ctx); err != nil {
		t.Fatal(err)
	}
	recs := logs.Events(semconv.EventDecision)
	if len(recs) != 2 {
		t.Fatalf("%d aims.decision records", len(recs))
	}
	if v, ok := oteltest.Attrs(recs[0])[semconv.AimsOversightApprovals]; !ok || v.AsString() != "1 of 2" {
		t.Errorf("the partial vote's record has %s = %v (present %v), want \"1 of 2\"", semconv.AimsOversightApprovals, v, ok)
	}
	if _, ok := oteltest.Attrs(recs[0])["note"]; ok {
		t.Error("an application-defined decision attribute became a log attribute")
	}
	if _, ok := oteltest.Attrs(recs[1])[semconv.AimsOversightApprovals]; ok {
		t.Errorf("the resolution's record carries %s", semconv.AimsOversightApprovals)
	}
}
