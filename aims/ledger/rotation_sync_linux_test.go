//go:build linux

package ledger

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// dirtyPages returns how many of path's page-cache pages are written but
// not yet on stable storage, by the cachestat system call (Linux 6.5+);
// an fsync cleans them. It skips the test where the call is missing.
func dirtyPages(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cs unix.Cachestat_t
	whole := unix.CachestatRange{}
	if err := unix.Cachestat(uint(f.Fd()), &whole, &cs, 0); err != nil {
		t.Skipf("cachestat: %v", err)
	}
	return cs.Dirty
}

// TestCheckpointsCoverOnlySyncedSegments checks the rule that a checkpoint
// never covers records that are not on disk, in every durability mode,
// across rotations: checkpoints fsync the open segment only, so a segment
// must be fsynced when it is closed. Without that, in NoSync mode a power
// loss would take records a signed checkpoint vouches for, and the next
// Open would refuse the ledger as modified.
func TestCheckpointsCoverOnlySyncedSegments(t *testing.T) {
	probe := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(probe, make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	if dirtyPages(t, probe) == 0 {
		t.Skip("this file system does not report dirty pages")
	}
	keys := newKeys(t, "rotation")
	for _, mode := range []Durability{NoSync, GroupCommit} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer,
				WithDurability(mode), WithWaitDurable(false), WithSegmentLimits(4<<10, 0), WithCheckpointEvery(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			for i := range 200 {
				if err := l.Append(ctx, record(i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			segs, err := listSegments(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(segs) < 3 {
				t.Fatalf("%d segments; the test needs rotations", len(segs))
			}
			for _, s := range segs[:len(segs)-1] {
				if n := dirtyPages(t, segmentPath(dir, s)); n > 0 {
					t.Errorf("closed segment %s has %d unsynced pages under a signed checkpoint", s.name, n)
				}
			}
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			for _, s := range segs {
				if n := dirtyPages(t, segmentPath(dir, s)); n > 0 {
					t.Errorf("after Close, segment %s has %d unsynced pages under the closing checkpoint", s.name, n)
				}
			}
		})
	}
}
