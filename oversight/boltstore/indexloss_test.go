package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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
	if from.Before(before.Add(-time.Millisecond)) || from.After(after) {
		t.Errorf("loss from %v, want the last commit, between %v and %v", from, before, after)
	}
	if to.Before(opened) || to.After(time.Now()) {
		t.Errorf("loss to %v, want the reopening at %v", to, opened)
	}
}
