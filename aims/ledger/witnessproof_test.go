package ledger

import (
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

func testLeaf(i int64) tlog.Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return tlog.RecordHash(append([]byte("leaf "), b[:]...))
}

// sliceLeaves is a leafFunc over leaf hashes in memory.
func sliceLeaves(leaves []tlog.Hash, reads *int) leafFunc {
	return func(ctx context.Context, from, to int64, fn func(tlog.Hash) error) error {
		if from < 0 || to > int64(len(leaves)) || from > to {
			return fmt.Errorf("leaves [%d, %d) outside [0, %d)", from, to, len(leaves))
		}
		if reads != nil {
			*reads += int(to - from)
		}
		for _, h := range leaves[from:to] {
			if err := fn(h); err != nil {
				return err
			}
		}
		return nil
	}
}

// The proof built from a frontier snapshot and the leaves after it is
// exactly tlog.ProveTree's over the whole tree in memory, for every pair
// of sizes up to 70 and for some pairs of larger sizes, and it reads only
// the leaves after the old size.
func TestConsistencyProofMatchesTlog(t *testing.T) {
	const n = 70
	full := &memTree{}
	var leaves []tlog.Hash
	var f frontier
	snaps := []subtrees{f.snapshot()}
	for i := int64(0); i < n; i++ {
		h := testLeaf(i)
		leaves = append(leaves, h)
		if err := full.add(h); err != nil {
			t.Fatal(err)
		}
		if err := f.add(h); err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, f.snapshot())
	}
	ctx := context.Background()
	pairs := 0
	for old := int64(0); old <= n; old++ {
		root, err := snaps[old].root()
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := tlog.TreeHash(old, full); old > 0 && root != want {
			t.Fatalf("root of the snapshot at %d differs from tlog.TreeHash", old)
		}
		for size := max(old, 1); size <= n; size++ {
			reads := 0
			got, err := proveConsistency(ctx, snaps[old], size, sliceLeaves(leaves, &reads))
			if err != nil {
				t.Fatalf("proof %d -> %d: %v", old, size, err)
			}
			want := tlog.TreeProof{}
			if old > 0 && old < size {
				if want, err = tlog.ProveTree(size, old, full); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("proof %d -> %d: got %d hashes, tlog.ProveTree gives %d, or they differ", old, size, len(got), len(want))
			}
			if old > 0 {
				oldRoot, _ := tlog.TreeHash(old, full)
				newRoot, _ := tlog.TreeHash(size, full)
				if err := tlog.CheckTree(got, size, newRoot, old, oldRoot); err != nil {
					t.Fatalf("proof %d -> %d does not check: %v", old, size, err)
				}
			}
			if int64(reads) > size-old {
				t.Fatalf("proof %d -> %d read %d leaves, more than the %d after the old size", old, size, reads, size-old)
			}
			pairs++
		}
	}
	t.Logf("%d pairs of sizes", pairs)

	// Larger trees: sizes around powers of two, where the proof shapes
	// change, up to 5000 records.
	const big = 5000
	for i := int64(n); i < big; i++ {
		h := testLeaf(i)
		leaves = append(leaves, h)
		if err := full.add(h); err != nil {
			t.Fatal(err)
		}
	}
	sizes := []int64{1, 2, 3, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 3000, 4095, 4096, 4097, 4999, 5000}
	for _, old := range sizes {
		base, err := rebuildSubtrees(ctx, subtrees{}, old, sliceLeaves(leaves, nil))
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range sizes {
			if size <= old {
				continue
			}
			got, err := proveConsistency(ctx, base, size, sliceLeaves(leaves, nil))
			if err != nil {
				t.Fatal(err)
			}
			want, err := tlog.ProveTree(size, old, full)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("proof %d -> %d differs from tlog.ProveTree", old, size)
			}
		}
	}
}

