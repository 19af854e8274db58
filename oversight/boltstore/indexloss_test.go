package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
)

// The file says whether its last run ended with Close: a fresh file and
// one closed cleanly have lost nothing; one abandoned as in a crash may
// have lost the routed tickets that waited after its last commit, whose
// decisions were made between that commit and the next Open.
func TestIndexLossAfterCrashOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oversight.db")
	rec := &durableRecorder{}

	s, g := openDeferred(t, path, time.Hour, rec)
	if _, _, lost := s.IndexLoss(); lost {
		t.Fatal("a fresh file reports a loss")
	}
	submitApplied(t, g)
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s, g = openDeferred(t, path, time.Hour, rec)
	if _, _, lost := s.IndexLoss(); lost {
		t.Fatal("a file closed cleanly reports a loss")
	}

	// One routed ticket committed (a flush), then one left waiting when
	// the process dies.
	submitApplied(t, g)
	before := time.Now()
	if err := boltstore.Flush(s); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	submitApplied(t, g)
	if n := boltstore.Waiting(s); n != 1 {
		t.Fatalf("%d routed tickets wait, want 1", n)
	}
	if err := boltstore.Abandon(s); err != nil {
		t.Fatal(err)
	}
	opened := time.Now()
	s, g = openDeferred(t, path, time.Hour, rec)
	defer func() { _ = g.Close(ctx); _ = s.Close(ctx) }()
	from, to, lost := s.IndexLoss()
	if !lost {
		t.Fatal("an abandoned file reports no loss")
	}
	if from.Before(before.Add(-boltstore.DeferSlack-time.Millisecond)) || from.After(after.Add(-boltstore.DeferSlack)) {
		t.Errorf("loss from %v, want the last commit less %v, between %v and %v", from, boltstore.DeferSlack, before, after)
	}
	if to.Before(opened) || to.After(time.Now()) {
		t.Errorf("loss to %v, want the reopening at %v", to, opened)
	}
}

// TestIndexLossOutlivesCleanRuns: nothing writes a crash's lost routed
// tickets again, so the loss span stays in the file. A run after the
// crash that closes cleanly does not end it: the run after that still
// finds the lost decision (through the decision log) and can contest it.
// A second crash widens the span to cover both.
func TestIndexLossOutlivesCleanRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oversight.db")
	rec := &durableRecorder{}

	s, g := openDeferred(t, path, time.Hour, rec)
	lostDecision := submitApplied(t, g) // waits in memory when the process dies
	if err := boltstore.Abandon(s); err != nil {
		t.Fatal(err)
	}
	s, g = openDeferred(t, path, time.Hour, rec)
	from1, to1, lost := s.IndexLoss()
	if !lost {
		t.Fatal("an abandoned file reports no loss")
	}
	// Nothing was committed in the crashed run, so the span starts when
	// that run opened the file, not at the beginning of time.
	if from1.IsZero() || from1.After(lostDecision.Time) {
		t.Errorf("loss from %v, want the crashed run's opening, before its decision at %v", from1, lostDecision.Time)
	}
	submitApplied(t, g)
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s, g = openDeferred(t, path, time.Hour, rec)
	if from, to, lost := s.IndexLoss(); !lost || !from.Equal(from1) || !to.Equal(to1) {
		t.Fatalf("after a clean run: loss %v..%v (%v), want the crash's %v..%v", from, to, lost, from1, to1)
	}
	if out, err := g.Decision(ctx, lostDecision.ID); err != nil || out.Decision.ID != lostDecision.ID {
		t.Fatalf("the crash's decision after a clean run: %+v, %v", out, err)
	}
	if _, err := g.Contest(ctx, lostDecision.ID, "please review"); err != nil {
		t.Fatalf("contesting the crash's decision after a clean run: %v", err)
	}

	// A second crash, after a commit: the span covers both.
	submitApplied(t, g)
	if err := boltstore.Flush(s); err != nil {
		t.Fatal(err)
	}
	submitApplied(t, g)
	if err := boltstore.Abandon(s); err != nil {
		t.Fatal(err)
	}
	s, g = openDeferred(t, path, time.Hour, rec)
	defer func() { _ = g.Close(ctx); _ = s.Close(ctx) }()
	from, to, lost := s.IndexLoss()
	if !lost || !from.Equal(from1) || !to.After(to1) {
		t.Errorf("after a second crash: loss %v..%v (%v), want from %v to after %v", from, to, lost, from1, to1)
	}
}

