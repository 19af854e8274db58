package ledger

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Every piece of code that reads a ledger file — recovery in Open, Scan
// (and Prove), Verify and Prune — reads it through lineReader, and every
// segment through segmentReader, so a damaged line is classified one way
// whoever finds it:
//
//   - A last line without its terminating newline is a torn write: the
//     writer was stopped in the middle of a line. It is reported as Torn
//     and never taken for a record, even when its bytes happen to hold a
//     whole record.
//   - A complete line that does not parse, holds another sequence number
//     than the one due at its place, or whose leaf hash does not match its
//     record is Corrupt: a modification or a fault of the disk, never
//     torn. So is a line longer than any line the writer produces, with or
//     without a newline.
//
// The callers differ only in what they do with the damage they are handed,
// and each says so where it does it.

// Damage says what is wrong with a damaged line of a ledger file.
type Damage uint8

const (
	// Torn is a last line without its terminating newline: a write that
	// was cut short.
	Torn Damage = iota + 1
	// Corrupt is a complete line that is not the valid record (or
	// checkpoint) due at its place.
	Corrupt
)

// String names the damage as error messages do.
func (d Damage) String() string {
	switch d {
	case Torn:
		return "torn write"
	case Corrupt:
		return "corrupt line"
	default:
		return "unknown damage"
	}
}

// ErrTorn and ErrCorrupt match a *LineError of that Damage with errors.Is,
// also through the errors of Open, Scan and Verify that wrap one.
var (
	ErrTorn    = errors.New("ledger: torn write")
	ErrCorrupt = errors.New("ledger: corrupt line")
)

// LineError locates one damaged line of a ledger file, as found by the one
// reader every ledger operation uses.
type LineError struct {
	// Damage says whether the line is torn or corrupt.
	Damage Damage
	// File is the base name of the file: a segment or checkpoints.jsonl.
	File string
	// Line is the 1-based number of the damaged line.
	Line int
	// Offset is the byte offset of the first byte of the damaged line.
	Offset int64
	// Seq is the sequence number of the record due at that line; -1 in
	// checkpoints.jsonl.
	Seq int64
	// Problem says what is wrong with the line.
	Problem string
}

// Error says where the damaged line is and what is wrong with it.
func (e *LineError) Error() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s line %d", e.File, e.Line)
	if e.Seq >= 0 {
		fmt.Fprintf(&b, " (record seq %d)", e.Seq)
	}
	fmt.Fprintf(&b, " at byte %d: %s: %s", e.Offset, e.Damage, e.Problem)
	return b.String()
}

// Is makes errors.Is(err, ErrTorn) and errors.Is(err, ErrCorrupt) work.
func (e *LineError) Is(target error) bool {
	return target == ErrTorn && e.Damage == Torn || target == ErrCorrupt && e.Damage == Corrupt
}

// maxLineBytes bounds one line of a ledger file: the longest record plus
// its envelope. A longer line cannot come from the writer.
const maxLineBytes = maxRecordBytes + 256

// lineReader reads the lines of one ledger file, keeping track of line
// numbers and byte offsets so damage can be located precisely.
type lineReader struct {
	r      *bufio.Reader
	file   string
	lineNo int   // 1-based number of the line last returned
	offset int64 // byte offset of the start of the line last returned
	next   int64 // byte offset after the line last returned
	buf    []byte
}

func newLineReader(r io.Reader, file string) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<16), file: file}
}

// nextLine returns the next complete line without its newline. At a clean
// end it returns io.EOF; damage is a *LineError (with Seq -1); anything
// else is an I/O error. The line is only valid until the next call.
func (lr *lineReader) nextLine() ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.buf = append(lr.buf, chunk...)
		if len(lr.buf) > maxLineBytes {
			lr.lineNo++
			lr.offset = lr.next
			return nil, lr.damage(Corrupt, "line longer than %d bytes, more than any record line", maxLineBytes)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading %s: %w", lr.file, err)
		}
		if len(lr.buf) == 0 {
			return nil, io.EOF
		}
		lr.lineNo++
		lr.offset = lr.next
		lr.next += int64(len(lr.buf))
		if err == io.EOF {
			return nil, lr.damage(Torn, "last line has no terminating newline (%d bytes; cut short by a crash or a truncation)", len(lr.buf))
		}
		return lr.buf[:len(lr.buf)-1], nil
	}
}

