package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// emitted collects the signed checkpoints a ledger emits as
// aims.ledger.checkpoint log records: what reaches the Collector.
func emitted(t *testing.T, logs *oteltest.Logs) [][]byte {
	t.Helper()
	var out [][]byte
	for _, r := range logs.Events(semconv.EventLedgerCheckpoint) {
		out = append(out, []byte(r.Body().AsString()))
	}
	if len(out) == 0 {
		t.Fatal("the ledger emitted no checkpoint records")
	}
	return out
}

// writeEmitting writes n records (starting at record number from) to the
// ledger in dir, closes it and returns the checkpoints it emitted.
func writeEmitting(t *testing.T, dir string, keys testKeys, from, n int, opts ...Option) [][]byte {
	t.Helper()
	logs := oteltest.NewLogs(t)
	opts = append([]Option{WithSegmentLimits(700, 0), WithCheckpointEvery(4, 0), WithLoggerProvider(logs.Provider)}, opts...)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < from+n; i++ {
		if err := l.Append(t.Context(), record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	return emitted(t, logs)
}

// rewriteRecord replaces record seq of the ledger in dir by rec with its
// leaf hash recomputed, as an attacker who knows the format would.
func rewriteRecord(t *testing.T, dir string, seq int64, rec []byte) {
	t.Helper()
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range segs {
		if i+1 < len(segs) && segs[i+1].firstSeq <= seq {
			continue
		}
		name, lines := segLines(t, dir, i)
		lines[seq-s.firstSeq] = appendLine(nil, seq, tlog.RecordHash(rec), rec)
		writeSeg(t, dir, name, lines)
		return
	}
	t.Fatalf("no segment holds record %d", seq)
}

// TestCheckpointEmitted checks that every signed checkpoint leaves the host
// as a log record carrying the signed note, its size and root, and that a
// clean Close ends with a closed checkpoint.
func TestCheckpointEmitted(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	logs := oteltest.NewLogs(t)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithCheckpointEvery(4, 0), WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 9; i++ {
		if err := l.Append(t.Context(), record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, history, err := readCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs := logs.Events(semconv.EventLedgerCheckpoint)
	if len(recs) != len(history) {
		t.Fatalf("%d checkpoint records emitted, %d checkpoints in the history", len(recs), len(history))
	}
	for i, r := range recs {
		if r.Body().AsString() != string(history[i]) {
			t.Errorf("record %d body differs from history entry %d", i, i)
		}
		cp, err := OpenCheckpoint([]byte(r.Body().AsString()), keys.verifier)
		if err != nil {
			t.Fatal(err)
		}
		a := oteltest.Attrs(r)
		if a[string(semconv.AimsLedgerTreeSize)].AsInt64() != cp.Size || a[string(semconv.AimsLedgerRootHash)].AsString() != encodeHash(cp.Root) ||
			a[string(semconv.AimsLedgerOrigin)].AsString() != cp.Origin || a[string(semconv.AimsControlID)].AsString() != "A.6.2.8" {
			t.Errorf("record %d attributes %v do not match its checkpoint %+v", i, a, cp)
		}
	}
	last, err := OpenCheckpoint(history[len(history)-1], keys.verifier)
	if err != nil || !last.Closed || last.Size != 9 {
		t.Fatalf("the last checkpoint is %+v (%v), want a closed one over 9 records", last, err)
	}
}

// TestOutsideTamperMatrix: tampering that leaves a self-consistent ledger
// directory (everything re-signed with the service key, or the history
// removed before a restart) is invisible to Verify on the directory alone,
// and caught by Verify given the checkpoints the ledger emitted to the
// Collector.
func TestOutsideTamperMatrix(t *testing.T) {
	keys := newKeys(t, "test")
	vs := []note.Verifier{keys.verifier}
	orig := t.TempDir()
	early := writeEmitting(t, orig, keys, 0, 10)
	snapshot := copyDir(t, orig)
	later := writeEmitting(t, orig, keys, 10, 10)
	outside := append(append([][]byte(nil), early...), later...)
	if _, err := Verify(orig, vs, VerifyOptions{External: outside}); err != nil {
		t.Fatalf("the genuine ledger fails against its own emitted checkpoints: %v", err)
	}

	cases := []struct {
		name string
		// make returns the tampered ledger directory.
		make func(t *testing.T) string
		// alone: Verify on the directory alone passes (the tampering is
		// self-consistent); the outside checkpoints must then catch it.
		alone bool
		want  string // in the error given the outside checkpoints
		seq   int64  // want VerifyError.Seq; -2 = do not check
	}{
		{"rollback to an earlier checkpoint", func(t *testing.T) string { return copyDir(t, snapshot) },
			true, "rollback or truncation", 10},
		{"emptied ledger", func(t *testing.T) string { return t.TempDir() },
			true, "but the ledger holds only 0", 0},
		{"rebuild with the service key", func(t *testing.T) string {
			dir := t.TempDir()
			writeEmitting(t, dir, keys, 0, 20)
			rewrite := t.TempDir()
			l, err := Open(context.Background(), rewrite, "credit-scoring", "pod-1", keys.signer, WithSegmentLimits(700, 0), WithCheckpointEvery(4, 0))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 20; i++ {
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
			return rewrite
		}, true, "(a fork)", -1},
		{"deleted checkpoint history, rewritten record, restart with adoption", func(t *testing.T) string {
			dir := copyDir(t, orig)
			os.Remove(filepath.Join(dir, checkpointsFile))
			os.Remove(filepath.Join(dir, latestFile))
			rewriteRecord(t, dir, 3, []byte(strings.Replace(string(record(3)), "approve", "deny", 1)))
			_, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
			if !errors.Is(err, ErrUncovered) {
				t.Fatalf("Open took a ledger without checkpoint history silently: %v", err)
			}
			l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithAdoption("restored after the checkpoint files were lost"))
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(dir, vs, VerifyOptions{})
			if err != nil || len(rep.Adoptions) != 1 || !rep.Adoptions[0].Explicit || rep.Adoptions[0].First != 0 || rep.Adoptions[0].Last != 19 {
				t.Fatalf("the explicit adoption is not reported: %+v %v", rep, err)
			}
			return dir
		}, true, "(a fork)", -1},
		{"unsigned records appended after a clean close, history trimmed to look like a crash", func(t *testing.T) string {
			dir := copyDir(t, orig)
			unclose(t, dir)
			name, lines := segLines(t, dir, lastSegment(t, dir))
			for i := 20; i < 22; i++ {
				rec := record(i)
				lines = append(lines, appendLine(nil, int64(i), tlog.RecordHash(rec), rec))
			}
			writeSeg(t, dir, name, lines)
			l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			return dir
		}, true, "closed cleanly", 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.make(t)
			_, err := Verify(dir, vs, VerifyOptions{})
			if c.alone && err != nil {
				t.Fatalf("expected the tampered ledger to pass alone (self-consistent), got %v", err)
			}
			_, err = Verify(dir, vs, VerifyOptions{External: outside})
			var ve *VerifyError
			if !errors.As(err, &ve) || !strings.Contains(ve.Problem, c.want) {
				t.Fatalf("Verify with the emitted checkpoints: %v, want a VerifyError saying %q", err, c.want)
			}
			if c.seq != -2 && ve.Seq != c.seq {
				t.Errorf("located at seq %d, want %d: %v", ve.Seq, c.seq, ve)
			}
		})
	}
}

// lastSegment returns the index of the last segment of dir.
func lastSegment(t *testing.T, dir string) int {
	segs, err := listSegments(dir)
	if err != nil || len(segs) == 0 {
		t.Fatal(segs, err)
	}
	return len(segs) - 1
}

// TestKeyAndLedgerReplaced: an attacker replaces the ledger and the key
// files beside it with their own. Verified with the published key, the
// ledger fails; the attacker's key proves nothing against the checkpoints
// emitted with the real one.
func TestKeyAndLedgerReplaced(t *testing.T) {
	real := newKeys(t, "credit-scoring")
	orig := t.TempDir()
	outside := writeEmitting(t, orig, real, 0, 10)
	fake := newKeys(t, "credit-scoring") // same name, new key
	replaced := t.TempDir()
	writeEmitting(t, replaced, fake, 0, 12)
	if _, err := Verify(replaced, []note.Verifier{real.verifier}, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "forged or replaced") {
		t.Fatalf("a ledger signed with a replaced key passes with the published key: %v", err)
	}
	_, err := Verify(replaced, []note.Verifier{fake.verifier}, VerifyOptions{External: outside})
	if err == nil || !strings.Contains(err.Error(), "does not verify with the key") {
		t.Fatalf("the real ledger's emitted checkpoints did not expose the replaced key: %v", err)
	}
}

// TestRestartRules: what Open adopts, refuses and records.
func TestRestartRules(t *testing.T) {
	keys := newKeys(t, "test")
	t.Run("unsigned append after clean close is refused, then adopted explicitly", func(t *testing.T) {
		dir := t.TempDir()
		writeLedger(t, dir, keys, 8)
		name, lines := segLines(t, dir, lastSegment(t, dir))
		rec := record(8)
		writeSeg(t, dir, name, append(lines, appendLine(nil, 8, tlog.RecordHash(rec), rec)))
		_, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
		if !errors.Is(err, ErrUncovered) || !strings.Contains(err.Error(), "closed cleanly") {
			t.Fatalf("Open signed over a record appended after a clean close: %v", err)
		}
		if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "not covered") {
			t.Fatalf("Verify: %v", err)
		}
		if _, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithAdoption(" ")); err == nil {
			t.Fatal("an empty adoption reason was accepted")
		}
		logs := oteltest.NewLogs(t)
		l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithAdoption("record 8 restored from the service's outbox by J. Doe, ticket OPS-12"), WithLoggerProvider(logs.Provider))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		ev := logs.Events(semconv.EventLedgerAdoption)
		if len(ev) != 1 || ev[0].Severity().String() != "WARN" || !strings.Contains(ev[0].Body().AsString(), "OPS-12") {
			t.Fatalf("adoption events %v", ev)
		}
		a := oteltest.Attrs(ev[0])
		if a[string(semconv.AimsLedgerAdoptedFirst)].AsInt64() != 8 || a[string(semconv.AimsLedgerAdoptedLast)].AsInt64() != 8 || a[string(semconv.AimsLedgerSeq)].AsInt64() != 9 {
			t.Errorf("adoption attributes %v", a)
		}
		rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
		if err != nil || len(rep.Adoptions) != 1 || !rep.Adoptions[0].Explicit || rep.Adoptions[0].Seq != 9 {
			t.Fatalf("%+v %v", rep, err)
		}
		// The adoption entry is not a record for readers.
		n := 0
		if err := Scan(dir, func(ScannedRecord) error { n++; return nil }); err != nil || n != 9 {
			t.Fatalf("Scan saw %d records (%v), want 9 without the adoption entry", n, err)
		}
	})
	t.Run("crash tail is adopted with an entry", func(t *testing.T) {
		dir := t.TempDir()
		writeLedger(t, dir, keys, 8)
		unclose(t, dir)
		name, lines := segLines(t, dir, lastSegment(t, dir))
		rec := record(8)
		writeSeg(t, dir, name, append(lines, appendLine(nil, 8, tlog.RecordHash(rec), rec)))
		l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
		if err != nil || len(rep.Adoptions) != 1 || rep.Adoptions[0].Explicit || !strings.Contains(rep.Adoptions[0].Reason, "crash") {
			t.Fatalf("%+v %v", rep, err)
		}
	})
	t.Run("a forged adoption entry is caught", func(t *testing.T) {
		dir := t.TempDir()
		writeLedger(t, dir, keys, 8)
		unclose(t, dir)
		name, lines := segLines(t, dir, lastSegment(t, dir))
		for i := 8; i < 10; i++ {
			rec := record(i)
			lines = append(lines, appendLine(nil, int64(i), tlog.RecordHash(rec), rec))
		}
		writeSeg(t, dir, name, lines)
		l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Make the entry claim a smaller range, re-signing nothing: the
		// root no longer matches.
		name, lines = segLines(t, dir, lastSegment(t, dir))
		for i, ln := range lines {
			if strings.Contains(string(ln), `"aims_ledger_entry"`) {
				p, _ := ParseLine(ln[:len(ln)-1])
				rec := []byte(strings.Replace(string(p.Record), `"first":8`, `"first":9`, 1))
				lines[i] = appendLine(nil, p.Seq, tlog.RecordHash(rec), rec)
			}
		}
		writeSeg(t, dir, name, lines)
		_, err = Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
		if err == nil || !strings.Contains(err.Error(), "adoption entry claims records 9 to 9") {
			t.Fatalf("forged adoption entry: %v", err)
		}
	})
	t.Run("Append refuses the ledger's own entry prefix", func(t *testing.T) {
		l, err := Open(context.Background(), t.TempDir(), "s", "i", keys.signer)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close(t.Context())
		if err := l.Append(t.Context(), []byte(`{"aims_ledger_entry":"adoption","first":0}`)); err == nil {
			t.Error("Append accepted a forged ledger entry")
		}
		if _, err := l.AppendValue(t.Context(), map[string]any{"aims_ledger_entry": "adoption"}, nil); err == nil {
			t.Error("AppendValue accepted a forged ledger entry")
		}
	})
}

