package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// deafWitness never answers and ignores its context, as a witness behind a
// client without timeouts does when its server stops answering.
type deafWitness struct {
	entered chan struct{}
	release chan struct{}
}

func (w *deafWitness) Name() string { return "deaf" }

func (w *deafWitness) AddCheckpoint(context.Context, int64, tlog.TreeProof, []byte) ([]byte, error) {
	select {
	case w.entered <- struct{}{}:
	default:
	}
	<-w.release
	return nil, errors.New("deaf witness released")
}

// Close returns when its context ends even while a witness that ignores
// its context holds the witnessing goroutine: the deadline of a shutdown
// is the caller's, whatever a remote witness does.
func TestCloseWithADeafWitness(t *testing.T) {
	keys := newKeys(t, "deaf")
	w := &deafWitness{entered: make(chan struct{}, 1), release: make(chan struct{})}
	ctx := context.Background()
	l, err := Open(ctx, t.TempDir(), "credit-scoring", "pod-1", keys.signer,
		WithWitnesses(w), WithWitnessTimeout(time.Hour), WithCheckpointEvery(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, record(0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	<-w.entered // the witnessing goroutine is stuck in AddCheckpoint
	closeCtx, cancel := context.WithCancel(ctx)
	cancel()
	closed := make(chan error, 1)
	go func() { closed <- l.Close(closeCtx) }()
	select {
	case <-closed:
	case <-time.After(livenessBound):
		t.Fatal("Close with a cancelled context did not return while a witness ignored its context")
	}
	// Once the witness answers, a second Close waits for the writer and
	// the witnessing goroutine to finish.
	close(w.release)
	if err := l.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
