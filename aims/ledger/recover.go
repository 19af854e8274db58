package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/semconv"
)

// recover rebuilds the writer's state from the directory: the tree from
// every segment, the latest checkpoint, and the segment to append to.
//
// It reads every file through the one ledger reader (reader.go), so a
// torn or corrupt line is classified as Scan and Verify classify it. A
// crash can damage only what no checkpoint covers: the last line of
// checkpoints.jsonl (torn) and the records of the last segment after the
// latest checkpoint. Exactly that is moved aside and reported
// (recoverSegment, recoverCheckpoints). Damage anywhere else is not a
// crash but a modification, and Open refuses the ledger: appending to it
// would sign the damage into a new checkpoint. ctx bounds the reading.
func (l *Ledger) recover(ctx context.Context) error {
	segs, err := listSegments(l.dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	cps, err := l.recoverCheckpoints()
	if err != nil {
		return err
	}
	if err := l.recoverCosigned(); err != nil {
		return err
	}
	// A crash between appending to checkpoints.jsonl and replacing the
	// latest-checkpoint file leaves the two out of step; the history is
	// the source of truth.
	if l.lastNote != nil {
		if cur, err := readLatest(l.dir); err != nil || !bytes.Equal(cur, l.lastNote) {
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
	pruned, torn, err := readPrunedHashes(l.dir, segs)
	if err != nil {
		return err
	}
	if torn != nil {
		if err := l.moveAside(torn); err != nil {
			return err
		}
	}
	err = pruned.each(func(h tlog.Hash) error {
		if err := l.tree.add(h); err != nil {
			return err
		}
		return checkWant()
	})
	if err != nil {
		return err
	}
	for len(segs) > 0 && pruned.n > 0 && segs[0].firstSeq < pruned.n {
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
		if err := l.recoverSegment(ctx, s, last, checkWant); err != nil {
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

// recoverSegment reads one segment into the tree. What it does with a
// damaged line the segment reader reports: damage among records that no
// checkpoint covers, in the last segment, is what a crash leaves — a torn
// last line from a killed process, or, after a machine crash in a mode that
// does not fsync every record, garbage (often NUL bytes) over the unsynced
// tail, possibly over several lines. It is moved aside from the damaged
// line on and reported as what it is (torn or corrupt); it is never taken
// for records. Records covered by a checkpoint were fsynced before it was
// signed, so damage among them, or in an earlier segment, is a
// modification: Open refuses the ledger and touches nothing.
func (l *Ledger) recoverSegment(ctx context.Context, s segmentFile, last bool, checkWant func() error) error {
	r, err := openSegmentReader(l.dir, s)
	if err != nil {
		return err
	}
	defer r.close()
	for i := 0; ; i++ {
		if i%recoveryCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("ledger: opening %s: %w", l.dir, err)
			}
		}
		ln, err := r.next()
		if err == io.EOF {
			return nil
		}
		var damage *LineError
		if errors.As(err, &damage) {
			if !last || damage.Seq < l.last.Size {
				return fmt.Errorf("ledger: %w; the ledger was modified, run aimsaudit verify", damage)
			}
			return l.moveAside(damage)
		}
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if err := l.tree.add(ln.Leaf); err != nil {
			return err
		}
		if err := checkWant(); err != nil {
			return err
		}
	}
}

// recoveryCheckEvery is how many lines recovery reads between two looks at
// its context.
const recoveryCheckEvery = 4096

// moveAside copies the bytes of the damaged file from the damaged line on
// to a ".torn-<n>" file next to it, truncates the file there, and reports
// it: as an error log record, a metric, and in Recovered. The bytes are
// streamed with a bounded buffer: a damaged file can be large, and
// recovery must not hold it in memory.
func (l *Ledger) moveAside(damage *LineError) error {
	name, offset := damage.File, damage.Offset
	path := filepath.Join(l.dir, name)
	// The aside file is created, never overwritten: an earlier recovery's
	// bytes (a clock that repeats, or went back) are evidence too.
	stamp := path + ".torn-" + strconv.FormatInt(l.cfg.now().UnixNano(), 10)
	aside := stamp
	var n int64
	var err error
	for i := 1; ; i++ {
		n, err = copyTail(path, aside, offset)
		if !errors.Is(err, fs.ErrExist) || i > maxAsideNames {
			break
		}
		aside = stamp + "-" + strconv.Itoa(i)
	}
	if err != nil {
		return err
	}
	if err := os.Truncate(path, offset); err != nil {
		return fmt.Errorf("ledger: truncating damaged lines: %w", err)
	}
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		_ = f.Sync()
		f.Close()
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	l.recovered = append(l.recovered, *damage)
	var what string
	seq := l.tree.n
	if name == prunedHashes {
		// Read before the tree is built: the damage says where it is.
		seq = damage.Seq
		what = fmt.Sprintf("%s from byte %d: %s; %d bytes moved to %s, never taken for pruned records",
			name, offset, damage.Problem, n, filepath.Base(aside))
	} else if damage.Damage == Torn {
		what = fmt.Sprintf("torn last line in %s at byte %d (%s): %d bytes moved to %s; it was cut short by a crash and never taken for a record",
			name, offset, damage.Problem, n, filepath.Base(aside))
	} else {
		what = fmt.Sprintf("corrupt line %d in %s at byte %d (%s), among records no checkpoint covers (as a machine crash leaves unsynced data): %d bytes from there on moved to %s and not taken for records",
			damage.Line, name, offset, damage.Problem, n, filepath.Base(aside))
	}
	ctx := context.Background()
	l.inst.torn.Add(ctx, 1, l.inst.attrs)
	var r log.Record
	r.SetEventName(semconv.EventLedgerRecovery)
	r.SetTimestamp(l.cfg.now())
	r.SetSeverity(log.SeverityError)
	r.SetSeverityText("ERROR")
	r.SetBody(attribute.StringValue("ledger " + l.origin + ": " + what))
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlEventLogs),
		semconv.AimsLedgerOrigin.String(l.origin),
		semconv.AimsLedgerSegment.String(name),
		semconv.AimsLedgerSeq.Int64(seq),
		semconv.AimsLedgerTornBytes.Int64(n),
		semconv.AimsLedgerTornFile.String(filepath.Base(aside)),
	)
	l.logger.Emit(ctx, r)
	return nil
}

// maxAsideNames bounds the names moveAside tries for one aside file.
const maxAsideNames = 1000

// copyTail copies the bytes of path from offset on into a new file aside
// and fsyncs it, with a bounded buffer, and returns how many it copied.
// An offset past the end of path means the file changed under recovery.
func copyTail(path, aside string, offset int64) (int64, error) {
	src, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	if offset < 0 || offset > fi.Size() {
		return 0, fmt.Errorf("ledger: %s changed while it was recovered", filepath.Base(path))
	}
	dst, err := os.OpenFile(aside, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return 0, fmt.Errorf("ledger: moving damaged lines aside: %w", err) // fs.ErrExist when aside exists
	}
	// The section reader bounds the copy to the size seen above, the
	// buffer bounds the memory; the aside file is fsynced before the
	// damaged file is cut.
	n, err := io.CopyBuffer(onlyWriter{dst}, io.NewSectionReader(src, offset, fi.Size()-offset), make([]byte, 32<<10))
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("ledger: moving damaged lines aside: %w", err)
	}
	return n, nil
}

// onlyWriter hides the ReadFrom method of the file it wraps, so that
// io.CopyBuffer uses the bounded buffer it is given.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// recoverCheckpoints reads checkpoints.jsonl and the latest checkpoint.
// The writer does not verify signatures (it only holds the private key);
// it checks sizes and roots. Only a torn last line can come from a crash
// (a checkpoint is written with one write and fsynced before it counts),
// so only that is moved aside; every complete line is a signed statement,
// and one that does not parse is a modification.
func (l *Ledger) recoverCheckpoints() ([]Checkpoint, error) {
	r, err := openCheckpointReader(l.dir)
	if err != nil || r == nil {
		return nil, err
	}
	defer r.close()
	var cps []Checkpoint
	for {
		cp, msg, err := r.next()
		if err == io.EOF {
			break
		}
		var damage *LineError
		if errors.As(err, &damage) {
			if damage.Damage != Torn {
				return nil, fmt.Errorf("ledger: %w; the ledger was modified, run aimsaudit verify", damage)
			}
			if err := l.moveAside(damage); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
		if len(cps) > 0 && cp.Size < cps[len(cps)-1].Size {
			return nil, fmt.Errorf("ledger: %s line %d: checkpoint size %d shrinks; run aimsaudit verify", checkpointsFile, r.line(), cp.Size)
		}
		cps = append(cps, cp)
		l.last, l.lastNote = cp, msg
	}
	return cps, nil
}

// recoverCosigned moves aside a torn last line of cosigned.jsonl, which a
// crash while a cosigned checkpoint was appended leaves; the next one
// would otherwise be appended to the fragment and make a corrupt line in
// the middle of the file. Other damage is not a crash's: it is left for
// Verify to report, as the file only keeps what witnesses signed, and
// the ledger's records do not depend on it.
func (l *Ledger) recoverCosigned() error {
	r, err := openNoteReader(l.dir, cosignedFile)
	if err != nil || r == nil {
		return err
	}
	defer r.close()
	for {
		_, _, err := r.next()
		if err == io.EOF {
			return nil
		}
		var damage *LineError
		if errors.As(err, &damage) {
			if damage.Damage == Torn {
				return l.moveAside(damage)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
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
