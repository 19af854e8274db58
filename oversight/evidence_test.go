package oversight_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// flakyLedger is a decision log that refuses the next failures writes and
// keeps what it accepts; FindDecision reads what it kept, like the ledger.
type flakyLedger struct {
	mu       sync.Mutex
	recs     []aims.Decision
	failures int
	// onRecord, when set, runs at every write attempt (before it fails or
	// succeeds), with the ID of the record being written.
	onRecord func(id string)
}

func (l *flakyLedger) Record(_ context.Context, d aims.Decision) error {
	l.mu.Lock()
	hook := l.onRecord
	fail := l.failures > 0
	if fail {
		l.failures--
	} else {
		l.recs = append(l.recs, d)
	}
	l.mu.Unlock()
	if hook != nil {
		hook(d.ID)
	}
	if fail {
		return errors.New("ledger: fsync: input/output error")
	}
	return nil
}

func (l *flakyLedger) Clean(d *aims.Decision) error { return testPrivacy.Clean(d) }

func (l *flakyLedger) FindDecision(_ context.Context, id string) (aims.Decision, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range l.recs {
		if d.ID == id {
			return d, nil
		}
	}
	return aims.Decision{}, errors.New("no such decision")
}

func (l *flakyLedger) failNext(n int) {
	l.mu.Lock()
	l.failures = n
	l.mu.Unlock()
}

// copies counts the records of each ID.
func (l *flakyLedger) copies() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, d := range l.recs {
		out[d.ID]++
	}
	return out
}

func newLedgerGate(t *testing.T, rec oversight.Recorder, store oversight.Store, clock *fakeClock, opts ...oversight.Option) *oversight.Gate {
	t.Helper()
	base := []oversight.Option{
		oversight.WithStore(store), oversight.WithClock(clock.Now), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("credit", aims.RiskLimited), oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")),
	}
	g, err := oversight.New(context.Background(), rec, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close(context.Background()) })
	return g
}

// OnResolved runs only after the resolution's record was attempted.
func TestOnResolvedAfterRecordAttempt(t *testing.T) {
	ctx := context.Background()
	led := &flakyLedger{}
	var mu sync.Mutex
	var attempted []string
	led.onRecord = func(id string) {
		mu.Lock()
		attempted = append(attempted, id)
		mu.Unlock()
	}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	var sawAttempt []bool
	g := newLedgerGate(t, led, oversight.NewMemoryStore(), clock, oversight.WithOnResolved(func(o oversight.Outcome) {
		mu.Lock()
		defer mu.Unlock()
		found := false
		for _, id := range attempted {
			found = found || id == o.Decision.ID
		}
		sawAttempt = append(sawAttempt, found)
	}))
	out, err := g.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	led.failNext(1)
	if _, err := g.Reject(ctx, out.Ticket.ID, alice, "not convinced"); err == nil {
		t.Fatal("Reject reported no error although the ledger refused the record")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sawAttempt) != 1 || !sawAttempt[0] {
		t.Fatalf("OnResolved ran before the resolution's record was attempted (calls: %v)", sawAttempt)
	}
}
