package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// maxCheckpointLine bounds one line of a JSON-lines checkpoint file: a
// signed checkpoint with its cosignatures is well under a kilobyte.
const maxCheckpointLine = 1 << 20

// readCheckpointFile returns the signed checkpoints held in a file kept
// outside the ledger's host, in whichever form the auditor has it: the
// Collector's file-exporter output (OTLP/JSON, the aims.ledger.checkpoint
// log records and any cosigned ones), JSON lines of {"note": ...} as in a
// ledger's checkpoints.jsonl or cosigned.jsonl, or one signed note as the
// latest-checkpoint file holds it.
func readCheckpointFile(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s is empty", path)
	}
	if trimmed[0] != '{' {
		// One signed note.
		if !bytes.Contains(b, []byte("\n\n")) {
			return nil, fmt.Errorf("%s is neither a signed checkpoint, JSON lines of checkpoints nor OTLP/JSON", path)
		}
		return [][]byte{b}, nil
	}
	if bytes.Contains(trimmed[:min(len(trimmed), 64)], []byte(`"note"`)) {
		var out [][]byte
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, maxCheckpointLine)
		n := 0
		for sc.Scan() {
			n++
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var cl struct {
				Note string `json:"note"`
			}
			if err := json.Unmarshal(line, &cl); err != nil || cl.Note == "" {
				return nil, fmt.Errorf("%s line %d: not a checkpoint line", path, n)
			}
			out = append(out, []byte(cl.Note))
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, fmt.Errorf("%s line %d: longer than %d bytes, more than any checkpoint line", path, n+1, maxCheckpointLine)
			}
			return nil, fmt.Errorf("%s line %d: %w", path, n+1, err)
		}
		return out, nil
	}
	var out [][]byte
	err = otlpfile.EachLog(bytes.NewReader(b), func(r otlpfile.LogRecord) error {
		if !strings.HasPrefix(r.EventName, semconv.EventLedgerCheckpoint) {
			return nil
		}
		body, ok := r.Body.(string)
		if !ok {
			return fmt.Errorf("%s %s: checkpoint record without a string body", path, r.Where())
		}
		out = append(out, []byte(body))
		return nil
	}, otlpfile.WithName(path))
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no %s log records", path, semconv.EventLedgerCheckpoint)
	}
	return out, nil
}
