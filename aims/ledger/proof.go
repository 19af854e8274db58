package ledger

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ProofFormat is the value of InclusionProof.Format.
const ProofFormat = "aimskit.inclusion-proof/v1"

// InclusionProof shows, offline, that one record is in a ledger unaltered:
// its leaf hash, the RFC 6962 audit path from the leaf to the root, and
// the signed checkpoint that commits to that root. Anyone with the
// ledger's public verifier key can check it (CheckProof) without the
// ledger itself, so a single decision can be handed to a regulator or to
// the person it concerns.
type InclusionProof struct {
	// Format is ProofFormat; readers switch on it.
	Format string `json:"format"`
	// Origin is the origin line of the ledger the record is in.
	Origin string `json:"origin"`
	// Seq is the record's index in the ledger (its leaf index).
	Seq int64 `json:"seq"`
	// RecordID is the record's "id" member (the decision ID).
	RecordID string `json:"record_id"`
	// Record is the exact bytes of the record as stored.
	Record string `json:"record"`
	// LeafHash is base64 of SHA-256(0x00 || Record).
	LeafHash string `json:"leaf_hash"`
	// TreeSize is the size of the tree the proof is against.
	TreeSize int64 `json:"tree_size"`
	// Checkpoint is the signed checkpoint note for TreeSize.
	Checkpoint string `json:"checkpoint"`
	// Path is the audit path, base64 hashes from the leaf upwards.
	Path []string `json:"path"`
}

// Prove builds an inclusion proof for the record with the given ID against
// the latest checkpoint of the ledger in dir. It checks the ledger's
// structure and hashes but not the checkpoint signatures: whoever receives
// the proof checks those with CheckProof and the public key.
func Prove(dir, recordID string) (*InclusionProof, error) {
	// Find the record first, so the tree load need not keep every ID.
	seq := int64(-1)
	var record []byte
	err := Scan(dir, func(r ScannedRecord) error {
		if RecordID(r.Record) == recordID {
			seq = r.Seq
			record = append([]byte(nil), r.Record...)
			return errStopScan
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, err
	}
	if seq < 0 {
		return nil, fmt.Errorf("ledger %s: no record with id %q", dir, recordID)
	}
	// The proof needs hashes of arbitrary subtrees, so unlike Verify this
	// keeps every stored hash in memory (about 72 bytes per record).
	var tree memTree
	v, err := walk(dir, nil, VerifyOptions{AllowPending: true}, &tree, true)
	if err != nil {
		return nil, err
	}
	if len(v.cps) == 0 || v.cps[len(v.cps)-1].Size <= seq {
		return nil, fmt.Errorf("ledger %s: record %q (seq %d) is not yet covered by a signed checkpoint", dir, recordID, seq)
	}
	cp := v.cps[len(v.cps)-1]
	path, err := tlog.ProveRecord(cp.Size, seq, &tree)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", dir, err)
	}
	leaf := tlog.RecordHash(record)
	p := &InclusionProof{
		Format:     ProofFormat,
		Origin:     cp.Origin,
		Seq:        seq,
		RecordID:   recordID,
		Record:     string(record),
		LeafHash:   base64.StdEncoding.EncodeToString(leaf[:]),
		TreeSize:   cp.Size,
		Checkpoint: string(v.notes[len(v.notes)-1]),
	}
	for _, h := range path {
		p.Path = append(p.Path, base64.StdEncoding.EncodeToString(h[:]))
	}
	return p, nil
}

var errStopScan = errors.New("stop scan")

// CheckProof checks an inclusion proof with the public verifier keys: the
// checkpoint's signature, that the checkpoint is the one the proof names,
// that the leaf hash is the hash of the record, that the record has the
// stated ID, and that the audit path leads from the leaf to the signed
// root. It returns the checkpoint the record is proven against.
func CheckProof(p *InclusionProof, verifiers ...note.Verifier) (Checkpoint, error) {
	if p.Format != ProofFormat {
		return Checkpoint{}, fmt.Errorf("ledger: proof format %q, want %q", p.Format, ProofFormat)
	}
	cp, err := OpenCheckpoint([]byte(p.Checkpoint), verifiers...)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: proof: %w", err)
	}
	if cp.Origin != p.Origin {
		return cp, fmt.Errorf("ledger: proof names origin %q but its checkpoint is for %q", p.Origin, cp.Origin)
	}
	if cp.Size != p.TreeSize {
		return cp, fmt.Errorf("ledger: proof names tree size %d but its checkpoint has %d", p.TreeSize, cp.Size)
	}
	if p.Seq < 0 || p.Seq >= cp.Size {
		return cp, fmt.Errorf("ledger: record seq %d is outside the checkpoint's %d records", p.Seq, cp.Size)
	}
	leaf := tlog.RecordHash([]byte(p.Record))
	if got := base64.StdEncoding.EncodeToString(leaf[:]); got != p.LeafHash {
		return cp, errors.New("ledger: the record does not hash to the proof's leaf hash: the record was altered")
	}
	if id := RecordID([]byte(p.Record)); id != p.RecordID {
		return cp, fmt.Errorf("ledger: the record's id is %q, the proof claims %q", id, p.RecordID)
	}
	var path tlog.RecordProof
	for i, s := range p.Path {
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return cp, fmt.Errorf("ledger: proof path element %d is not a base64 hash", i)
		}
		var h tlog.Hash
		copy(h[:], b)
		path = append(path, h)
	}
	if err := tlog.CheckRecord(path, cp.Size, cp.Root, p.Seq, leaf); err != nil {
		return cp, fmt.Errorf("ledger: the audit path does not lead to the signed root: %v", err)
	}
	return cp, nil
}

// FindLedgers returns the ledger directories at or below root, sorted: root
// itself when it holds a ledger, otherwise every directory below it that
// does (one per instance).
func FindLedgers(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if isLedgerDir(path) {
			out = append(out, path)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("ledger: no ledger (%s or %s*%s) at or below %s", checkpointsFile, segmentPrefix, segmentSuffix, root)
	}
	sort.Strings(out)
	return out, nil
}

func isLedgerDir(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, checkpointsFile)); err == nil {
		return true
	}
	segs, err := listSegments(dir)
	return err == nil && len(segs) > 0
}
