package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// fakeWitness follows the C2SP tlog-witness rules in memory: it cosigns a
// checkpoint of a key it trusts only when the old size is the size it
// last cosigned and the consistency proof leads from there.
type fakeWitness struct {
	name   string
	signer note.Signer
	vkey   string
	logKey note.Verifier

	mu        sync.Mutex
	size      int64
	root      tlog.Hash
	calls     int
	conflicts int
	olds      []int64
	fail      error         // returned by every call when set
	gate      chan struct{} // when set, each call waits for it (or ctx)
}

func newFakeWitness(t testing.TB, name string, logKey note.Verifier) *fakeWitness {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeWitness{name: name, signer: s, vkey: vkey, logKey: logKey}
}

func (f *fakeWitness) Name() string { return f.name }

func (f *fakeWitness) AddCheckpoint(ctx context.Context, old int64, proof tlog.TreeProof, msg []byte) ([]byte, error) {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.olds = append(f.olds, old)
	if f.fail != nil {
		return nil, f.fail
	}
	n, err := note.Open(msg, note.VerifierList(f.logKey))
	if err != nil {
		return nil, fmt.Errorf("403: %v", err)
	}
	cp, err := ParseCheckpoint(n.Text)
	if err != nil {
		return nil, err
	}
	if old != f.size {
		f.conflicts++
		return nil, &WitnessSizeError{Size: f.size}
	}
	if old > cp.Size {
		return nil, errors.New("400: old size larger than the checkpoint")
	}
	if old > 0 {
		if err := tlog.CheckTree(proof, cp.Size, cp.Root, old, f.root); err != nil {
			return nil, fmt.Errorf("%w: 422: %v", ErrWitnessConflict, err)
		}
	}
	f.size, f.root = cp.Size, cp.Root
	signed, err := note.Sign(&note.Note{Text: n.Text}, f.signer)
	if err != nil {
		return nil, err
	}
	return signed[bytes.LastIndex(signed, []byte("\n\n"))+2:], nil
}

func (f *fakeWitness) get() (size int64, calls, conflicts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.size, f.calls, f.conflicts
}

// cosignedNotes returns the notes of cosigned.jsonl.
func cosignedNotes(t *testing.T, dir string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, cosignedFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var cl checkpointLine
		if err := json.Unmarshal(sc.Bytes(), &cl); err != nil {
			t.Fatalf("cosigned.jsonl: %v", err)
		}
		out = append(out, []byte(cl.Note))
	}
	return out
}

// cosigners returns the fake witnesses whose valid cosignature n carries,
// after checking the ledger's own signature.
func cosigners(t *testing.T, msg []byte, keys testKeys, ws ...*fakeWitness) []string {
	t.Helper()
	if _, err := OpenCheckpoint(msg, keys.verifier); err != nil {
		t.Fatalf("cosigned note: ledger signature: %v", err)
	}
	var names []string
	for _, w := range ws {
		v, err := fnote.NewVerifierForCosignatureV1(w.vkey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open(msg, note.VerifierList(v)); err == nil {
			names = append(names, w.name)
		}
	}
	return names
}

// witnessGoroutines returns the stacks of goroutines running witnessing
// code.
func witnessGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "ledger.(*witnessing)") || strings.Contains(g, "ledger.(*fakeWitness)") {
			out = append(out, g)
		}
	}
	return out
}

