package ledger

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPruneHooks: OnPrune hooks run before Prune deletes anything, in the
// order they were registered, with Prune's time; a hook's error stops the
// Prune with every segment still there; a removed hook is not called, and
// a record a hook appends survives the Prune.
func TestPruneHooks(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithClock(clock.Now), WithSegmentLimits(700, 0), WithCheckpointEvery(4, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	ctx := context.Background()
	for i := range 12 {
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Add(DefaultRetention + 24*time.Hour)
	before := clock.Now().Add(-DefaultRetention)

	var calls []string
	failing := errors.New("cannot carry")
	removeFail := l.OnPrune(func(_ context.Context, b time.Time) error {
		calls = append(calls, "fail")
		return failing
	})
	removeNever := l.OnPrune(func(context.Context, time.Time) error {
		calls = append(calls, "never")
		return nil
	})
	removeNever()
	if removed, err := l.Prune(ctx, before); !errors.Is(err, failing) || len(removed) != 0 {
		t.Fatalf("Prune with a failing hook: removed %v, err %v; want nothing removed and the hook's error", removed, err)
	}
	n := 0
	if err := Scan(dir, func(ScannedRecord) error { n++; return nil }); err != nil || n != 12 {
		t.Fatalf("after the refused Prune: %d records, %v; want all 12", n, err)
	}
	removeFail()
	var got time.Time
	l.OnPrune(func(ctx context.Context, b time.Time) error {
		calls = append(calls, "first")
		got = b
		return l.Append(ctx, record(100))
	})
	l.OnPrune(func(context.Context, time.Time) error {
		calls = append(calls, "second")
		return nil
	})
	removed, err := l.Prune(ctx, before)
	if err != nil || len(removed) == 0 {
		t.Fatalf("Prune: removed %v, %v", removed, err)
	}
	if want := []string{"fail", "first", "second"}; len(calls) != len(want) || calls[0] != want[0] || calls[1] != want[1] || calls[2] != want[2] {
		t.Errorf("hooks called %v, want %v", calls, want)
	}
	if !got.Equal(before) {
		t.Errorf("hook got %v, want Prune's time %v", got, before)
	}
	found := false
	if err := Scan(dir, func(s ScannedRecord) error {
		found = found || string(s.Record) == string(record(100))
		return nil
	}); err != nil || !found {
		t.Errorf("the hook's record after the Prune: found %v, %v", found, err)
	}
}
