package ledger

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestVerifyStreamsPrunedHashes: Verify's memory is the tree's frontier,
// also for the records Prune deleted, whose leaf hashes pruned.hashes
// holds (32 bytes each). A ledger whose first half million records were pruned
// verifies without holding their hashes in memory.
func TestVerifyStreamsPrunedHashes(t *testing.T) {
	const n = 1 << 19 // 16 MiB of leaf hashes
	keys := newKeys(t, "test")
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, prunedHashes))
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	var tree frontier
	var seed [8]byte
	for i := range n {
		binary.BigEndian.PutUint64(seed[:], uint64(i))
		leaf := tlog.Hash(sha256.Sum256(seed[:]))
		bw.Write(leaf[:])
		if err := tree.add(leaf); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	root, err := tree.root()
	if err != nil {
		t.Fatal(err)
	}
	origin, _ := Origin("credit-scoring", "pod-1")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var last []byte
	for _, cp := range []Checkpoint{
		{Origin: origin, Size: n, Root: root, Time: t0},
		{Origin: origin, Size: n, Root: root, Time: t0.Add(2 * DefaultRetention)},
	} {
		msg, err := SignCheckpoint(cp, keys.signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := appendNoteLine(dir, checkpointsFile, msg); err != nil {
			t.Fatal(err)
		}
		last = msg
	}
	if err := os.WriteFile(filepath.Join(dir, latestFile), last, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, segmentName(n)), nil, 0o640); err != nil {
		t.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != n || rep.Pruned != n {
		t.Fatalf("report: %d records, %d pruned; want %d of each", rep.Records, rep.Pruned, n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("Verify allocated %d MiB for a ledger of %d pruned records (%d MiB of hashes on disk): it holds the pruned hashes in memory", alloc>>20, n, n*tlog.HashSize>>20)
	}
}
