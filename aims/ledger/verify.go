package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyError locates the first problem verification found. File, Line
// and Seq are set as far as the problem has a location: a record problem
// names the segment file, the 1-based line and the record's sequence
// number; a checkpoint problem names checkpoints.jsonl (or checkpoint) and
// its line.
type VerifyError struct {
	Dir     string // the ledger directory that was verified
	File    string // segment or checkpoint file name; empty for the directory
	Line    int    // 1-based line in File; 0 when not about one line
	Seq     int64  // sequence number of the first affected record; -1 when none
	Problem string // what is wrong, in words for the auditor
	err     error  // the *LineError when the problem is a damaged line
}

// Unwrap returns the *LineError when the problem is a damaged line (so
// errors.Is(err, ErrTorn) and errors.As work), and nil otherwise.
func (e *VerifyError) Unwrap() error { return e.err }

// Error says where the problem is and what it is.
func (e *VerifyError) Error() string {
	var b bytes.Buffer
	b.WriteString("ledger ")
	b.WriteString(e.Dir)
	b.WriteString(": ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, " line %d", e.Line)
		}
		if e.Seq >= 0 {
			fmt.Fprintf(&b, " (record seq %d)", e.Seq)
		}
		b.WriteString(": ")
	} else if e.Seq >= 0 {
		fmt.Fprintf(&b, "record seq %d: ", e.Seq)
	}
	b.WriteString(e.Problem)
	return b.String()
}

// VerifyOptions adjust Verify.
type VerifyOptions struct {
	// AllowPending accepts records after the last checkpoint, as found in
	// the ledger of a running service. By default they are an error: a
	// closed ledger ends with a checkpoint, so unsigned records at the end
	// were appended by someone else.
	AllowPending bool
	// Trusted are signed checkpoints the auditor kept from earlier audits;
	// the ledger must be consistent with each of them.
	Trusted [][]byte
	// Retention is the minimum retention the ledger was configured with
	// (DefaultRetention when zero). Records deleted by Prune must have been
	// checkpointed at least this long before the latest checkpoint.
	Retention time.Duration
}

// Report summarises a ledger that verified.
type Report struct {
	Dir     string // the ledger directory that was verified
	Origin  string // the checkpoints' origin line, naming system and instance (see Origin)
	Records int64  // records in the tree, including pruned ones
	Pruned  int64  // records deleted by retention; their leaf hashes remain
	Pending int64  // records after the last checkpoint (AllowPending only)
	// Partial reports an incomplete last line skipped as a write in
	// progress (AllowPending only).
	Partial     bool
	Segments    int        // segment files present (pruned ones are gone)
	Checkpoints int        // signed checkpoints in the history (checkpoints.jsonl)
	Latest      Checkpoint // the newest checkpoint; zero when there is none
}

// Verify checks the ledger in dir against the public verifier keys:
// every line parses and its leaf hash matches its record, sequence numbers
// run without gap or reordering across segments, every checkpoint is
// signed by one of the keys, names the same origin and grows, its root is
// the Merkle root of the records it covers, each checkpoint is consistent
// with the previous one (RFC 6962 consistency proof), the latest
// checkpoint file matches the history, and every record is covered by a
// checkpoint. It returns a *VerifyError for the first problem.
//
// Verify keeps the Merkle tree's stored hashes in memory, about 72 bytes
// per record (720 MB for ten million records), and reads each segment
// once.
func Verify(dir string, verifiers []note.Verifier, opts VerifyOptions) (*Report, error) {
	v, err := loadLedger(dir, verifiers, opts)
	if err != nil {
		return nil, err
	}
	return v.report, nil
}

// verifiedLedger is a ledger loaded and checked in memory.
type verifiedLedger struct {
	report *Report
	tree   memTree
	cps    []Checkpoint
	notes  [][]byte
	// where[i] locates record i (for proofs and errors); pruned records
	// have an empty segment.
	where []recordLoc
}

type recordLoc struct {
	seg  int32
	line int32
}