// TestCrashBetweenCheckpointWrites: the history holds the newest
// checkpoint but the latest-checkpoint file still the one before, as a
// kill between the two writes leaves them. That is not tampering: Verify
// passes and says so, Open repairs it.
func TestCrashBetweenCheckpointWrites(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 10)
	unclose(t, dir)
	_, notes, err := readCheckpoints(dir)
	if err != nil || len(notes) < 2 {
		t.Fatal(notes, err)
	}
	if err := os.WriteFile(filepath.Join(dir, latestFile), notes[len(notes)-2], 0o640); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{AllowPending: true})
	if err != nil || !rep.LatestBehind {
		t.Fatalf("a crash between the two checkpoint writes looks like tampering: %+v %v", rep, err)
	}
	// Two behind is not what a crash leaves.
	if len(notes) >= 3 {
		bad := copyDir(t, dir)
		if err := os.WriteFile(filepath.Join(bad, latestFile), notes[len(notes)-3], 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(bad, []note.Verifier{keys.verifier}, VerifyOptions{AllowPending: true}); err == nil || !strings.Contains(err.Error(), "replaced checkpoint") {
			t.Fatalf("a latest checkpoint two behind passes: %v", err)
		}
	}
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	rep, err = Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil || rep.LatestBehind {
		t.Fatalf("Open did not repair the latest-checkpoint file: %+v %v", rep, err)
	}
}

