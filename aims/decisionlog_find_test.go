package aims

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
)

// TestFindDecisionReadsTheLedger: a recorded decision is read back from
// the ledger, whole, by its ID; another ID, a management record's ID and
// a log without a ledger find nothing; only a ledger that acknowledges
// durable records finds every recorded decision.
func TestFindDecisionReadsTheLedger(t *testing.T) {
	ctx := context.Background()
	led, _ := testLedger(t, t.TempDir())
	dl, err := NewDecisionLog(WithLedger(led), WithAllowList(NewAllowList("income", "region")))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close(ctx)
	var ids []string
	for range 3 {
		d := testDecision(t) // a fresh ID each
		if err := dl.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	got, err := dl.FindDecision(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ids[1] || got.Explanation == nil || len(got.Explanation.ReasonCodes) != 2 || got.Oversight == nil || got.Oversight.Action != ActionApply {
		t.Fatalf("found %+v", got)
	}
	if _, ok := got.Inputs["name"]; ok {
		t.Fatal("the found decision holds an input the allow-list keeps out")
	}
	for _, id := range []string{"", "no-such-decision", ids[1][:8]} {
		if _, err := dl.FindDecision(ctx, id); !errors.Is(err, ErrDecisionNotRecorded) {
			t.Errorf("FindDecision(%q): %v, want ErrDecisionNotRecorded", id, err)
		}
	}
	if !dl.FindsEveryRecorded() {
		t.Error("a log with a durable ledger does not claim to find every recorded decision")
	}

	bare, err := NewDecisionLog()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.FindDecision(ctx, ids[0]); !errors.Is(err, ErrDecisionNotRecorded) {
		t.Errorf("FindDecision without a ledger: %v", err)
	}
	queued, _ := testLedger(t, t.TempDir(), ledger.WithWaitDurable(false))
	defer queued.Close(ctx)
	ql, err := NewDecisionLog(WithLedger(queued))
	if err != nil {
		t.Fatal(err)
	}
	if bare.FindsEveryRecorded() || ql.FindsEveryRecorded() {
		t.Error("a log without a ledger, or with a queue-only one, claims to find every recorded decision")
	}
}

// TestFindDecisionRecordedTwice: a decision recorded again under its ID
// (a retried submission) is found as last recorded, whether the two
// records share a segment or not.
func TestFindDecisionRecordedTwice(t *testing.T) {
	ctx := context.Background()
	for name, opts := range map[string][]ledger.Option{
		"one segment":      nil,
		"segment a record": {ledger.WithSegmentLimits(256, 0)},
	} {
		t.Run(name, func(t *testing.T) {
			led, _ := testLedger(t, t.TempDir(), opts...)
			dl, err := NewDecisionLog(WithLedger(led), WithAllowList(NewAllowList("income", "region")))
			if err != nil {
				t.Fatal(err)
			}
			defer dl.Close(ctx)
			d := testDecision(t)
			for _, reason := range []string{"first", "retried"} {
				d.Oversight = &OversightOutcome{Action: ActionApply, Policy: "auto", Reason: reason}
				if err := dl.Record(ctx, d); err != nil {
					t.Fatal(err)
				}
				if err := dl.Record(ctx, testDecision(t)); err != nil { // another decision between
					t.Fatal(err)
				}
			}
			got, err := dl.FindDecision(ctx, d.ID)
			if err != nil || got.Oversight == nil || got.Oversight.Reason != "retried" {
				t.Fatalf("found %+v, %v; want the retried record", got.Oversight, err)
			}
		})
	}
}

// TestFindDecisionSeesQueuedRecords: with a queue-only ledger
// (WithWaitDurable(false)), Record returns while the record still waits
// in the ledger's queue or buffer (here for up to an hour's group commit).
// FindDecision must find it all the same: an oversight gate asks it
// whether a retried decision was recorded, and a record it cannot see
// would be written a second time.
func TestFindDecisionSeesQueuedRecords(t *testing.T) {
	ctx := context.Background()
	led, _ := testLedger(t, t.TempDir(), ledger.WithWaitDurable(false), ledger.WithGroupCommitInterval(time.Hour))
	dl, err := NewDecisionLog(WithLedger(led), WithAllowList(NewAllowList("income", "region")))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close(ctx)
	d := testDecision(t)
	if err := dl.Record(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := dl.FindDecision(ctx, d.ID)
	if err != nil {
		t.Fatalf("FindDecision of a decision whose record is queued: %v", err)
	}
	if got.ID != d.ID {
		t.Fatalf("found %s, want %s", got.ID, d.ID)
	}
}
