package ledger

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// Consistency proofs for witnesses. The writer keeps only a frontier, so
// a proof from size m (the size a witness last cosigned) to size n is
// built from two things: the hashes of the maximal complete subtrees of
// the tree of size m (a snapshot of the frontier when the witness
// cosigned, O(log m) hashes, kept in witnesses.json), and the leaf hashes
// of records [m, n), read back from the segments. Every node of an RFC
// 6962 consistency proof from m to n is either a maximal complete subtree
// of m or a complete subtree inside [m, n), so that is all tlog.ProveTree
// asks for.

// subtrees are the hashes of the maximal complete subtrees of the tree of
// size n, largest (leftmost) first: one per bit set in n.
type subtrees struct {
	n      int64
	hashes []tlog.Hash
}

// snapshot returns the maximal complete subtrees of the frontier's tree.
// The newest node of a level whose bit is set in the size is exactly that
// level's maximal complete subtree.
func (f *frontier) snapshot() subtrees {
	s := subtrees{n: f.n, hashes: make([]tlog.Hash, 0, bits.OnesCount64(uint64(f.n)))}
	for level := len(f.nodes) - 1; level >= 0; level-- {
		if f.n>>uint(level)&1 == 1 {
			s.hashes = append(s.hashes, f.nodes[level].hash)
		}
	}
	return s
}

// check reports whether s has one hash per bit set in its size.
func (s subtrees) check() error {
	if s.n < 0 || len(s.hashes) != bits.OnesCount64(uint64(s.n)) {
		return fmt.Errorf("%d subtree hashes for a tree of size %d", len(s.hashes), s.n)
	}
	return nil
}

// frontier returns a frontier for the tree of size s.n that records can be
// added to: adding a leaf reads only the maximal complete subtrees.
func (s subtrees) frontier() frontier {
	levels := bits.Len64(uint64(s.n))
	f := frontier{n: s.n, nodes: make([]frontierNode, levels)}
	i := 0
	for level := levels - 1; level >= 0; level-- {
		if s.n>>uint(level)&1 == 1 {
			f.nodes[level] = frontierNode{index: s.n>>uint(level) - 1, hash: s.hashes[i], ok: true}
			i++
		}
	}
	return f
}

// root returns the tree hash of the tree of size s.n.
func (s subtrees) root() (tlog.Hash, error) {
	if err := s.check(); err != nil {
		return tlog.Hash{}, err
	}
	f := s.frontier()
	return f.root()
}

// node returns the hash of the complete subtree at the given level and
// index if it is one of the maximal complete subtrees.
func (s subtrees) node(level int, index int64) (tlog.Hash, bool) {
	var start int64
	i := 0
	for l := bits.Len64(uint64(s.n)) - 1; l >= 0; l-- {
		if s.n>>uint(l)&1 == 0 {
			continue
		}
		if l == level && start>>uint(l) == index && i < len(s.hashes) {
			return s.hashes[i], true
		}
		start += 1 << uint(l)
		i++
	}
	return tlog.Hash{}, false
}

// leafFunc calls fn with the leaf hash of every record in [from, to), in
// order.
type leafFunc func(ctx context.Context, from, to int64, fn func(tlog.Hash) error) error

// proveConsistency returns the RFC 6962 consistency proof from the tree
// whose maximal complete subtrees are old to the tree of size n, reading
// the leaves of records [old.n, n) with leaves. From size 0 (a witness
// that never cosigned) and from size n itself the proof is empty.
func proveConsistency(ctx context.Context, old subtrees, n int64, leaves leafFunc) (tlog.TreeProof, error) {
	if err := old.check(); err != nil {
		return nil, fmt.Errorf("ledger: internal error: %w", err)
	}
	if old.n > n {
		return nil, fmt.Errorf("ledger: no consistency proof from size %d to the smaller size %d", old.n, n)
	}
	if old.n == 0 || old.n == n {
		return tlog.TreeProof{}, nil
	}
	return tlog.ProveTree(n, old.n, &proofHashes{ctx: ctx, old: old, n: n, leaves: leaves})
}

