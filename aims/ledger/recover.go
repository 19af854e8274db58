package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// recover rebuilds the writer's state from the directory: the tree from
// every segment, the latest checkpoint, and the segment to append to.
//
// A crash can leave only the last line of the last segment (or of
// checkpoints.jsonl) incomplete: everything before it was written and, in
// the sync modes, fsynced before any later write began. So exactly that
// line is moved aside and reported. Damage anywhere else is not a crash
// but a modification, and Open refuses the ledger: appending to it would
// sign the damage into a new checkpoint.
func (l *Ledger) recover() error {
	segs, err := listSegments(l.dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	cps, err := l.recoverCheckpoints()
	if err != nil {
		return err
	}
	// A crash between appending to checkpoints.jsonl and replacing the
	// latest-checkpoint file leaves the two out of step; the history is
	// the source of truth.
	if l.lastNote != nil {
		if cur, err := os.ReadFile(filepath.Join(l.dir, latestFile)); err != nil || !bytes.Equal(cur, l.lastNote) {
			if err := writeFileAtomic(l.dir, latestFile, l.lastNote); err != nil {
				return err
			}
		}
	}
	// The checkpoint with the largest size is checked against the tree
	// when the tree reaches that size.
	var want *Checkpoint
	if len(cps) > 0 {
		want = &cps[len(cps)-1]
		if want.Origin != l.origin {
			return fmt.Errorf("ledger: %s belongs to %q, not %q: one directory per instance", l.dir, want.Origin, l.origin)
		}
	}
	checkWant := func() error {
		if want == nil || l.tree.n != want.Size {
			return nil
		}
		root, err := l.tree.root()
		if err != nil {
			return err
		}
		if root != want.Root {
			return fmt.Errorf("ledger: %s: the records do not hash to the root of the latest checkpoint (size %d); the ledger was modified, run aimsaudit verify", l.dir, want.Size)
		}
		return nil
	}
	if err := checkWant(); err != nil {
		return err
	}
	pruned, err := readPrunedHashes(l.dir)
	if err != nil {
		return err
	}
	for _, h := range pruned {
		if err := l.tree.add(h); err != nil {
			return err
		}
		if err := checkWant(); err != nil {
			return err
		}
	}
	for len(segs) > 0 && len(pruned) > 0 && segs[0].firstSeq < int64(len(pruned)) {
		// A crash during Prune, after the leaf hashes were saved and
		// before the segment was deleted: finish the deletion if the
		// segment's records are exactly the saved hashes.
		if err := checkPrunedLeftover(l.dir, segs[0], pruned); err != nil {
			return err
		}
		if err := os.Remove(segmentPath(l.dir, segs[0])); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		segs = segs[1:]
	}
	for i, s := range segs {
		last := i == len(segs)-1
		if s.firstSeq != l.tree.n {
			return fmt.Errorf("ledger: %s starts at record %d but %d records precede it; the ledger was modified, run aimsaudit verify", s.name, s.firstSeq, l.tree.n)
		}
		if err := l.recoverSegment(s, last, checkWant); err != nil {
			return err
		}
	}
	if want != nil && l.tree.n < want.Size {
		return fmt.Errorf("ledger: %s: the latest checkpoint covers %d records but only %d are present; records were removed, run aimsaudit verify", l.dir, want.Size, l.tree.n)
	}
	if len(segs) > 0 {
		if err := l.openSegment(segs[len(segs)-1].name, false); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	return nil
}

func (l *Ledger) recoverSegment(s segmentFile, last bool, checkWant func() error) error {
	path := segmentPath(l.dir, s)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	lr := newLineReader(f)
	for {
		b, err := lr.nextLine()
		if err == io.EOF {
			return nil
		}
		var problem error
		switch {
		case errors.Is(err, errTorn):
			problem = err
		case err != nil:
			return fmt.Errorf("ledger: reading %s: %w", s.name, err)
		default:
			ln, perr := ParseLine(b)
			switch {
			case perr != nil:
				problem = perr
			case ln.Seq != l.tree.n:
				problem = fmt.Errorf("seq %d, expected %d", ln.Seq, l.tree.n)
			default:
				problem = ln.Check()
			}
			if problem == nil {
				if err := l.tree.add(ln.Leaf); err != nil {
					return err
				}
				if err := checkWant(); err != nil {
					return err
				}
				continue
			}
		}
		// A crash of the process can tear only the very last line. A crash
		// of the machine in a mode that does not fsync every record can
		// also leave garbage (often NUL bytes) over the unsynced tail,
		// i.e. over several lines, but never over records covered by a
		// checkpoint, which are fsynced before it is signed. So damage at
		// the end of the last segment, or anywhere in it after the latest
		// checkpoint, is moved aside from the first bad line on; anything
		// else is a modification.
		atEnd := lr.next == fileSize(f)
		afterCheckpoint := l.tree.n >= l.last.Size
		if !last || !atEnd && !afterCheckpoint {
			return fmt.Errorf("ledger: %s line %d (record %d): %v; the ledger was modified, run aimsaudit verify", s.name, lr.lineNo, l.tree.n, problem)
		}
		return l.moveTornAside(s.name, lr.offset, problem)
	}
}

func fileSize(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		return -1
	}
	return st.Size()
}

// moveTornAside copies the bytes of file name from offset on to a
// ".torn-<n>" file next to it, truncates the file at offset, and reports it.
func (l *Ledger) moveTornAside(name string, offset int64, why error) error {
	path := filepath.Join(l.dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	torn := data[offset:]
	aside := path + ".torn-" + strconv.FormatInt(l.cfg.now().UnixNano(), 10)
	if err := os.WriteFile(aside, torn, 0o640); err != nil {
		return fmt.Errorf("ledger: moving torn line aside: %w", err)
	}
	if f, err := os.Open(aside); err == nil {
		_ = f.Sync()
		f.Close()
	}
	if err := os.Truncate(path, offset); err != nil {
		return fmt.Errorf("ledger: truncating torn line: %w", err)
	}
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		_ = f.Sync()
		f.Close()
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	ctx := context.Background()
	l.inst.torn.Add(ctx, 1, l.inst.attrs)
	var r log.Record
	r.SetEventName(semconv.EventLedgerRecovery)
	r.SetTimestamp(l.cfg.now())
	r.SetSeverity(log.SeverityError)
	r.SetSeverityText("ERROR")
	r.SetBody(attribute.StringValue(fmt.Sprintf("ledger %s: torn last line in %s (%v): %d bytes moved to %s; the record was never acknowledged as durable",
		l.origin, name, why, len(torn), filepath.Base(aside))))
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlEventLogs),
		semconv.AimsLedgerOrigin.String(l.origin),
		semconv.AimsLedgerSegment.String(name),
		semconv.AimsLedgerSeq.Int64(l.tree.n),
		semconv.AimsLedgerTornBytes.Int(len(torn)),
		semconv.AimsLedgerTornFile.String(filepath.Base(aside)),
	)
	l.logger.Emit(ctx, r)
	return nil
}

