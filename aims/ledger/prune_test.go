package ledger

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestRetention(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	open := func() *Ledger {
		l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithClock(clock.Now), WithSegmentLimits(700, 0), WithCheckpointEvery(4, 0))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ctx := context.Background()
	l := open()
	for i := 0; i < 12; i++ {
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Add(100 * 24 * time.Hour)
	for i := 12; i < 20; i++ {
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// 100 days later nothing may be deleted.
	if _, err := l.Prune(ctx, clock.Now()); err == nil || !strings.Contains(err.Error(), "minimum retention") {
		t.Fatalf("pruning young records: %v", err)
	}
	clock.Add(100 * 24 * time.Hour) // day 200: the first 12 records are older than six months
	removed, err := l.Prune(ctx, clock.Now().Add(-DefaultRetention))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) == 0 {
		t.Fatal("nothing pruned")
	}
	for _, name := range removed {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Fatalf("%s still there", name)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pruned == 0 || rep.Pruned > 12 || rep.Records != 20 {
		t.Fatalf("report %+v", rep)
	}
	// Claiming a longer retention makes the deletion a violation.
	if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{Retention: 365 * 24 * time.Hour}); err == nil || !strings.Contains(err.Error(), "retention") {
		t.Fatalf("deletion inside the retention period accepted: %v", err)
	}
	// The pruned ledger reopens and continues.
	l = open()
	if err := l.Append(ctx, record(20)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil || rep.Records != 21 {
		t.Fatalf("%v %v", rep, err)
	}
}

// TestPruneCannotHideYoungDeletion: someone who deletes a young segment
// and saves its leaf hashes as if Prune had run is caught by the age check.
func TestPruneCannotHideYoungDeletion(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 12)
	segs, _ := listSegments(dir)
	leaves, err := segmentLeaves(dir, segs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := appendPrunedHashes(dir, leaves); err != nil {
		t.Fatal(err)
	}
	os.Remove(segmentPath(dir, segs[0]))
	_, err = Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err == nil || !strings.Contains(err.Error(), "less than the retention") {
		t.Fatalf("young deletion not detected: %v", err)
	}
}
