package otlpjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ErrTornLine marks the error for a last line that has no newline at its
// end and is not complete JSON: most likely a write still in progress, or
// one cut off by a crash. It is reported, never silently taken or dropped;
// a caller reading a live file may try again later. A last line without a
// newline that is complete JSON is read like any other line.
var ErrTornLine = errors.New("is torn: it has no newline at its end and is not complete JSON (the file may still be being written)")

// LineError is a line of the input that could not be read or decoded.
type LineError struct {
	// Name is the input's name (see WithName), "" if unknown.
	Name string
	// Line is the 1-based line number.
	Line int
	// Err says what is wrong with the line; its text reads as the
	// continuation of "line N".
	Err error
}

// Error names the input and the line, then says what is wrong.
func (e *LineError) Error() string {
	where := "line " + strconv.Itoa(e.Line)
	if e.Name != "" {
		where = e.Name + " " + where
	}
	return "otlpjson: " + where + " " + e.Err.Error()
}

// Unwrap returns the cause, so errors.Is(err, ErrTornLine) works.
func (e *LineError) Unwrap() error { return e.Err }

// unmarshal ignores unknown fields, as the OTLP specification requires of
// receivers so that newer senders can add fields.
var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

// eachRequest decodes every non-blank line of r into a message of the
// given signal ("logs", "metrics" or "traces") and calls f with it. Lines
// of another signal decode to an empty message (their one field is
// unknown here), so f sees nothing of them. An error from f that is not a
// *recordError is returned as it is.
func eachRequest[M proto.Message](r io.Reader, opts []Option, signal string, newMsg func() M, f func(line int, m M) error) error {
	c, err := newConfig(r, opts)
	if err != nil {
		return err
	}
	lr := lineReader{br: bufio.NewReaderSize(r, 64<<10), max: c.maxLine}
	for {
		line, terminated, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &LineError{Name: c.name, Line: lr.n, Err: err}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m := newMsg()
		if err := unmarshal.Unmarshal(line, m); err != nil {
			// Only a line that is cut short is torn; a complete JSON
			// value that is not OTLP is wrong wherever it stands.
			if !terminated && !json.Valid(line) {
				err = fmt.Errorf("%w: %w", ErrTornLine, err)
			} else {
				err = fmt.Errorf("is not OTLP/JSON %s data: %w", signal, err)
			}
			return &LineError{Name: c.name, Line: lr.n, Err: err}
		}
		if err := f(lr.n, m); err != nil {
			var re *recordError
			if errors.As(err, &re) {
				return &LineError{Name: c.name, Line: lr.n, Err: err}
			}
			return err
		}
	}
}

// recordError is a record that decoded but holds a value the OTLP data
// model does not allow (a malformed ID, a timestamp past 2262); path
// locates it in the request.
type recordError struct {
	path string
	err  error
}

func (e *recordError) Error() string { return "has a bad record at " + e.path + ": " + e.err.Error() }

func (e *recordError) Unwrap() error { return e.err }

// lineReader reads lines of at most max bytes, holding one at a time.
type lineReader struct {
	br  *bufio.Reader
	max int
	buf []byte
	n   int // number of the line last returned (or being read)
}

// next returns the next line without its newline, and whether it ended
// with one; io.EOF when the input is exhausted. The line is valid until
// the next call.
func (lr *lineReader) next() (line []byte, terminated bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		frag, err := lr.br.ReadSlice('\n')
		switch {
		case err == nil:
			lr.n++
			line = frag
			if len(lr.buf) > 0 {
				lr.buf = append(lr.buf, frag...)
				line = lr.buf
			}
			line = line[:len(line)-1]
			if len(line) > lr.max {
				return nil, false, lr.tooLong()
			}
			return line, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(lr.buf)+len(frag) > lr.max {
				lr.n++
				return nil, false, lr.tooLong()
			}
			lr.buf = append(lr.buf, frag...)
		case errors.Is(err, io.EOF):
			lr.buf = append(lr.buf, frag...)
			if len(lr.buf) == 0 {
				return nil, false, io.EOF
			}
			lr.n++
			if len(lr.buf) > lr.max {
				return nil, false, lr.tooLong()
			}
			return lr.buf, false, nil
		default:
			lr.n++
			return nil, false, fmt.Errorf("could not be read: %w", err)
		}
	}
}

func (lr *lineReader) tooLong() error {
	return fmt.Errorf("is longer than %d bytes, the most this reader accepts (WithMaxLineBytes)", lr.max)
}
