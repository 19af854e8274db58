package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type testKeys struct {
	signer   note.Signer
	verifier note.Verifier
	skey     string
	vkey     string
}

func newKeys(t testing.TB, name string) testKeys {
	t.Helper()
	skey, vkey, err := GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return testKeys{signer: s, verifier: v, skey: skey, vkey: vkey}
}

func record(i int) []byte {
	return fmt.Appendf(nil, `{"id":"rec-%04d","output":"approve","n":%d}`, i, i)
}

// writeLedger writes n records with small segments and frequent
// checkpoints and closes the ledger.
func writeLedger(t testing.TB, dir string, keys testKeys, n int, opts ...Option) {
	t.Helper()
	opts = append([]Option{WithSegmentLimits(700, 0), WithCheckpointEvery(4, 0)}, opts...)
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if err := l.Append(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAppendCloseVerify(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 23)
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 23 || rep.Origin != "aimskit.ledger/credit-scoring/pod-1" {
		t.Fatalf("report %+v", rep)
	}
	if rep.Segments < 3 {
		t.Fatalf("expected rotation into several segments, got %d", rep.Segments)
	}
	// 23 records, checkpoint every 4 → the empty one a new ledger starts
	// with, 5 by count and the closed one on Close.
	if rep.Checkpoints != 7 || rep.Latest.Size != 23 {
		t.Fatalf("checkpoints %d latest %d", rep.Checkpoints, rep.Latest.Size)
	}
	// The latest root is the RFC 6962 root of the record leaves.
	var m memTree
	for i := 0; i < 23; i++ {
		if err := m.add(tlog.RecordHash(record(i))); err != nil {
			t.Fatal(err)
		}
	}
	root, err := tlog.TreeHash(23, &m)
	if err != nil {
		t.Fatal(err)
	}
	if root != rep.Latest.Root {
		t.Fatalf("root %x, want %x", rep.Latest.Root, root)
	}

	// Reopen and append more: the tree continues.
	writeLedger(t, dir, keys, 5)
	rep, err = Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 28 {
		t.Fatalf("records %d after reopen, want 28", rep.Records)
	}
}

func TestOpenErrors(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	if _, err := Open(context.Background(), dir, "", "pod", keys.signer); err == nil || !strings.Contains(err.Error(), "system name is empty") {
		t.Fatalf("empty system: %v", err)
	}
	if _, err := Open(context.Background(), dir, "sys", "a/b", keys.signer); err == nil || !strings.Contains(err.Error(), "instance name") {
		t.Fatalf("bad instance: %v", err)
	}
	if _, err := Open(context.Background(), dir, "sys", "pod", nil); err == nil || !strings.Contains(err.Error(), "no signing key") {
		t.Fatalf("nil signer: %v", err)
	}
	l, err := Open(context.Background(), dir, "sys", "pod", keys.signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dir, "sys", "pod", keys.signer); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second writer: %v", err)
	}
	ctx := context.Background()
	for _, bad := range []string{"", "[1]", `{"a":`, "{\"a\":\n1}"} {
		if err := l.Append(ctx, []byte(bad)); err == nil {
			t.Errorf("Append(%q) accepted", bad)
		}
	}
	if err := l.Append(ctx, record(0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, record(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Another instance's directory.
	if _, err := Open(context.Background(), dir, "sys", "pod-2", keys.signer); err == nil || !strings.Contains(err.Error(), "one directory per instance") {
		t.Fatalf("other instance: %v", err)
	}
}

func TestKeyErrors(t *testing.T) {
	keys := newKeys(t, "test")
	other := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 5)

	_, err := Verify(dir, []note.Verifier{other.verifier}, VerifyOptions{})
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.File != checkpointsFile || ve.Line != 1 || !strings.Contains(ve.Problem, "not signed by the given key") {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := Verify(dir, nil, VerifyOptions{}); err == nil {
		t.Fatal("no key accepted")
	}
	for _, bad := range []string{"", "garbage", "test+12345678+AAAA", keys.skey} {
		if _, err := NewVerifier(bad); err == nil {
			t.Errorf("NewVerifier(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "garbage", keys.vkey, "PRIVATE+KEY+x+1+AAAA"} {
		if _, err := NewSigner(bad); err == nil {
			t.Errorf("NewSigner(%q) accepted", bad)
		}
	}
	// Files and environment.
	kf := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(kf, []byte(keys.skey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigner(kf); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigner(kf + ".missing"); err == nil {
		t.Fatal("missing key file accepted")
	}
	t.Setenv("TEST_LEDGER_KEY", keys.skey)
	if _, err := SignerFromEnv("TEST_LEDGER_KEY"); err != nil {
		t.Fatal(err)
	}
	if _, err := SignerFromEnv("TEST_LEDGER_KEY_UNSET"); err == nil || !strings.Contains(err.Error(), "not set") {
		t.Fatalf("unset env: %v", err)
	}
	t.Setenv("TEST_LEDGER_KEY", "nonsense")
	if _, err := SignerFromEnv("TEST_LEDGER_KEY"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("malformed env key: %v", err)
	}
	pf := filepath.Join(t.TempDir(), "k.pub")
	if err := os.WriteFile(pf, []byte(keys.vkey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadVerifier(pf); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadVerifier(keys.vkey); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadVerifier("/nonexistent/file"); err == nil {
		t.Fatal("missing verifier accepted")
	}
}

func TestConcurrentWriters(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	l, err := Open(context.Background(), dir, "sys", "pod", keys.signer, WithQueueSize(8), WithCheckpointEvery(50, time.Millisecond), WithSegmentLimits(4096, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	const writers, each = 8, 100
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := l.Append(ctx, record(w*each+i)); err != nil {
					t.Error(err)
					return
				}
				if i%25 == 0 {
					if err := l.Flush(ctx); err != nil {
						t.Error(err)
					}
				}
			}
		}(w)
	}
	wg.Wait()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != writers*each {
		t.Fatalf("records %d, want %d", rep.Records, writers*each)
	}
	// Every record is there exactly once.
	seen := map[string]bool{}
	err = Scan(dir, func(r ScannedRecord) error {
		id := RecordID(r.Record)
		if seen[id] {
			return fmt.Errorf("duplicate %s", id)
		}
		seen[id] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct records", len(seen))
	}
}

func TestSyncModes(t *testing.T) {
	keys := newKeys(t, "test")
	for _, d := range []Durability{GroupCommit, SyncEveryRecord, NoSync} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			l, err := Open(context.Background(), dir, "sys", "pod", keys.signer, WithDurability(d), WithWaitDurable(true), WithGroupCommitInterval(time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := 0; i < 10; i++ {
				if err := l.Append(ctx, record(i)); err != nil {
					t.Fatal(err)
				}
				// Acknowledged: the line is in the file already.
				b, err := os.ReadFile(filepath.Join(dir, segmentName(0)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(b, record(i)) {
					t.Fatalf("record %d acknowledged but not in the segment", i)
				}
			}
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDropWhenFull(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	l, err := Open(context.Background(), dir, "sys", "pod", keys.signer, WithQueueSize(1), WithDropWhenFull(true))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var dropped, kept int
	for i := 0; i < 2000; i++ {
		switch err := l.Append(ctx, record(i)); {
		case errors.Is(err, ErrQueueFull):
			dropped++
		case err != nil:
			t.Fatal(err)
		default:
			kept++
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != int64(kept) {
		t.Fatalf("ledger has %d records, %d were accepted (%d dropped)", rep.Records, kept, dropped)
	}
}

func TestCheckpointFormat(t *testing.T) {
	c := Checkpoint{Origin: "aimskit.ledger/s/i", Size: 3, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	c.Root[0] = 1
	text := c.Text()
	want := "aimskit.ledger/s/i\n3\nAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ntime 2026-01-02T03:04:05Z\n"
	if text != want {
		t.Fatalf("text %q", text)
	}
	back, err := ParseCheckpoint(text)
	if err != nil || back != c {
		t.Fatalf("round trip %+v %v", back, err)
	}
	for _, bad := range []string{"", "o\n1\n", "o\n-1\nAAAA\n", "o\n01\n" + want[19:], "o\n1\nnotbase64\n", "o\n1\nAQ==\n"} {
		if _, err := ParseCheckpoint(bad); err == nil {
			t.Errorf("ParseCheckpoint(%q) accepted", bad)
		}
	}
}

// unclose turns a cleanly closed ledger into one a crash left behind: it
// drops the closed checkpoints at the end of the history (Close signs one
// even over no new record) and points the latest-checkpoint file at the
// last one left, so records the test appends after it are what a killed
// writer leaves, not records appended after a clean shutdown.
func unclose(t testing.TB, dir string) {
	t.Helper()
	cps, notes, err := readCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	for len(cps) > 0 && cps[len(cps)-1].Closed {
		cps, notes = cps[:len(cps)-1], notes[:len(notes)-1]
	}
	if len(cps) == 0 {
		t.Fatal("unclose: no open checkpoint left")
	}
	var b []byte
	for _, n := range notes {
		line, err := json.Marshal(checkpointLine{Note: string(n)})
		if err != nil {
			t.Fatal(err)
		}
		b = append(append(b, line...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, checkpointsFile), b, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, latestFile), notes[len(notes)-1], 0o640); err != nil {
		t.Fatal(err)
	}
}

// stallingSigner signs as its Signer does, except that once armed it waits
// in Sign until released, as a remote signer that stops answering would.
type stallingSigner struct {
	note.Signer
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *stallingSigner) Sign(msg []byte) ([]byte, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	return s.Signer.Sign(msg)
}

// TestCloseWithAStalledWriter: with the writer stalled (a signer that does
// not answer) and the queue full, an Append whose context never ends
// waits for room holding the lock that Close needs. Close used to wait
// for it, ignoring its own deadline, and every later call queued behind
// Close. Now Close makes the waiting Appends give up (ErrClosed) and
// returns at its deadline, and a later Append returns at once.
func TestCloseWithAStalledWriter(t *testing.T) {
	keys := newKeys(t, "stall")
	sg := &stallingSigner{Signer: keys.signer, entered: make(chan struct{}), release: make(chan struct{})}
	dir := t.TempDir()
	ctx := context.Background()
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", sg, WithQueueSize(2), WithCheckpointEvery(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, record(0)); err != nil {
		t.Fatal(err)
	}
	sg.armed.Store(true)
	go func() { _ = l.Checkpoint(ctx) }()
	<-sg.entered // the writer is stuck in Sign
	appends := make(chan error, 3)
	for i := 1; i <= 3; i++ { // two fill the queue, the third waits for room
		go func() { appends <- l.Append(ctx, record(i)) }()
	}
	for len(l.queue) < cap(l.queue) {
		runtime.Gosched()
	}
	closeCtx, cancel := context.WithCancel(ctx)
	closed := make(chan error, 1)
	go func() { closed <- l.Close(closeCtx) }()
	// The Append that waited for room gives up.
	select {
	case err := <-appends:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("the Append waiting for room returned %v, want ErrClosed", err)
		}
	case <-time.After(livenessBound):
		t.Fatal("the Append waiting for room in a full queue did not give up when Close began")
	}
	if err := l.Append(ctx, record(9)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close began: %v, want ErrClosed", err)
	}
	cancel()
	select {
	case err := <-closed:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Close with the writer stalled returned %v, want its context's error", err)
		}
	case <-time.After(livenessBound):
		t.Fatal("Close did not return when its context ended")
	}
	// Released, the writer finishes: the queued records are written, and
	// a second Close sees it through.
	close(sg.release)
	if err := l.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for range 2 {
		if err := <-appends; err != nil {
			t.Fatalf("a queued Append: %v", err)
		}
	}
	rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 3 {
		t.Fatalf("%d records, want 3: the first and the two that were queued", rep.Records)
	}
}
