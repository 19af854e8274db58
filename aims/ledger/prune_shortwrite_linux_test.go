package ledger

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/internal/childtest"
)

const pruneShortWriteDirEnv = "AIMS_LEDGER_PRUNE_SHORTWRITE_DIR"

// TestPruneShortWriteChild is the child of
// TestPruneShortWriteKeepsLedgerOpenable: under a file size limit
// (RLIMIT_FSIZE, which makes the kernel cut a write short exactly as a full
// disk does, when pruning is most needed) Prune saves only part of the
// leaf hashes of the segment it deletes and fails; the limit is lifted and
// Prune is run again, as a retention job does.
func TestPruneShortWriteChild(t *testing.T) {
	dir := os.Getenv(pruneShortWriteDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestPruneShortWriteKeepsLedgerOpenable")
	}
	signer, err := SignerFromEnv(crashKeyEnv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now().Add(-300 * 24 * time.Hour).UTC()
	clock := &fakeClock{now: t0}
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", signer, WithClock(clock.Now), WithSegmentLimits(16<<10, 0), WithCheckpointEvery(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Add(200 * 24 * time.Hour)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	lim := old
	lim.Cur = 2500 // above the checkpoint files, below one segment's hashes
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	_, pruneErr := l.Prune(ctx, t0.Add(time.Hour))
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if pruneErr == nil {
		t.Fatal("Prune saved the hashes whole under the size limit")
	}
	fmt.Fprintln(os.Stderr, "prune under the limit:", pruneErr)
	removed, err := l.Prune(ctx, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) == 0 {
		t.Fatal("the second Prune removed nothing")
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("done %d\n", len(removed))
}

// TestPruneShortWriteKeepsLedgerOpenable: leaf hashes Prune saved only in
// part must not stay in pruned.hashes when the Prune is run again: the
// ledger must still open and verify after it.
func TestPruneShortWriteKeepsLedgerOpenable(t *testing.T) {
	if os.Getenv(pruneShortWriteDirEnv) != "" {
		t.Skip("child")
	}
	keys := newKeys(t, "shortwrite")
	dir := t.TempDir()
	done := false
	stderr := childtest.Run(t, "TestPruneShortWriteChild", []string{pruneShortWriteDirEnv + "=" + dir, crashKeyEnv + "=" + keys.skey}, func(line string) bool {
		done = done || strings.HasPrefix(line, "done ")
		return false
	})
	if !done {
		t.Fatalf("child did not finish:\n%s", stderr)
	}
	t.Logf("child: %s", stderr)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatalf("reopen after a Prune cut short by a full disk: %v", err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatalf("ledger does not verify: %v", err)
	}
	if rep.Records != 400 {
		t.Fatalf("the ledger accounts for %d records, want 400", rep.Records)
	}
}
