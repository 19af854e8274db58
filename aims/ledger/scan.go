package ledger

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ScannedRecord is one record read by Scan.
type ScannedRecord struct {
	Segment string
	Line    int
	Seq     int64
	// Record is the exact bytes of the record; it is only valid during the
	// callback.
	Record []byte
}

// Scan calls fn for every record of the ledger in dir, in order. It checks
// that each line parses but does not verify hashes or signatures; use
// Verify for that. It stops at the first error fn returns.
func Scan(dir string, fn func(ScannedRecord) error) error {
	segs, err := listSegments(dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	for _, s := range segs {
		if err := scanSegment(dir, s, fn); err != nil {
			return err
		}
	}
	return nil
}

func scanSegment(dir string, s segmentFile, fn func(ScannedRecord) error) error {
	f, err := os.Open(segmentPath(dir, s))
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	lr := newLineReader(f)
	for {
		b, err := lr.nextLine()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errTorn) {
			return fmt.Errorf("ledger: %s line %d: %w", s.name, lr.lineNo, err)
		}
		if err != nil {
			return fmt.Errorf("ledger: %s: %w", s.name, err)
		}
		ln, err := ParseLine(b)
		if err != nil {
			return fmt.Errorf("ledger: %s line %d: %w", s.name, lr.lineNo, err)
		}
		if err := fn(ScannedRecord{Segment: s.name, Line: lr.lineNo, Seq: ln.Seq, Record: ln.Record}); err != nil {
			return err
		}
	}
}