func TestRebuildSubtreesFromAnyBase(t *testing.T) {
	var leaves []tlog.Hash
	var f frontier
	snaps := []subtrees{f.snapshot()}
	for i := int64(0); i < 40; i++ {
		leaves = append(leaves, testLeaf(i))
		if err := f.add(leaves[i]); err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, f.snapshot())
	}
	for base := range snaps {
		for n := base; n < len(snaps); n++ {
			got, err := rebuildSubtrees(context.Background(), snaps[base], int64(n), sliceLeaves(leaves, nil))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.hashes, snaps[n].hashes) && !(len(got.hashes) == 0 && len(snaps[n].hashes) == 0) {
				t.Fatalf("rebuilding %d from %d differs from the frontier's snapshot", n, base)
			}
		}
	}
	if _, err := proveConsistency(context.Background(), snaps[5], 3, sliceLeaves(leaves, nil)); err == nil {
		t.Error("proof to a smaller size succeeded")
	}
	if _, err := proveConsistency(context.Background(), subtrees{n: 5}, 9, sliceLeaves(leaves, nil)); err == nil {
		t.Error("proof from a snapshot without hashes succeeded")
	}
}

// ledgerLeaves reads back the same leaf hashes the tree was built from,
// across segments and pruned records, for any range, and also when it
// resumes where the previous read ended.
func TestLedgerLeavesReadBack(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer, WithClock(clock.Now), WithSegmentLimits(700, 0), WithCheckpointEvery(4, 0))
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	for i := 0; i < n; i++ {
		if i == 20 {
			if err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Add(200 * 24 * time.Hour)
		}
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := l.Prune(ctx, clock.Now().Add(-190*24*time.Hour))
	if err != nil || len(removed) == 0 {
		t.Fatalf("prune removed %v: %v", removed, err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var want []tlog.Hash
	for i := 0; i < n; i++ {
		want = append(want, tlog.RecordHash(record(i)))
	}
	lv := &ledgerLeaves{dir: dir}
	read := func(from, to int64) {
		t.Helper()
		var got []tlog.Hash
		if err := lv.read(ctx, from, to, func(h tlog.Hash) error { got = append(got, h); return nil }); err != nil {
			t.Fatalf("reading [%d, %d): %v", from, to, err)
		}
		if !reflect.DeepEqual(got, want[from:to]) && !(len(got) == 0 && from == to) {
			t.Fatalf("reading [%d, %d): wrong leaves", from, to)
		}
	}
	for from := int64(0); from <= n; from += 3 {
		for to := from; to <= n; to += 5 {
			read(from, to)
		}
	}
	// Consecutive reads resume at the remembered position.
	for from := int64(0); from < n; from += 7 {
		read(from, min(from+7, n))
	}
	if err := lv.read(ctx, 10, n+1, func(tlog.Hash) error { return nil }); err == nil {
		t.Error("reading past the last record succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := lv.read(cctx, 0, n, func(tlog.Hash) error { return nil }); err == nil {
		t.Error("reading with a cancelled context succeeded")
	}
}

// BenchmarkWitnessProof measures building a witness's consistency proof
// from a ledger of 100,000 1 KiB records on disk: "next" is the usual case
// (the previous checkpoint's snapshot plus the 10,000 records since, read
// from where the previous read ended); "rebuild" is a witness whose size
// the ledger has no snapshot for (witnesses.json lost), so the tree at
// 90,000 is rebuilt from every record before it.
func BenchmarkWitnessProof(b *testing.B) {
	keys := newKeys(b, "bench")
	dir := b.TempDir()
	ctx := context.Background()
	l, err := Open(ctx, dir, "sys", "pod", keys.signer, WithDurability(NoSync), WithCheckpointEvery(0, 0))
	if err != nil {
		b.Fatal(err)
	}
	rec := benchRecord(1024)
	const n, old = 100000, 90000
	for i := 0; i < n; i++ {
		if err := l.Append(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		b.Fatal(err)
	}
	lv := &ledgerLeaves{dir: dir}
	snap, err := rebuildSubtrees(ctx, subtrees{}, old, lv.read) // leaves the read position at old
	if err != nil {
		b.Fatal(err)
	}
	atOld := lv.hint
	b.Run("next-10000", func(b *testing.B) {
		for b.Loop() {
			lv.hint = atOld
			if _, err := proveConsistency(ctx, snap, n, lv.read); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Without the remembered position, the read starts at the beginning
	// of the segment holding record 90,000.
	b.Run("next-10000-from-segment-start", func(b *testing.B) {
		for b.Loop() {
			lv.hint = leafHint{}
			if _, err := proveConsistency(ctx, snap, n, lv.read); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rebuild-90000", func(b *testing.B) {
		for b.Loop() {
			s, err := rebuildSubtrees(ctx, subtrees{}, old, lv.read)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := proveConsistency(ctx, s, n, lv.read); err != nil {
				b.Fatal(err)
			}
		}
	})
}
