package ledger

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// recordLine returns the genuine line of record i.
func recordLine(i int) []byte {
	rec := record(i)
	return appendLine(nil, int64(i), tlog.RecordHash(rec), rec)
}

// TestReadersAgree feeds the same damaged file bytes to recovery (Open),
// Scan and Verify and checks that all three classify the damage the same
// way — torn or corrupt, same file, line, byte offset and record — and
// that each then does what the rule says: recovery moves aside only damage
// among the records no checkpoint covers in the last segment and refuses
// (touching nothing) anything else; Verify with AllowPending skips only a
// torn last line nothing covers.
func TestReadersAgree(t *testing.T) {
	keys := newKeys(t, "test")
	orig := t.TempDir()
	// 12 records in segments of a few lines each, checkpointed every 4
	// records, so record 11 is the last one covered.
	writeLedger(t, orig, keys, 12)
	unclose(t, orig) // the damage below is what a crash leaves
	segs, err := listSegments(orig)
	if err != nil || len(segs) < 2 {
		t.Fatalf("need at least 2 segments: %v %v", segs, err)
	}
	lastSeg := len(segs) - 1

	cases := []struct {
		name string
		// edit returns the new content of segment seg, given its lines
		// (with newlines).
		seg  int
		edit func(lines [][]byte) [][]byte
		// at gives the 1-based damaged line of segment seg from the number
		// of lines it had before the edit; the damage every reader must
		// report there (none when zero).
		at     func(n int) int
		damage Damage
		// movedAside: recovery moves the damage aside and opens; else it
		// refuses. pending: Verify with AllowPending accepts the ledger.
		movedAside, pending bool
	}{
		{name: "clean", seg: lastSeg, edit: func(l [][]byte) [][]byte { return l }},
		{name: "torn tail after the last checkpoint", seg: lastSeg,
			edit: func(l [][]byte) [][]byte {
				half := recordLine(13)
				return append(l, recordLine(12), half[:len(half)/2])
			},
			at: func(n int) int { return n + 2 }, damage: Torn, movedAside: true, pending: true},
		{name: "whole record without its newline is torn, not a record", seg: lastSeg,
			edit: func(l [][]byte) [][]byte {
				return append(l, bytes.TrimSuffix(recordLine(12), []byte{'\n'}))
			},
			at: func(n int) int { return n + 1 }, damage: Torn, movedAside: true, pending: true},
		{name: "NUL bytes without newline at the end", seg: lastSeg,
			edit: func(l [][]byte) [][]byte { return append(l, make([]byte, 300)) },
			at:   func(n int) int { return n + 1 }, damage: Torn, movedAside: true, pending: true},
		{name: "complete garbage line after the last checkpoint", seg: lastSeg,
			edit: func(l [][]byte) [][]byte { return append(l, []byte("not a record\n"), recordLine(13)) },
			at:   func(n int) int { return n + 1 }, damage: Corrupt, movedAside: true},
		{name: "NUL bytes over an unsynced line with its newline", seg: lastSeg,
			edit: func(l [][]byte) [][]byte {
				ln := recordLine(12)
				for i := 10; i < 60; i++ {
					ln[i] = 0
				}
				return append(l, ln, recordLine(13))
			},
			at: func(n int) int { return n + 1 }, damage: Corrupt, movedAside: true},
		{name: "record out of sequence after the last checkpoint", seg: lastSeg,
			edit: func(l [][]byte) [][]byte { return append(l, recordLine(13)) },
			at:   func(n int) int { return n + 1 }, damage: Corrupt, movedAside: true},
		{name: "edited record covered by a checkpoint", seg: 1,
			edit: func(l [][]byte) [][]byte {
				l[1] = bytes.Replace(l[1], []byte(`"approve"`), []byte(`"deny"`), 1)
				return l
			},
			at: func(int) int { return 2 }, damage: Corrupt},
		{name: "last segment truncated mid-record under a checkpoint", seg: lastSeg,
			edit: func(l [][]byte) [][]byte {
				last := l[len(l)-1]
				return append(l[:len(l)-1], last[:len(last)/2])
			},
			at: func(n int) int { return n }, damage: Torn},
		{name: "earlier segment truncated mid-record", seg: 0,
			edit: func(l [][]byte) [][]byte {
				last := l[len(l)-1]
				return append(l[:len(l)-1], last[:len(last)/2])
			},
			at: func(n int) int { return n }, damage: Torn},
		{name: "malformed envelope covered by a checkpoint", seg: 0,
			edit: func(l [][]byte) [][]byte {
				l[0] = append([]byte(" "), l[0]...)
				return l
			},
			at: func(int) int { return 1 }, damage: Corrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, orig)
			name, lines := segLines(t, dir, c.seg)
			n := len(lines) - 1 // the final element after the last newline is empty
			lines = c.edit(lines[:n])
			writeSeg(t, dir, name, lines)
			content, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}

			// The damage every reader must report.
			var want *LineError
			if c.damage != 0 {
				line := c.at(n)
				var off int64
				for _, l := range lines[:line-1] {
					off += int64(len(l))
				}
				want = &LineError{Damage: c.damage, File: name, Line: line, Offset: off, Seq: segs[c.seg].firstSeq + int64(line-1)}
			}
			same := func(who string, err error) {
				t.Helper()
				var got *LineError
				if want == nil {
					if errors.As(err, &got) {
						t.Errorf("%s reports damage in a clean ledger: %v", who, err)
					}
					return
				}
				if !errors.As(err, &got) {
					t.Fatalf("%s: no *LineError: %v", who, err)
				}
				if got.Damage != want.Damage || got.File != want.File || got.Line != want.Line || got.Offset != want.Offset || got.Seq != want.Seq {
					t.Errorf("%s reports %v %s line %d byte %d seq %d, want %v %s line %d byte %d seq %d (%v)", who,
						got.Damage, got.File, got.Line, got.Offset, got.Seq, want.Damage, want.File, want.Line, want.Offset, want.Seq, got)
				}
				sentinel := map[Damage]error{Torn: ErrTorn, Corrupt: ErrCorrupt}[want.Damage]
				if !errors.Is(err, sentinel) {
					t.Errorf("%s: errors.Is(%v, %v) is false", who, err, sentinel)
				}
			}

			// Scan.
			var scanned []int64
			err = Scan(dir, func(r ScannedRecord) error { scanned = append(scanned, r.Seq); return nil })
			same("Scan", err)
			if want == nil && err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if want != nil {
				// Every record before the damage, none at or after it.
				for _, s := range scanned {
					if s >= want.Seq && segOf(segs, s) == want.File {
						t.Errorf("Scan delivered record %d at or after the damage", s)
					}
				}
			}

			// Verify.
			verifiers := []note.Verifier{keys.verifier}
			_, err = Verify(dir, verifiers, VerifyOptions{})
			same("Verify", err)
			if want != nil {
				var ve *VerifyError
				if !errors.As(err, &ve) || ve.File != want.File || ve.Line != want.Line || ve.Seq != want.Seq {
					t.Errorf("VerifyError %+v does not locate the damage", ve)
				}
			} else if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			rep, err := Verify(dir, verifiers, VerifyOptions{AllowPending: true})
			switch {
			case want == nil && err != nil:
				t.Fatalf("Verify AllowPending: %v", err)
			case c.pending && (err != nil || !rep.Partial):
				t.Errorf("Verify AllowPending does not take the torn tail for a write in progress: %+v %v", rep, err)
			case want != nil && !c.pending:
				same("Verify AllowPending", err)
			}

			// Recovery.
			logs := oteltest.NewLogs(t)
			l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithLoggerProvider(logs.Provider))
			events := logs.Events(semconv.EventLedgerRecovery)
			switch {
			case want == nil:
				if err != nil {
					t.Fatal(err)
				}
				if len(l.Recovered()) != 0 || len(events) != 0 {
					t.Errorf("recovery of a clean ledger reports %v", l.Recovered())
				}
			case c.movedAside:
				if err != nil {
					t.Fatalf("Open refused damage it must move aside: %v", err)
				}
				rec := l.Recovered()
				if len(rec) != 1 {
					t.Fatalf("Recovered() = %v, want one", rec)
				}
				same("recovery", &rec[0])
				if len(events) != 1 || oteltest.Attrs(events[0])[string(semconv.AimsLedgerSegment)].AsString() != want.File {
					t.Errorf("%d recovery events, want 1 naming %s", len(events), want.File)
				}
				aside := oteltest.Attrs(events[0])[string(semconv.AimsLedgerTornFile)].AsString()
				moved, err := os.ReadFile(filepath.Join(dir, aside))
				if err != nil || !bytes.Equal(moved, content[want.Offset:]) {
					t.Errorf("bytes moved aside %q, want %q (%v)", moved, content[want.Offset:], err)
				}
				if c.damage == Torn && !strings.Contains(events[0].Body().AsString(), "torn") ||
					c.damage == Corrupt && !strings.Contains(events[0].Body().AsString(), "corrupt") {
					t.Errorf("recovery event does not say %v: %s", c.damage, events[0].Body().AsString())
				}
			default:
				if err == nil {
					l.Close(context.Background())
					t.Fatal("Open accepted a modified ledger")
				}
				same("recovery", err)
				if len(events) != 0 {
					t.Errorf("refused recovery still moved something aside: %d events", len(events))
				}
				after, _ := os.ReadFile(filepath.Join(dir, name))
				if !bytes.Equal(after, content) {
					t.Error("refused recovery changed the segment")
				}
				return
			}
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(dir, verifiers, VerifyOptions{}); err != nil {
				t.Fatalf("ledger does not verify after recovery: %v", err)
			}
		})
	}
}

