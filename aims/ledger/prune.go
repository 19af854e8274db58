package ledger

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/internal/appendfile"
)

// Retention (EU AI Act Art. 19(1), 26(6): logs of high-risk systems are
// kept at least six months). Prune deletes whole old segments, but keeps
// their leaf hashes in pruned.hashes, so the Merkle tree, every
// checkpoint and every later record stay verifiable. Verify accepts
// pruned records only if the checkpoint that first covered them was signed
// at least the retention period before the latest checkpoint; deleting
// younger records therefore shows up as tampering.

type pruneReq struct {
	before time.Time
	done   chan pruneResult
}

type pruneResult struct {
	removed []string
	err     error
}

// PruneHook is called by Prune, before it deletes anything, with the time
// Prune was given (see OnPrune).
type PruneHook func(ctx context.Context, before time.Time) error

// OnPrune registers fn to be called by every Prune before it deletes a
// segment. A component whose state lives in the ledger's records, such as
// aims.IncidentBook, whose Restore rebuilds the incidents that are not
// closed from their latest records, uses it to write again what it still
// needs from records appended before that time: such new records are
// younger than the retention period, so this Prune cannot delete them.
// Hooks run in the order they were registered, on Prune's goroutine, and
// may append to the ledger; an error from one stops the Prune, which then
// deletes nothing. The returned function removes fn.
func (l *Ledger) OnPrune(fn PruneHook) (remove func()) {
	l.hooksMu.Lock()
	defer l.hooksMu.Unlock()
	if l.pruneHooks == nil {
		l.pruneHooks = map[int]PruneHook{}
	}
	k := l.nextHook
	l.nextHook++
	l.pruneHooks[k] = fn
	return func() {
		l.hooksMu.Lock()
		delete(l.pruneHooks, k)
		l.hooksMu.Unlock()
	}
}

// runPruneHooks calls the OnPrune hooks in the order they were registered,
// without holding hooksMu (a hook may register or remove one).
func (l *Ledger) runPruneHooks(ctx context.Context, before time.Time) error {
	l.hooksMu.Lock()
	keys := make([]int, 0, len(l.pruneHooks))
	for k := range l.pruneHooks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	hooks := make([]PruneHook, len(keys))
	for i, k := range keys {
		hooks[i] = l.pruneHooks[k]
	}
	l.hooksMu.Unlock()
	for _, h := range hooks {
		if err := h(ctx, before); err != nil {
			return fmt.Errorf("ledger: prune hook: %w", err)
		}
	}
	return nil
}

