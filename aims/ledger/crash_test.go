package ledger

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/childtest"
	"github.com/aimskit/aimskit/internal/oteltest"
)

const (
	crashDirEnv  = "AIMS_LEDGER_CRASH_DIR"
	crashKeyEnv  = "AIMS_LEDGER_CRASH_KEY"
	crashModeEnv = "AIMS_LEDGER_CRASH_MODE"
	crashRunEnv  = "AIMS_LEDGER_CRASH_RUN"
)

// TestCrashChild is the child process of TestCrashRecovery: it appends
// records in wait-durable mode from several goroutines and prints "ack N"
// after each Append returned, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestCrashRecovery")
	}
	signer, err := SignerFromEnv(crashKeyEnv)
	if err != nil {
		t.Fatal(err)
	}
	opts := []Option{WithSegmentLimits(8<<10, 0), WithCheckpointEvery(64, 0)}
	if m := os.Getenv(crashModeEnv); m != "default" {
		mode, _ := strconv.Atoi(m)
		opts = append(opts, WithDurability(Durability(mode)), WithWaitDurable(true), WithGroupCommitInterval(2*time.Millisecond))
	}
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", signer, opts...)
	if err != nil {
		t.Fatal(err)
	}
	run, _ := strconv.Atoi(os.Getenv(crashRunEnv))
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				n := run*10_000_000 + w*1_000_000 + i
				if err := l.Append(context.Background(), record(n)); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d\n", n)
				out.Flush()
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
}

// TestCrashRecovery kills a writing child process with SIGKILL in the
// middle of the stream and checks that on reopen every acknowledged record
// is present and the ledger verifies.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("child")
	}
	keys := newKeys(t, "crash")
	for _, mode := range []Durability{SyncEveryRecord, GroupCommit} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			acked := runCrashChild(t, dir, keys, mode, 300)
			if len(acked) < 300 {
				t.Fatalf("child acknowledged only %d records", len(acked))
			}
			logs, metrics := oteltest.NewLogs(t), oteltest.NewMetrics(t)
			l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithLoggerProvider(logs.Provider), WithMeterProvider(metrics.Provider))
			if err != nil {
				t.Fatalf("reopen after crash: %v", err)
			}
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
			if err != nil {
				t.Fatalf("ledger does not verify after crash: %v", err)
			}
			present := map[string]bool{}
			if err := Scan(dir, func(r ScannedRecord) error { present[RecordID(r.Record)] = true; return nil }); err != nil {
				t.Fatal(err)
			}
			for _, n := range acked {
				if id := fmt.Sprintf("rec-%04d", n); !present[id] {
					t.Fatalf("acknowledged record %s lost in the crash", id)
				}
			}
			torn := logs.Events(semconv.EventLedgerRecovery)
			t.Logf("%d acknowledged, %d in the ledger, %d torn lines reported", len(acked), rep.Records, len(torn))
		})
	}
}

