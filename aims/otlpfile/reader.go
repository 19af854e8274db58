package otlpfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

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
	return "otlpfile: " + where + " " + e.Err.Error()
}

// Unwrap returns the cause, so errors.Is(err, ErrTornLine) works.
func (e *LineError) Unwrap() error { return e.Err }

// unmarshal ignores unknown fields, as the OTLP specification requires of
// receivers so that newer senders can add fields.
var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

// unmarshalLine decodes one line into m, a request message of the given
// signal ("logs", "metrics" or "traces"). A line of another signal decodes
// to an empty message (its one field is unknown here), so it yields no
// records.
func unmarshalLine(line []byte, terminated bool, signal string, m proto.Message) error {
	err := unmarshal.Unmarshal(line, m)
	if err == nil {
		return nil
	}
	// Only a line that is cut short is torn; a complete JSON value that
	// is not OTLP is wrong wherever it stands.
	if !terminated && !json.Valid(line) {
		return fmt.Errorf("%w: %w", ErrTornLine, err)
	}
	return fmt.Errorf("is not OTLP/JSON %s data: %w", signal, err)
}

// decodeFunc turns line number n into the records it holds. Its error says
// what is wrong with the line, worded to follow "line N". keepBad is
// WithBadLogRecords.
type decodeFunc[T any] func(line []byte, n int, terminated, keepBad bool) ([]T, error)

// eachRecord calls f, on the caller's goroutine and in input order, for
// every record decode finds in the non-blank lines of r. Lines are decoded
// by one worker per CPU (runtime.GOMAXPROCS), since decoding, not reading,
// is what a large file costs; the lines held at once are at most two per
// worker and at most c.inFlight bytes of text (WithMaxInFlightBytes).
// An error from f stops the reading and is returned as it is; r may then
// have been read a few lines past the record f refused.
func eachRecord[T any](r io.Reader, opts []Option, decode decodeFunc[T], f func(T) error) error {
	c, err := newConfig(r, opts)
	if err != nil {
		return err
	}
	workers := c.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	// A batch is the records of one line, filled by a worker.
	type batch struct {
		n    int
		size int // bytes of the line's text, counted in inFlight until delivered
		recs []T
		err  error
		done chan struct{}
	}
	type job struct {
		b          *batch
		line       []byte
		terminated bool
	}
	jobs := make(chan job)
	var stopped atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				if !stopped.Load() {
					j.b.recs, j.b.err = decode(j.line, j.b.n, j.terminated, c.keepBad)
				}
				close(j.b.done)
			}
		})
	}
	defer func() {
		stopped.Store(true)
		close(jobs)
		wg.Wait()
	}()

	// pending holds the batches handed to workers, in input order; the
	// oldest is delivered as soon as it is done. inFlight is the size of
	// their lines: before a line of room bytes is handed over, the oldest
	// are waited for while 2*workers are outstanding or the line would
	// take inFlight over c.inFlight (one line alone may exceed it).
	var pending []*batch
	inFlight := 0
	deliver := func(all bool, room int) error {
		for len(pending) > 0 {
			b := pending[0]
			select {
			case <-b.done:
			default:
				if !all && len(pending) < 2*workers && inFlight+room <= c.inFlight {
					return nil
				}
				if c.waiting != nil {
					c.waiting()
				}
				<-b.done
			}
			pending[0] = nil
			pending = pending[1:]
			inFlight -= b.size
			if b.err != nil {
				le := &LineError{Name: c.name, Line: b.n, Err: b.err}
				if c.skipped == nil {
					return le
				}
				c.skipped.add(le)
				continue
			}
			for _, rec := range b.recs {
				if err := f(rec); err != nil {
					return err
				}
			}
			b.recs = nil
		}
		return nil
	}

	lr := lineReader{br: bufio.NewReaderSize(r, 64<<10), max: c.maxLine}
	for {
		line, terminated, err := lr.next()
		if errors.Is(err, io.EOF) {
			return deliver(true, 0)
		}
		if err != nil {
			if derr := deliver(true, 0); derr != nil {
				return derr
			}
			le := &LineError{Name: c.name, Line: lr.n, Err: err}
			if c.skipped == nil || !isLineTooLong(err) {
				return le
			}
			// The rest of the line has been passed over: go on.
			c.skipped.add(le)
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := deliver(false, len(line)); err != nil {
			return err
		}
		b := &batch{n: lr.n, size: len(line), done: make(chan struct{})}
		jobs <- job{b: b, line: bytes.Clone(line), terminated: terminated}
		pending = append(pending, b)
		inFlight += b.size
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

// isLineTooLong reports whether err is a line over the bound, which the
// line reader has passed over.
func isLineTooLong(err error) bool {
	var tl *lineTooLongError
	return errors.As(err, &tl)
}
