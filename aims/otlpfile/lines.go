package otlpfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

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
				lr.buf = lr.buf[:0]
				if err := lr.skipRest(); err != nil {
					return nil, false, fmt.Errorf("could not be read: %w", err)
				}
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

// lineTooLongError is a line over the bound. The reader has passed over
// all of it, so the next line can still be read.
type lineTooLongError struct{ max int }

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("is longer than %d bytes, the most this reader accepts (WithMaxLineBytes)", e.max)
}

func (lr *lineReader) tooLong() error { return &lineTooLongError{max: lr.max} }

// skipRest reads past the rest of the current line, holding none of it, so
// that an over-long line does not run into the next one.
func (lr *lineReader) skipRest() error {
	for {
		_, err := lr.br.ReadSlice('\n')
		switch {
		case err == nil, errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
		default:
			return err
		}
	}
}
