package ledger

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestMoveAsideStreams: moving the damaged tail of a file aside copies it
// with a bounded buffer; it does not read the whole file into memory, so
// a large damaged file cannot make Open allocate its size. The tail is
// moved intact and the file is cut at the damaged line.
func TestMoveAsideStreams(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())

	const size, offset = 6 << 20, 1000
	data := bytes.Repeat([]byte("garbage\x00"), size/8)
	copy(data, strings.Repeat("ok\n", offset/3+1)[:offset])
	name := "damaged.jsonl"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	damage := &LineError{Damage: Corrupt, File: name, Line: offset/3 + 1, Offset: offset, Seq: 0, Problem: "garbage"}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = l.moveAside(damage)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 512<<10 {
		t.Errorf("moving %d damaged bytes aside allocated %d bytes, want at most %d", size-offset, alloc, 512<<10)
	}
	cut, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(cut, data[:offset]) {
		t.Fatalf("damaged file not cut at byte %d: %d bytes, %v", offset, len(cut), err)
	}
	asides, _ := filepath.Glob(path + ".torn-*")
	if len(asides) != 1 {
		t.Fatalf("%d files aside, want 1", len(asides))
	}
	aside, err := os.ReadFile(asides[0])
	if err != nil || !bytes.Equal(aside, data[offset:]) {
		t.Fatalf("damaged tail not moved aside intact: %d bytes, %v", len(aside), err)
	}
	if len(l.recovered) != 1 || l.recovered[0].Offset != offset {
		t.Errorf("recovered %+v", l.recovered)
	}
}

// TestMoveAsideKeepsAnEarlierAsideFile: two recoveries stamped with the
// same time (a clock that repeats or went back) must not overwrite the
// bytes the first one moved aside.
func TestMoveAsideKeepsAnEarlierAsideFile(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())

	name := "damaged.jsonl"
	path := filepath.Join(dir, name)
	tails := []string{"first damaged tail\n", "second damaged tail\n"}
	for _, tail := range tails {
		if err := os.WriteFile(path, []byte("ok\n"+tail), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := l.moveAside(&LineError{Damage: Corrupt, File: name, Line: 2, Offset: 3, Problem: "garbage"}); err != nil {
			t.Fatal(err)
		}
	}
	asides, _ := filepath.Glob(path + ".torn-*")
	var got []string
	for _, a := range asides {
		b, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	sort.Strings(got)
	if len(got) != 2 || got[0] != tails[0] || got[1] != tails[1] {
		t.Fatalf("files aside hold %q, want both tails %q", got, tails)
	}
}
