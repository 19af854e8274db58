package ledger

import (
	"encoding/base64"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// frontier is the writer's view of the Merkle tree: only the newest
// complete node at each level. That is all tlog needs to add a leaf
// (StoredHashesForRecordHash reads the left siblings on the path, which are
// always the newest nodes of their levels) and to compute the root
// (TreeHash reads the maximal complete subtrees, again the newest node of
// each level whose bit is set in the size). Memory stays O(log n) however
// long the ledger grows.
type frontier struct {
	n     int64
	nodes []frontierNode
	buf   []tlog.Hash
}

type frontierNode struct {
	index int64
	hash  tlog.Hash
	ok    bool
}

// ReadHashes implements tlog.HashReader over the frontier.
func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := f.buf[:0]
	for _, x := range indexes {
		level, n := tlog.SplitStoredHashIndex(x)
		if level >= len(f.nodes) || !f.nodes[level].ok || f.nodes[level].index != n {
			return nil, fmt.Errorf("ledger: internal error: hash at level %d index %d is not on the frontier", level, n)
		}
		out = append(out, f.nodes[level].hash)
	}
	f.buf = out
	return out, nil
}

// add appends one leaf hash to the tree. It does what
// tlog.StoredHashesForRecordHash does (hash the new leaf with the left
// siblings on its path while the leaf index has a 1 bit at that level,
// RFC 6962 section 2.1) with tlog.NodeHash, but without allocating, as it
// runs once per record. TestFrontierMatchesTlog and every Verify check
// the result against tlog's own StoredHashes and TreeHash.
func (f *frontier) add(leaf tlog.Hash) error {
	h := leaf
	for level := 0; ; level++ {
		m := f.n >> uint(level) // index of the new node at this level
		if level == len(f.nodes) {
			f.nodes = append(f.nodes, frontierNode{})
		}
		odd := m&1 == 1
		var left tlog.Hash
		if odd {
			prev := f.nodes[level]
			if !prev.ok || prev.index != m-1 {
				return fmt.Errorf("ledger: internal error: no left sibling at level %d for record %d", level, f.n)
			}
			left = prev.hash
		}
		f.nodes[level] = frontierNode{index: m, hash: h, ok: true}
		if !odd {
			break
		}
		h = tlog.NodeHash(left, h)
	}
	f.n++
	return nil
}

// root returns the Merkle tree hash of the current tree.
func (f *frontier) root() (tlog.Hash, error) {
	return tlog.TreeHash(f.n, f)
}

// size returns the number of leaves in the tree.
func (f *frontier) size() int64 { return f.n }

// memTree keeps every stored hash of a tree in memory; the verifier and
// the prover use it, since they need proofs for arbitrary older sizes.
type memTree struct {
	hashes []tlog.Hash
	n      int64
}

// ReadHashes implements tlog.HashReader.
func (m *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("ledger: hash index %d outside the tree", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// size returns the number of leaves in the tree.
func (m *memTree) size() int64 { return m.n }

// root returns the Merkle tree hash of the current tree.
func (m *memTree) root() (tlog.Hash, error) { return tlog.TreeHash(m.n, m) }

// encodeHash returns the base64 form of h used in checkpoints.
func encodeHash(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func (m *memTree) add(leaf tlog.Hash) error {
	hs, err := tlog.StoredHashesForRecordHash(m.n, leaf, m)
	if err != nil {
		return err
	}
	m.hashes = append(m.hashes, hs...)
	m.n++
	return nil
}