// TestRetryOfDecisionWhoseTicketACrashLost: an applied decision's routed
// ticket waits in memory when the process dies, but its record is in the
// durable decision log. A client's retry after the restart finds no
// ticket; the Gate must not record the decision a second time: it answers
// from the record.
func TestRetryOfDecisionWhoseTicketACrashLost(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oversight.db")
	rec := &durableRecorder{}
	s, g := openDeferred(t, path, time.Hour, rec)
	a := submitApplied(t, g) // waits in memory when the process dies
	if err := boltstore.Abandon(s); err != nil {
		t.Fatal(err)
	}
	_ = g.Close(ctx)
	s, g = openDeferred(t, path, time.Hour, rec)
	defer func() { _ = g.Close(ctx); _ = s.Close(ctx) }()
	if ts, err := s.FindByDecision(ctx, a.ID); err != nil || len(ts) != 0 {
		t.Fatalf("ground truth: the crash lost the routed ticket: %+v, %v", ts, err)
	}
	out, err := g.Submit(ctx, a)
	if err != nil || !out.Applied || out.Decision.ID != a.ID {
		t.Fatalf("retry after the crash: %+v, %v; want the recorded outcome", out, err)
	}
	rec.mu.Lock()
	n := len(rec.recs)
	rec.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d records of one applied decision after its retry, want 1", n)
	}
}

// TestHeldRetryOfBlockedDecisionWhoseTicketACrashLost: a decision blocked
// during a halt is recorded as blocked, and its routed ticket waits in
// memory when the process dies. After the restart and a resume, the
// client's retry is routed to review by the policy: holding it would put
// a second, different record (held) under the ID of the recorded block.
// The Gate must refuse it (ErrTicketExists) and write nothing.
func TestHeldRetryOfBlockedDecisionWhoseTicketACrashLost(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "oversight.db")
	rec := &durableRecorder{}
	ops := oversight.Reviewer{ID: "ops", Roles: []string{"operator", "reviewer"}}
	s, g := openDeferred(t, path, time.Hour, rec)
	if err := g.Halt(ctx, "credit", ops, "drift alarm", oversight.Force()); err != nil {
		t.Fatal(err)
	}
	d, err := aims.NewDecision(ctx, "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Output, d.Adverse = "decline", true
	if o, err := g.Submit(ctx, d); err != nil || o.Applied || o.Action != aims.ActionBlock {
		t.Fatalf("submit during the halt: %+v, %v; want blocked", o, err)
	}
	if err := boltstore.Abandon(s); err != nil {
		t.Fatal(err)
	}
	_ = g.Close(ctx)
	s, g = openDeferred(t, path, time.Hour, rec)
	defer func() { _ = g.Close(ctx); _ = s.Close(ctx) }()
	if ts, err := s.FindByDecision(ctx, d.ID); err != nil || len(ts) != 0 {
		t.Fatalf("ground truth: the crash lost the routed ticket: %+v, %v", ts, err)
	}
	if err := g.Resume(ctx, "credit", ops, "drift explained"); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	before := len(rec.recs)
	rec.mu.Unlock()
	if _, err := g.Submit(ctx, d); !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("held retry of a decision recorded as blocked before the crash: %v; want ErrTicketExists", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, r := range rec.recs[before:] {
		if r.ID == d.ID {
			t.Fatalf("the refused retry recorded the decision again: %+v", r.Oversight)
		}
	}
	if ts, err := s.FindByDecision(ctx, d.ID); err != nil || len(ts) != 0 {
		t.Fatalf("the refused retry left tickets: %+v, %v", ts, err)
	}
}
