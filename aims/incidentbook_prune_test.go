package aims

import (
	"context"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestRestoreAfterPruneKeepsOpenIncident: an incident left untouched for
// longer than the retention period has all its records in segments that
// Prune deletes. It must still be open after a restart: the book writes it
// again before the Prune deletes anything, so Restore finds it (in its
// state, with its alarm key), and a later Prune, in this process or after
// the restart, does not write it again. A closed incident is not carried.
func TestRestoreAfterPruneKeepsOpenIncident(t *testing.T) {
	ctx := context.Background()
	skey, _, err := ledger.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	clock := &bookClock{now: t0}
	logs := oteltest.NewLogs(t)
	var sys *System
	var book *IncidentBook
	var led *ledger.Ledger
	start := func() {
		t.Helper()
		var err error
		led, err = ledger.Open(ctx, dir, "credit-scoring", "pod-1", signer, ledger.WithClock(clock.Now),
			ledger.WithCheckpointEvery(1, 0), ledger.WithSegmentLimits(0, time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if sys, err = NewSystem("credit-scoring", WithRiskLevel(RiskHigh), WithLedger(led), WithLoggerProvider(logs.Provider)); err != nil {
			t.Fatal(err)
		}
		if book, err = NewIncidentBook(sys, WithIncidentClock(clock.Now)); err != nil {
			t.Fatal(err)
		}
	}
	stop := func() {
		t.Helper()
		if err := book.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := sys.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	start()
	t.Cleanup(func() { _ = book.Close(ctx); _ = sys.Close(ctx) })

	open := must(t)(book.Open(ctx, IncidentReport{Title: "left alone", Severity: SeverityHigh, By: "a"}))
	must(t)(book.Update(ctx, open.ID, IncidentUpdate{To: IncidentInvestigating, By: "a"}))
	alarm, _, err := book.Raise(ctx, testAlarm{key: "drift/dataset", active: true})
	if err != nil {
		t.Fatal(err)
	}
	done := must(t)(book.Open(ctx, IncidentReport{Title: "done", Severity: SeverityLow, By: "a"}))
	closeIncident(t, book, done.ID)
	// Later records start a new segment, so the first can be pruned.
	clock.Set(t0.Add(2 * time.Hour))
	d, err := sys.NewDecision(ctx, Draft{Output: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Log().Record(ctx, d); err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.Add(ledger.DefaultRetention + 48*time.Hour))
	removed, err := led.Prune(ctx, clock.Now().Add(-ledger.DefaultRetention))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) == 0 {
		t.Fatal("nothing pruned: the test does not reach the case")
	}
	carried := func() int {
		n := 0
		err := ledger.Scan(dir, func(s ledger.ScannedRecord) error {
			if r, err := ParseManagementRecord(s.Record); err == nil && r.Summary == carrySummary {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := carried(); n != 2 {
		t.Errorf("%d records carried forward, want 2 (the two incidents that are not closed)", n)
	}
	// A second Prune finds nothing more to carry.
	clock.Set(clock.Now().Add(24 * time.Hour))
	if _, err := led.Prune(ctx, clock.Now().Add(-ledger.DefaultRetention)); err != nil {
		t.Fatal(err)
	}
	if n := carried(); n != 2 {
		t.Errorf("after a second Prune %d records carried forward, want still 2", n)
	}
	stop()

	start()
	n, err := book.Restore(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("Restore after Prune: %d incidents that are not closed, want 2", n)
	}
	got, ok := book.Get(open.ID)
	if !ok || got.State != IncidentInvestigating || got.Title != "left alone" || got.Transition.By != "a" {
		t.Fatalf("restored %+v, want the incident investigating, its last change by a", got)
	}
	if _, changed, err := book.Raise(ctx, testAlarm{key: "drift/dataset", active: true}); err != nil || changed {
		t.Fatalf("raise of the restored alarm key: changed %v, %v", changed, err)
	}
	if in, changed, err := book.Raise(ctx, testAlarm{key: "drift/dataset"}); err != nil || !changed || in.ID != alarm.ID {
		t.Fatalf("clear of the restored alarm key: %+v %v %v", in, changed, err)
	}
	// After the restart, a Prune does not carry the open incident again:
	// its latest record is the recent carry.
	clock.Set(clock.Now().Add(24 * time.Hour))
	if _, err := led.Prune(ctx, clock.Now().Add(-ledger.DefaultRetention)); err != nil {
		t.Fatal(err)
	}
	if n := carried(); n != 2 {
		t.Fatalf("after a restart and a Prune %d records carried forward, want still 2", n)
	}
}
