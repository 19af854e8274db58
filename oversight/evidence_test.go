package oversight_test

import (
	"context"
	"errors"
	"fmt"
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
	return aims.Decision{}, fmt.Errorf("%w: %s", oversight.ErrDecisionNotFound, id)
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

// A resolution whose record the ledger refused is written by the next
// Sweep, once, and the refusal woke the waiter all the same.
func TestResolutionRecordRetriedOnce(t *testing.T) {
	ctx := context.Background()
	led := &flakyLedger{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, led, oversight.NewMemoryStore(), clock)
	out, err := g.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		_, err := g.Await(ctx, out.Ticket.ID)
		waited <- err
	}()
	led.failNext(1)
	res, err := g.Approve(ctx, out.Ticket.ID, alice, "checked")
	if err == nil {
		t.Fatal("Approve reported no error although the ledger refused the record")
	}
	if err := <-waited; err != nil {
		t.Fatalf("Await: %v", err)
	}
	recID := res.Decision.ID
	if led.copies()[recID] != 0 {
		t.Fatalf("the refused record is in the ledger")
	}
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n := led.copies()[recID]; n != 1 {
		t.Fatalf("after a Sweep the ledger holds %d copies of the resolution record %s, want 1", n, recID)
	}
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("second Sweep: %v", err)
	}
	for id, n := range led.copies() {
		if n != 1 {
			t.Errorf("record %s is in the ledger %d times", id, n)
		}
	}
	tk, err := g.Ticket(ctx, out.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Unrecorded) != 0 {
		t.Errorf("the ticket still lists %d unrecorded records after they were written", len(tk.Unrecorded))
	}
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

// crashingStore stops working right after it committed a change that
// left records to write, as if the process died between the store's
// commit and the decision log's write.
type crashingStore struct {
	oversight.Store
	mu      sync.Mutex
	crashed bool
}

func (s *crashingStore) Unrecorded(ctx context.Context, now time.Time, limit int) ([]oversight.Ticket, error) {
	return s.Store.(oversight.UnrecordedLister).Unrecorded(ctx, now, limit)
}

func (s *crashingStore) Update(ctx context.Context, id string, fn func(t *oversight.Ticket) error) (oversight.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.crashed {
		return oversight.Ticket{}, errors.New("process crashed")
	}
	t, err := s.Store.Update(ctx, id, fn)
	if err == nil && len(t.Unrecorded) > 0 {
		s.crashed = true
	}
	return t, err
}

// A resolution committed in the store whose record never reached the
// ledger (the process stopped in between) is written by the next Gate on
// the same store, exactly once.
func TestResolutionRecordRecoveredByNewGate(t *testing.T) {
	ctx := context.Background()
	store := oversight.NewMemoryStore()
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	dead := &flakyLedger{failures: 1 << 30}
	live := &flakyLedger{}
	g1 := newLedgerGate(t, live, store, clock)
	out, err := g1.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	_ = g1.Close(ctx)
	// The second gate's process dies right after the store committed
	// the override: its ledger never gets the record.
	g2 := newLedgerGate(t, dead, &crashingStore{Store: store}, clock)
	res, err := g2.Override(ctx, out.Ticket.ID, alice, "approve", "income verified")
	if err == nil {
		t.Fatal("Override reported no error although the ledger refused the record")
	}
	_ = g2.Close(ctx)
	g3 := newLedgerGate(t, live, store, clock)
	if _, err := g3.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n := live.copies()[res.Decision.ID]; n != 0 {
		t.Fatalf("a Sweep wrote the record while its writer's lease was running (%d copies)", n)
	}
	clock.Advance(2 * time.Minute)
	if _, err := g3.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if _, err := g3.Sweep(ctx); err != nil {
		t.Fatalf("second Sweep: %v", err)
	}
	if n := live.copies()[res.Decision.ID]; n != 1 {
		t.Fatalf("the new gate wrote the committed resolution %d times, want 1", n)
	}
	got, err := live.FindDecision(ctx, res.Decision.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Output != "approve" || got.Oversight == nil || got.Oversight.Action != aims.ActionOverride || got.Oversight.Reviewer != "alice" {
		t.Fatalf("recovered record = %+v, want alice's override to approve", got)
	}
	tk, err := store.Get(ctx, out.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Unrecorded) != 0 || !tk.RecordingUntil.IsZero() {
		t.Fatalf("ticket still holds %d unrecorded records (lease %v)", len(tk.Unrecorded), tk.RecordingUntil)
	}
}

// Escalations, expiries and contests whose records failed are written
// again too, once each, and a ticket keeps its unrecorded records from
// being purged.
func TestEveryChangeRecordRetried(t *testing.T) {
	ctx := context.Background()
	led := &flakyLedger{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, led, oversight.NewMemoryStore(), clock,
		oversight.WithDeadlines(time.Hour, time.Hour))
	out, err := g.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	led.failNext(1) // the escalation's record
	if _, err := g.Sweep(ctx); err == nil {
		t.Fatal("Sweep reported no error although the escalation's record was refused")
	}
	clock.Advance(time.Hour)
	// The Sweep retries the escalation's record first and fails again;
	// then it expires the ticket, whose record it writes.
	led.failNext(1)
	_, _ = g.Sweep(ctx)
	if n, err := g.PurgeResolved(ctx, time.Nanosecond); err != nil || n != 0 {
		t.Fatalf("PurgeResolved = %d, %v; want the ticket with unrecorded records kept", n, err)
	}
	// The escalation's record, refused twice, waits a writer's lease
	// before the next try; the expiry's writer does not end that lease
	// early (it ends only the lease of what it wrote itself).
	clock.Advance(2 * time.Minute)
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	led.failNext(1) // the contest's record
	if _, err := g.Contest(ctx, out.Decision.ID, "I was never asked"); err == nil {
		t.Fatal("Contest reported no error although its record was refused")
	}
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	var actions []aims.OversightAction
	for id, n := range led.copies() {
		if n != 1 {
			t.Errorf("record %s is in the ledger %d times", id, n)
		}
		d, _ := led.FindDecision(ctx, id)
		actions = append(actions, d.Oversight.Action)
	}
	want := map[aims.OversightAction]int{aims.ActionReview: 1, aims.ActionEscalate: 1, aims.ActionExpire: 1, aims.ActionContest: 1}
	got := map[aims.OversightAction]int{}
	for _, a := range actions {
		got[a]++
	}
	for a, n := range want {
		if got[a] != n {
			t.Errorf("the ledger holds %d %s records, want %d (all: %v)", got[a], a, n, got)
		}
	}
}
