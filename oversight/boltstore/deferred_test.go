package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
)

// durableRecorder claims what a System with a durable ledger guarantees
// (oversight.DurableFinder), so that the Gate defers its routed tickets.
type durableRecorder struct{ recorder }

func (r *durableRecorder) FindDecision(_ context.Context, id string) (aims.Decision, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.recs {
		if d.ID == id {
			return d, nil
		}
	}
	return aims.Decision{}, fmt.Errorf("%w: %s", oversight.ErrDecisionNotFound, id)
}

func (r *durableRecorder) FindsEveryRecorded() bool { return true }

// openDeferred opens a store at path flushing every flush and a Gate on
// it recording to rec, holding adverse decisions.
func openDeferred(t *testing.T, path string, flush time.Duration, rec oversight.Recorder) (*boltstore.Store, *oversight.Gate) {
	t.Helper()
	s, err := boltstore.Open(context.Background(), path, boltstore.WithIndexFlushInterval(flush))
	if err != nil {
		t.Fatal(err)
	}
	g, err := oversight.New(context.Background(), rec, oversight.WithStore(s), oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.AdverseOutcome()))
	if err != nil {
		t.Fatal(err)
	}
	return s, g
}

// submitApplied submits a new decision g applies and returns it.
func submitApplied(t *testing.T, g *oversight.Gate) aims.Decision {
	t.Helper()
	ctx := context.Background()
	d, err := aims.NewDecision(ctx, "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Output = "approve"
	if o, err := g.Submit(ctx, d); err != nil || !o.Applied {
		t.Fatalf("submit: %+v, %v", o, err)
	}
	return d
}

// TestDeferredRoutedTickets: a routed ticket the Gate gives CreateDeferred
// is seen at once by Get, FindByDecision and the Gate, blocks a Create of
// its ID, is committed by the next write (here, a held ticket) or by
// Close, and survives a restart.
func TestDeferredRoutedTickets(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tickets.db")
	rec := &durableRecorder{}
	s, g := openDeferred(t, path, time.Hour, rec)
	a := submitApplied(t, g)
	if n := boltstore.Waiting(s); n != 1 {
		t.Fatalf("%d routed tickets waiting in memory after an applied decision; want 1", n)
	}
	ts, err := s.FindByDecision(ctx, a.ID)
	if err != nil || len(ts) != 1 || ts[0].Kind != oversight.KindRouted {
		t.Fatalf("FindByDecision of a deferred routed ticket: %+v, %v", ts, err)
	}
	if got, err := s.Get(ctx, ts[0].ID); err != nil || got.Resolution == nil || got.Resolution.Decision.ID != a.ID {
		t.Fatalf("Get of a deferred routed ticket: %+v, %v", got, err)
	}
	if err := s.Create(ctx, ts[0]); !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("Create over a deferred routed ticket: %v, want ErrTicketExists", err)
	}
	if err := s.CreateDeferred(ctx, ts[0]); !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("CreateDeferred twice: %v, want ErrTicketExists", err)
	}
	// A retry of the same decision, recorded already, is answered from its
	// record: applied, and not recorded a second time.
	if o, err := g.Submit(ctx, a); err != nil || !o.Applied || o.Decision.ID != a.ID {
		t.Fatalf("retry: %+v, %v", o, err)
	}
	rec.mu.Lock()
	n := len(rec.recs)
	rec.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d records after a retry of one applied decision, want 1", n)
	}
	if _, err := g.Contest(ctx, a.ID, "wrong income"); err != nil {
		t.Fatalf("contest of a decision whose routed ticket was deferred: %v", err)
	}
	b := submitApplied(t, g) // waits until Close
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDeferred(ctx, ts[0]); err == nil {
		t.Fatal("CreateDeferred on a closed store succeeded")
	}

	s2, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	for _, d := range []aims.Decision{a, b} {
		ts, err := s2.FindByDecision(ctx, d.ID)
		if err != nil || len(ts) == 0 {
			t.Fatalf("routed ticket of %s after Close and reopen: %+v, %v", d.ID, ts, err)
		}
	}
}

