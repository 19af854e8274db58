package ledger

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/tlog"
)

// readPrunedHashes reads the leaf hashes of the records deleted by Prune,
// oldest first.
func readPrunedHashes(dir string) ([]tlog.Hash, error) {
	b, err := os.ReadFile(filepath.Join(dir, prunedHashes))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if len(b)%tlog.HashSize != 0 {
		return nil, fmt.Errorf("ledger: %s has %d bytes, not a whole number of %d-byte hashes", prunedHashes, len(b), tlog.HashSize)
	}
	out := make([]tlog.Hash, len(b)/tlog.HashSize)
	for i := range out {
		copy(out[i][:], b[i*tlog.HashSize:])
	}
	return out, nil
}
