package ledger

import (
	"context"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func TestTimeRotationAndTimedCheckpoint(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	l, err := Open(context.Background(), dir, "sys", "pod", keys.signer, WithClock(clock.Now),
		WithSegmentLimits(0, time.Hour), WithCheckpointEvery(0, time.Minute), WithGroupCommitInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Two minutes later the next group-commit tick signs a checkpoint,
	// without any new record and without Close.
	clock.Add(2 * time.Minute)
	deadline := time.Now().Add(livenessBound)
	for {
		cps, _ := readCheckpointHistory(dir)
		if len(cps) > 0 && cps[len(cps)-1].Size == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no timed checkpoint")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Two hours later the next record starts a new segment.
	clock.Add(2 * time.Hour)
	if err := l.Append(ctx, record(3)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Segments != 2 || rep.Records != 4 {
		t.Fatalf("report %+v", rep)
	}
}