func checkNoWitnessGoroutines(t *testing.T) {
	t.Helper()
	// Close waited for them; give the runtime a moment to reap. The bound
	// only keeps a leak from hanging the test: it is generous so that a
	// loaded machine is not taken for a leak.
	for deadline := time.Now().Add(livenessBound); time.Now().Before(deadline); {
		if len(witnessGoroutines()) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("witnessing goroutines left after Close:\n%s", strings.Join(witnessGoroutines(), "\n\n"))
}

// witnessCount sums a per-witness counter by witness name.
func witnessCount(t *testing.T, m *oteltest.Metrics, name string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	mm, ok := m.Find(t, name)
	if !ok {
		return out
	}
	for _, dp := range mm.Data.(metricdata.Sum[int64]).DataPoints {
		w, _ := dp.Attributes.Value(semconv.AimsLedgerWitness)
		out[w.AsString()] += dp.Value
	}
	return out
}

func appendN(t *testing.T, l *Ledger, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := l.Append(context.Background(), record(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWitnessesCosignAndResumeAfterRestart(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	ws := []*fakeWitness{newFakeWitness(t, "w1", keys.verifier), newFakeWitness(t, "w2", keys.verifier), newFakeWitness(t, "w3", keys.verifier)}
	logs := oteltest.NewLogs(t)
	metrics := oteltest.NewMetrics(t)
	ctx := context.Background()
	open := func() *Ledger {
		l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer,
			WithSegmentLimits(700, 0), WithCheckpointEvery(5, 0),
			WithWitnesses(ws[0], ws[1], ws[2]), WithLoggerProvider(logs.Provider), WithMeterProvider(metrics.Provider))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := open()
	appendN(t, l, 0, 37)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	checkNoWitnessGoroutines(t)
	for _, w := range ws {
		if size, _, conflicts := w.get(); size != 37 || conflicts != 0 {
			t.Fatalf("witness %s holds size %d after %d conflicts, want 37 and none", w.name, size, conflicts)
		}
	}
	notes := cosignedNotes(t, dir)
	if len(notes) == 0 {
		t.Fatal("no cosigned checkpoint")
	}
	for _, n := range notes {
		if got := cosigners(t, n, keys, ws...); len(got) != 3 {
			t.Fatalf("cosigned checkpoint carries cosignatures of %v, want all three:\n%s", got, n)
		}
	}
	last := notes[len(notes)-1]
	if cp, _ := OpenCheckpoint(last, keys.verifier); cp.Size != 37 {
		t.Fatalf("last cosigned checkpoint has size %d, want 37", cp.Size)
	}
	ev := logs.Events(semconv.EventLedgerCheckpointCosigned)
	if len(ev) != len(notes) {
		t.Fatalf("%d cosigned events for %d cosigned checkpoints", len(ev), len(notes))
	}
	if body := ev[len(ev)-1].Body().AsString(); body != string(last) {
		t.Fatalf("event body is not the cosigned note:\n%s", body)
	}
	attrs := oteltest.Attrs(ev[len(ev)-1])
	if attrs[string(semconv.AimsLedgerTreeSize)].AsInt64() != 37 ||
		strings.Join(attrs[string(semconv.AimsLedgerWitnesses)].AsStringSlice(), ",") != "w1,w2,w3" ||
		attrs[string(semconv.AimsLedgerOrigin)].AsString() != "aimskit.ledger/credit-scoring/pod-1" {
		t.Fatalf("cosigned event attributes: %v", attrs)
	}

	// A restart carries on from witnesses.json: every first request
	// after it starts at the size cosigned before, so no witness answers
	// with another size and no record before 37 is read again.
	l = open()
	appendN(t, l, 37, 61)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if size, _, conflicts := w.get(); size != 61 || conflicts != 0 {
			t.Fatalf("witness %s holds size %d after %d conflicts, want 61 and none", w.name, size, conflicts)
		}
		if i := indexOf(w.olds, 37); i < 0 {
			t.Fatalf("witness %s: no request from old size 37 after the restart: %v", w.name, w.olds)
		}
	}
	if errs := witnessCount(t, metrics, semconv.MetricLedgerWitnessErrors); len(errs) != 0 {
		t.Fatalf("witness errors: %v", errs)
	}
	if got := witnessCount(t, metrics, semconv.MetricLedgerWitnessCosignatures); got["w1"] == 0 || got["w2"] != got["w1"] {
		t.Fatalf("cosignature counts %v", got)
	}
	notes = cosignedNotes(t, dir)
	if cp, _ := OpenCheckpoint(notes[len(notes)-1], keys.verifier); cp.Size != 61 {
		t.Fatalf("last cosigned checkpoint has size %d, want 61", cp.Size)
	}

	// A ledger that lost witnesses.json learns each witness's size from
	// its 409 answer and rebuilds the old tree from its records.
	if err := os.Remove(filepath.Join(dir, witnessesFile)); err != nil {
		t.Fatal(err)
	}
	l = open()
	appendN(t, l, 61, 70)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if size, _, conflicts := w.get(); size != 70 || conflicts != 1 {
			t.Fatalf("witness %s holds size %d after %d conflicts, want 70 after one", w.name, size, conflicts)
		}
	}
	if errs := witnessCount(t, metrics, semconv.MetricLedgerWitnessErrors); len(errs) != 0 {
		t.Fatalf("witness errors: %v", errs)
	}
	checkNoWitnessGoroutines(t)
}

func indexOf(s []int64, v int64) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// A second ledger with the same origin and key but other records (a fork,
// or a ledger rebuilt from scratch) cannot get the witnesses' cosignatures.
// TestTornCosignedLine: a crash while a cosigned checkpoint is appended
// (Close submits the final one) leaves a torn last line in cosigned.jsonl.
// Verify of the live ledger skips it; Open moves it aside, so the next
// cosigned checkpoint is not glued to the fragment, which would make a
// corrupt line that no later Verify accepts.
func TestTornCosignedLine(t *testing.T) {
	keys := newKeys(t, "test")
	verifiers := []note.Verifier{keys.verifier}
	dir := t.TempDir()
	w := newFakeWitness(t, "w1", keys.verifier)
	ctx := context.Background()
	open := func() *Ledger {
		t.Helper()
		l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer,
			WithSegmentLimits(700, 0), WithCheckpointEvery(5, 0), WithWitnesses(w))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := open()
	appendN(t, l, 0, 12)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, cosignedFile)
	b, err := os.ReadFile(path)
	if err != nil || bytes.Count(b, []byte("\n")) < 2 {
		t.Fatalf("%s: %d bytes, %v; the test needs two cosigned checkpoints", cosignedFile, len(b), err)
	}
	if err := os.WriteFile(path, b[:len(b)-40], 0o640); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, verifiers, VerifyOptions{AllowPending: true})
	if err != nil {
		t.Fatalf("Verify of what the crash left: %v", err)
	}
	if !rep.Partial {
		t.Error("Verify did not report the torn cosigned line")
	}
	l = open()
	if rec := l.Recovered(); len(rec) != 1 || rec[0].File != cosignedFile {
		t.Fatalf("Recovered() = %+v, want the torn cosigned line", rec)
	}
	appendN(t, l, 12, 24)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err = Verify(dir, verifiers, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify after the restart: %v", err)
	}
	if rep.Records != 24 || rep.External < 2 {
		t.Fatalf("Verify after the restart: %d records, %d cosigned checkpoints", rep.Records, rep.External)
	}
}

