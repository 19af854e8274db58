package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/appendfile"
	"github.com/aimskit/aimskit/internal/notecodec"
)

// File names of the witnessing state inside a ledger directory.
const (
	witnessesFile = "witnesses.json"
)

// ErrWitnessConflict matches (errors.Is) the error of a witness that
// refused a checkpoint because it holds a checkpoint of the same origin
// that this one is not consistent with: a larger size, another root hash
// at the same size, or a consistency proof that does not lead from its
// tree to this one. That is what a fork, a rollback or a rebuilt ledger
// looks like to a witness; the ledger reports it as an ERROR log record.
var ErrWitnessConflict = errors.New("witness holds an inconsistent checkpoint of this origin")

// maxRebuilt bounds the snapshots rebuilt from the segments that the
// witnessing goroutine keeps for witnesses that keep answering with a size
// the ledger has no snapshot for.
const maxRebuilt = 8

// witnessing submits the ledger's checkpoints to its witnesses. It runs on
// its own goroutine (run), started by Open and stopped by Close; the
// writer only hands it the latest checkpoint (submit), never waits for it.
type witnessing struct {
	l          *Ledger // only its fields fixed by Open are read
	ws         []Witness
	timeout    time.Duration
	leaves     *ledgerLeaves
	ctx        context.Context // cancelled when Close gives up on witnessing
	cancel     context.CancelFunc
	wake       chan struct{} // capacity 1
	writerDone <-chan struct{}
	exited     chan struct{}

	cosigned metric.Int64Counter
	errors   metric.Int64Counter
	attrs    map[string]metric.MeasurementOption // per witness name

	mu      sync.Mutex
	pending *witnessJob // latest checkpoint not yet taken

	// Owned by the run goroutine; read-only while a round's requests run.
	state map[string]*witnessState

	rmu     sync.Mutex
	rebuilt map[int64]subtrees // snapshots rebuilt from the segments
}

// witnessJob is one checkpoint to submit, with the maximal complete
// subtrees of its tree (the frontier when it was signed).
type witnessJob struct {
	cp   Checkpoint
	note []byte
	tree subtrees
}

// witnessState is what the ledger knows about one witness: the tree it
// last cosigned.
type witnessState struct {
	tree     subtrees
	root     tlog.Hash
	cosigned time.Time
}