// loadLedger reads and checks the ledger in dir. With unsigned set it
// does not check signatures (Prove uses that: the proof is checked with
// the key by whoever receives it).
func loadLedger(dir string, verifiers []note.Verifier, opts VerifyOptions) (*verifiedLedger, error) {
	return load(dir, verifiers, opts, false)
}

func load(dir string, verifiers []note.Verifier, opts VerifyOptions, unsigned bool) (*verifiedLedger, error) {
	if len(verifiers) == 0 && !unsigned {
		return nil, errors.New("ledger: verification needs the public verifier key")
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	fail := func(file string, line int, seq int64, format string, args ...any) error {
		return &VerifyError{Dir: dir, File: file, Line: line, Seq: seq, Problem: fmt.Sprintf(format, args...)}
	}
	v := &verifiedLedger{report: &Report{Dir: dir}}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}

	failLine := func(le *LineError) error {
		return &VerifyError{Dir: dir, File: le.File, Line: le.Line, Seq: le.Seq, Problem: le.Problem, err: le}
	}

	// Checkpoints: every one signed, one origin, growing sizes.
	cpr, err := openCheckpointReader(dir)
	if err != nil {
		return nil, err
	}
	if cpr != nil {
		defer cpr.close()
	}
	for cpr != nil {
		cp, msg, err := cpr.next()
		if err == io.EOF {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			return nil, failLine(le)
		}
		if err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
		n := cpr.line()
		if !unsigned {
			if cp, err = OpenCheckpoint(msg, verifiers...); err != nil {
				return nil, fail(checkpointsFile, n, -1, "forged or replaced checkpoint: %v", err)
			}
		}
		if len(v.cps) == 0 {
			v.report.Origin = cp.Origin
		} else {
			prev := v.cps[len(v.cps)-1]
			if cp.Origin != prev.Origin {
				return nil, fail(checkpointsFile, n, -1, "checkpoint of origin %q among checkpoints of %q (copied from another ledger)", cp.Origin, prev.Origin)
			}
			if cp.Size < prev.Size {
				return nil, fail(checkpointsFile, n, -1, "checkpoint size %d is smaller than the previous %d (replayed or reordered checkpoint)", cp.Size, prev.Size)
			}
			if cp.Size == prev.Size && cp.Root != prev.Root {
				return nil, fail(checkpointsFile, n, -1, "two checkpoints of size %d with different roots (forked ledger)", cp.Size)
			}
			if cp.Time.Before(prev.Time) {
				return nil, fail(checkpointsFile, n, -1, "checkpoint time %s is before the previous %s", cp.Time.Format(time.RFC3339), prev.Time.Format(time.RFC3339))
			}
		}
		v.cps = append(v.cps, cp)
		v.notes = append(v.notes, msg)
	}
	latest, err := os.ReadFile(filepath.Join(dir, latestFile))
	switch {
	case os.IsNotExist(err):
		if len(v.cps) > 0 {
			return nil, fail(latestFile, 0, -1, "latest checkpoint file is missing")
		}
	case err != nil:
		return nil, fmt.Errorf("ledger: %w", err)
	default:
		if len(v.notes) == 0 || !bytes.Equal(latest, v.notes[len(v.notes)-1]) {
			if _, err := OpenCheckpoint(latest, verifiers...); err != nil && !unsigned {
				return nil, fail(latestFile, 0, -1, "forged or replaced checkpoint: %v", err)
			}
			return nil, fail(latestFile, 0, -1, "latest checkpoint differs from the last entry of %s (replaced checkpoint)", checkpointsFile)
		}
	}

	// Records: pruned leaf hashes first, then every segment in order.
	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	if len(v.cps) == 0 && len(segs) > 0 {
		return nil, fail(segs[0].name, 0, 0, "records without any signed checkpoint")
	}
	pruned, err := readPrunedHashes(dir)
	if err != nil {
		return nil, err
	}
	next := 0 // next checkpoint to check against the tree
	var segNames []string
	checkRoots := func() error {
		for next < len(v.cps) && v.cps[next].Size == v.tree.n {
			cp := v.cps[next]
			root, err := tlog.TreeHash(cp.Size, &v.tree)
			if err != nil {
				return err
			}
			if root != cp.Root {
				from := int64(0)
				if next > 0 {
					from = v.cps[next-1].Size
				}
				f, line := v.locate(from, segNames)
				return fail(f, line, from, "records %d to %d do not hash to the root signed in checkpoint %d (size %d): a record in that range was modified, removed, inserted or reordered and its leaf and seq fields rewritten", from, cp.Size-1, next+1, cp.Size)
			}
			if next > 0 {
				prev := v.cps[next-1]
				proof, err := tlog.ProveTree(cp.Size, prev.Size, &v.tree)
				if err == nil {
					err = tlog.CheckTree(proof, cp.Size, cp.Root, prev.Size, prev.Root)
				}
				if err != nil {
					return fail(checkpointsFile, next+1, prev.Size, "checkpoint %d is not consistent with checkpoint %d: %v", next+1, next, err)
				}
			}
			next++
		}
		return nil
	}
	if err := checkRoots(); err != nil {
		return nil, err
	}
	for _, h := range pruned {
		if err := v.tree.add(h); err != nil {
			return nil, err
		}
		v.where = append(v.where, recordLoc{seg: -1})
		if err := checkRoots(); err != nil {
			return nil, err
		}
	}
	v.report.Pruned = int64(len(pruned))
	if len(pruned) > 0 {
		if err := checkPruneAge(v, opts.Retention, fail); err != nil {
			return nil, err
		}
	}
	for len(segs) > 0 && len(pruned) > 0 && segs[0].firstSeq < int64(len(pruned)) {
		// Left over by a Prune interrupted between saving the leaf hashes
		// and deleting the segment; harmless only if it holds exactly the
		// pruned records.
		if err := checkPrunedLeftover(dir, segs[0], pruned); err != nil {
			return nil, fail(segs[0].name, 0, segs[0].firstSeq, "%v", err)
		}
		segs = segs[1:]
	}
	for si, s := range segs {
		segNames = append(segNames, s.name)
		if s.firstSeq != v.tree.n {
			if s.firstSeq > v.tree.n {
				prev := "the start of the ledger"
				if si > 0 {
					prev = segs[si-1].name
				}
				return nil, fail(s.name, 0, v.tree.n, "segment starts at record %d but the records before end at %d: records %d to %d are missing (%s truncated or a segment removed)", s.firstSeq, v.tree.n-1, v.tree.n, s.firstSeq-1, prev)
			}
			return nil, fail(s.name, 0, s.firstSeq, "segment starts at record %d, which an earlier segment already holds (%d records before it)", s.firstSeq, v.tree.n)
		}
		if err := v.readSegment(dir, si, s, opts.AllowPending && si == len(segs)-1, failLine, checkRoots); err != nil {
			return nil, err
		}
	}
	v.report.Segments = len(segs)
	v.report.Records = v.tree.n
	v.report.Checkpoints = len(v.cps)
	if len(v.cps) > 0 {
		v.report.Latest = v.cps[len(v.cps)-1]
	}
	if next < len(v.cps) {
		cp := v.cps[next]
		last := ""
		if len(segs) > 0 {
			last = segs[len(segs)-1].name
		}
		return nil, fail(last, 0, v.tree.n, "checkpoint %d covers %d records but the ledger ends after %d: records %d to %d are missing (the last segment was truncated or removed)", next+1, cp.Size, v.tree.n, v.tree.n, cp.Size-1)
	}
	var covered int64
	if len(v.cps) > 0 {
		covered = v.cps[len(v.cps)-1].Size
	}
	if v.tree.n > covered {
		if !opts.AllowPending {
			f, line := v.locate(covered, segNames)
			return nil, fail(f, line, covered, "record is not covered by any signed checkpoint (%d records appended after the last checkpoint)", v.tree.n-covered)
		}
		v.report.Pending = v.tree.n - covered
	}
	for _, t := range opts.Trusted {
		if err := v.checkTrusted(t, verifiers); err != nil {
			return nil, &VerifyError{Dir: dir, Seq: -1, Problem: err.Error()}
		}
	}
	return v, nil
}

