package ledger

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestScanNewestFirst: every record once, the segments newest first and
// the records of each in order; a torn last line of the newest segment
// (a writer's record in progress) ends that segment, not the scan.
func TestScanNewestFirst(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir, newKeys(t, "test"), 23)
	check := func() {
		t.Helper()
		var segs []string
		var last int64 = -1
		seen := map[int64]bool{}
		err := ScanNewestFirst(dir, func(r ScannedRecord) error {
			if len(segs) == 0 || segs[len(segs)-1] != r.Segment {
				if len(segs) > 0 && r.Segment > segs[len(segs)-1] {
					t.Fatalf("segment %s after the newer %s", r.Segment, segs[len(segs)-1])
				}
				segs, last = append(segs, r.Segment), -1
			}
			if r.Seq <= last {
				t.Fatalf("record %d after %d in %s", r.Seq, last, r.Segment)
			}
			last, seen[r.Seq] = r.Seq, true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(segs) < 3 || len(seen) != 23 {
			t.Fatalf("%d segments, %d records; want several segments and 23 records", len(segs), len(seen))
		}
	}
	check()

	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	half := appendLine(nil, 23, [32]byte{}, record(23))
	f, err := os.OpenFile(filepath.Join(dir, segs[len(segs)-1].name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(half[:len(half)/2]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Scan(dir, func(ScannedRecord) error { return nil }); !errors.Is(err, ErrTorn) {
		t.Fatalf("Scan of a torn ledger: %v, want ErrTorn", err)
	}
	check()
}
