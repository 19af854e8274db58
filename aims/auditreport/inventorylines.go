package auditreport

import (
	"bufio"
	"errors"
	"os"
	"strings"

	"github.com/aimskit/aimskit/aims/otlpfile"
)

// The inventory is rebuilt from the same logs file the report reads, but
// its records are a handful among (possibly) millions of decisions, and
// decoding OTLP/JSON is what the report costs. So the second reading,
// inventory.FromOTLP's, is given only the lines on which the first found
// an inventory record; the other lines are blanked, not removed, so that
// the file's own line numbers still appear in any error.

// inventoryEventPrefix starts the event name of every record FromOTLP reads
// (registration, heartbeat, retirement); a prefix, so that a record kind
// added later is not filtered away.
const inventoryEventPrefix = "aims.inventory."

// inventoryLines returns the lines of the logs file holding a record that
// FromOTLP may read: by event name, or by the event.name attribute older
// SDKs sent instead.
func inventoryLines(logs []otlpfile.LogRecord) map[int]bool {
	lines := map[int]bool{}
	for _, l := range logs {
		if strings.HasPrefix(l.EventName, inventoryEventPrefix) || strings.HasPrefix(otlpfile.String(l.Attributes, "event.name"), inventoryEventPrefix) {
			lines[l.Line] = true
		}
	}
	return lines
}

// keptLines reads f with every line whose number is not in keep replaced
// by an empty line. It names itself after f, so FromOTLP's errors name
// the file.
type keptLines struct {
	f    *os.File
	br   *bufio.Reader
	keep map[int]bool
	line int  // number of the line being read
	mid  bool // within a line whose start has been read
	buf  []byte
	err  error
}

func onlyLines(f *os.File, keep map[int]bool) *keptLines {
	return &keptLines{f: f, br: bufio.NewReaderSize(f, 64<<10), keep: keep}
}

// Name returns the file's name.
func (k *keptLines) Name() string { return k.f.Name() }

func (k *keptLines) Read(p []byte) (int, error) {
	for len(k.buf) == 0 && k.err == nil {
		frag, err := k.br.ReadSlice('\n')
		if !k.mid {
			k.line++
		}
		ended := err == nil // frag ends with the line's newline
		switch {
		case k.keep[k.line]:
			k.buf = frag
		case ended:
			k.buf = []byte{'\n'}
		}
		k.mid = !ended
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			k.err = err
		}
	}
	n := copy(p, k.buf)
	k.buf = k.buf[n:]
	if len(k.buf) == 0 && k.err != nil {
		return n, k.err
	}
	return n, nil
}