// TestNoDeferralWithoutDurableFinder: without a DurableFinder the Gate
// writes routed tickets with Create, committed before Submit returns.
func TestNoDeferralWithoutDurableFinder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tickets.db")
	s, g := openDeferred(t, path, time.Hour, &recorder{})
	defer s.Close(ctx)
	defer g.Close(ctx)
	submitApplied(t, g)
	if n := boltstore.Waiting(s); n != 0 {
		t.Fatalf("%d routed tickets waiting in memory; want them committed", n)
	}
}

// TestDeferredConcurrent: applied and held decisions from several
// goroutines, with flushes every millisecond racing them, lose no routed
// ticket: after Close every one is in the file, and held tickets are in
// the queue.
func TestDeferredConcurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tickets.db")
	s, g := openDeferred(t, path, time.Millisecond, &durableRecorder{})
	const workers, each = 4, 50
	ids := make([][]string, workers)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				d, err := aims.NewDecision(ctx, "credit")
				if err != nil {
					errs <- err
					return
				}
				d.Output, d.Adverse = "approve", i%5 == 0 // every fifth held
				if _, err := g.Submit(ctx, d); err != nil {
					errs <- err
					return
				}
				ids[w] = append(ids[w], d.ID)
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	for _, w := range ids {
		for _, id := range w {
			if ts, err := s2.FindByDecision(ctx, id); err != nil || len(ts) != 1 {
				t.Fatalf("decision %s after Close and reopen: %d tickets, %v", id, len(ts), err)
			}
		}
	}
	if n, err := s2.CountOpen(ctx); err != nil || n != workers*each/5 {
		t.Fatalf("%d held tickets open, want %d (%v)", n, workers*each/5, err)
	}
}

// TestDeferredLimit: at the limit, CreateDeferred commits what waits
// before it adds a ticket, so no more than the limit ever waits.
func TestDeferredLimit(t *testing.T) {
	ctx := context.Background()
	s, g := openDeferred(t, filepath.Join(t.TempDir(), "tickets.db"), time.Hour, &durableRecorder{})
	defer s.Close(ctx)
	defer g.Close(ctx)
	boltstore.SetIndexFlushLimit(s, 3)
	for i := range 10 {
		submitApplied(t, g)
		if n, want := boltstore.Waiting(s), i%3+1; n != want {
			t.Fatalf("after %d decisions %d routed tickets wait; want %d", i+1, n, want)
		}
	}
}

// TestAppliedDecisionNotHeldAfterCrash: a decision applied just before a
// crash, whose routed ticket the crash took, is not held for review when
// it is submitted again after the restart (a retry that the policy now
// routes to review): the durable decision log says it was applied, and
// a decision is held at most once, never after it was applied.
func TestAppliedDecisionNotHeldAfterCrash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tickets.db")
	rec := &durableRecorder{}
	s, g := openDeferred(t, path, time.Hour, rec)
	d := submitApplied(t, g)
	_ = g.Close(ctx)
	if err := boltstore.Abandon(s); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	if ts, err := s2.FindByDecision(ctx, d.ID); err != nil || len(ts) != 0 {
		t.Fatalf("the crash kept the routed ticket (%d, %v): the test shows nothing", len(ts), err)
	}
	g2, err := oversight.New(ctx, rec, oversight.WithStore(s2), oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")))
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close(ctx)
	out, err := g2.Submit(ctx, d)
	if out.Pending() || !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("the applied decision submitted again after the crash: %+v, %v; want ErrTicketExists", out.Action, err)
	}
	if q, _ := g2.Queue(ctx, 0); len(q) != 0 {
		t.Fatalf("the applied decision was held after the crash: %d tickets in the queue", len(q))
	}
}
