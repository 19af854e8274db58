package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
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

// WitnessPolicy decides whether a signed checkpoint carries enough valid
// witness cosignatures (C2SP tlog-cosignature), for example k of n named
// witnesses; package aims/ledger/witness provides one.
type WitnessPolicy interface {
	// Satisfied returns nil when signedCheckpoint carries valid
	// cosignatures that satisfy the policy, and otherwise an error saying
	// what is missing.
	Satisfied(signedCheckpoint []byte) error
}

// VerifyOptions adjust Verify.
type VerifyOptions struct {
	// AllowPending accepts records after the last checkpoint, as found in
	// the ledger of a running service. By default they are an error: a
	// closed ledger ends with a checkpoint, so unsigned records at the end
	// were appended by someone else.
	AllowPending bool
	// External are signed checkpoints kept outside the ledger's host: the
	// aims.ledger.checkpoint records of the Collector's output, an
	// auditor's copies from earlier audits, checkpoints cosigned by
	// witnesses. Those of this ledger's origin must verify with the keys
	// and the ledger must be consistent with each: holding fewer records
	// than one covers is a rollback or truncation, a different root at its
	// size a rebuilt (forked) ledger. Checkpoints of other origins are
	// ignored, so one Collector file serves every ledger.
	External [][]byte
	// Witnesses, when set, requires a checkpoint whose cosignatures satisfy
	// the policy (from External or the ledger's cosigned.jsonl) covering
	// every record of the ledger (all but the pending ones with
	// AllowPending): an insider holding the service key cannot get
	// witnesses to cosign a rebuilt ledger, nor hide a rollback from them.
	Witnesses WitnessPolicy
	// Retention is the minimum retention the ledger was configured with
	// (DefaultRetention when zero). Records deleted by Prune must have been
	// checkpointed at least this long before the latest checkpoint.
	Retention time.Duration
}

// Report summarises a ledger that verified.
type Report struct {
	Dir     string // the ledger directory that was verified
	Origin  string // the checkpoints' origin line, naming system and instance (see Origin)
	Records int64  // records in the tree, including pruned ones and adoption entries
	Pruned  int64  // records deleted by retention; their leaf hashes remain
	Pending int64  // records after the last checkpoint (AllowPending only)
	// Partial reports an incomplete last line skipped as a write in
	// progress or cut short by a crash (AllowPending only): of the last
	// segment, of checkpoints.jsonl or of cosigned.jsonl.
	Partial     bool
	Segments    int        // segment files present (pruned ones are gone)
	Checkpoints int        // signed checkpoints in the history (checkpoints.jsonl)
	Latest      Checkpoint // the newest checkpoint; zero when there is none
	// LatestNote is the signed note of Latest as the history holds it
	// (body and signature lines); nil when there is none. It is the one
	// to show as the latest signed checkpoint: the latest-checkpoint file
	// may hold the one before (LatestBehind).
	LatestNote []byte
	// LatestBehind reports that the latest-checkpoint file is one
	// checkpoint behind the history, as a crash between the two writes
	// leaves it; the next Open repairs it.
	LatestBehind bool
	// External is how many checkpoints from outside the host (External
	// and cosigned.jsonl) named this ledger and were checked against it.
	External int
	// Witnessed is the size of the largest checkpoint whose cosignatures
	// satisfy VerifyOptions.Witnesses (0 without a policy).
	Witnessed int64
	// PruneInterrupted reports that a crash interrupted a Prune while it
	// saved a segment's leaf hashes: the segment still holds its records
	// and was verified; the partial hashes were skipped, and the next Open
	// moves them aside.
	PruneInterrupted bool
	// Adoptions lists the ranges of records Open adopted although no
	// checkpoint covered them when written (see Adoption): their
	// integrity rests on the checkpoint signed at the restart, not on
	// one signed while they were written.
	Adoptions []Adoption
}

