package ledger

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// segLines returns the lines (with newlines) of segment i of dir.
func segLines(t *testing.T, dir string, i int) (string, [][]byte) {
	t.Helper()
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, segs[i].name))
	if err != nil {
		t.Fatal(err)
	}
	return segs[i].name, bytes.SplitAfter(b, []byte{'\n'})
}

func writeSeg(t *testing.T, dir, name string, lines [][]byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), bytes.Join(lines, nil), 0o640); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestTamperMatrix applies each kind of tampering the auditor must catch
// to a copy of a closed ledger and checks that Verify reports it at the
// right place.
func TestTamperMatrix(t *testing.T) {
	keys := newKeys(t, "test")
	other := newKeys(t, "test")
	orig := t.TempDir()
	writeLedger(t, orig, keys, 23)
	segs, _ := listSegments(orig)
	if len(segs) < 4 {
		t.Fatalf("need at least 4 segments, have %d", len(segs))
	}
	perSeg := int(segs[1].firstSeq) // records per full segment

	type want struct {
		file    string
		line    int
		seq     int64
		problem string
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   want
	}{
		{"edited field", func(t *testing.T, dir string) {
			name, lines := segLines(t, dir, 1)
			lines[1] = bytes.Replace(lines[1], []byte(`"approve"`), []byte(`"deny"`), 1)
			writeSeg(t, dir, name, lines)
		}, want{segmentName(int64(perSeg)), 2, int64(perSeg) + 1, "the record was modified"}},

		{"edited field with rewritten leaf hash", func(t *testing.T, dir string) {
			name, lines := segLines(t, dir, 1)
			ln, err := ParseLine(lines[1])
			if err != nil {
				t.Fatal(err)
			}
			rec := bytes.Replace(ln.Record, []byte(`"approve"`), []byte(`"deny"`), 1)
			lines[1] = appendLine(nil, ln.Seq, tlog.RecordHash(rec), rec)
			writeSeg(t, dir, name, lines)
		}, want{"", 0, -2, "do not hash to the root signed in checkpoint"}},

		{"deleted record", func(t *testing.T, dir string) {
			name, lines := segLines(t, dir, 0)
			lines = append(lines[:2], lines[3:]...)
			writeSeg(t, dir, name, lines)
		}, want{segmentName(0), 3, 2, "records 2 to 2 are missing"}},

		{"reordered pair", func(t *testing.T, dir string) {
			name, lines := segLines(t, dir, 2)
			lines[1], lines[2] = lines[2], lines[1]
			writeSeg(t, dir, name, lines)
		}, want{segmentName(int64(2 * perSeg)), 2, int64(2*perSeg) + 1, "where record"}},

		{"truncated segment", func(t *testing.T, dir string) {
			name, lines := segLines(t, dir, 1)
			writeSeg(t, dir, name, lines[:len(lines)-2]) // drop the last record (the final element is empty)
		}, want{segmentName(int64(2 * perSeg)), 0, int64(2*perSeg) - 1, "missing"}},

		{"segment truncated mid-record", func(t *testing.T, dir string) {
			name, lines := segLines(t, dir, 1)
			last := lines[len(lines)-2]
			lines[len(lines)-2] = last[:len(last)/2]
			writeSeg(t, dir, name, lines)
		}, want{segmentName(int64(perSeg)), perSeg, int64(2*perSeg) - 1, "no terminating newline"}},

		{"removed segment", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, segmentName(int64(perSeg)))); err != nil {
				t.Fatal(err)
			}
		}, want{segmentName(int64(2 * perSeg)), 0, int64(perSeg), "missing"}},

		{"removed last segment", func(t *testing.T, dir string) {
			segs, _ := listSegments(dir)
			if err := os.Remove(filepath.Join(dir, segs[len(segs)-1].name)); err != nil {
				t.Fatal(err)
			}
		}, want{"", 0, int64(segs[len(segs)-1].firstSeq), "the last segment was truncated or removed"}},

		{"forged checkpoint", func(t *testing.T, dir string) {
			p := filepath.Join(dir, checkpointsFile)
			b, _ := os.ReadFile(p)
			lines := bytes.SplitAfter(b, []byte{'\n'})
			// Change the tree size in the fourth checkpoint's text (the
			// first is the empty one), keep the signature.
			lines[3] = bytes.Replace(lines[3], []byte(`\n12\n`), []byte(`\n13\n`), 1)
			os.WriteFile(p, bytes.Join(lines, nil), 0o640)
		}, want{checkpointsFile, 4, -1, "forged or replaced checkpoint"}},

		{"checkpoint replaced by one signed with another key", func(t *testing.T, dir string) {
			_, lines := segLines(t, dir, 0)
			_ = lines
			var m memTree
			for i := 0; i < 23; i++ {
				m.add(tlog.RecordHash(record(i)))
			}
			root, _ := tlog.TreeHash(23, &m)
			msg, err := SignCheckpoint(Checkpoint{Origin: "aimskit.ledger/credit-scoring/pod-1", Size: 23, Root: root}, other.signer)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, latestFile), msg, 0o640)
		}, want{latestFile, 0, -1, "not signed by the given key"}},

		{"latest checkpoint replaced by an older genuine one", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, checkpointsFile))
			_, msg, err := parseCheckpointLine(bytes.SplitAfter(b, []byte{'\n'})[0])
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, latestFile), msg, 0o640)
		}, want{latestFile, 0, -1, "differs from the last entry"}},

		{"checkpoint history removed", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, checkpointsFile))
			os.Remove(filepath.Join(dir, latestFile))
		}, want{segmentName(0), 0, 0, "without any signed checkpoint"}},

		{"last checkpoint removed from the history", func(t *testing.T, dir string) {
			p := filepath.Join(dir, checkpointsFile)
			b, _ := os.ReadFile(p)
			lines := bytes.SplitAfter(b, []byte{'\n'})
			os.WriteFile(p, bytes.Join(lines[:len(lines)-2], nil), 0o640)
		}, want{latestFile, 0, -1, "differs from the last entry"}},

		{"checkpoints reordered", func(t *testing.T, dir string) {
			p := filepath.Join(dir, checkpointsFile)
			b, _ := os.ReadFile(p)
			lines := bytes.SplitAfter(b, []byte{'\n'})
			lines[1], lines[2] = lines[2], lines[1]
			os.WriteFile(p, bytes.Join(lines, nil), 0o640)
		}, want{checkpointsFile, 3, -1, "smaller than the previous"}},

		{"record appended after the last checkpoint", func(t *testing.T, dir string) {
			segs, _ := listSegments(dir)
			name, lines := segLines(t, dir, len(segs)-1)
			rec := record(23)
			lines = append(lines[:len(lines)-1], appendLine(nil, 23, tlog.RecordHash(rec), rec))
			writeSeg(t, dir, name, lines)
		}, want{segs[len(segs)-1].name, -1, 23, "not covered by any signed checkpoint"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, orig)
			c.tamper(t, dir)
			_, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("tampering not detected: %v", err)
			}
			t.Log(ve)
			if !strings.Contains(ve.Problem, c.want.problem) {
				t.Errorf("problem %q, want it to mention %q", ve.Problem, c.want.problem)
			}
			if c.want.file != "" && ve.File != c.want.file {
				t.Errorf("file %q, want %q", ve.File, c.want.file)
			}
			if c.want.line >= 0 && c.want.file != "" && ve.Line != c.want.line {
				t.Errorf("line %d, want %d", ve.Line, c.want.line)
			}
			if c.want.seq != -2 && ve.Seq != c.want.seq {
				t.Errorf("seq %d, want %d", ve.Seq, c.want.seq)
			}
		})
	}
	// The untouched original still verifies.
	if _, err := Verify(orig, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyLiveLedger: with AllowPending, the ledger of a running writer
// verifies even when its buffer was flushed in the middle of a line.
func TestVerifyLiveLedger(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 6, WithSegmentLimits(0, 0))
	f, _ := os.OpenFile(filepath.Join(dir, segmentName(0)), os.O_WRONLY|os.O_APPEND, 0)
	rec := record(6)
	line := appendLine(nil, 6, tlog.RecordHash(rec), rec)
	f.Write(line)
	f.Write(line[:20]) // the start of record 7
	f.Close()
	verifiers := []note.Verifier{keys.verifier}
	rep, err := Verify(dir, verifiers, VerifyOptions{AllowPending: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pending != 1 || !rep.Partial || rep.Records != 7 {
		t.Fatalf("report %+v", rep)
	}
	if _, err := Verify(dir, verifiers, VerifyOptions{}); err == nil {
		t.Fatal("pending records accepted without AllowPending")
	}
}
