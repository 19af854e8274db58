package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/semconv"
)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("ledger: closed")

// ErrQueueFull is returned by Append in drop mode (WithDropWhenFull) when
// the record was dropped because the queue was full.
var ErrQueueFull = errors.New("ledger: queue full, record dropped")

// Ledger is an append-only, tamper-evident, crash-safe record log written
// by one instance of one AI system. Records are queued by Append and
// written by one background goroutine; Close stops it. A Ledger is safe
// for concurrent use.
type Ledger struct {
	dir       string
	origin    string
	system    string
	instance  string
	signer    note.Signer
	cfg       config
	inst      *instruments
	logger    log.Logger
	lock      *os.File
	recovered []LineError // damage moved aside by Open; read-only after Open

	mu     sync.RWMutex // guards closed against concurrent sends on queue
	closed bool
	queue  chan item
	// closing is closed when Close begins: a caller waiting for room in
	// a full queue, holding mu's read lock, gives up (ErrClosed) so that
	// Close can take the lock however long the writer is stalled.
	closing     chan struct{}
	closingOnce sync.Once
	wake        chan struct{} // capacity 1: a pending request to drain the queue
	done        chan struct{} // closed when the writer goroutine has exited

	failed atomic.Pointer[error] // first write error; the ledger fails stop

	// Owned by the writer goroutine after Open returns.
	seg        *os.File
	segName    string
	segBuf     *bufio.Writer
	segSize    int64
	segCreated time.Time
	tree       frontier
	last       Checkpoint // latest signed checkpoint
	lastNote   []byte
	dirty      bool   // records written but not yet committed
	waiters    []item // sync appends waiting for the next commit
	lastBatch  int    // how many waiting appends the last commit answered
	closeErr   error

	wit *witnessing // witnessing.go: nil without witnesses

	hooksMu    sync.Mutex
	pruneHooks map[int]PruneHook // OnPrune; called by Prune, in key order
	nextHook   int
}

type itemKind uint8

const (
	kindRecord itemKind = iota
	kindFlush
	kindCheckpoint
	kindPrune
)