// proofHashes is the tlog.HashReader behind proveConsistency.
type proofHashes struct {
	ctx    context.Context
	old    subtrees
	n      int64
	leaves leafFunc
}

// ReadHashes returns the requested stored hashes: maximal complete
// subtrees of the old tree from the snapshot, complete subtrees inside
// [old.n, n) computed from their leaves in one pass over the records.
func (p *proofHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	type span struct {
		lo, hi int64
		i      int
	}
	var spans []span
	for i, x := range indexes {
		level, k := tlog.SplitStoredHashIndex(x)
		if level > 62 || k > (1<<62)>>uint(level) {
			return nil, fmt.Errorf("ledger: hash index %d out of range", x)
		}
		lo := k << uint(level)
		hi := lo + 1<<uint(level)
		switch {
		case hi <= p.old.n:
			h, ok := p.old.node(level, k)
			if !ok {
				return nil, fmt.Errorf("ledger: internal error: subtree [%d, %d) is not a maximal subtree of the tree of size %d", lo, hi, p.old.n)
			}
			out[i] = h
		case lo >= p.old.n && hi <= p.n:
			spans = append(spans, span{lo, hi, i})
		default:
			return nil, fmt.Errorf("ledger: internal error: subtree [%d, %d) straddles the old size %d or passes the new size %d", lo, hi, p.old.n, p.n)
		}
	}
	if len(spans) == 0 {
		return out, nil
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].lo < spans[b].lo })
	for j := 1; j < len(spans); j++ {
		if spans[j].lo < spans[j-1].hi {
			return nil, fmt.Errorf("ledger: internal error: overlapping proof subtrees [%d, %d) and [%d, %d)", spans[j-1].lo, spans[j-1].hi, spans[j].lo, spans[j].hi)
		}
	}
	var h subtreeHasher
	cur := 0
	seq := spans[0].lo
	err := p.leaves(p.ctx, spans[0].lo, spans[len(spans)-1].hi, func(leaf tlog.Hash) error {
		if cur >= len(spans) {
			return fmt.Errorf("ledger: internal error: leaf %d after the last proof subtree", seq)
		}
		if s := spans[cur]; seq >= s.lo {
			h.add(leaf)
			if seq == s.hi-1 {
				out[s.i] = h.sum()
				h.reset()
				cur++
			}
		}
		seq++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cur != len(spans) {
		return nil, fmt.Errorf("ledger: internal error: read leaves up to %d, proof needs up to %d", seq, spans[len(spans)-1].hi)
	}
	return out, nil
}

// subtreeHasher hashes the leaves of one complete subtree, streamed in
// order, keeping one pending hash per level.
type subtreeHasher struct {
	stack []hashAtLevel
}

type hashAtLevel struct {
	level int
	hash  tlog.Hash
}

func (s *subtreeHasher) add(leaf tlog.Hash) {
	s.stack = append(s.stack, hashAtLevel{0, leaf})
	for n := len(s.stack); n >= 2 && s.stack[n-2].level == s.stack[n-1].level; n = len(s.stack) {
		s.stack[n-2] = hashAtLevel{s.stack[n-2].level + 1, tlog.NodeHash(s.stack[n-2].hash, s.stack[n-1].hash)}
		s.stack = s.stack[:n-1]
	}
}

// sum returns the subtree hash; the subtree must be complete.
func (s *subtreeHasher) sum() tlog.Hash { return s.stack[0].hash }

func (s *subtreeHasher) reset() { s.stack = s.stack[:0] }

// rebuildSubtrees returns the maximal complete subtrees of the tree of
// size n, starting from the known tree base (size base.n <= n) and adding
// the leaves of records [base.n, n).
func rebuildSubtrees(ctx context.Context, base subtrees, n int64, leaves leafFunc) (subtrees, error) {
	if base.n > n {
		return subtrees{}, fmt.Errorf("ledger: internal error: rebuilding size %d from the larger size %d", n, base.n)
	}
	f := base.frontier()
	err := leaves(ctx, base.n, n, func(leaf tlog.Hash) error { return f.add(leaf) })
	if err != nil {
		return subtrees{}, err
	}
	if f.n != n {
		return subtrees{}, fmt.Errorf("ledger: internal error: rebuilt %d records, want %d", f.n, n)
	}
	return f.snapshot(), nil
}

// ledgerLeaves reads the leaf hashes of a ledger's records back from its
// files: pruned.hashes for records Prune deleted, then the segments,
// through the one segment reader (every line checked). It remembers where
// the last read ended, so the next read of the following records (the
// usual case: one checkpoint after another) starts there instead of at
// the beginning of the segment. Safe for concurrent use.
type ledgerLeaves struct {
	dir  string
	mu   sync.Mutex
	hint leafHint
}

// leafHint is a position in a segment: the line that holds record seq.
type leafHint struct {
	seg    string
	offset int64
	line   int // lines before offset
	seq    int64
}

// leafCheckEvery is how many records a read handles between two looks at
// its context.
const leafCheckEvery = 4096

func (r *ledgerLeaves) read(ctx context.Context, from, to int64, fn func(tlog.Hash) error) error {
	if from >= to {
		return nil
	}
	seq := from
	step := func(h tlog.Hash) error {
		if (seq-from)%leafCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		seq++
		return fn(h)
	}
	if err := readPrunedLeaves(r.dir, &seq, to, step); err != nil {
		return err
	}
	if seq == to {
		return nil
	}
	segs, err := listSegments(r.dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	i := sort.Search(len(segs), func(i int) bool { return segs[i].firstSeq > seq }) - 1
	if i < 0 {
		return fmt.Errorf("ledger: record %d is in no segment of %s", seq, r.dir)
	}
	for ; seq < to; i++ {
		if i >= len(segs) {
			return fmt.Errorf("ledger: records %d to %d are in no segment of %s", seq, to-1, r.dir)
		}
		s := segs[i]
		if s.firstSeq > seq {
			return fmt.Errorf("ledger: %s starts at record %d, but record %d is in no segment", s.name, s.firstSeq, seq)
		}
		sr, err := r.open(s, seq)
		if err != nil {
			return err
		}
		for seq < to {
			ln, err := sr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				sr.close()
				return fmt.Errorf("ledger: reading records back for a witness: %w", err)
			}
			if ln.Seq < seq {
				continue
			}
			if err := step(ln.Leaf); err != nil {
				sr.close()
				return err
			}
		}
		if seq == to {
			r.mu.Lock()
			r.hint = leafHint{seg: s.name, offset: sr.lr.next, line: sr.lr.lineNo, seq: sr.seq}
			r.mu.Unlock()
		}
		sr.close()
	}
	return nil
}

// open opens segment s for reading records from seq on: at the remembered
// position when it is in s and not after seq, else at its beginning.
func (r *ledgerLeaves) open(s segmentFile, seq int64) (*segmentReader, error) {
	r.mu.Lock()
	h := r.hint
	r.mu.Unlock()
	if h.seg != s.name || h.seq > seq || h.seq < s.firstSeq {
		return openSegmentReader(r.dir, s)
	}
	f, err := os.Open(segmentPath(r.dir, s))
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if _, err := f.Seek(h.offset, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger: %w", err)
	}
	lr := newLineReader(f, s.name)
	lr.lineNo, lr.next = h.line, h.offset
	return &segmentReader{f: f, lr: lr, seq: h.seq}, nil
}

// readPrunedLeaves reads the leaf hashes of records [*seq, to) that Prune
// moved to pruned.hashes, advancing *seq through step.
func readPrunedLeaves(dir string, seq *int64, to int64, step func(tlog.Hash) error) error {
	f, err := os.Open(filepath.Join(dir, prunedHashes))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	pruned := st.Size() / tlog.HashSize
	if *seq >= pruned {
		return nil
	}
	if _, err := f.Seek(*seq*tlog.HashSize, io.SeekStart); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	br := bufio.NewReader(f)
	var h tlog.Hash
	for *seq < pruned && *seq < to {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return fmt.Errorf("ledger: reading %s: %w", prunedHashes, err)
		}
		if err := step(h); err != nil {
			return err
		}
	}
	return nil
}
