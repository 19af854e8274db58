package ledger

import (
	"errors"
	"fmt"
	"io"
)

// ScannedRecord is one record read by Scan.
type ScannedRecord struct {
	Segment string // base name of the segment file holding the record
	Line    int    // 1-based line of the record in Segment
	Seq     int64  // the record's sequence number (its leaf index)
	// Record is the exact bytes of the record; it is only valid during the
	// callback.
	Record []byte
}

// Scan calls fn for every record of the ledger in dir, in order, leaving
// out the ledger's own entries (adoptions: see Adoption and Verify). Each line
// is checked as every ledger reader checks it: it parses, holds the
// sequence number due at its place and its leaf hash matches its record.
// Scan does not check the Merkle tree, the checkpoints or their signatures;
// use Verify for that. A damaged line ends the scan with an error wrapping
// a *LineError (errors.Is ErrTorn for a last line cut short, as a running
// writer can leave it; ErrCorrupt otherwise), after fn has seen every
// record before it. Scan stops at the first error fn returns.
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
	r, err := openSegmentReader(dir, s)
	if err != nil {
		return err
	}
	defer r.close()
	for {
		ln, err := r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ledger %s: %w", dir, err)
		}
		if isEntry(ln.Record) {
			continue // the ledger's own entry (an adoption), not a record
		}
		if err := fn(ScannedRecord{Segment: s.name, Line: r.line(), Seq: ln.Seq, Record: ln.Record}); err != nil {
			return err
		}
	}
}

// ScanNewestFirst is Scan with the segments in the opposite order: the
// newest segment first, the records of each segment in order. It serves
// lookups of recent records (the decision a crash took from an index, a
// retried one's latest record), which it reaches after reading the newest
// segment instead of the whole ledger. A torn last line of the newest
// segment, a running writer's record in progress, ends that segment and
// not the scan; any other damage ends the scan with an error, as in Scan.
func ScanNewestFirst(dir string, fn func(ScannedRecord) error) error {
	segs, err := listSegments(dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	for i := len(segs) - 1; i >= 0; i-- {
		err := scanSegment(dir, segs[i], fn)
		if i == len(segs)-1 && errors.Is(err, ErrTorn) {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