type item struct {
	kind  itemKind
	buf   *[]byte
	done  chan error
	prune *pruneReq
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putBuf returns a record buffer to the pool, unless an unusually large
// record grew it: the pool would keep that memory alive.
func putBuf(b *[]byte) {
	if cap(*b) <= 64<<10 {
		bufPool.Put(b)
	}
}

var donePool = sync.Pool{New: func() any { return make(chan error, 1) }}

// Open opens (creating if needed) the ledger in dir written by the given
// instance of the given AI system, signing checkpoints with signer. It
// takes an exclusive lock on the directory, rebuilds the Merkle tree from
// the segments and checks the latest checkpoint against the rebuilt tree.
//
// Open vouches only for what it can. Records after the latest checkpoint
// that a crash of the previous run explains are adopted with an adoption
// entry in the ledger (see Adoption) and an aims.ledger.adoption log
// record, then covered by a new checkpoint; records after a clean
// shutdown's closed checkpoint, or a ledger whose checkpoint history is
// missing, make Open fail with ErrUncovered unless WithAdoption gives the
// reason to adopt them.
//
// Recovery reads every file through the one ledger reader and its rule
// (see LineError): what a crash can leave — a torn last line, or damage
// among the records of the last segment that no checkpoint covers — is
// moved aside to a ".torn-<n>" file and reported as an error log record
// (aims.ledger.recovery), a metric and in Recovered; it is never taken for
// records. Any other damage is a modification: Open refuses the ledger
// with an error wrapping the *LineError and changes nothing. ctx bounds
// the recovery, which reads every segment; cancelling it makes Open
// return ctx's error.
func Open(ctx context.Context, dir, system, instance string, signer note.Signer, opts ...Option) (*Ledger, error) {
	origin, err := Origin(system, instance)
	if err != nil {
		return nil, err
	}
	if signer == nil {
		return nil, errors.New("ledger: no signing key (see LoadSigner, SignerFromEnv, GenerateKey)")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ledger: opening %s: %w", dir, err)
	}
	if err := mkdirAllDurable(dir, 0o750); err != nil {
		return nil, err
	}
	l := &Ledger{
		dir:      dir,
		origin:   origin,
		system:   system,
		instance: instance,
		signer:   signer,
		cfg:      cfg,
		logger:   cfg.tel.Logger(semconv.ScopeLedger),
		queue:    make(chan item, cfg.queueSize),
		closing:  make(chan struct{}),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if l.lock, err = lockDir(filepath.Join(dir, lockFile)); err != nil {
		return nil, err
	}
	if l.inst, err = newInstruments(cfg.tel.Meter(semconv.ScopeLedger), origin, func() int64 { return int64(len(l.queue)) }); err != nil {
		unlockDir(l.lock)
		return nil, fmt.Errorf("ledger: creating metrics: %w", err)
	}
	if err := l.recover(ctx); err != nil {
		l.abandon()
		return nil, err
	}
	if l.tree.n > l.last.Size {
		reason, explicit, err := l.adoptionReason(l.lastNote != nil)
		if err == nil {
			err = l.adopt(reason, explicit)
		}
		if err != nil {
			l.abandon()
			return nil, err
		}
	} else if l.lastNote == nil || l.last.Closed {
		// A new ledger starts its checkpoint history at once (size 0),
		// so a crash before its first checkpoint leaves a history to
		// recover from: a ledger without one was tampered with. A closed
		// ledger is marked as in use again: records after a closed
		// checkpoint are refused at the next Open, so a crash of this run
		// must find an open checkpoint to recover from.
		if err := l.checkpoint(false); err != nil {
			l.abandon()
			return nil, err
		}
	}
	l.startWitnessing() // witnessing.go
	go l.run()
	return l, nil
}

// abandon releases what a failed Open acquired.
func (l *Ledger) abandon() {
	l.closeFiles()
	if l.inst.reg != nil {
		_ = l.inst.reg.Unregister()
	}
}

// Origin returns the ledger's checkpoint origin line.
func (l *Ledger) Origin() string { return l.origin }

// System returns the name of the AI system whose ledger this is, as given
// to Open, so callers need not parse the origin line.
func (l *Ledger) System() string { return l.system }

// Instance returns the name of the instance that writes this ledger, as
// given to Open.
func (l *Ledger) Instance() string { return l.instance }

// Dir returns the ledger's directory.
func (l *Ledger) Dir() string { return l.dir }

// Recovered returns the damage Open found and moved aside while
// recovering the ledger, in the order found (empty after a clean
// shutdown): the same as its aims.ledger.recovery log records, for callers
// that want it without reading telemetry.
func (l *Ledger) Recovered() []LineError {
	return append([]LineError(nil), l.recovered...)
}

// Append writes record, one JSON object without newlines, as the next
// entry of the ledger. It returns once the record is durable (fsynced,
// shared with every concurrent caller in one group commit), or, in the
// queue-only mode (WithWaitDurable(false)), once it is queued. A full queue blocks
// until there is room (or ctx is done), unless the ledger drops records
// (WithDropWhenFull), in which case Append returns ErrQueueFull. Append
// copies record; the caller may reuse it.
func (l *Ledger) Append(ctx context.Context, record []byte) error {
	if err := checkRecord(record); err != nil {
		return err
	}
	if p := l.failed.Load(); p != nil {
		return *p
	}
	bp := bufPool.Get().(*[]byte)
	*bp = append((*bp)[:0], record...)
	return l.enqueue(ctx, bp)
}

// AppendValue encodes v with encoding/json (exactly the bytes json.Marshal
// gives) and appends it like Append. The ledger encodes the record itself,
// so unlike Append it needs no second pass to validate bytes from outside:
// this is the fast path for callers that hold a Go value. The encoded
// record is also appended to dst and returned, so the caller can reuse the
// exact bytes (as the body of a log record, say); on error the returned
// slice is dst with the record appended if encoding succeeded, dst as it
// was if not. v must encode to a JSON object.
func (l *Ledger) AppendValue(ctx context.Context, v any, dst []byte) ([]byte, error) {
	if p := l.failed.Load(); p != nil {
		return dst, *p
	}
	bp := bufPool.Get().(*[]byte)
	enc := encoderPool.Get().(*valueEncoder)
	enc.w.b = (*bp)[:0]
	err := enc.enc.Encode(v)
	*bp, enc.w.b = enc.w.b, nil
	encoderPool.Put(enc)
	if err != nil {
		putBuf(bp)
		return dst, fmt.Errorf("ledger: encoding record: %w", err)
	}
	*bp = (*bp)[:len(*bp)-1] // Encode ends the value with a newline
	rec := *bp
	switch {
	case len(rec) == 0 || rec[0] != '{':
		putBuf(bp)
		return dst, errors.New("ledger: record is not one JSON object")
	case len(rec) > maxRecordBytes:
		putBuf(bp)
		return dst, fmt.Errorf("ledger: record has %d bytes, more than the limit of %d", len(rec), maxRecordBytes)
	case isEntry(rec):
		putBuf(bp)
		return dst, fmt.Errorf("ledger: record starts with %s, which only the ledger's own entries may", entryPrefix)
	}
	// encoding/json writes compact JSON and escapes control characters
	// in strings, so the record cannot contain a newline.
	dst = append(dst, rec...)
	return dst, l.enqueue(ctx, bp)
}

// valueEncoder is a reusable json.Encoder writing into a record buffer.
type valueEncoder struct {
	w   sliceWriter
	enc *json.Encoder
}

type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var encoderPool = sync.Pool{New: func() any {
	e := new(valueEncoder)
	e.enc = json.NewEncoder(&e.w)
	return e
}}

// enqueue hands the record buffer bp to the writer; the writer returns bp
// to the pool.
func (l *Ledger) enqueue(ctx context.Context, bp *[]byte) error {
	it := item{kind: kindRecord, buf: bp}
	if l.cfg.waitDurable {
		it.done = donePool.Get().(chan error)
	}
	if err := l.send(ctx, it); err != nil {
		putBuf(bp)
		if it.done != nil {
			donePool.Put(it.done)
		}
		return err
	}
	if it.done == nil {
		return nil
	}
	return l.wait(ctx, it.done)
}

func checkRecord(record []byte) error {
	if len(record) == 0 {
		return errors.New("ledger: record is empty")
	}
	if len(record) > maxRecordBytes {
		return fmt.Errorf("ledger: record has %d bytes, more than the limit of %d", len(record), maxRecordBytes)
	}
	if record[0] != '{' || !json.Valid(record) {
		return errors.New("ledger: record is not one valid JSON object")
	}
	if isEntry(record) {
		return fmt.Errorf("ledger: record starts with %s, which only the ledger's own entries may", entryPrefix)
	}
	// Valid JSON holds raw newlines only as insignificant whitespace;
	// they would split the line.
	if bytes.IndexByte(record, '\n') >= 0 || bytes.IndexByte(record, '\r') >= 0 {
		return errors.New("ledger: record contains a newline; encode it compactly")
	}
	return nil
}

func (l *Ledger) send(ctx context.Context, it item) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	if l.cfg.dropWhenFull && it.kind == kindRecord {
		select {
		case l.queue <- it:
			if l.needsWake(it) {
				l.signal()
			}
			return nil
		default:
			l.signal()
			l.inst.dropped.Add(ctx, 1, l.inst.addAttrs...)
			return ErrQueueFull
		}
	}
	select {
	case l.queue <- it:
		if l.needsWake(it) {
			l.signal()
		}
		return nil
	default:
	}
	// Full: make sure the writer is draining, then wait for room.
	l.signal()
	select {
	case l.queue <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-l.closing:
		return ErrClosed
	}
}

func (l *Ledger) wait(ctx context.Context, done chan error) error {
	select {
	case err := <-done:
		donePool.Put(done)
		return err
	case <-ctx.Done():
		// The writer will still answer on done (buffered), so the
		// channel is not returned to the pool.
		return ctx.Err()
	}
}

// Flush waits until every record queued before the call is durable.
func (l *Ledger) Flush(ctx context.Context) error {
	return l.control(ctx, kindFlush)
}

// Checkpoint makes every record queued before the call durable and signs a
// checkpoint covering them.
func (l *Ledger) Checkpoint(ctx context.Context) error {
	return l.control(ctx, kindCheckpoint)
}

func (l *Ledger) control(ctx context.Context, k itemKind) error {
	done := donePool.Get().(chan error)
	if err := l.send(ctx, item{kind: k, done: done}); err != nil {
		donePool.Put(done)
		return err
	}
	return l.wait(ctx, done)
}

// Close stops accepting records, writes everything queued, makes it
// durable, signs a final checkpoint and releases the directory. It waits
// for the writer until ctx is done; the writer then finishes on its own,
// and a later Close waits for it again. Appends still waiting for room in
// a full queue when Close begins return ErrClosed.
func (l *Ledger) Close(ctx context.Context) error {
	l.closingOnce.Do(func() { close(l.closing) })
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	l.signal()
	select {
	case <-l.done:
		l.stopWitnessing(ctx) // witnessing.go: submits the final checkpoint, bounded by ctx
		return l.closeErr
	case <-ctx.Done():
		l.stopWitnessing(ctx) // witnessing.go: ctx is done, so it stops at once
		return ctx.Err()
	}
}

// run is the writer goroutine.
func (l *Ledger) run() {
	defer close(l.done)
	tick := time.NewTicker(l.cfg.groupCommit)
	defer tick.Stop()
	for {
		ticked := false
		select {
		case <-l.wake:
		case <-tick.C:
			ticked = true
		}
		if !l.drain() {
			return
		}
		// Group commit: every waiting Append that arrived while the
		// previous fsync ran shares this one.
		if len(l.waiters) > 0 {
			if !l.gather() {
				return
			}
			l.lastBatch = len(l.waiters)
			_ = l.commit()
		}
		if ticked {
			l.tick()
		}
	}
}

// gather gives the callers the previous commit just answered a moment to
// append their next records before this commit starts, so that one fsync
// serves as many of them as the last one did rather than the first few to
// be scheduled (the rest would wait a whole fsync more). While fewer
// records wait than the last commit answered, it yields the processor and
// takes in what arrived, for at most gatherWait: a fraction of an fsync,
// and nothing when a single caller waits. It returns false once the ledger
// shut down.
func (l *Ledger) gather() bool {
	if len(l.waiters) >= l.lastBatch {
		return true
	}
	start := time.Now()
	for len(l.waiters) < l.lastBatch && time.Since(start) < gatherWait {
		runtime.Gosched()
		if !l.drain() {
			return false
		}
	}
	return true
}

// gatherWait bounds how long gather waits for the callers of the last
// commit.
const gatherWait = 100 * time.Microsecond

// drain handles every queued item. It returns false once the queue is
// closed and the ledger shut down.
func (l *Ledger) drain() bool {
	for {
		select {
		case it, ok := <-l.queue:
			if !ok {
				l.shutdown()
				return false
			}
			l.handle(it)
		default:
			return true
		}
	}
}

// signal wakes the writer. Records are normally picked up on the next
// group-commit tick, so a queue-only Append costs one channel send and no
// goroutine wake-up; the writer is woken at once when someone waits for it
// (a durable Append, Flush, Checkpoint) or the queue is half full.
func (l *Ledger) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// needsWake reports whether the writer must handle it before the next tick.
func (l *Ledger) needsWake(it item) bool {
	return it.kind != kindRecord || it.done != nil ||
		l.cfg.durability == SyncEveryRecord ||
		len(l.queue) >= cap(l.queue)/2
}

func (l *Ledger) handle(it item) {
	switch it.kind {
	case kindRecord:
		err := l.writeRecord(*it.buf)
		putBuf(it.buf)
		if err != nil {
			l.fail(err)
		}
		if it.done != nil {
			l.waiters = append(l.waiters, it) // answered by the next commit
		}
		if l.cfg.durability == SyncEveryRecord || l.failed.Load() != nil {
			_ = l.commit()
		}
	case kindFlush:
		it.done <- l.commit()
	case kindCheckpoint:
		err := l.commit()
		if err == nil && l.tree.n > l.last.Size {
			err = l.checkpoint(false)
		}
		it.done <- err
	case kindPrune:
		removed, err := l.prune(it.prune.before)
		it.prune.done <- pruneResult{removed, err}
	}
}

func (l *Ledger) tick() {
	if l.dirty || len(l.waiters) > 0 {
		if err := l.commit(); err != nil {
			return
		}
	}
	now := l.cfg.now()
	if l.cfg.cpInterval > 0 && l.tree.n > l.last.Size && now.Sub(l.last.Time) >= l.cfg.cpInterval {
		if err := l.checkpoint(false); err != nil {
			l.fail(err)
		}
	}
}

func (l *Ledger) shutdown() {
	err := l.commit()
	if err == nil {
		// Always sign a closed checkpoint, even over no new record: it
		// tells the next Open that nothing may follow it.
		err = l.checkpoint(true)
	}
	if err == nil {
		err = l.failure()
	}
	if cerr := l.closeFiles(); err == nil {
		err = cerr
	}
	l.closeErr = err
	if l.inst.reg != nil {
		_ = l.inst.reg.Unregister()
	}
}

func (l *Ledger) fail(err error) {
	l.inst.errors.Add(context.Background(), 1, l.inst.attrs)
	e := fmt.Errorf("ledger %s: %w", l.origin, err)
	l.failed.CompareAndSwap(nil, &e)
}

func (l *Ledger) failure() error {
	if p := l.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// writeRecord writes one record line to the current segment and adds its
// leaf to the tree.
func (l *Ledger) writeRecord(rec []byte) error {
	if l.failed.Load() != nil {
		return nil
	}
	if err := l.maybeRotate(); err != nil {
		return err
	}
	leaf := tlog.RecordHash(rec)
	b := appendLine(l.segBuf.AvailableBuffer(), l.tree.n, leaf, rec)
	if _, err := l.segBuf.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", l.segName, err)
	}
	l.segSize += int64(len(b))
	if err := l.tree.add(leaf); err != nil {
		return err
	}
	l.dirty = true
	l.inst.written.Add(context.Background(), 1, l.inst.addAttrs...)
	if l.cfg.cpRecords > 0 && l.tree.n-l.last.Size >= l.cfg.cpRecords {
		if err := l.commit(); err != nil {
			return err
		}
		if err := l.checkpoint(false); err != nil {
			return err
		}
	}
	return nil
}

// commit makes every written record durable according to the durability
// mode and answers the waiting sync appends.
func (l *Ledger) commit() error {
	err := l.failure()
	if err == nil && l.dirty {
		if err = l.segBuf.Flush(); err == nil && l.cfg.durability != NoSync {
			err = l.seg.Sync()
		}
		if err != nil {
			err = fmt.Errorf("committing %s: %w", l.segName, err)
			l.fail(err)
			err = l.failure()
		} else {
			l.dirty = false
		}
	}
	for _, w := range l.waiters {
		w.done <- err
	}
	clear(l.waiters)
	l.waiters = l.waiters[:0]
	return err
}

// syncData flushes and fsyncs the segment whatever the durability mode, as
// a checkpoint must never cover records that are not on disk.
func (l *Ledger) syncData() error {
	if err := l.segBuf.Flush(); err != nil {
		return fmt.Errorf("flushing %s: %w", l.segName, err)
	}
	if err := l.seg.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", l.segName, err)
	}
	return nil
}

