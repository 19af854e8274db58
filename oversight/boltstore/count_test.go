package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// openCount opens the file at path with n open tickets in it.
func openCount(t *testing.T, path string, n int) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := s.Create(context.Background(), storetest.NewTicket(t, i, time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func reopen(t *testing.T, s *boltstore.Store) *boltstore.Store {
	t.Helper()
	path := boltstore.Path(s)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, err := boltstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func countOpen(t *testing.T, s oversight.Store) int {
	t.Helper()
	n, err := s.CountOpen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCountOpenReadsTheKeptCount: the Gate calls CountOpen for every held
// decision and contest, so it reads the count the file keeps (one key)
// instead of walking the queue index, which costs as much as the queue is
// deep; Open checks the kept count against the queue index and rebuilds
// it when they differ (a file written by an older version after this one).
func TestCountOpenReadsTheKeptCount(t *testing.T) {
	s := openCount(t, filepath.Join(t.TempDir(), "tickets.db"), 3)
	if err := boltstore.SetOpenCount(s, 7); err != nil {
		t.Fatal(err)
	}
	if n := countOpen(t, s); n != 7 {
		t.Fatalf("CountOpen = %d, want the kept count 7 (the queue index was walked)", n)
	}
	s = reopen(t, s)
	defer s.Close(context.Background())
	if n := countOpen(t, s); n != 3 {
		t.Fatalf("CountOpen after Open = %d, want 3: Open did not repair a wrong kept count", n)
	}
}

// TestCountOpenOfAnOldFile: a file written before the count was kept
// gets it at Open, and it stays exact after.
func TestCountOpenOfAnOldFile(t *testing.T) {
	s := openCount(t, filepath.Join(t.TempDir(), "tickets.db"), 4)
	if err := boltstore.DropCounts(s); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	defer s.Close(context.Background())
	if n := countOpen(t, s); n != 4 {
		t.Fatalf("CountOpen of an old file = %d, want 4", n)
	}
	if err := s.Create(context.Background(), storetest.NewTicket(t, 9, time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := countOpen(t, s); n != 5 {
		t.Fatalf("CountOpen after a Create = %d, want 5", n)
	}
}

// TestOpenContestsOfAnOldFile: a file written before the open contests
// were counted by subject gets the counts at Open.
func TestOpenContestsOfAnOldFile(t *testing.T) {
	s := openCount(t, filepath.Join(t.TempDir(), "tickets.db"), 2)
	ctx := context.Background()
	for i := range 3 {
		tk := storetest.NewTicket(t, 10+i, time.Minute)
		tk.Kind, tk.ContestOf = oversight.KindContest, "01900000-0000-7000-8000-900000000000"
		tk.Decision.Subject = "hs256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		if i == 2 {
			tk.State = oversight.StateResolved
		}
		if err := s.Create(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if err := boltstore.DropCounts(s); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	defer s.Close(ctx)
	if n, err := s.CountOpenContests(ctx, "hs256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); err != nil || n != 2 {
		t.Fatalf("CountOpenContests of an old file = %d, %v; want 2", n, err)
	}
	if n := countOpen(t, s); n != 4 {
		t.Fatalf("CountOpen of an old file = %d, want 4", n)
	}
}

// TestWrongCountDoesNotBlockReviews: a kept count that is too low (a
// damaged file, or one an older version wrote to) must not make the
// resolution of a ticket fail; the count stops at zero and the next Open
// repairs it.
func TestWrongCountDoesNotBlockReviews(t *testing.T) {
	s := openCount(t, filepath.Join(t.TempDir(), "tickets.db"), 2)
	ctx := context.Background()
	if err := boltstore.SetOpenCount(s, 0); err != nil {
		t.Fatal(err)
	}
	id := storetest.NewTicket(t, 0, 0).ID
	if _, err := s.Update(ctx, id, func(x *oversight.Ticket) error {
		x.State = oversight.StateExpired
		return nil
	}); err != nil {
		t.Fatalf("closing a ticket with a kept count too low: %v", err)
	}
	if n := countOpen(t, s); n != 0 {
		t.Fatalf("CountOpen = %d, want 0 (the count stops at zero)", n)
	}
	s = reopen(t, s)
	defer s.Close(ctx)
	if n := countOpen(t, s); n != 1 {
		t.Fatalf("CountOpen after Open = %d, want 1", n)
	}
}