func TestWitnessesRefuseAFork(t *testing.T) {
	keys := newKeys(t, "test")
	ws := []*fakeWitness{newFakeWitness(t, "w1", keys.verifier), newFakeWitness(t, "w2", keys.verifier)}
	ctx := context.Background()
	run := func(dir string, n int, rec func(int) []byte) *oteltest.Logs {
		logs := oteltest.NewLogs(t)
		l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer, WithCheckpointEvery(5, 0),
			WithWitnesses(ws[0], ws[1]), WithLoggerProvider(logs.Provider))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := l.Append(ctx, rec(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		return logs
	}
	genuine := t.TempDir()
	run(genuine, 20, record)
	other := func(i int) []byte { return fmt.Appendf(nil, `{"id":"forged-%d"}`, i) }
	for _, n := range []int{12, 20, 33} { // smaller, same size, larger
		fork := t.TempDir()
		logs := run(fork, n, other)
		if notes := cosignedNotes(t, fork); len(notes) != 0 {
			t.Fatalf("fork of %d records got %d cosigned checkpoints", n, len(notes))
		}
		var conflicts int
		for _, r := range logs.Events(semconv.EventLedgerWitnessError) {
			if r.Severity() == log.SeverityError && strings.Contains(r.Body().AsString(), ErrWitnessConflict.Error()) {
				conflicts++
			}
		}
		if conflicts == 0 {
			t.Fatalf("fork of %d records: no ERROR record about the conflict", n)
		}
	}
	for _, w := range ws {
		if size, _, _ := w.get(); size != 20 {
			t.Fatalf("witness %s moved to size %d", w.name, size)
		}
	}
	checkNoWitnessGoroutines(t)
}

// livenessBound is how long a test waits for something that must happen
// before failing with "never happened". It guards against a hang only: no
// test asserts that anything happens faster than this.
const livenessBound = time.Minute

// waitForGoroutine waits until a goroutine's stack contains fn, so that a
// test acts only once another goroutine has reached a known point.
func waitForGoroutine(t *testing.T, fn string) {
	t.Helper()
	for deadline := time.Now().Add(livenessBound); time.Now().Before(deadline); {
		buf := make([]byte, 1<<20)
		if strings.Contains(string(buf[:runtime.Stack(buf, true)]), fn) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no goroutine ever reached %s", fn)
}

// A witness that hangs never slows the ledger: its timeout is an hour and
// its gate stays shut until the records are flushed, so Append and Flush
// return only if they never wait for it (if they did, the test would hang
// until go test's timeout instead of failing on a wall-clock bound).
func TestWitnessHangingNeverBlocksAppends(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	hang := newFakeWitness(t, "hang", keys.verifier)
	hang.gate = make(chan struct{})
	ctx := context.Background()
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer, WithCheckpointEvery(10, 0),
		WithWitnesses(hang), WithWitnessTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 0, 200)
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, calls, _ := hang.get(); calls != 0 {
		t.Fatalf("the witness answered %d calls with its gate shut", calls)
	}
	close(hang.gate) // now the witness answers, and Close can submit the final checkpoint
	if err := l.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkNoWitnessGoroutines(t)
	if size, _, _ := hang.get(); size != 200 {
		t.Fatalf("witness holds size %d once it answered, want 200", size)
	}
	if err := Scan(dir, func(ScannedRecord) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// A witness that is down or hangs never fails the ledger: the errors are
// counted, the other witnesses cosign, Close returns and leaves no
// goroutine behind. (That it never slows Append is
// TestWitnessHangingNeverBlocksAppends.)
func TestWitnessDownOrHanging(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	good := newFakeWitness(t, "good", keys.verifier)
	down := newFakeWitness(t, "down", keys.verifier)
	down.fail = errors.New("dial tcp 127.0.0.1:1: connection refused")
	hang := newFakeWitness(t, "hang", keys.verifier)
	hang.gate = make(chan struct{}) // never opened
	metrics := oteltest.NewMetrics(t)
	logs := oteltest.NewLogs(t)
	ctx := context.Background()
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer, WithCheckpointEvery(10, 0),
		WithWitnesses(good, down, hang), WithWitnessTimeout(30*time.Millisecond),
		WithMeterProvider(metrics.Provider), WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 0, 200)
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkNoWitnessGoroutines(t)
	errs := witnessCount(t, metrics, semconv.MetricLedgerWitnessErrors)
	if errs["down"] == 0 || errs["hang"] == 0 || errs["good"] != 0 {
		t.Fatalf("witness errors %v, want some for down and hang, none for good", errs)
	}
	if size, _, _ := good.get(); size != 200 {
		t.Fatalf("good witness holds size %d, want 200", size)
	}
	notes := cosignedNotes(t, dir)
	if len(notes) == 0 {
		t.Fatal("no cosigned checkpoint")
	}
	if got := cosigners(t, notes[len(notes)-1], keys, good, down, hang); len(got) != 1 || got[0] != "good" {
		t.Fatalf("cosigners %v, want [good]", got)
	}
	if len(logs.Events(semconv.EventLedgerWitnessError)) == 0 {
		t.Fatal("no witness error record")
	}
	// The ledger is intact and verifies.
	if err := Scan(dir, func(ScannedRecord) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// Close's context bounds the final submission: a witness that never
// answers (its timeout is an hour, its gate never opens) is abandoned when
// the context ends. The context is cancelled only once Close waits on the
// witnessing goroutine, so Close can return only by giving up on it.
func TestWitnessCloseContext(t *testing.T) {
	keys := newKeys(t, "test")
	hang := newFakeWitness(t, "hang", keys.verifier)
	hang.gate = make(chan struct{})
	ctx := context.Background()
	l, err := Open(ctx, t.TempDir(), "credit-scoring", "pod-1", keys.signer, WithWitnesses(hang), WithWitnessTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 0, 3)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- l.Close(cctx) }()
	// The writer is done and Close waits for the witnessing goroutine,
	// which waits for the witness.
	waitForGoroutine(t, "ledger.(*Ledger).stopWitnessing")
	waitForGoroutine(t, "ledger.(*fakeWitness).AddCheckpoint")
	cancel()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(livenessBound):
		t.Fatal("Close never returned after its context ended")
	}
	checkNoWitnessGoroutines(t)
}

// Checkpoints signed while a submission is in flight are superseded: the
// witness gets the latest, not every one.
func TestWitnessSupersedesPendingCheckpoints(t *testing.T) {
	keys := newKeys(t, "test")
	w := newFakeWitness(t, "slow", keys.verifier)
	w.gate = make(chan struct{})
	ctx := context.Background()
	dir := t.TempDir()
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer, WithCheckpointEvery(1, 0), WithWitnesses(w))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 0, 50)
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	close(w.gate) // every call now goes through
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	size, calls, _ := w.get()
	t.Logf("%d submissions for 50 checkpoints", calls)
	if size != 50 {
		t.Fatalf("witness holds size %d, want 50", size)
	}
	if calls > 5 {
		t.Fatalf("%d submissions for 50 checkpoints: pending ones were not superseded", calls)
	}
	if notes := cosignedNotes(t, dir); len(notes) != calls {
		t.Fatalf("%d cosigned checkpoints for %d successful submissions", len(notes), calls)
	}
	checkNoWitnessGoroutines(t)
}

