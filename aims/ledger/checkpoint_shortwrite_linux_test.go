package ledger

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/internal/childtest"
)

const shortWriteDirEnv = "AIMS_LEDGER_SHORTWRITE_DIR"

// TestCheckpointShortWriteChild is the child of
// TestCheckpointShortWriteKeepsLedgerOpenable: with a file size limit
// (RLIMIT_FSIZE, which makes the kernel cut a write short exactly as a full
// disk does) one checkpoint's line of checkpoints.jsonl is written only in
// part and Checkpoint fails; the limit is lifted, as when space is freed,
// and the service goes on: more records, another checkpoint, Close. It
// prints "ack N" for every record Append acknowledged.
func TestCheckpointShortWriteChild(t *testing.T) {
	dir := os.Getenv(shortWriteDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestCheckpointShortWriteKeepsLedgerOpenable")
	}
	signer, err := SignerFromEnv(crashKeyEnv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", signer, WithSegmentLimits(600, 0), WithCheckpointEvery(0, 0), WithWaitDurable(true))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	appendOne := func() {
		if err := l.Append(ctx, record(n)); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ack %d\n", n)
		n++
	}
	cps := filepath.Join(dir, checkpointsFile)
	for {
		appendOne()
		if err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(cps)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 2000 { // larger than any segment or the latest file
			break
		}
	}
	st, _ := os.Stat(cps)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	lim := old
	lim.Cur = uint64(st.Size()) + 40
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	appendOne()
	cpErr := l.Checkpoint(ctx)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if cpErr == nil {
		t.Fatal("the checkpoint was written whole under the size limit")
	}
	fmt.Fprintln(os.Stderr, "checkpoint under the limit:", cpErr)
	for range 3 {
		appendOne()
		if err := l.Checkpoint(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "checkpoint after the limit was lifted:", err)
		}
	}
	if err := l.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
	}
	fmt.Println("done")
}

// TestCheckpointShortWriteKeepsLedgerOpenable: a checkpoint the disk took
// only in part must not leave the ledger in a state the next Open refuses
// as modified: every acknowledged record is there and the ledger verifies.
func TestCheckpointShortWriteKeepsLedgerOpenable(t *testing.T) {
	if os.Getenv(shortWriteDirEnv) != "" {
		t.Skip("child")
	}
	keys := newKeys(t, "shortwrite")
	dir := t.TempDir()
	var acked []string
	done := false
	stderr := childtest.Run(t, "TestCheckpointShortWriteChild", []string{shortWriteDirEnv + "=" + dir, crashKeyEnv + "=" + keys.skey}, func(line string) bool {
		if v, ok := strings.CutPrefix(line, "ack "); ok {
			var n int
			fmt.Sscan(v, &n)
			acked = append(acked, fmt.Sprintf("rec-%04d", n))
		}
		done = done || line == "done"
		return false
	})
	if !done {
		t.Fatalf("child did not finish:\n%s", stderr)
	}
	t.Logf("child: %s", stderr)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatalf("reopen after a checkpoint cut short by a full disk: %v", err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil {
		t.Fatalf("ledger does not verify: %v", err)
	}
	present := map[string]bool{}
	if err := Scan(dir, func(r ScannedRecord) error { present[RecordID(r.Record)] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, id := range acked {
		if !present[id] {
			t.Fatalf("acknowledged record %s lost", id)
		}
	}
}
