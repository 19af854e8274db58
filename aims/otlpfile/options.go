package otlpfile

import (
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLineBytes bounds the length of one line. The collector writes
// one export batch per line; a batch of 8192 log records of a few
// kilobytes each stays far below it, while a file that is not line-oriented
// (a compressed file given by mistake) cannot take all memory.
const DefaultMaxLineBytes = 256 << 20

// Option configures one reading of OTLP/JSON input.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	name     string
	maxLine  int
	workers  int // decoding goroutines; 0 means runtime.GOMAXPROCS
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
	if n, ok := r.(interface{ Name() string }); ok && !c.nameSet {
		c.name = n.Name()
	}
	return c, nil
}
