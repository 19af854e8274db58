package ledger

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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

// lineReader reads the lines of a segment, keeping track of line numbers
// and byte offsets so problems can be located precisely.
type lineReader struct {
	r      *bufio.Reader
	lineNo int   // 1-based number of the line last returned
	offset int64 // byte offset of the start of the line last returned
	next   int64 // byte offset after the line last returned
	buf    []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<16)}
}

// errTorn marks a last line without its terminating newline.
var errTorn = errors.New("last line has no terminating newline (torn write)")

// next returns the next line without its newline. At the end it returns
// io.EOF, or errTorn with the partial line when the file does not end in
// a newline.
func (lr *lineReader) nextLine() ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.buf = append(lr.buf, chunk...)
		if len(lr.buf) > maxRecordBytes+256 {
			return nil, fmt.Errorf("line longer than %d bytes", maxRecordBytes)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		lr.offset = lr.next
		lr.next += int64(len(lr.buf))
		if err == io.EOF {
			if len(lr.buf) == 0 {
				return nil, io.EOF
			}
			lr.lineNo++
			return lr.buf, errTorn
		}
		if err != nil {
			return nil, err
		}
		lr.lineNo++
		return bytes.TrimSuffix(lr.buf, []byte{'\n'}), nil
	}
}

func segmentPath(dir string, s segmentFile) string { return filepath.Join(dir, s.name) }