// startWitnessing starts the witnessing goroutine when the ledger has
// witnesses, and hands it the latest checkpoint if a witness has not
// cosigned it yet. Open calls it last, before the writer starts.
func (l *Ledger) startWitnessing() {
	if len(l.cfg.witnesses) == 0 {
		return
	}
	w := &witnessing{
		l:          l,
		ws:         l.cfg.witnesses,
		timeout:    l.cfg.witnessTimeout,
		leaves:     &ledgerLeaves{dir: l.dir},
		wake:       make(chan struct{}, 1),
		writerDone: l.done,
		exited:     make(chan struct{}),
		attrs:      map[string]metric.MeasurementOption{},
		state:      map[string]*witnessState{},
		rebuilt:    map[int64]subtrees{},
	}
	if w.timeout <= 0 {
		w.timeout = DefaultWitnessTimeout
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	m := l.cfg.tel.Meter(semconv.ScopeLedger)
	var err error
	if w.cosigned, err = m.Int64Counter(semconv.MetricLedgerWitnessCosignatures, metric.WithUnit("{cosignature}"),
		metric.WithDescription("Checkpoints cosigned by a witness.")); err != nil {
		w.cosigned, _ = noop.Meter{}.Int64Counter(semconv.MetricLedgerWitnessCosignatures)
	}
	if w.errors, err = m.Int64Counter(semconv.MetricLedgerWitnessErrors, metric.WithUnit("{error}"),
		metric.WithDescription("Checkpoints a witness did not cosign: unreachable, timed out or refused.")); err != nil {
		w.errors, _ = noop.Meter{}.Int64Counter(semconv.MetricLedgerWitnessErrors)
	}
	for _, wit := range w.ws {
		w.attrs[wit.Name()] = metric.WithAttributeSet(attribute.NewSet(
			semconv.AimsLedgerOrigin.String(l.origin), semconv.AimsLedgerWitness.String(wit.Name())))
	}
	w.loadState(l.tree.n)
	l.wit = w
	if l.lastNote != nil && l.tree.n == l.last.Size && w.behind(l.last.Size) {
		w.submit(&witnessJob{cp: l.last, note: l.lastNote, tree: l.tree.snapshot()})
	}
	go w.run()
}

// witnessCheckpoint hands the checkpoint just stored to the witnessing
// goroutine, with a copy of the frontier it was signed over. It runs where
// checkpoint runs: on the writer goroutine, or in Open before witnessing
// starts (then the latest checkpoint is handed over by startWitnessing).
func (l *Ledger) witnessCheckpoint(cp Checkpoint, msg []byte) {
	if l.wit == nil {
		return
	}
	l.wit.submit(&witnessJob{cp: cp, note: msg, tree: l.tree.snapshot()})
}

// stopWitnessing waits until the witnessing goroutine has submitted the
// final checkpoint and exited, or ctx is done; then it cancels what is in
// flight and returns. Close calls it once the writer is done (or given up
// on). A witness that honours its context returns at once and the
// goroutine exits; one that ignores it keeps the goroutine until it
// answers, which Close does not wait for, as its deadline is the caller's
// (a later Close waits for the goroutine again).
func (l *Ledger) stopWitnessing(ctx context.Context) {
	w := l.wit
	if w == nil {
		return
	}
	select {
	case <-w.exited:
		return
	case <-ctx.Done():
	}
	w.cancel()
}

// submit makes job the next checkpoint to submit, superseding one that
// was not taken yet.
func (w *witnessing) submit(job *witnessJob) {
	w.mu.Lock()
	w.pending = job
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *witnessing) take() *witnessJob {
	w.mu.Lock()
	defer w.mu.Unlock()
	job := w.pending
	w.pending = nil
	return job
}

// run is the witnessing goroutine. It exits once the writer has exited
// and the final checkpoint is submitted, or when cancelled.
func (w *witnessing) run() {
	defer close(w.exited)
	defer w.cancel()
	for {
		if w.ctx.Err() != nil {
			w.abandon()
			return
		}
		if job := w.take(); job != nil {
			w.round(job)
			continue
		}
		select {
		case <-w.wake:
		case <-w.writerDone:
			if job := w.take(); job != nil {
				w.round(job)
			}
			if w.ctx.Err() != nil {
				w.abandon()
			}
			return
		case <-w.ctx.Done():
			w.abandon()
			return
		}
	}
}

// abandon reports a checkpoint that was never submitted because Close
// gave up on witnessing.
func (w *witnessing) abandon() {
	if job := w.take(); job != nil {
		for _, wit := range w.ws {
			w.failed(wit, job, errors.New("not submitted: Close's context ended first"))
		}
	}
}

// behind reports whether a witness has not cosigned a checkpoint of the
// given size.
func (w *witnessing) behind(size int64) bool {
	for _, wit := range w.ws {
		if st := w.state[wit.Name()]; st == nil || st.tree.n < size {
			return true
		}
	}
	return false
}

// round submits job to every witness in parallel, then records the
// cosignatures it got: cosigned.jsonl, a log record, witnesses.json.
func (w *witnessing) round(job *witnessJob) {
	if job.cp.Size == 0 {
		return
	}
	memo := &proofMemo{w: w, job: job, m: map[int64]*proofEntry{}}
	results := make([]witnessResult, len(w.ws))
	var wg sync.WaitGroup
	for i, wit := range w.ws {
		st := w.state[wit.Name()]
		wg.Go(func() {
			results[i].cosigs, results[i].err = w.submitTo(wit, st, job, memo)
		})
	}
	wg.Wait()

	var lines []byte
	var names []string
	now := w.l.cfg.now().UTC()
	for i, wit := range w.ws {
		r := results[i]
		if r.err != nil {
			w.failed(wit, job, r.err)
			continue
		}
		lines = appendNewLines(lines, job.note, r.cosigs)
		names = append(names, wit.Name())
		w.state[wit.Name()] = &witnessState{tree: job.tree, root: job.cp.Root, cosigned: now}
		w.cosigned.Add(context.Background(), 1, w.attrs[wit.Name()])
	}
	if len(names) == 0 {
		return
	}
	cosigned := append(append([]byte(nil), job.note...), lines...)
	if err := appendNoteLine(w.l.dir, cosignedFile, cosigned); err != nil {
		w.localError(job, fmt.Errorf("storing the cosigned checkpoint: %w", err))
	}
	w.emitCosigned(job, cosigned, names)
	if err := w.saveState(); err != nil {
		w.localError(job, err)
	}
}

type witnessResult struct {
	cosigs []byte
	err    error
}

// submitTo submits job to one witness, from the size it last cosigned as
// far as the ledger knows; when the witness answers with another size, it
// retries once from that size.
func (w *witnessing) submitTo(wit Witness, st *witnessState, job *witnessJob, memo *proofMemo) ([]byte, error) {
	var old int64
	if st != nil && st.tree.n <= job.cp.Size {
		old = st.tree.n
	}
	cosigs, err := w.add(wit, old, job, memo)
	var se *WitnessSizeError
	if !errors.As(err, &se) {
		return cosigs, err
	}
	switch {
	case se.Size > job.cp.Size:
		return nil, fmt.Errorf("%w: it cosigned size %d of %s, more than the %d records of this checkpoint (another ledger with this origin and key, or this one rolled back)",
			ErrWitnessConflict, se.Size, w.l.origin, job.cp.Size)
	case se.Size == old || se.Size < 0:
		return nil, fmt.Errorf("witness answered that it knows size %d when given old size %d", se.Size, old)
	}
	cosigs, err = w.add(wit, se.Size, job, memo)
	if errors.As(err, &se) {
		return nil, fmt.Errorf("witness changed its known size again, to %d: %w", se.Size, err)
	}
	return cosigs, err
}

// add sends one add-checkpoint request with the consistency proof from
// old and checks the form of the answer.
func (w *witnessing) add(wit Witness, old int64, job *witnessJob, memo *proofMemo) ([]byte, error) {
	proof, err := memo.proof(old)
	if err != nil {
		return nil, fmt.Errorf("building the consistency proof from size %d: %w", old, err)
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.timeout)
	defer cancel()
	cosigs, err := wit.AddCheckpoint(ctx, old, proof, job.note)
	if err != nil {
		return nil, err
	}
	if err := notecodec.CheckSignatureLines(cosigs); err != nil {
		return nil, fmt.Errorf("witness answer: %w", err)
	}
	return cosigs, nil
}

// proofMemo builds each consistency proof of a round once, however many
// witnesses need it.
type proofMemo struct {
	w   *witnessing
	job *witnessJob
	mu  sync.Mutex
	m   map[int64]*proofEntry
}

type proofEntry struct {
	once  sync.Once
	proof tlog.TreeProof
	err   error
}

func (m *proofMemo) proof(old int64) (tlog.TreeProof, error) {
	m.mu.Lock()
	e := m.m[old]
	if e == nil {
		e = new(proofEntry)
		m.m[old] = e
	}
	m.mu.Unlock()
	e.once.Do(func() {
		var s subtrees
		if s, e.err = m.w.subtreesAt(old, m.job); e.err == nil {
			e.proof, e.err = proveConsistency(m.w.ctx, s, m.job.cp.Size, m.w.leaves.read)
		}
	})
	return e.proof, e.err
}

// subtreesAt returns the maximal complete subtrees of the ledger's tree of
// size n (n at most the job's size): from the job, a witness's state or an
// earlier rebuild, or else rebuilt from the records, starting at the
// largest known tree not larger than n.
func (w *witnessing) subtreesAt(n int64, job *witnessJob) (subtrees, error) {
	if n == 0 {
		return subtrees{}, nil
	}
	if n == job.tree.n {
		return job.tree, nil
	}
	base := subtrees{}
	for _, st := range w.state {
		if st.tree.n == n {
			return st.tree, nil
		}
		if st.tree.n < n && st.tree.n > base.n {
			base = st.tree
		}
	}
	w.rmu.Lock()
	s, ok := w.rebuilt[n]
	for _, r := range w.rebuilt {
		if r.n < n && r.n > base.n {
			base = r
		}
	}
	w.rmu.Unlock()
	if ok {
		return s, nil
	}
	s, err := rebuildSubtrees(w.ctx, base, n, w.leaves.read)
	if err != nil {
		return subtrees{}, err
	}
	w.rmu.Lock()
	if len(w.rebuilt) >= maxRebuilt {
		clear(w.rebuilt)
	}
	w.rebuilt[n] = s
	w.rmu.Unlock()
	return s, nil
}

// appendNewLines appends to dst the lines of add that are neither in note
// nor already in dst.
func appendNewLines(dst, note, add []byte) []byte {
	for _, line := range bytes.SplitAfter(add, []byte("\n")) {
		if len(line) == 0 || bytes.Contains(note, line) || bytes.Contains(dst, line) {
			continue
		}
		dst = append(dst, line...)
	}
	return dst
}

// appendNoteLine appends {"note": msg} as one line to the file name in dir
// and fsyncs it: the history (checkpoints.jsonl) and the cosigned
// checkpoints (cosigned.jsonl) are written this way. A line it fails to
// write whole is cut off again.
func appendNoteLine(dir, name string, msg []byte) error {
	b, err := json.Marshal(checkpointLine{Note: string(msg)})
	if err != nil {
		return err
	}
	b = append(b, '\n')
	path := filepath.Join(dir, name)
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("ledger: opening %s: %w", name, err)
	}
	// Whole or not at all: a line run into the next one would make Open
	// take the file for modified.
	if err := appendfile.Whole(f, b); err != nil {
		f.Close()
		return fmt.Errorf("ledger: writing %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("ledger: syncing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("ledger: closing %s: %w", name, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		return syncDir(dir)
	}
	return nil
}

// witnessesJSON is the content of witnesses.json.
type witnessesJSON struct {
	// Origin is the ledger's origin, so a file copied from another
	// ledger is not taken for this one's.
	Origin    string                      `json:"origin"`
	Witnesses map[string]witnessStateJSON `json:"witnesses"`
}

type witnessStateJSON struct {
	// Size is the size of the latest checkpoint the witness cosigned.
	Size int64 `json:"size"`
	// Root is the root hash of that checkpoint, base64.
	Root string `json:"root"`
	// Subtrees are the hashes (base64) of the maximal complete subtrees of
	// that tree, largest first: what a consistency proof from Size needs
	// besides the records added since.
	Subtrees []string `json:"subtrees"`
	// Cosigned is when the ledger received the cosignature.
	Cosigned time.Time `json:"cosigned"`
}

// loadState reads witnesses.json. A missing file is a ledger that never
// had a cosignature; a damaged one, or an entry that does not fit the
// ledger (whose tree has n records), is reported and left out: the
// witness then says which size it knows, and the ledger rebuilds what it
// needs from its records.
func (w *witnessing) loadState(n int64) {
	b, err := os.ReadFile(filepath.Join(w.l.dir, witnessesFile))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var f witnessesJSON
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err == nil && f.Origin != w.l.origin {
		err = fmt.Errorf("it belongs to %q", f.Origin)
	}
	if err != nil {
		w.warn(fmt.Sprintf("ignoring %s: %v; the witnesses will say which sizes they know", witnessesFile, err))
		return
	}
	for name, e := range f.Witnesses {
		st, err := e.state()
		if err == nil && st.tree.n > n {
			err = fmt.Errorf("size %d is more than the ledger's %d records", st.tree.n, n)
		}
		if err != nil {
			w.warn(fmt.Sprintf("ignoring the state of witness %s in %s: %v", name, witnessesFile, err))
			continue
		}
		w.state[name] = st
	}
}

func (e witnessStateJSON) state() (*witnessState, error) {
	st := &witnessState{tree: subtrees{n: e.Size}, cosigned: e.Cosigned}
	for _, s := range e.Subtrees {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("subtree hash %q: %v", s, err)
		}
		st.tree.hashes = append(st.tree.hashes, h)
	}
	root, err := st.tree.root()
	if err != nil {
		return nil, err
	}
	if e.Size > 0 {
		if want, err := tlog.ParseHash(e.Root); err != nil || want != root {
			return nil, fmt.Errorf("the subtree hashes of size %d do not hash to the root %q", e.Size, e.Root)
		}
	}
	st.root = root
	return st, nil
}

// saveState writes witnesses.json atomically.
func (w *witnessing) saveState() error {
	f := witnessesJSON{Origin: w.l.origin, Witnesses: map[string]witnessStateJSON{}}
	for name, st := range w.state {
		e := witnessStateJSON{Size: st.tree.n, Root: st.root.String(), Subtrees: []string{}, Cosigned: st.cosigned}
		for _, h := range st.tree.hashes {
			e.Subtrees = append(e.Subtrees, h.String())
		}
		f.Witnesses[name] = e
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(w.l.dir, witnessesFile, append(b, '\n'))
}

// failed counts and reports a witness that did not cosign job.
func (w *witnessing) failed(wit Witness, job *witnessJob, err error) {
	ctx := context.Background()
	w.errors.Add(ctx, 1, w.attrs[wit.Name()])
	sev, text := log.SeverityWarn, "WARN"
	if errors.Is(err, ErrWitnessConflict) {
		sev, text = log.SeverityError, "ERROR"
	}
	var r log.Record
	r.SetEventName(semconv.EventLedgerWitnessError)
	r.SetTimestamp(w.l.cfg.now())
	r.SetSeverity(sev)
	r.SetSeverityText(text)
	r.SetBody(attribute.StringValue(fmt.Sprintf("ledger %s: witness %s did not cosign checkpoint %d: %v", w.l.origin, wit.Name(), job.cp.Size, err)))
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlEventLogs),
		semconv.AimsLedgerOrigin.String(w.l.origin),
		semconv.AimsLedgerTreeSize.Int64(job.cp.Size),
		semconv.AimsLedgerWitness.String(wit.Name()),
	)
	w.l.logger.Emit(ctx, r)
}

