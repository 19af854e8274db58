package oversight_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

// Every call on a closed Gate returns ErrClosed (Close's doc), and
// PurgeResolved deletes nothing from the store a closed Gate leaves behind.
func TestPurgeResolvedAfterCloseIsRefused(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	out, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Approve(ctx, out.Ticket.ID, alice, "checked"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(40 * 24 * time.Hour)
	if err := h.gate.Close(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := h.gate.PurgeResolved(ctx, time.Hour)
	if !errors.Is(err, oversight.ErrClosed) {
		t.Fatalf("PurgeResolved after Close = %d, %v; want ErrClosed", n, err)
	}
	if _, err := h.store.Get(ctx, out.Ticket.ID); err != nil {
		t.Fatalf("the closed Gate purged the ticket from the store: %v", err)
	}
}

// stuckStore is a MemoryStore whose Overdue blocks until its context ends,
// as a store whose database stopped answering does; it reports the
// context's error.
type stuckStore struct {
	*oversight.MemoryStore
	entered chan struct{}
	ended   chan error
}

func (s *stuckStore) Overdue(ctx context.Context, _ time.Time, _ int) ([]oversight.Ticket, error) {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	select {
	case s.ended <- ctx.Err():
	default:
	}
	return nil, ctx.Err()
}

// Close stops the background sweeper: a sweep stuck on the store when
// Close gives up waiting (its context ended) is cancelled, rather than
// left holding the store until its own timeout, a whole sweep interval
// later.
func TestCloseCancelsStuckSweep(t *testing.T) {
	st := &stuckStore{MemoryStore: oversight.NewMemoryStore(), entered: make(chan struct{}, 1), ended: make(chan error, 1)}
	g, err := oversight.New(context.Background(), &fakeRecorder{}, oversight.WithStore(st),
		oversight.WithSweepInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	<-st.entered // the first sweep is stuck in Overdue
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Close(cancelled); err == nil {
		t.Fatal("Close with a cancelled context reported no error while the sweep was stuck")
	}
	if err := <-st.ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("the stuck sweep ended with %v; want it cancelled by Close (context.Canceled)", err)
	}
	if err := g.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
