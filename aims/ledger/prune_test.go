package ledger

import (
	"bytes"
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

// TestInterruptedPruneSave: Prune saves a segment's leaf hashes, fsyncs
// them and only then removes the segment. A crash before the fsync leaves
// the hashes cut short (a killed write stops at a page boundary), ragged,
// or not written out (zeros after a power loss), with the segment still
// there. That is an interrupted Prune, not damage: Verify of the live
// ledger checks the segment's records and says so, Open moves the partial
// hashes aside, and nothing is lost. Saved hashes that go beyond the
// segment's records are no crash's doing and are still refused.
func TestInterruptedPruneSave(t *testing.T) {
	keys := newKeys(t, "prune")
	verifiers := []note.Verifier{keys.verifier}
	for _, tc := range []struct {
		name  string
		saved func(all []byte) []byte
	}{
		{"cut short", func(all []byte) []byte { return all[:len(all)/2/32*32] }},
		{"ragged", func(all []byte) []byte { return all[:len(all)/2+5] }},
		{"zeros", func(all []byte) []byte { b := bytes.Clone(all); clear(b[len(b)-32:]); return b }},
		{"one hash", func(all []byte) []byte { return all[:32] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLedger(t, dir, keys, 12)
			segs, err := listSegments(dir)
			if err != nil || len(segs) < 2 {
				t.Fatalf("segments %v, %v: the test needs two", segs, err)
			}
			leaves, err := segmentLeaves(dir, segs[0])
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, h := range leaves {
				all = append(all, h[:]...)
			}
			saved := tc.saved(all)
			if err := os.WriteFile(filepath.Join(dir, prunedHashes), saved, 0o640); err != nil {
				t.Fatal(err)
			}

			rep, err := Verify(dir, verifiers, VerifyOptions{AllowPending: true})
			if err != nil {
				t.Fatalf("Verify of what the crash left: %v", err)
			}
			if !rep.PruneInterrupted || rep.Records != 12 || rep.Pruned != 0 {
				t.Fatalf("Verify: interrupted %v, %d records, %d pruned; want true, 12, 0", rep.PruneInterrupted, rep.Records, rep.Pruned)
			}

			ctx := context.Background()
			l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer)
			if err != nil {
				t.Fatalf("Open after the interrupted Prune: %v", err)
			}
			rec := l.Recovered()
			if len(rec) != 1 || rec[0].File != prunedHashes || rec[0].Seq != 0 {
				t.Fatalf("Recovered() = %+v, want the partial hashes from record 0", rec)
			}
			if err := l.Append(ctx, record(12)); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(filepath.Join(dir, prunedHashes)); err != nil || len(b) != 0 {
				t.Fatalf("%s after Open: %d bytes, %v; want the partial hashes moved aside", prunedHashes, len(b), err)
			}
			aside, _ := filepath.Glob(filepath.Join(dir, prunedHashes+".torn-*"))
			if len(aside) != 1 {
				t.Fatalf("moved-aside files %v, want one", aside)
			}
			if b, _ := os.ReadFile(aside[0]); !bytes.Equal(b, saved) {
				t.Fatal("the moved-aside file does not hold the partial hashes")
			}
			rep, err = Verify(dir, verifiers, VerifyOptions{})
			if err != nil {
				t.Fatalf("Verify after the restart: %v", err)
			}
			if rep.Records != 13 || rep.PruneInterrupted {
				t.Fatalf("Verify after the restart: %d records, interrupted %v; want 13, false", rep.Records, rep.PruneInterrupted)
			}
		})
	}

	t.Run("beyond the segment", func(t *testing.T) {
		dir := t.TempDir()
		writeLedger(t, dir, keys, 12)
		segs, _ := listSegments(dir)
		leaves, err := segmentLeaves(dir, segs[0])
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		for _, h := range leaves {
			b = append(b, h[:]...)
		}
		b = append(b, make([]byte, 32)...)
		if err := os.WriteFile(filepath.Join(dir, prunedHashes), b, 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(dir, verifiers, VerifyOptions{AllowPending: true}); err == nil {
			t.Error("Verify accepted pruned hashes beyond the records of the segment they overlap")
		}
		if _, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer); err == nil {
			t.Error("Open accepted pruned hashes beyond the records of the segment they overlap")
		}
	})
}
