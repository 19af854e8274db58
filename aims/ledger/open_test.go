package ledger

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestOpenRejectsInvalidOptions(t *testing.T) {
	keys := newKeys(t, "test")
	for _, c := range []struct {
		opt  Option
		want string
	}{
		{WithQueueSize(0), "WithQueueSize"},
		{WithGroupCommitInterval(0), "WithGroupCommitInterval"},
		{WithRetention(-1), "WithRetention"},
		{WithDurability(Durability(7)), "WithDurability"},
		{WithClock(nil), "WithClock"},
	} {
		dir := filepath.Join(t.TempDir(), "ledger")
		_, err := Open(context.Background(), dir, "sys", "pod", keys.signer, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Open returned %v", c.want, err)
		}
		if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
			t.Errorf("%s: Open did work before refusing the option (%v)", c.want, serr)
		}
	}
	// Every invalid option is named, not only the first.
	_, err := Open(context.Background(), t.TempDir(), "sys", "pod", keys.signer, WithQueueSize(-1), WithRetention(-1))
	if err == nil || !strings.Contains(err.Error(), "WithQueueSize") || !strings.Contains(err.Error(), "WithRetention") {
		t.Errorf("two invalid options: %v", err)
	}
}

// TestOpenNilOptionAndProviders: a nil option is ignored and a nil
// provider means the global one; neither is an error.
func TestOpenNilOptionAndProviders(t *testing.T) {
	keys := newKeys(t, "test")
	dir := t.TempDir()
	ctx := context.Background()
	l, err := Open(ctx, dir, "sys", "pod-7", keys.signer, nil,
		WithMeterProvider(nil), WithLoggerProvider(nil), WithTracerProvider(nil))
	if err != nil {
		t.Fatal(err)
	}
	if l.System() != "sys" || l.Instance() != "pod-7" || l.Origin() != OriginPrefix+"sys/pod-7" {
		t.Errorf("System %q Instance %q Origin %q", l.System(), l.Instance(), l.Origin())
	}
	if err := l.Append(ctx, record(0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil || rep.Records != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
}

// countdownCtx is a context that reports cancellation after its Err has
// been asked n times: it cancels Open at a chosen point of its work.
type countdownCtx struct {
	context.Context
	n atomic.Int32
}

func (c *countdownCtx) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestOpenHonoursContext(t *testing.T) {
	keys := newKeys(t, "test")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fresh := filepath.Join(t.TempDir(), "ledger")
	if _, err := Open(ctx, fresh, "sys", "pod", keys.signer); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Fatal("Open with a cancelled context created the directory")
	}

	// Cancelled while recovery reads the segments: Open gives up, releases
	// the directory and leaves the ledger as it was.
	dir := t.TempDir()
	writeLedger(t, dir, keys, 20)
	cd := &countdownCtx{Context: context.Background()}
	cd.n.Store(1) // the check before any work passes, the first in recovery fails
	if _, err := Open(cd, dir, "credit-scoring", "pod-1", keys.signer); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during recovery: %v", err)
	}
	l, err := Open(context.Background(), dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatalf("the directory was not released: %v", err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil || rep.Records != 20 {
		t.Fatalf("%+v %v", rep, err)
	}
}