// TestCrashDefaultMode kills a child writing with four concurrent
// goroutines in the default mode (durable group commit, nothing but segment
// and checkpoint sizes configured) over and over at random moments,
// reopening the same ledger each time. Every record Append acknowledged
// must survive every kill, each restart must adopt the crash tail with an
// adoption entry rather than call it tampering, and the final ledger must
// verify strictly. Kills land anywhere, including between the two
// checkpoint writes.
func TestCrashDefaultMode(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("child")
	}
	kills := 32
	if testing.Short() {
		kills = 6
	}
	keys := newKeys(t, "crash")
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	acked := map[int]bool{}
	var tail int64 // records the last kill left after the last checkpoint
	tails := 0     // kills that left any
	for k := 0; k < kills; k++ {
		// Each run writes new record numbers, so acknowledgements of
		// different runs cannot be confused.
		for _, n := range runCrashChildMode(t, dir, keys, "default", 20+rng.IntN(400), k) {
			acked[n] = true
		}
		// The next child reopens the ledger (and fails to start if Open
		// refuses it); here the state the kill left must verify.
		rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{AllowPending: true})
		if err != nil {
			t.Fatalf("kill %d: the ledger a crash left does not verify (a false tamper alarm): %v", k+1, err)
		}
		if tail = rep.Pending; tail > 0 {
			tails++
		}
	}
	logs := oteltest.NewLogs(t)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatalf("reopen after the last kill: %v", err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatalf("after %d kills the ledger does not verify: %v", kills, err)
	}
	present := map[string]bool{}
	if err := Scan(dir, func(r ScannedRecord) error { present[RecordID(r.Record)] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for n := range acked {
		if !present[fmt.Sprintf("rec-%04d", n)] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged records lost over %d kills", lost, len(acked), kills)
	}
	// A kill that lands just after a checkpoint leaves no tail to adopt,
	// so the last reopen adopts one only if the last kill left one.
	wantEvents := 0
	if tail > 0 {
		wantEvents = 1
	}
	if len(rep.Adoptions) != tails || len(logs.Events(semconv.EventLedgerAdoption)) != wantEvents {
		t.Errorf("Verify reports %d adoptions after %d kills, %d of which left records after the last checkpoint; the last reopen emitted %d adoption events, want %d (the last kill left %d such records)",
			len(rep.Adoptions), kills, tails, len(logs.Events(semconv.EventLedgerAdoption)), wantEvents, tail)
	}
	t.Logf("%d kills: %d acknowledged records, all present; %d records in the ledger; %d crash tails adopted", kills, len(acked), rep.Records, len(rep.Adoptions))
}

func runCrashChild(t *testing.T, dir string, keys testKeys, mode Durability, minAcks int) []int {
	return runCrashChildMode(t, dir, keys, strconv.Itoa(int(mode)), minAcks, 0)
}

// runCrashChildMode runs TestCrashChild on dir in mode ("default" or a
// Durability number) with record numbers offset by run, and kills it with
// SIGKILL once it has acknowledged minAcks records.
func runCrashChildMode(t *testing.T, dir string, keys testKeys, mode string, minAcks, run int) []int {
	t.Helper()
	var acked []int
	env := []string{crashDirEnv + "=" + dir, crashKeyEnv + "=" + keys.skey, crashModeEnv + "=" + mode, crashRunEnv + "=" + strconv.Itoa(run)}
	stderr := childtest.Run(t, "TestCrashChild", env, func(line string) bool {
		v, ok := strings.CutPrefix(line, "ack ")
		if !ok {
			return false
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("child said %q", line)
		}
		acked = append(acked, n)
		return len(acked) >= minAcks
	})
	if len(acked) < minAcks {
		t.Fatalf("child stopped after %d acks: %s", len(acked), stderr)
	}
	return acked
}

// TestTornLineRecovery writes half a record at the end of the ledger, as
// a crash mid-write leaves it, and checks that Open moves it aside,
// reports it as an error log record and a metric, and that the ledger
// verifies.
func TestTornLineRecovery(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 9)
	segs, _ := listSegments(dir)
	last := filepath.Join(dir, segs[len(segs)-1].name)
	half := appendLine(nil, 9, [32]byte{}, record(9))
	half = half[:len(half)/2]
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(half)
	f.Close()
	if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err == nil {
		t.Fatal("torn line accepted by Verify before recovery")
	}

	logs, metrics := oteltest.NewLogs(t), oteltest.NewMetrics(t)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithLoggerProvider(logs.Provider), WithMeterProvider(metrics.Provider))
	if err != nil {
		t.Fatal(err)
	}
	ev := logs.Events(semconv.EventLedgerRecovery)
	if len(ev) != 1 {
		t.Fatalf("%d recovery events, want 1", len(ev))
	}
	a := oteltest.Attrs(ev[0])
	if ev[0].Severity().String() != "ERROR" || a[string(semconv.AimsLedgerSeq)].AsInt64() != 9 ||
		a[string(semconv.AimsLedgerTornBytes)].AsInt64() != int64(len(half)) || a[string(semconv.AimsControlID)].AsString() != "A.6.2.8" {
		t.Errorf("recovery event %v %v", ev[0].Severity(), a)
	}
	aside, err := os.ReadFile(filepath.Join(dir, a[string(semconv.AimsLedgerTornFile)].AsString()))
	if err != nil || string(aside) != string(half) {
		t.Fatalf("torn bytes not moved aside intact: %q %v", aside, err)
	}
	if m, ok := metrics.Find(t, semconv.MetricLedgerTornRecords); !ok || m.Name == "" {
		t.Error("no torn-record metric")
	}
	if err := l.Append(context.Background(), record(9)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 10 {
		t.Fatalf("%d records", rep.Records)
	}
}

