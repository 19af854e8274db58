package ledger

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// FuzzParseLine checks that the record parser never panics and is
// canonical: whatever it accepts re-encodes to exactly the input, so two
// different byte strings can never parse to the same record.
// Seed corpus: testdata/fuzz/FuzzParseLine.
func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`{"seq":0,"leaf":"` + string(bytes.Repeat([]byte("ab"), 32)) + `","record":{"id":"x"}}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLine(b)
		if err != nil {
			return
		}
		again := appendLine(nil, l.Seq, l.Leaf, l.Record)
		if !bytes.Equal(bytes.TrimSuffix(again, []byte{'\n'}), bytes.TrimSuffix(b, []byte{'\n'})) {
			t.Fatalf("ParseLine accepted a non-canonical line:\n in %q\nout %q", b, again)
		}
	})
}

// FuzzVerify replaces the only segment of a signed ledger with fuzzed
// bytes. Verify must never panic, and must accept only the original
// bytes: any other content is tampering. Seed corpus:
// testdata/fuzz/FuzzVerify (the original segment and damaged variants).
func FuzzVerify(f *testing.F) {
	keys := newKeys(f, "fuzz")
	dir := f.TempDir()
	writeLedger(f, dir, keys, 5, WithSegmentLimits(0, 0), WithCheckpointEvery(0, 0))
	seg := filepath.Join(dir, segmentName(0))
	orig, err := os.ReadFile(seg)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	verifiers := []note.Verifier{keys.verifier}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(seg, b, 0o640); err != nil {
			t.Fatal(err)
		}
		_, err := Verify(dir, verifiers, VerifyOptions{})
		if err == nil && !bytes.Equal(b, orig) {
			t.Fatalf("Verify accepted a modified segment:\n%q", b)
		}
		if err != nil && bytes.Equal(b, orig) {
			t.Fatalf("Verify rejected the original segment: %v", err)
		}
	})
}

// FuzzCheckProof mutates an inclusion proof's record, sequence number and
// one audit-path element. CheckProof must never panic and must accept
// only the genuine proof.
func FuzzCheckProof(f *testing.F) {
	keys := newKeys(f, "fuzz")
	dir := f.TempDir()
	writeLedger(f, dir, keys, 7)
	orig, err := Prove(dir, RecordID(record(4)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig.Record, orig.Seq, orig.Path[0])
	f.Add(strings.Replace(orig.Record, "approve", "deny", 1), orig.Seq, orig.Path[0])
	f.Add(orig.Record, orig.Seq+1, orig.Path[1])
	f.Add("", int64(-1), "")
	f.Fuzz(func(t *testing.T, rec string, seq int64, path0 string) {
		p := *orig
		p.Path = append([]string(nil), orig.Path...)
		p.Record, p.Seq, p.Path[0] = rec, seq, path0
		_, err := CheckProof(&p, keys.verifier)
		genuine := rec == orig.Record && seq == orig.Seq && path0 == orig.Path[0]
		if err == nil && !genuine {
			t.Fatalf("CheckProof accepted a modified proof: %+v", p)
		}
		if err != nil && genuine {
			t.Fatalf("CheckProof rejected the genuine proof: %v", err)
		}
	})
}
