package otlpfile

import (
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r  io.Reader
	mu sync.Mutex
	n  int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.mu.Lock()
	c.n += n
	c.mu.Unlock()
	return n, err
}

func (c *countingReader) read() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestReadAheadIsBoundedInBytes: while the first line's decoding is slow,
// the reading goes on reading and decoding the next lines, but holds at
// most WithMaxInFlightBytes of their text (plus the line being read and
// the read buffer), however many workers there are — not two lines per
// worker of any length up to the line bound.
func TestReadAheadIsBoundedInBytes(t *testing.T) {
	line := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"` + strings.Repeat("x", 10<<10) + `"}}]}]}]}`
	const lines, maxLine, budget, readBuffer = 200, 16 << 10, 40 << 10, 64 << 10
	cr := &countingReader{r: strings.NewReader(strings.Repeat(line+"\n", lines))}
	release := make(chan struct{})
	var once sync.Once
	delivered := 0 // lines delivered to f
	maxHeld := 0
	waiting := func() {
		if held := cr.read() - delivered*(len(line)+1); held > maxHeld {
			maxHeld = held
		}
		once.Do(func() { close(release) })
	}
	decode := func(b []byte, n int, terminated, keepBad bool) ([]LogRecord, error) {
		if n == 1 {
			<-release // slow: the reading must wait for it
		}
		return decodeLogs(b, n, terminated, keepBad)
	}
	err := eachRecord(cr, []Option{withWorkers(16), WithMaxLineBytes(maxLine), WithMaxInFlightBytes(budget), withWaiting(waiting)}, decode,
		func(r LogRecord) error {
			delivered = r.Line
			return nil
		})
	require.NoError(t, err)
	assert.Equal(t, lines, delivered)
	assert.Positive(t, maxHeld, "the reading waited for the slow line")
	assert.LessOrEqual(t, maxHeld, budget+maxLine+1+readBuffer, "bytes read and not yet delivered")
}

func TestMaxInFlightBytesMustBePositive(t *testing.T) {
	_, err := ReadLogs(strings.NewReader(logsLine), WithMaxInFlightBytes(0))
	assert.EqualError(t, err, "otlpfile: WithMaxInFlightBytes: 0 is not a positive number of bytes")
}