func TestWitnessOptionsAreChecked(t *testing.T) {
	keys := newKeys(t, "test")
	a := newFakeWitness(t, "a", keys.verifier)
	for _, opts := range [][]Option{
		{WithWitnesses(nil)},
		{WithWitnesses(&fakeWitness{})},
		{WithWitnesses(a, a)},
		{WithWitnesses(a), WithWitnesses(a)},
		{WithWitnessTimeout(0)},
	} {
		if _, err := Open(context.Background(), t.TempDir(), "s", "i", keys.signer, opts...); err == nil {
			t.Errorf("options accepted")
		}
	}
}

// A damaged witnesses.json is reported and ignored: the witnesses say
// which size they know.
func TestWitnessStateDamaged(t *testing.T) {
	keys := newKeys(t, "test")
	w := newFakeWitness(t, "w", keys.verifier)
	dir := t.TempDir()
	ctx := context.Background()
	logs := oteltest.NewLogs(t)
	open := func() *Ledger {
		l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer, WithWitnesses(w), WithLoggerProvider(logs.Provider))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := open()
	appendN(t, l, 0, 9)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, witnessesFile))
	if err != nil {
		t.Fatal(err)
	}
	var f witnessesJSON
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	e := f.Witnesses["w"]
	if e.Size != 9 || len(e.Subtrees) != 2 { // 9 = 8 + 1
		t.Fatalf("witnesses.json entry %+v", e)
	}
	e.Subtrees[0] = e.Subtrees[1]
	f.Witnesses["w"] = e
	b, _ = json.Marshal(f)
	if err := os.WriteFile(filepath.Join(dir, witnessesFile), b, 0o640); err != nil {
		t.Fatal(err)
	}
	l = open()
	appendN(t, l, 9, 12)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if size, _, conflicts := w.get(); size != 12 || conflicts != 1 {
		t.Fatalf("witness at size %d after %d conflicts, want 12 after one", size, conflicts)
	}
	found := false
	for _, r := range logs.Events(semconv.EventLedgerWitnessError) {
		found = found || strings.Contains(r.Body().AsString(), "do not hash to the root")
	}
	if !found {
		t.Fatal("the damaged state was not reported")
	}
}
