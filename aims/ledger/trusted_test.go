package ledger

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// TestTrustedCheckpoint: an auditor keeps the checkpoint of an earlier
// audit. Someone with the signing key who later rewrites the whole ledger
// (every line, leaf and checkpoint re-signed) is caught, because the new
// ledger is not consistent with the kept checkpoint.
func TestTrustedCheckpoint(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 10)
	kept, err := os.ReadFile(filepath.Join(dir, latestFile))
	if err != nil {
		t.Fatal(err)
	}
	writeLedger(t, dir, keys, 5)
	if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{External: [][]byte{kept}}); err != nil {
		t.Fatalf("honest growth rejected: %v", err)
	}

	// Rewrite history: a fresh ledger with record 3 changed, re-signed.
	forged := t.TempDir()
	l, err := Open(context.Background(), forged, "credit-scoring", "pod-1", keys.signer, WithCheckpointEvery(4, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 15; i++ {
		rec := record(i)
		if i == 3 {
			rec = []byte(strings.Replace(string(rec), "approve", "deny", 1))
		}
		if err := l.Append(t.Context(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(forged, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil {
		t.Fatalf("the rewritten ledger is self-consistent, Verify alone cannot tell: %v", err)
	}
	_, err = Verify(forged, []note.Verifier{keys.verifier}, VerifyOptions{External: [][]byte{kept}})
	if err == nil || !strings.Contains(err.Error(), "a fork") {
		t.Fatalf("rewritten ledger not caught by the trusted checkpoint: %v", err)
	}
	// Rollback: a ledger shorter than the kept checkpoint.
	short := t.TempDir()
	writeLedger(t, short, keys, 6)
	_, err = Verify(short, []note.Verifier{keys.verifier}, VerifyOptions{External: [][]byte{kept}})
	if err == nil || !strings.Contains(err.Error(), "rollback") {
		t.Fatalf("rollback not caught: %v", err)
	}
}
