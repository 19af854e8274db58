package ledger

import (
	"encoding/binary"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestFrontierMatchesTlog checks the writer's O(log n) frontier against
// tlog's full tree: same root at every size.
func TestFrontierMatchesTlog(t *testing.T) {
	var f frontier
	var m memTree
	for i := 0; i < 1100; i++ {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		leaf := tlog.RecordHash(b[:])
		if err := f.add(leaf); err != nil {
			t.Fatal(err)
		}
		if err := m.add(leaf); err != nil {
			t.Fatal(err)
		}
		got, err := f.root()
		if err != nil {
			t.Fatalf("size %d: %v", i+1, err)
		}
		want, err := tlog.TreeHash(int64(i+1), &m)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("size %d: frontier root %x, tlog root %x", i+1, got[:4], want[:4])
		}
		if len(f.nodes) > 12 {
			t.Fatalf("frontier holds %d levels for %d leaves", len(f.nodes), i+1)
		}
	}
}