// TestTornCheckpointLine: a crash while a checkpoint line is appended
// leaves it torn, and the latest-checkpoint file still names the one
// before (it is replaced only after the line is fsynced). Every reader
// takes that as a crash: Verify of the live ledger skips the line and
// says so, Open moves it aside; only the strict Verify of a ledger said
// to be closed refuses it.
func TestTornCheckpointLine(t *testing.T) {
	keys := newKeys(t, "test")
	verifiers := []note.Verifier{keys.verifier}
	dir := t.TempDir()
	writeLedger(t, dir, keys, 12)
	unclose(t, dir)
	f, err := os.OpenFile(filepath.Join(dir, checkpointsFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	torn := `{"note":"aimskit.ledger/credit-scoring/pod-1\n12\n`
	if _, err := f.WriteString(torn); err != nil {
		t.Fatal(err)
	}
	f.Close()

	if _, err := Verify(dir, verifiers, VerifyOptions{}); err == nil {
		t.Error("the strict Verify accepted a torn checkpoint line")
	}
	rep, err := Verify(dir, verifiers, VerifyOptions{AllowPending: true})
	if err != nil {
		t.Fatalf("Verify of the live ledger: %v", err)
	}
	if !rep.Partial || rep.Records != 12 {
		t.Fatalf("Verify: partial %v, %d records; want true, 12", rep.Partial, rep.Records)
	}
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if rec := l.Recovered(); len(rec) != 1 || rec[0].File != checkpointsFile || rec[0].Damage != Torn {
		t.Fatalf("Recovered() = %+v, want the torn checkpoint line", rec)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir, verifiers, VerifyOptions{}); err != nil {
		t.Fatalf("Verify after the restart: %v", err)
	}
}

// TestOpenRefusesModifiedLedger checks that damage other than a torn last
// line stops Open: appending would sign it into a new checkpoint.
func TestOpenRefusesModifiedLedger(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 12)
	name, lines := segLines(t, dir, 0)
	lines[0] = []byte(strings.Replace(string(lines[0]), "approve", "deny", 1))
	writeSeg(t, dir, name, lines)
	if _, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer); err == nil || !strings.Contains(err.Error(), "modified") {
		t.Fatalf("Open accepted a modified ledger: %v", err)
	}
}

// TestMachineCrashGarbageTail simulates a machine crash in group-commit
// mode: the unsynced tail after the last checkpoint reads back as NUL
// bytes over several lines. Open moves it all aside and the rest verifies.
func TestMachineCrashGarbageTail(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 8, WithSegmentLimits(0, 0))
	seg := filepath.Join(dir, segmentName(0))
	var tail []byte
	for i := 8; i < 11; i++ {
		rec := record(i)
		tail = appendLine(tail, int64(i), tlog.RecordHash(rec), rec)
	}
	for i := 40; i < 90; i++ { // zeros in the middle of the unsynced lines
		tail[i] = 0
	}
	f, _ := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(tail)
	f.Close()
	logs := oteltest.NewLogs(t)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(logs.Events(semconv.EventLedgerRecovery)); n != 1 {
		t.Fatalf("%d recovery events", n)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil || rep.Records != 8 {
		t.Fatalf("%v %v", rep, err)
	}
}