// Verify checks the ledger in dir against the public verifier keys:
// every line parses and its leaf hash matches its record, sequence numbers
// run without gap or reordering across segments, every checkpoint is
// signed by one of the keys, names the same origin and grows, its root is
// the Merkle root of the records it covers (so successive checkpoints are
// consistent), the latest checkpoint file matches the history, every
// record is covered by a checkpoint, every adoption entry states truly
// what it adopted, and the ledger is consistent with every checkpoint from
// outside (VerifyOptions.External) and the witness policy. It returns a
// *VerifyError for the first problem.
//
// Verify streams: it reads each segment once and keeps only the Merkle
// tree's frontier (one hash per level) and the checkpoints, so its memory
// does not grow with the number of records.
func Verify(dir string, verifiers []note.Verifier, opts VerifyOptions) (*Report, error) {
	var tree frontier
	v, err := walk(dir, verifiers, opts, &tree, false)
	if err != nil {
		return nil, err
	}
	return v.report, nil
}

// verifyTree is the Merkle tree a walk builds: the frontier for Verify,
// every stored hash for Prove.
type verifyTree interface {
	add(leaf tlog.Hash) error
	size() int64
	root() (tlog.Hash, error)
}

// expectation is a root the tree must have at a size: a checkpoint of the
// history or one from outside.
type expectation struct {
	cp       Checkpoint
	note     []byte
	history  int    // 1-based index in checkpoints.jsonl; 0 for an outside one
	source   string // where an outside checkpoint came from
	cosigned bool   // from cosigned.jsonl
}

// walked is a ledger read and checked by walk.
type walked struct {
	report *Report
	cps    []Checkpoint
	notes  [][]byte
	// livePartial is VerifyOptions.AllowPending: a torn last line of a
	// checkpoint file is then a write a crash cut short, as Open takes it.
	livePartial bool
}

