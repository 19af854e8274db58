package ledger

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestWitnessPolicyAllowPendingCoversCheckpointedRecords: AllowPending
// exempts from the witness policy only the records after the last
// checkpoint. Records the service's own checkpoints cover but no
// witnessed checkpoint does (what a ledger rolled back and continued
// looks like once the witnesses refuse it) still fail.
func TestWitnessPolicyAllowPendingCoversCheckpointedRecords(t *testing.T) {
	keys := newKeys(t, "test")
	witness := newKeys(t, "witness.example")
	vs := []note.Verifier{keys.verifier}
	dir := t.TempDir()
	outside := writeEmitting(t, dir, keys, 0, 10)
	n, err := note.Open(outside[len(outside)-1], note.VerifierList(keys.verifier))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, keys.signer, witness.signer)
	if err != nil {
		t.Fatal(err)
	}
	policy := fakePolicy{"witness.example"}
	// Eight more records, signed only by the service's key: the
	// witnesses never cosigned them.
	writeEmitting(t, dir, keys, 10, 8)
	rep, err := Verify(dir, vs, VerifyOptions{Witnesses: policy, External: [][]byte{cosigned}, AllowPending: true})
	if err == nil {
		t.Fatalf("records 10 to 17, covered by the service's checkpoints and by no witnessed one, pass the witness policy with AllowPending (report: %d records, %d pending, witnessed %d)", rep.Records, rep.Pending, rep.Witnessed)
	}
	if !strings.Contains(err.Error(), "covered only by the service's own signature") {
		t.Fatalf("error %v, want it to say the records are covered only by the service's signature", err)
	}
	// Once the latest checkpoint is witnessed, records after it are
	// accepted as pending.
	latest, err := os.ReadFile(filepath.Join(dir, latestFile))
	if err != nil {
		t.Fatal(err)
	}
	if n, err = note.Open(latest, note.VerifierList(keys.verifier)); err != nil {
		t.Fatal(err)
	}
	if cosigned, err = note.Sign(n, keys.signer, witness.signer); err != nil {
		t.Fatal(err)
	}
	segs, _ := listSegments(dir)
	name, lines := segLines(t, dir, len(segs)-1)
	rec := record(18)
	writeSeg(t, dir, name, append(lines, appendLine(nil, 18, tlog.RecordHash(rec), rec)))
	rep, err = Verify(dir, vs, VerifyOptions{Witnesses: policy, External: [][]byte{cosigned}, AllowPending: true})
	if err != nil || rep.Pending != 1 || rep.Witnessed != 18 {
		t.Fatalf("witnessed ledger with one pending record: %+v %v", rep, err)
	}
}