// locate returns the segment file and line of record seq.
func (v *verifiedLedger) locate(seq int64, segNames []string) (string, int) {
	if seq < 0 || seq >= int64(len(v.where)) {
		return "", 0
	}
	w := v.where[seq]
	if w.seg < 0 || int(w.seg) >= len(segNames) {
		return prunedHashes, 0
	}
	return segNames[w.seg], int(w.line)
}

// readSegment reads one segment into the tree. With livePartial set (the
// last segment, AllowPending) a torn last line is taken for a write in
// progress, as a running writer flushes its buffer at arbitrary byte
// boundaries, and skipped if no checkpoint covers it. Any other damage is
// reported where the reader found it.
func (v *verifiedLedger) readSegment(dir string, si int, s segmentFile, livePartial bool, failLine func(*LineError) error, checkRoots func() error) error {
	r, err := openSegmentReader(dir, s)
	if err != nil {
		return err
	}
	defer r.close()
	for {
		ln, err := r.next()
		if err == io.EOF {
			return nil
		}
		var le *LineError
		if errors.As(err, &le) {
			covered := len(v.cps) > 0 && v.cps[len(v.cps)-1].Size > le.Seq
			if le.Damage == Torn && livePartial && !covered {
				v.report.Partial = true
				return nil
			}
			return failLine(le)
		}
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if err := v.tree.add(ln.Leaf); err != nil {
			return err
		}
		v.where = append(v.where, recordLoc{seg: int32(si), line: int32(r.line())})
		if err := checkRoots(); err != nil {
			return err
		}
	}
}