// fakePolicy is satisfied by checkpoints carrying a signature line of the
// named witness; the real C2SP cosignature policy is tested in package
// witness against a running witness.
type fakePolicy struct{ name string }

func (p fakePolicy) Satisfied(msg []byte) error {
	if strings.Contains(string(msg), "\u2014 "+p.name+" ") {
		return nil
	}
	return fmt.Errorf("no cosignature by %s", p.name)
}

// TestWitnessPolicyRules: with a witness policy, a ledger must be covered
// by a checkpoint that satisfies it; an emptied or unwitnessed ledger
// fails.
func TestWitnessPolicyRules(t *testing.T) {
	keys := newKeys(t, "test")
	witness := newKeys(t, "witness.example")
	vs := []note.Verifier{keys.verifier}
	dir := t.TempDir()
	outside := writeEmitting(t, dir, keys, 0, 10)
	last := outside[len(outside)-1]
	// A "cosigned" copy of the last checkpoint: the witness's signature
	// added to the note (the fake policy only looks for its line).
	n, err := note.Open(last, note.VerifierList(keys.verifier))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, keys.signer, witness.signer)
	if err != nil {
		t.Fatal(err)
	}
	policy := fakePolicy{"witness.example"}
	if _, err := Verify(dir, vs, VerifyOptions{Witnesses: policy}); err == nil || !strings.Contains(err.Error(), "no checkpoint satisfies the witness policy") {
		t.Fatalf("unwitnessed ledger passes the policy: %v", err)
	}
	rep, err := Verify(dir, vs, VerifyOptions{Witnesses: policy, External: [][]byte{cosigned}})
	if err != nil || rep.Witnessed != 10 {
		t.Fatalf("witnessed ledger: %+v %v", rep, err)
	}
	if _, err := Verify(t.TempDir(), vs, VerifyOptions{Witnesses: policy}); err == nil || !strings.Contains(err.Error(), "emptied") {
		t.Fatalf("an empty directory passes the witness policy: %v", err)
	}
	// Records after the last witnessed checkpoint.
	writeEmitting(t, dir, keys, 10, 3)
	if _, err := Verify(dir, vs, VerifyOptions{Witnesses: policy, External: [][]byte{cosigned}}); err == nil || !strings.Contains(err.Error(), "covered only by the service's own signature") {
		t.Fatalf("records after the witnessed checkpoint pass: %v", err)
	}
}