// Prune deletes the segments whose records were all covered by a
// checkpoint signed before the given time, oldest first, and returns their
// names. It never deletes the segment being written, and it refuses a
// time later than now minus the minimum retention (WithRetention, default
// six months). It first calls the OnPrune hooks, then signs a fresh
// checkpoint, so the pruned records' age can be checked against it.
func (l *Ledger) Prune(ctx context.Context, before time.Time) ([]string, error) {
	if limit := l.cfg.now().Add(-l.cfg.retention); before.After(limit) {
		return nil, fmt.Errorf("ledger: refusing to prune records checkpointed after %s: the minimum retention is %v, so nothing after %s may be deleted",
			before.UTC().Format(time.RFC3339), l.cfg.retention, limit.UTC().Format(time.RFC3339))
	}
	if err := l.runPruneHooks(ctx, before); err != nil {
		return nil, err
	}
	req := &pruneReq{before: before, done: make(chan pruneResult, 1)}
	if err := l.send(ctx, item{kind: kindPrune, prune: req}); err != nil {
		return nil, err
	}
	select {
	case r := <-req.done:
		return r.removed, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// prune runs on the writer goroutine.
func (l *Ledger) prune(before time.Time) ([]string, error) {
	if err := l.commit(); err != nil {
		return nil, err
	}
	cps, err := readCheckpointHistory(l.dir)
	if err != nil {
		return nil, err
	}
	segs, err := listSegments(l.dir)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	// Which segments may go: a prefix, never the last (active) one.
	var doomed []segmentFile
	for i := 0; i+1 < len(segs); i++ {
		end := segs[i+1].firstSeq // records [firstSeq, end)
		covered := false
		for _, cp := range cps {
			if cp.Size >= end {
				covered = cp.Time.Before(before)
				break
			}
		}
		if !covered {
			break
		}
		doomed = append(doomed, segs[i])
	}
	if len(doomed) == 0 {
		return nil, nil
	}
	// Sign a fresh checkpoint first: Verify measures the age of pruned
	// records against the latest checkpoint, so one must exist that is
	// younger than them even if the process dies halfway through.
	if err := l.checkpoint(false); err != nil {
		return nil, err
	}
	var removed []string
	for _, s := range doomed {
		leaves, err := segmentLeaves(l.dir, s)
		if err != nil {
			return removed, err
		}
		if err := appendPrunedHashes(l.dir, leaves); err != nil {
			return removed, err
		}
		if err := os.Remove(segmentPath(l.dir, s)); err != nil {
			return removed, fmt.Errorf("ledger: %w", err)
		}
		removed = append(removed, s.name)
	}
	return removed, syncDir(l.dir)
}

// readCheckpointHistory returns every checkpoint of dir, oldest first.
func readCheckpointHistory(dir string) ([]Checkpoint, error) {
	cps, _, err := readCheckpoints(dir)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return cps, nil
}

// segmentLeaves returns the checked leaf hashes of a whole segment.
func segmentLeaves(dir string, s segmentFile) ([]tlog.Hash, error) {
	r, err := openSegmentReader(dir, s)
	if err != nil {
		return nil, err
	}
	defer r.close()
	var out []tlog.Hash
	for {
		ln, err := r.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
		out = append(out, ln.Leaf)
	}
}

func appendPrunedHashes(dir string, leaves []tlog.Hash) error {
	f, err := os.OpenFile(filepath.Join(dir, prunedHashes), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	buf := make([]byte, 0, len(leaves)*tlog.HashSize)
	for _, h := range leaves {
		buf = append(buf, h[:]...)
	}
	// Whole or not at all: hashes run into the next Prune's would make
	// Open refuse the ledger.
	err = appendfile.Whole(f, buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ledger: writing %s: %w", prunedHashes, err)
	}
	return syncDir(dir)
}

// prunedSet is pruned.hashes as the readers take it: the leaf hashes of
// the first n records, which Prune deleted. It is read from the file when
// needed, never held in memory, so reading a ledger costs the same memory
// however many records were pruned.
type prunedSet struct {
	path string
	n    int64
}

// each calls fn with every pruned leaf hash, oldest first.
func (p prunedSet) each(fn func(tlog.Hash) error) error {
	if p.n == 0 {
		return nil
	}
	f, err := os.Open(p.path)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var h tlog.Hash
	for i := int64(0); i < p.n; i++ {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return fmt.Errorf("ledger: reading %s: %w", prunedHashes, err)
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

// compareSegment reads the leaves of segment s and compares them with the
// hashes in the file at path from offset on, up to size bytes: it returns
// the number of leaves and whether each leaf equals the hash at its place
// (all of them inside the first size bytes). Neither is held in memory.
func compareSegment(dir string, s segmentFile, path string, offset, size int64) (leaves int64, match bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(io.NewSectionReader(f, offset, max(size-offset, 0)), 1<<16)
	r, err := openSegmentReader(dir, s)
	if err != nil {
		return 0, false, err
	}
	defer r.close()
	match = true
	var h tlog.Hash
	for {
		ln, err := r.next()
		if err == io.EOF {
			return leaves, match, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("ledger: %w", err)
		}
		leaves++
		if match {
			_, err := io.ReadFull(br, h[:])
			match = err == nil && h == ln.Leaf
		}
	}
}

// checkPrunedLeftover checks that segment s lies wholly inside the pruned
// prefix and holds exactly the records whose hashes were saved.
func checkPrunedLeftover(dir string, s segmentFile, pruned prunedSet) error {
	leaves, match, err := compareSegment(dir, s, pruned.path, s.firstSeq*tlog.HashSize, pruned.n*tlog.HashSize)
	if err != nil {
		return err
	}
	if s.firstSeq+leaves > pruned.n {
		return fmt.Errorf("segment overlaps the pruned records 0 to %d but extends beyond them", pruned.n-1)
	}
	if !match {
		return errors.New("segment overlaps the pruned records but its records differ from the saved hashes")
	}
	return nil
}

// readPrunedHashes returns the leaf hashes of the records deleted by
// Prune, oldest first, given the segments present (segs, oldest first).
//
// Prune saves a segment's leaf hashes, fsyncs them, and only then removes
// the segment. A crash before the fsync completed can leave the hashes cut
// short (a killed write stops at a page boundary) or not written out (a
// power loss can leave zeros), with the segment still present: the saved
// hashes then reach into the first segment without being exactly its
// records. The segment holds those records, so the hashes from its first
// record on are returned as torn, to be moved aside by Open and skipped by
// Verify; nothing was pruned. Hashes that go beyond the first segment's
// records, or that disagree with records no segment holds, are not a
// crash's doing, and the callers' checks report them.
func readPrunedHashes(dir string, segs []segmentFile) (pruned prunedSet, torn *LineError, err error) {
	path := filepath.Join(dir, prunedHashes)
	st, err := os.Stat(path)
	if os.IsNotExist(err) {
		return prunedSet{}, nil, nil
	}
	if err != nil {
		return prunedSet{}, nil, fmt.Errorf("ledger: %w", err)
	}
	if !st.Mode().IsRegular() {
		return prunedSet{}, nil, fmt.Errorf("ledger: %s is not a regular file", prunedHashes)
	}
	size := st.Size()
	if len(segs) > 0 {
		first := segs[0]
		if cut := first.firstSeq * tlog.HashSize; cut >= 0 && cut < size {
			leaves, match, err := compareSegment(dir, first, path, cut, size)
			if err != nil {
				return prunedSet{}, nil, err
			}
			saved := size - cut
			same := match && saved == leaves*tlog.HashSize
			if saved <= leaves*tlog.HashSize && !same {
				torn = &LineError{
					Damage: Torn, File: prunedHashes, Line: int(first.firstSeq) + 1, Offset: cut, Seq: first.firstSeq,
					Problem: fmt.Sprintf("%d of the %d bytes of the leaf hashes of %s, which a Prune was saving when a crash interrupted it; the segment still holds its records",
						saved, leaves*tlog.HashSize, first.name),
				}
				size = cut
			}
		}
	}
	if size%tlog.HashSize != 0 {
		return prunedSet{}, nil, fmt.Errorf("ledger: %s has %d bytes, not a whole number of %d-byte hashes", prunedHashes, size, tlog.HashSize)
	}
	return prunedSet{path: path, n: size / tlog.HashSize}, torn, nil
}