func (l *Ledger) maybeRotate() error {
	if l.seg != nil && l.segSize > 0 {
		tooBig := l.cfg.segMaxBytes > 0 && l.segSize >= l.cfg.segMaxBytes
		tooOld := l.cfg.segMaxAge > 0 && l.cfg.now().Sub(l.segCreated) >= l.cfg.segMaxAge
		if !tooBig && !tooOld {
			return nil
		}
		if err := l.commit(); err != nil {
			return err
		}
		// Checkpoints fsync only the open segment, so a segment is
		// closed on disk: in NoSync mode commit did not fsync it.
		if l.cfg.durability == NoSync {
			if err := l.syncData(); err != nil {
				l.fail(err)
				return l.failure()
			}
		}
		if err := l.seg.Close(); err != nil {
			return fmt.Errorf("closing %s: %w", l.segName, err)
		}
		l.seg = nil
	}
	if l.seg != nil {
		return nil
	}
	return l.openSegment(segmentName(l.tree.n), true)
}

// openSegment opens a segment for appending, creating it when create is set.
func (l *Ledger) openSegment(name string, create bool) error {
	flags := os.O_WRONLY | os.O_APPEND
	if create {
		flags |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(filepath.Join(l.dir, name), flags, 0o640)
	if err != nil {
		return fmt.Errorf("opening segment: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening segment: %w", err)
	}
	if create {
		if err := syncDir(l.dir); err != nil {
			f.Close()
			return err
		}
	}
	l.seg, l.segName, l.segSize = f, name, st.Size()
	l.segCreated = l.cfg.now()
	if !create {
		l.segCreated = st.ModTime()
	}
	if l.segBuf == nil {
		l.segBuf = bufio.NewWriterSize(f, 256<<10)
	} else {
		l.segBuf.Reset(f)
	}
	return nil
}

func (l *Ledger) closeFiles() error {
	var err error
	if l.seg != nil {
		if ferr := l.segBuf.Flush(); ferr != nil {
			err = ferr
		}
		if cerr := l.seg.Close(); err == nil {
			err = cerr
		}
		l.seg = nil
	}
	if l.lock != nil {
		unlockDir(l.lock)
		l.lock = nil
	}
	return err
}

// WaitsDurable reports whether Append returns only once its record is
// durable (WithWaitDurable(true), the default), so that what Append
// acknowledged is in the ledger after a crash.
func (l *Ledger) WaitsDurable() bool { return l.cfg.waitDurable }
