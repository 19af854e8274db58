package auditreport

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
)

// TestReportNoteAfterCrashBetweenCheckpointWrites: a kill between
// appending a checkpoint to the history and replacing the latest-checkpoint
// file leaves that file one checkpoint behind, which Verify accepts
// (Report.LatestBehind). The report then shows the newest checkpoint's tree
// size and root; the signed note it shows as the latest must be that
// checkpoint's, not the older one's from the file.
func TestReportNoteAfterCrashBetweenCheckpointWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	skey, vkey, err := ledger.GenerateKey("credit-ledger")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(ctx, dir, "credit-scoring", "pod-1", signer)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := l.Append(ctx, fmt.Appendf(nil, `{"id":"rec-%d"}`, i)); err != nil {
			t.Fatal(err)
		}
		if err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The state the kill leaves: the history's newest note is not yet in
	// the latest-checkpoint file, which holds the one before.
	f, err := os.Open(filepath.Join(dir, "checkpoints.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct{ Note string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		notes = append(notes, line.Note)
	}
	f.Close()
	if len(notes) < 2 {
		t.Fatalf("%d checkpoints", len(notes))
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoint"), []byte(notes[len(notes)-2]), 0o640); err != nil {
		t.Fatal(err)
	}

	v := verifyLedger(dir, verifier, false, nil)
	if !v.OK || v.Checkpoint == nil {
		t.Fatalf("the ledger does not verify: %+v", v)
	}
	if v.CheckpointNote != notes[len(notes)-1] {
		t.Errorf("the report shows as the latest signed checkpoint (size %d verified):\n%s\nwant the newest one:\n%s",
			v.Checkpoint.Size, v.CheckpointNote, notes[len(notes)-1])
	}
	body, _, _ := strings.Cut(v.CheckpointNote, "\n\n")
	cp, err := ledger.ParseCheckpoint(body + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != v.Checkpoint.Size || cp.Root != v.Checkpoint.Root {
		t.Errorf("the note shown covers %d records, the tree size and root shown are of %d", cp.Size, v.Checkpoint.Size)
	}
}