// recoverCheckpoints reads checkpoints.jsonl (moving a torn last line
// aside) and the latest checkpoint. The writer does not verify signatures
// (it only holds the private key); it checks sizes and roots.
func (l *Ledger) recoverCheckpoints() ([]Checkpoint, error) {
	path := filepath.Join(l.dir, checkpointsFile)
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	var cps []Checkpoint
	lr := newLineReader(f)
	for {
		b, err := lr.nextLine()
		if err == io.EOF {
			break
		}
		var problem error
		var cp Checkpoint
		var msg []byte
		if errors.Is(err, errTorn) {
			problem = err
		} else if err != nil {
			return nil, fmt.Errorf("ledger: reading %s: %w", checkpointsFile, err)
		} else {
			cp, msg, problem = parseCheckpointLine(b)
		}
		if problem != nil {
			if lr.next != fileSize(f) {
				return nil, fmt.Errorf("ledger: %s line %d: %v; the ledger was modified, run aimsaudit verify", checkpointsFile, lr.lineNo, problem)
			}
			if err := l.moveTornAside(checkpointsFile, lr.offset, problem); err != nil {
				return nil, err
			}
			break
		}
		if len(cps) > 0 && cp.Size < cps[len(cps)-1].Size {
			return nil, fmt.Errorf("ledger: %s line %d: checkpoint size %d shrinks; run aimsaudit verify", checkpointsFile, lr.lineNo, cp.Size)
		}
		cps = append(cps, cp)
		l.last, l.lastNote = cp, msg
	}
	return cps, nil
}

// parseCheckpointLine parses one line of checkpoints.jsonl without
// verifying the signature.
func parseCheckpointLine(b []byte) (Checkpoint, []byte, error) {
	var cl checkpointLine
	if err := json.Unmarshal(b, &cl); err != nil {
		return Checkpoint{}, nil, fmt.Errorf("not a checkpoint line: %v", err)
	}
	text := checkpointText([]byte(cl.Note))
	if text == "" {
		return Checkpoint{}, nil, errors.New("checkpoint note has no signature block")
	}
	cp, err := ParseCheckpoint(text)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	return cp, []byte(cl.Note), nil
}