// localError reports a failure of the ledger itself to record a
// cosignature it received (a full disk, say).
func (w *witnessing) localError(job *witnessJob, err error) {
	w.warn(fmt.Sprintf("checkpoint %d: %v", job.cp.Size, err))
}

// warn emits a witness error record not about one witness.
func (w *witnessing) warn(msg string) {
	var r log.Record
	r.SetEventName(semconv.EventLedgerWitnessError)
	r.SetTimestamp(w.l.cfg.now())
	r.SetSeverity(log.SeverityWarn)
	r.SetSeverityText("WARN")
	r.SetBody(attribute.StringValue("ledger " + w.l.origin + ": " + msg))
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlEventLogs),
		semconv.AimsLedgerOrigin.String(w.l.origin),
	)
	w.l.logger.Emit(context.Background(), r)
}

// emitCosigned emits the cosigned checkpoint as a log record, so it
// leaves the host with the rest of the telemetry.
func (w *witnessing) emitCosigned(job *witnessJob, cosigned []byte, names []string) {
	var r log.Record
	r.SetEventName(semconv.EventLedgerCheckpointCosigned)
	r.SetTimestamp(w.l.cfg.now())
	r.SetSeverity(log.SeverityInfo)
	r.SetSeverityText("INFO")
	r.SetBody(attribute.StringValue(string(cosigned)))
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlEventLogs),
		semconv.AimsLedgerOrigin.String(w.l.origin),
		semconv.AimsLedgerTreeSize.Int64(job.cp.Size),
		semconv.AimsLedgerWitnesses.StringSlice(names),
	)
	w.l.logger.Emit(context.Background(), r)
}