// checkPruneAge checks that the pruned records were checkpointed at least
// the retention period before the latest checkpoint, so Prune's pruned
// file cannot be used to hide the removal of young records.
func checkPruneAge(v *verifiedLedger, retention time.Duration, fail func(string, int, int64, string, ...any) error) error {
	n := int64(len(v.where))
	if len(v.cps) == 0 {
		return fail(prunedHashes, 0, 0, "pruned records without any checkpoint")
	}
	latest := v.cps[len(v.cps)-1]
	for _, cp := range v.cps {
		if cp.Size >= n {
			if latest.Time.Sub(cp.Time) < retention {
				return fail(prunedHashes, 0, n-1, "records up to %d were deleted although they were checkpointed at %s, less than the retention of %v before the latest checkpoint (%s)", n-1, cp.Time.Format(time.RFC3339), retention, latest.Time.Format(time.RFC3339))
			}
			return nil
		}
	}
	return fail(prunedHashes, 0, n-1, "pruned records are not covered by any checkpoint")
}

// checkTrusted checks the ledger against a checkpoint kept by the auditor.
func (v *verifiedLedger) checkTrusted(msg []byte, verifiers []note.Verifier) error {
	cp, err := OpenCheckpoint(msg, verifiers...)
	if err != nil {
		return fmt.Errorf("trusted checkpoint: %v", err)
	}
	if cp.Origin != v.report.Origin {
		return fmt.Errorf("trusted checkpoint is for %q, the ledger is %q", cp.Origin, v.report.Origin)
	}
	if cp.Size > v.tree.n {
		return fmt.Errorf("trusted checkpoint covers %d records, the ledger holds only %d: records were removed (rollback)", cp.Size, v.tree.n)
	}
	root, err := tlog.TreeHash(cp.Size, &v.tree)
	if err != nil {
		return err
	}
	if root != cp.Root {
		return fmt.Errorf("the ledger's first %d records do not hash to the trusted checkpoint's root: the ledger was rewritten since that audit", cp.Size)
	}
	return nil
}
