package otlpfile

import "errors"

// MaxSkippedListed is how many skipped lines a [Skipped] keeps one by one;
// it counts all of them.
const MaxSkippedListed = 20

// Skipped is what a reading with [WithSkipBadLines] left out: every line
// that could not be read as OTLP/JSON of the signal read, counted, and the
// first [MaxSkippedListed] of them with their reasons. A line is skipped
// whole: a batch holding one bad record (a timestamp past 2262, a
// malformed ID) yields none of its records, since the exporter wrote them
// as one request and the line no longer says which of them are sound.
type Skipped struct {
	// Lines counts the lines skipped.
	Lines int
	// First holds the first MaxSkippedListed lines skipped, in input
	// order, each naming the input, the line and what is wrong with it.
	First []*LineError
}

// add records one skipped line.
func (s *Skipped) add(e *LineError) {
	s.Lines++
	if len(s.First) < MaxSkippedListed {
		s.First = append(s.First, e)
	}
}

// WithSkipBadLines makes the reading go on past a line that cannot be read:
// one that is not OTLP/JSON, holds a record the OTLP data model does not
// allow, is longer than the bound (WithMaxLineBytes) or is a torn last line
// (ErrTornLine). Such a line yields no records and is recorded in s, which
// the caller must report: a skipped line is evidence that could not be
// read. Without this option the first such line stops the reading with a
// *LineError. An error reading the input itself still stops it, as does an
// error from the caller's function. s is written on the caller's goroutine
// while the reading runs.
func WithSkipBadLines(s *Skipped) Option {
	return optionFunc(func(c *config) {
		if s == nil {
			c.errs = append(c.errs, errors.New("otlpfile: WithSkipBadLines: nil *Skipped: a skipped line must be reported"))
			return
		}
		c.skipped = s
	})
}
