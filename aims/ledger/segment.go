package ledger

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// File names inside a ledger directory.
const (
	segmentPrefix   = "seg-"
	segmentSuffix   = ".jsonl"
	checkpointsFile = "checkpoints.jsonl"
	cosignedFile    = "cosigned.jsonl" // checkpoints with witness cosignatures
	latestFile      = "checkpoint"
	prunedHashes    = "pruned.hashes"
	lockFile        = ".lock"
)

func segmentName(firstSeq int64) string {
	return fmt.Sprintf("%s%020d%s", segmentPrefix, firstSeq, segmentSuffix)
}

// segmentFile is one segment found in a ledger directory.
type segmentFile struct {
	name     string
	firstSeq int64 // from the file name
}

// listSegments returns the segments of dir in sequence order. Names that
// look like segments but do not parse are an error: something other than
// the ledger wrote into its directory.
func listSegments(dir string) ([]segmentFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []segmentFile
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, segmentPrefix) || !strings.HasSuffix(name, segmentSuffix) {
			continue
		}
		num := strings.TrimSuffix(strings.TrimPrefix(name, segmentPrefix), segmentSuffix)
		seq, err := strconv.ParseInt(num, 10, 64)
		if err != nil || seq < 0 || len(num) != 20 {
			return nil, fmt.Errorf("ledger: %s: not a valid segment name", name)
		}
		segs = append(segs, segmentFile{name: name, firstSeq: seq})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].firstSeq < segs[j].firstSeq })
	return segs, nil
}

func segmentPath(dir string, s segmentFile) string { return filepath.Join(dir, s.name) }