// segOf returns the name of the segment holding record seq.
func segOf(segs []segmentFile, seq int64) string {
	name := ""
	for _, s := range segs {
		if s.firstSeq <= seq {
			name = s.name
		}
	}
	return name
}

// TestCheckpointReadersAgree: recovery and Verify classify damage to
// checkpoints.jsonl the same way. Recovery moves a torn last checkpoint
// line aside (a crash can leave it), as Verify of a live ledger skips it,
// and both refuse a complete one that does not parse (every complete line
// is a signed statement).
func TestCheckpointReadersAgree(t *testing.T) {
	keys := newKeys(t, "test")
	orig := t.TempDir()
	writeLedger(t, orig, keys, 9)
	hist, err := os.ReadFile(filepath.Join(orig, checkpointsFile))
	if err != nil {
		t.Fatal(err)
	}
	nLines := bytes.Count(hist, []byte{'\n'})
	for _, c := range []struct {
		name   string
		tail   []byte
		damage Damage
	}{
		{"torn last checkpoint line", []byte(`{"note":"aimskit.ledger/credit-`), Torn},
		{"complete line that is not a checkpoint", []byte("{\"note\":\"nonsense\"}\n"), Corrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, orig)
			content := append(append([]byte(nil), hist...), c.tail...)
			if err := os.WriteFile(filepath.Join(dir, checkpointsFile), content, 0o640); err != nil {
				t.Fatal(err)
			}
			want := LineError{Damage: c.damage, File: checkpointsFile, Line: nLines + 1, Offset: int64(len(hist)), Seq: -1}
			check := func(who string, err error) {
				t.Helper()
				var got *LineError
				if !errors.As(err, &got) {
					t.Fatalf("%s: no *LineError: %v", who, err)
				}
				if got.Damage != want.Damage || got.File != want.File || got.Line != want.Line || got.Offset != want.Offset || got.Seq != want.Seq {
					t.Errorf("%s reports %+v, want %+v", who, *got, want)
				}
			}
			_, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
			check("Verify", err)
			// Of a live ledger, Verify takes the torn line as Open does:
			// a checkpoint a crash cut short, skipped and reported.
			rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{AllowPending: true})
			if c.damage == Corrupt {
				check("Verify (live)", err)
			} else if err != nil || !rep.Partial {
				t.Fatalf("Verify (live) of a torn checkpoint line: %v", err)
			}
			l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
			if c.damage == Corrupt {
				if err == nil {
					l.Close(context.Background())
					t.Fatal("Open accepted a corrupt checkpoint line")
				}
				check("recovery", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rec := l.Recovered()
			if len(rec) != 1 {
				t.Fatalf("Recovered() = %v", rec)
			}
			check("recovery", &rec[0])
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLongLineIsCorrupt: a line longer than any record line is corrupt,
// not torn, even without a newline, and reading stops there.
func TestLongLineIsCorrupt(t *testing.T) {
	for _, tail := range []string{"", "\n"} {
		long := append(bytes.Repeat([]byte("x"), maxLineBytes+10), tail...)
		lr := newLineReader(bytes.NewReader(append(recordLine(0), long...)), "seg")
		if _, err := lr.nextLine(); err != nil {
			t.Fatal(err)
		}
		_, err := lr.nextLine()
		var le *LineError
		if !errors.As(err, &le) || le.Damage != Corrupt || le.Line != 2 || le.Offset != int64(len(recordLine(0))) {
			t.Fatalf("long line with tail %q: %v", tail, err)
		}
	}
}