// walk reads and checks the ledger in dir, adding every leaf to tree. With
// unsigned set it does not check signatures (Prove uses that: whoever
// receives the proof checks it with the key).
func walk(dir string, verifiers []note.Verifier, opts VerifyOptions, tree verifyTree, unsigned bool) (*walked, error) {
	if len(verifiers) == 0 && !unsigned {
		return nil, errors.New("ledger: verification needs the public verifier key")
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	fail := func(file string, line int, seq int64, format string, args ...any) error {
		return &VerifyError{Dir: dir, File: file, Line: line, Seq: seq, Problem: fmt.Sprintf(format, args...)}
	}
	failLine := func(le *LineError) error {
		return &VerifyError{Dir: dir, File: le.File, Line: le.Line, Seq: le.Seq, Problem: le.Problem, err: le}
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	w := &walked{report: &Report{Dir: dir}, livePartial: opts.AllowPending}

	if err := w.readHistory(dir, verifiers, unsigned, fail, failLine); err != nil {
		return nil, err
	}
	exps := make([]expectation, 0, len(w.cps))
	for i, cp := range w.cps {
		exps = append(exps, expectation{cp: cp, note: w.notes[i], history: i + 1})
	}
	outside, err := w.outsideCheckpoints(dir, verifiers, opts.External, unsigned, fail, failLine)
	if err != nil {
		return nil, err
	}
	exps = append(exps, outside...)
	sort.SliceStable(exps, func(i, j int) bool { return exps[i].cp.Size < exps[j].cp.Size })

	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	pruned, tornPrune, err := readPrunedHashes(dir, segs)
	if err != nil {
		return nil, err
	}
	w.report.PruneInterrupted = tornPrune != nil
	if len(w.cps) == 0 && (len(segs) > 0 || pruned.n > 0) {
		name := prunedHashes
		if len(segs) > 0 {
			name = segs[0].name
		}
		return nil, fail(name, 0, 0, "records without any signed checkpoint (the checkpoint history is missing)")
	}

	s := &stream{w: w, tree: tree, exps: exps, fail: fail, prevRoot: map[int64]tlog.Hash{}}
	s.rangeFile, s.rangeLine = prunedHashes, 0
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := pruned.each(func(h tlog.Hash) error { return s.leaf(h, prunedHashes, 0, nil) }); err != nil {
		return nil, err
	}
	w.report.Pruned = pruned.n
	if pruned.n > 0 {
		if err := checkPruneAge(w.cps, pruned.n, opts.Retention, fail); err != nil {
			return nil, err
		}
	}
	for len(segs) > 0 && pruned.n > 0 && segs[0].firstSeq < pruned.n {
		// Left over by a Prune interrupted between saving the leaf hashes
		// and deleting the segment; harmless only if it holds exactly the
		// pruned records.
		if err := checkPrunedLeftover(dir, segs[0], pruned); err != nil {
			return nil, fail(segs[0].name, 0, segs[0].firstSeq, "%v", err)
		}
		segs = segs[1:]
	}
	for si, sg := range segs {
		n := tree.size()
		if sg.firstSeq != n {
			if sg.firstSeq > n {
				prev := "the start of the ledger"
				if si > 0 {
					prev = segs[si-1].name
				}
				return nil, fail(sg.name, 0, n, "segment starts at record %d but the records before end at %d: records %d to %d are missing (%s truncated or a segment removed)", sg.firstSeq, n-1, n, sg.firstSeq-1, prev)
			}
			return nil, fail(sg.name, 0, sg.firstSeq, "segment starts at record %d, which an earlier segment already holds (%d records before it)", sg.firstSeq, n)
		}
		if err := s.segment(dir, sg, opts.AllowPending && si == len(segs)-1, failLine); err != nil {
			return nil, err
		}
	}
	r := w.report
	r.Segments = len(segs)
	r.Records = tree.size()
	r.Checkpoints = len(w.cps)
	if len(w.cps) > 0 {
		r.Latest = w.cps[len(w.cps)-1]
		r.LatestNote = w.notes[len(w.notes)-1]
	}
	last := ""
	if len(segs) > 0 {
		last = segs[len(segs)-1].name
	}
	if s.next < len(exps) {
		e := exps[s.next]
		if e.history > 0 {
			return nil, fail(last, 0, r.Records, "checkpoint %d covers %d records but the ledger ends after %d: records %d to %d are missing (the last segment was truncated or removed)", e.history, e.cp.Size, r.Records, r.Records, e.cp.Size-1)
		}
		return nil, fail(last, 0, r.Records, "a checkpoint kept outside the host (%s, signed %s) covers %d records but the ledger holds only %d: records %d to %d were removed (rollback or truncation)",
			e.source, e.cp.Time.Format(time.RFC3339), e.cp.Size, r.Records, r.Records, e.cp.Size-1)
	}
	var covered int64
	if len(w.cps) > 0 {
		covered = w.cps[len(w.cps)-1].Size
	}
	if r.Records > covered {
		if !opts.AllowPending {
			return nil, fail(s.rangeFile, s.rangeLine, covered, "record is not covered by any signed checkpoint (%d records appended after the last checkpoint)", r.Records-covered)
		}
		r.Pending = r.Records - covered
	}
	if opts.Witnesses != nil && !unsigned {
		if err := w.checkWitnessed(outside, opts, covered, fail); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// readHistory reads checkpoints.jsonl and the latest-checkpoint file.
func (w *walked) readHistory(dir string, verifiers []note.Verifier, unsigned bool, fail func(string, int, int64, string, ...any) error, failLine func(*LineError) error) error {
	cpr, err := openCheckpointReader(dir)
	if err != nil {
		return err
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
			if w.tornNote(le) {
				break
			}
			return failLine(le)
		}
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		n := cpr.line()
		if !unsigned {
			if cp, err = OpenCheckpoint(msg, verifiers...); err != nil {
				return fail(checkpointsFile, n, -1, "forged or replaced checkpoint: %v", err)
			}
		}
		if len(w.cps) == 0 {
			w.report.Origin = cp.Origin
		} else {
			prev := w.cps[len(w.cps)-1]
			if cp.Origin != prev.Origin {
				return fail(checkpointsFile, n, -1, "checkpoint of origin %q among checkpoints of %q (copied from another ledger)", cp.Origin, prev.Origin)
			}
			if cp.Size < prev.Size {
				return fail(checkpointsFile, n, -1, "checkpoint size %d is smaller than the previous %d (replayed or reordered checkpoint)", cp.Size, prev.Size)
			}
			if cp.Size == prev.Size && cp.Root != prev.Root {
				return fail(checkpointsFile, n, -1, "two checkpoints of size %d with different roots (forked ledger)", cp.Size)
			}
			if cp.Time.Before(prev.Time) {
				return fail(checkpointsFile, n, -1, "checkpoint time %s is before the previous %s", cp.Time.Format(time.RFC3339), prev.Time.Format(time.RFC3339))
			}
		}
		w.cps = append(w.cps, cp)
		w.notes = append(w.notes, msg)
	}
	latest, err := readLatest(dir)
	switch {
	case os.IsNotExist(err):
		if len(w.cps) > 0 {
			return fail(latestFile, 0, -1, "latest checkpoint file is missing")
		}
	case errors.Is(err, errLatestTooLarge):
		return fail(latestFile, 0, -1, "%v", err)
	case err != nil:
		return fmt.Errorf("ledger: %w", err)
	default:
		k := len(w.notes)
		if k > 0 && bytes.Equal(latest, w.notes[k-1]) {
			break
		}
		if k > 1 && bytes.Equal(latest, w.notes[k-2]) {
			// A crash between appending the newest checkpoint to the
			// history and replacing the latest-checkpoint file.
			w.report.LatestBehind = true
			break
		}
		if _, err := OpenCheckpoint(latest, verifiers...); err != nil && !unsigned {
			return fail(latestFile, 0, -1, "forged or replaced checkpoint: %v", err)
		}
		return fail(latestFile, 0, -1, "latest checkpoint differs from the last entry of %s (replaced checkpoint)", checkpointsFile)
	}
	return nil
}

// tornNote reports whether le, read from checkpoints.jsonl or
// cosigned.jsonl, is a torn last line that a live ledger's reader skips:
// a crash while a checkpoint was appended leaves one, and Open moves it
// aside (recoverNotes). The checkpoint it held was not yet in effect: the
// latest-checkpoint file is replaced only after the history line is
// fsynced, and a cosigned line only caches what the witnesses signed.
func (w *walked) tornNote(le *LineError) bool {
	if le.Damage != Torn || !w.livePartial {
		return false
	}
	w.report.Partial = true
	return true
}

// outsideCheckpoints returns the checkpoints from outside the host that
// name this ledger: those given by the auditor and those in cosigned.jsonl.
func (w *walked) outsideCheckpoints(dir string, verifiers []note.Verifier, external [][]byte, unsigned bool, fail func(string, int, int64, string, ...any) error, failLine func(*LineError) error) ([]expectation, error) {
	var out []expectation
	add := func(msg []byte, source string, cosigned bool) error {
		text := checkpointText(msg)
		cp, err := ParseCheckpoint(text)
		if text == "" || err != nil {
			if cosigned {
				return fail(cosignedFile, 0, -1, "%s: not a signed checkpoint: %v", source, err)
			}
			return fmt.Errorf("ledger: checkpoint from outside (%s) is not a signed checkpoint: %v", source, err)
		}
		if w.report.Origin != "" && cp.Origin != w.report.Origin {
			if cosigned {
				return fail(cosignedFile, 0, -1, "%s: checkpoint of origin %q in the ledger of %q", source, cp.Origin, w.report.Origin)
			}
			return nil // another ledger's checkpoint
		}
		if !unsigned {
			if cp, err = OpenCheckpoint(msg, verifiers...); err != nil {
				return &VerifyError{Dir: dir, Seq: -1, Problem: fmt.Sprintf("a checkpoint kept outside the host for this ledger (%s) does not verify with the key: %v", source, err)}
			}
		}
		out = append(out, expectation{cp: cp, note: msg, source: source, cosigned: cosigned})
		return nil
	}
	for i, msg := range external {
		if err := add(msg, fmt.Sprintf("outside checkpoint %d", i+1), false); err != nil {
			return nil, err
		}
	}
	r, err := openNoteReader(dir, cosignedFile)
	if err != nil {
		return nil, err
	}
	if r != nil {
		defer r.close()
		for {
			_, msg, err := r.next()
			if err == io.EOF {
				break
			}
			var le *LineError
			if errors.As(err, &le) {
				if w.tornNote(le) {
					break
				}
				return nil, failLine(le)
			}
			if err != nil {
				return nil, fmt.Errorf("ledger: %w", err)
			}
			if err := add(msg, fmt.Sprintf("%s line %d", cosignedFile, r.line()), true); err != nil {
				return nil, err
			}
		}
	}
	w.report.External = len(out)
	return out, nil
}

// checkWitnessed applies the witness policy: some checkpoint consistent
// with the ledger (every outside one is, by now) must satisfy it and cover
// everything the ledger's own checkpoints cover. AllowPending changes
// nothing here: it accepts only the records after the last checkpoint.
func (w *walked) checkWitnessed(outside []expectation, opts VerifyOptions, covered int64, fail func(string, int, int64, string, ...any) error) error {
	var best int64
	var lastErr error
	for _, e := range outside {
		if err := opts.Witnesses.Satisfied(e.note); err != nil {
			lastErr = err
			continue
		}
		best = max(best, e.cp.Size)
	}
	w.report.Witnessed = best
	switch {
	case best == 0 && w.report.Records == 0:
		return fail("", 0, -1, "no checkpoint satisfies the witness policy and the ledger is empty: an emptied ledger cannot be told from a new one without witnessed checkpoints")
	case best == 0:
		return fail("", 0, 0, "no checkpoint satisfies the witness policy (%d checkpoints from outside checked; last problem: %v): nothing outside the host vouches for this ledger", len(outside), lastErr)
	case best < covered:
		// AllowPending exempts only the records after the last
		// checkpoint: records the service's own checkpoints cover are
		// what a ledger rolled back and continued holds once the
		// witnesses refuse it, running or not.
		return fail("", 0, best, "records %d to %d are covered only by the service's own signature, by no checkpoint the witnesses cosigned (a ledger rebuilt or rolled back and continued after the last witnessed checkpoint, witnesses not reached before shutdown, or, in a running service, a checkpoint whose cosignatures have not arrived yet)", best, covered-1)
	}
	return nil
}

// stream feeds leaves to the tree and checks the expectations as the tree
// reaches their sizes.
type stream struct {
	w    *walked
	tree verifyTree
	exps []expectation
	next int // next expectation to check
	fail func(string, int, int64, string, ...any) error
	// Where the records after the last history checkpoint passed start,
	// to locate a range that does not hash to the next one.
	rangeFile  string
	rangeLine  int
	rangeStart int64
	rangeOpen  bool // the next record starts a new range
	// prevRoot holds the roots of the history checkpoints passed, by size,
	// for checking adoption entries.
	prevRoot map[int64]tlog.Hash
	lastSize int64 // size of the last history checkpoint passed
	lastSeen bool  // a history checkpoint has been passed
	lastTime time.Time
}

// leaf adds one record's leaf hash; record is nil for a pruned leaf.
func (s *stream) leaf(h tlog.Hash, file string, line int, record []byte) error {
	seq := s.tree.size()
	if s.rangeOpen || seq == 0 {
		s.rangeFile, s.rangeLine, s.rangeStart, s.rangeOpen = file, line, seq, false
	}
	if record != nil && isEntry(record) {
		if err := s.adoption(record, seq, file, line); err != nil {
			return err
		}
	}
	if err := s.tree.add(h); err != nil {
		return err
	}
	return s.check()
}

// adoption checks an adoption entry: it must adopt exactly the records
// after the last checkpoint before it.
func (s *stream) adoption(record []byte, seq int64, file string, line int) error {
	a, err := parseAdoption(record, seq)
	if err != nil {
		return s.fail(file, line, seq, "%v", err)
	}
	wantFirst := int64(0)
	if s.lastSeen {
		wantFirst = s.lastSize
	}
	if a.First != wantFirst || a.Last != seq-1 || a.AfterSize != wantFirst || a.First > a.Last {
		return s.fail(file, line, seq, "adoption entry claims records %d to %d after a checkpoint of %d records, but the records no checkpoint covered before it are %d to %d", a.First, a.Last, a.AfterSize, wantFirst, seq-1)
	}
	if s.lastSeen {
		root := s.prevRoot[s.lastSize]
		if a.AfterRoot != encodeHash(root) {
			return s.fail(file, line, seq, "adoption entry names a previous checkpoint root that is not the one signed for %d records", s.lastSize)
		}
	}
	if !a.Explicit {
		// A crash tail follows an open checkpoint. If a checkpoint
		// kept outside says the ledger was closed cleanly within the
		// adopted range, after the history's last checkpoint before the
		// entry, the
		// closed checkpoint was removed from the history to pass records
		// appended after the shutdown off as a crash.
		for _, e := range s.exps {
			if e.cp.Closed && e.cp.Size >= a.First && e.cp.Size <= a.Last+1 && e.cp.Time.After(s.lastTime) {
				return s.fail(file, line, e.cp.Size, "records %d to %d were adopted as left by a crash, but the ledger was closed cleanly at %d records (closed checkpoint signed %s, %s): records from %d on were appended after a clean shutdown and the closed checkpoint removed from the history",
					a.First, a.Last, e.cp.Size, e.cp.Time.Format(time.RFC3339), e.where(), e.cp.Size)
			}
		}
	}
	s.w.report.Adoptions = append(s.w.report.Adoptions, a)
	return nil
}

// where says where an expected checkpoint came from.
func (e expectation) where() string {
	if e.history > 0 {
		return fmt.Sprintf("%s line %d", checkpointsFile, e.history)
	}
	return e.source
}

// check compares the tree with every expectation at its current size.
func (s *stream) check() error {
	n := s.tree.size()
	for s.next < len(s.exps) && s.exps[s.next].cp.Size == n {
		e := s.exps[s.next]
		root, err := s.tree.root()
		if err != nil {
			return err
		}
		if root != e.cp.Root {
			if e.history > 0 {
				return s.fail(s.rangeFile, s.rangeLine, s.rangeStart, "records %d to %d do not hash to the root signed in checkpoint %d (size %d): a record in that range was modified, removed, inserted or reordered and its leaf and seq fields rewritten", s.rangeStart, e.cp.Size-1, e.history, e.cp.Size)
			}
			return s.fail("", 0, -1, "the ledger's first %d records do not hash to the root of a checkpoint kept outside the host (%s, signed %s): the ledger was rewritten or rebuilt after that checkpoint was emitted (a fork)", e.cp.Size, e.source, e.cp.Time.Format(time.RFC3339))
		}
		if e.history > 0 {
			s.prevRoot[n] = root
			s.lastSize, s.lastSeen, s.rangeOpen = n, true, true
			s.lastTime = e.cp.Time
		}
		s.next++
	}
	return nil
}

// segment reads one segment into the tree. With livePartial set (the last
// segment, AllowPending) a torn last line is taken for a write in
// progress, as a running writer flushes its buffer at arbitrary byte
// boundaries, and skipped if no checkpoint covers it. Any other damage is
// reported where the reader found it.
func (s *stream) segment(dir string, sg segmentFile, livePartial bool, failLine func(*LineError) error) error {
	r, err := openSegmentReader(dir, sg)
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
			cps := s.w.cps
			covered := len(cps) > 0 && cps[len(cps)-1].Size > le.Seq
			if le.Damage == Torn && livePartial && !covered {
				s.w.report.Partial = true
				return nil
			}
			return failLine(le)
		}
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if err := s.leaf(ln.Leaf, sg.name, r.line(), ln.Record); err != nil {
			return err
		}
	}
}

// checkPruneAge checks that the pruned records were checkpointed at least
// the retention period before the latest checkpoint, so Prune's pruned
// file cannot be used to hide the removal of young records.
func checkPruneAge(cps []Checkpoint, n int64, retention time.Duration, fail func(string, int, int64, string, ...any) error) error {
	if len(cps) == 0 {
		return fail(prunedHashes, 0, 0, "pruned records without any checkpoint")
	}
	latest := cps[len(cps)-1]
	for _, cp := range cps {
		if cp.Size >= n {
			if latest.Time.Sub(cp.Time) < retention {
				return fail(prunedHashes, 0, n-1, "records up to %d were deleted although they were checkpointed at %s, less than the retention of %v before the latest checkpoint (%s)", n-1, cp.Time.Format(time.RFC3339), retention, latest.Time.Format(time.RFC3339))
			}
			return nil
		}
	}
	return fail(prunedHashes, 0, n-1, "pruned records are not covered by any checkpoint")
}
