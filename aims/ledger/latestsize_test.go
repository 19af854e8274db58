package ledger

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// TestHugeLatestCheckpointFile: a latest-checkpoint file far larger than
// any checkpoint is reported as not the ledger's, without being read into
// memory.
func TestHugeLatestCheckpointFile(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 5)
	if err := os.Truncate(filepath.Join(dir, latestFile), 64<<20); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	runtime.ReadMemStats(&after)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.File != latestFile {
		t.Fatalf("Verify of a 64 MiB latest-checkpoint file: %v, want a VerifyError about %s", err, latestFile)
	}
	if !strings.Contains(ve.Problem, "no checkpoint the ledger wrote") {
		t.Errorf("problem %q does not say the file holds no checkpoint", ve.Problem)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("Verify allocated %d MiB to read a 64 MiB latest-checkpoint file", alloc>>20)
	}
	// Open replaces it with the latest checkpoint of the history.
	l, err := Open(t.Context(), dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil {
		t.Fatalf("after Open: %v", err)
	}
}
