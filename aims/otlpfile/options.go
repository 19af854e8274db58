package otlpfile

import (
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLineBytes bounds the length of one line (64 MiB). The
// collector writes one export batch per line; a batch of 8192 log records
// of a few kilobytes each stays below it, while a file that is not
// line-oriented (a compressed file given by mistake) cannot take all
// memory.
const DefaultMaxLineBytes = 64 << 20

// DefaultMaxInFlightBytes bounds the line text a reading holds at once
// (128 MiB), whatever the number of CPUs; see WithMaxInFlightBytes.
const DefaultMaxInFlightBytes = 128 << 20

// Option configures one reading of OTLP/JSON input.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	name     string
	maxLine  int
	inFlight int    // most bytes of line text handed to workers and not yet delivered
	waiting  func() // test hook: called before the reading waits for a line's decoding
	workers  int    // decoding goroutines; 0 means runtime.GOMAXPROCS
	keepBad  bool   // deliver log records with values the data model does not allow (WithBadLogRecords)
	errs     []error
	skipped  *Skipped // where bad lines are recorded; nil: a bad line stops the reading
	nameSet  bool
	maxIsSet bool
}

// WithName names the input in errors, for example the path of the file it
// was read from. Without it the name is that of the reader when it has a
// Name method, as *os.File does, and empty otherwise.
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name, c.nameSet = name, true })
}

// WithMaxLineBytes sets the longest line accepted, in bytes (without its
// newline); a longer line is an error, or a skipped line with
// WithSkipBadLines. The default is DefaultMaxLineBytes.
func WithMaxLineBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n <= 0 {
			c.errs = append(c.errs, fmt.Errorf("otlpfile: WithMaxLineBytes: %d is not a positive number of bytes", n))
			return
		}
		c.maxLine, c.maxIsSet = n, true
	})
}

// WithMaxInFlightBytes bounds, in bytes, the text of the lines a reading
// holds at once: those handed to decoding workers and those decoded but
// not yet delivered. A reading holds at most n bytes of such lines (or one
// line, if a single line is longer), plus the line being read (at most
// the line bound, WithMaxLineBytes), plus the decoded records of the lines
// it holds, which take a few times their text. The default is
// DefaultMaxInFlightBytes: with the default line bound, at most 192 MiB of
// text whatever the number of CPUs.
func WithMaxInFlightBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n <= 0 {
			c.errs = append(c.errs, fmt.Errorf("otlpfile: WithMaxInFlightBytes: %d is not a positive number of bytes", n))
			return
		}
		c.inFlight = n
	})
}

// withWaiting sets a function called each time the reading waits for the
// decoding of its oldest line, so tests can see how far it has read ahead.
func withWaiting(f func()) Option {
	return optionFunc(func(c *config) { c.waiting = f })
}

// WithBadLogRecords makes a log record that holds a value the OTLP data
// model does not allow (a timestamp past what time.Time holds as Unix
// nanoseconds, the year 2262; a malformed trace or span ID) no longer fail
// its whole line: [EachLog] and [ReadLogs] deliver it, in its place, with
// [LogRecord].Err saying what is wrong, and read the line's other records.
// A Collector writes such values as it received them, so without this
// option one faulty sender's record costs every record batched with it.
// Data points and spans are not affected: a bad one still fails its line.
func WithBadLogRecords() Option {
	return optionFunc(func(c *config) { c.keepBad = true })
}

// withWorkers sets the number of decoding goroutines, so tests can run the
// ordered delivery with more workers than the machine has CPUs.
func withWorkers(n int) Option {
	return optionFunc(func(c *config) { c.workers = n })
}

func newConfig(r io.Reader, opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if err := errors.Join(c.errs...); err != nil {
		return c, err
	}
	if !c.maxIsSet {
		c.maxLine = DefaultMaxLineBytes
	}
	if c.inFlight == 0 {
		c.inFlight = DefaultMaxInFlightBytes
	}
	if n, ok := r.(interface{ Name() string }); ok && !c.nameSet {
		c.name = n.Name()
	}
	return c, nil
}