// damage returns a *LineError about the line last read.
func (lr *lineReader) damage(d Damage, format string, args ...any) *LineError {
	return &LineError{Damage: d, File: lr.file, Line: lr.lineNo, Offset: lr.offset, Seq: -1, Problem: fmt.Sprintf(format, args...)}
}

// segmentReader reads the records of one segment, checked line by line:
// each parses, holds the sequence number due at its place (the segment's
// first, from its name, then one more per line) and its leaf hash matches
// its record. It checks neither the Merkle tree nor signatures.
type segmentReader struct {
	f   *os.File
	lr  *lineReader
	seq int64 // sequence number due on the next line
}

func openSegmentReader(dir string, s segmentFile) (*segmentReader, error) {
	f, err := os.Open(segmentPath(dir, s))
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return &segmentReader{f: f, lr: newLineReader(f, s.name), seq: s.firstSeq}, nil
}

func (r *segmentReader) close() { r.f.Close() }

// line returns the 1-based number of the line last read.
func (r *segmentReader) line() int { return r.lr.lineNo }

// next returns the next record. At a clean end it returns io.EOF; a
// damaged line is a *LineError; anything else is an I/O error. The
// returned Record is only valid until the next call.
func (r *segmentReader) next() (Line, error) {
	b, err := r.lr.nextLine()
	if err != nil {
		var le *LineError
		if errors.As(err, &le) {
			le.Seq = r.seq
		}
		return Line{}, err
	}
	ln, err := ParseLine(b)
	switch {
	case err != nil:
		return Line{}, r.corrupt("malformed record line: %v", err)
	case ln.Seq > r.seq:
		return Line{}, r.corrupt("line holds record %d where record %d belongs: records %d to %d are missing or reordered", ln.Seq, r.seq, r.seq, ln.Seq-1)
	case ln.Seq < r.seq:
		return Line{}, r.corrupt("line holds record %d where record %d belongs: records reordered or duplicated", ln.Seq, r.seq)
	}
	if err := ln.Check(); err != nil {
		return Line{}, r.corrupt("%v", err)
	}
	r.seq++
	return ln, nil
}

func (r *segmentReader) corrupt(format string, args ...any) *LineError {
	le := r.lr.damage(Corrupt, format, args...)
	le.Seq = r.seq
	return le
}

// checkpointReader reads the lines of checkpoints.jsonl, each parsed but
// not verified: the writer holds no verifier key, and Verify checks the
// signatures itself.
type checkpointReader struct {
	f  *os.File
	lr *lineReader
}

// openCheckpointReader opens checkpoints.jsonl; it returns nil and no error
// when the ledger has no checkpoint yet.
func openCheckpointReader(dir string) (*checkpointReader, error) {
	return openNoteReader(dir, checkpointsFile)
}

// openNoteReader opens a file of checkpoint lines (checkpoints.jsonl or
// cosigned.jsonl); it returns nil and no error when the file is absent.
func openNoteReader(dir, name string) (*checkpointReader, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return &checkpointReader{f: f, lr: newLineReader(f, name)}, nil
}

func (r *checkpointReader) close() { r.f.Close() }

// line returns the 1-based number of the line last read.
func (r *checkpointReader) line() int { return r.lr.lineNo }

// next returns the next checkpoint and its signed note. At a clean end it
// returns io.EOF; a damaged line is a *LineError; anything else is an I/O
// error.
func (r *checkpointReader) next() (Checkpoint, []byte, error) {
	b, err := r.lr.nextLine()
	if err != nil {
		return Checkpoint{}, nil, err
	}
	cp, msg, err := parseCheckpointLine(b)
	if err != nil {
		return Checkpoint{}, nil, r.lr.damage(Corrupt, "%v", err)
	}
	return cp, msg, nil
}

// readCheckpoints returns every checkpoint of dir, oldest first, with its
// signed note; a damaged line is an error (a *LineError).
func readCheckpoints(dir string) ([]Checkpoint, [][]byte, error) {
	r, err := openCheckpointReader(dir)
	if err != nil || r == nil {
		return nil, nil, err
	}
	defer r.close()
	var cps []Checkpoint
	var notes [][]byte
	for {
		cp, msg, err := r.next()
		if err == io.EOF {
			return cps, notes, nil
		}
		if err != nil {
			return nil, nil, err
		}
		cps = append(cps, cp)
		notes = append(notes, msg)
	}
}
