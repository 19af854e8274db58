package storetest

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

// Reopen tells the suite how to close a store and open it again on the
// same data (a file, a database), so that it checks that what the store
// keeps to answer CountOpen quickly survives a restart. The function
// closes s and returns the reopened store.
func Reopen(fn func(t *testing.T, s oversight.Store) oversight.Store) Option {
	return func(o *options) { o.reopen = fn }
}

// testCountOpen: the Gate bounds the review queue with CountOpen on every
// held decision and contest, so a store may keep the count rather than
// count (a counter beside the tickets); it must then stay exact through
// every change that opens or closes a ticket: creation (open or closed),
// escalation, resolution, expiry, a refused change, a purge, the ticket
// of a halt, a contest and, when the suite can, a restart.
func testCountOpen(t *testing.T, s oversight.Store, o options) {
	ctx := context.Background()
	defer func() { closeStore(t, s) }()
	check := func(when string, want int) {
		t.Helper()
		n, err := s.CountOpen(ctx)
		if err != nil || n != want {
			t.Fatalf("CountOpen %s = %d, %v; want %d", when, n, err, want)
		}
		open, err := s.Open(ctx, 0)
		if err != nil || len(open) != want {
			t.Fatalf("Open %s lists %d tickets, %v; want %d", when, len(open), err, want)
		}
	}
	check("of an empty store", 0)
	a, b, c := NewTicket(t, 1, 0), NewTicket(t, 2, time.Second), NewTicket(t, 3, 2*time.Second)
	for _, tk := range []oversight.Ticket{a, b, c} {
		mustCreate(t, s, tk)
	}
	check("after three Creates", 3)
	if err := s.Create(ctx, a); !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("second Create of %s: %v, want ErrTicketExists", a.ID, err)
	}
	check("after a refused Create", 3)
	rt := NewTicket(t, 4, 3*time.Second)
	rt.Kind, rt.State = oversight.KindRouted, oversight.StateResolved
	rt.Resolution = &oversight.Resolution{Action: aims.ActionApply, Applied: true, Time: rt.CreatedAt, Decision: rt.Decision}
	mustCreate(t, s, rt)
	check("after a routed (closed) ticket", 3)
	if _, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "carol", Now: T0, Lease: time.Hour, MaxLevel: oversight.AnyLevel}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, b.ID, func(x *oversight.Ticket) error {
		x.State, x.Level = oversight.StateOverdue, 1
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after a claim and an escalation", 3)
	if _, err := s.Update(ctx, c.ID, func(x *oversight.Ticket) error {
		x.State = oversight.StateResolved
		return errors.New("refused")
	}); err == nil {
		t.Fatal("refused Update returned no error")
	}
	check("after a refused resolution", 3)
	resolve(t, s, a.ID, oversight.StateResolved, T0.Add(time.Hour), "01900000-0000-7000-8000-200000000001")
	check("after a resolution", 2)
	resolve(t, s, b.ID, oversight.StateExpired, T0.Add(time.Hour), "01900000-0000-7000-8000-200000000002")
	check("after an expiry", 1)
	// Update of a closed ticket (a contest link) leaves it closed.
	if _, err := s.Update(ctx, a.ID, func(x *oversight.Ticket) error {
		x.Contests = append(x.Contests, "01900000-0000-7000-8000-300000000001")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after a change of a closed ticket", 1)
	contest := NewTicket(t, 5, 4*time.Second)
	contest.ID = "01900000-0000-7000-8000-300000000001"
	contest.Kind, contest.ContestOf = oversight.KindContest, a.ID
	mustCreate(t, s, contest)
	check("after a contest", 2)
	if hts, ok := s.(oversight.HaltTicketStore); ok {
		if err := hts.SetHaltWith(ctx, oversight.Halt{SystemID: "credit", By: "alice", Reason: "drift", Since: T0}, haltRecordTicket(t, 6, aims.ActionHalt)); err != nil {
			t.Fatal(err)
		}
		check("after a halt's ticket", 2)
	}
	if p, ok := s.(oversight.Purger); ok {
		if n, err := p.PurgeResolved(ctx, T0.Add(1000*time.Hour)); err != nil || n == 0 {
			t.Fatalf("PurgeResolved = %d, %v", n, err)
		}
		check("after a purge", 2)
	}
	if o.reopen != nil {
		s = o.reopen(t, s)
		check("after a restart", 2)
	}
	resolve(t, s, contest.ID, oversight.StateResolved, T0.Add(2*time.Hour), "01900000-0000-7000-8000-200000000003")
	check("after the contest's resolution", 1)
	mustCreate(t, s, NewTicket(t, 7, 5*time.Second))
	check("after another Create", 2)

	// Concurrent opening and closing (replicas sharing a database do it
	// in separate transactions): the count stays exact.
	const n = 16
	ts := make([]oversight.Ticket, n)
	for i := range ts {
		ts[i] = NewTicket(t, 100+i, time.Duration(10+i)*time.Second)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range ts {
		wg.Go(func() {
			if err := s.Create(ctx, ts[i]); err != nil {
				errs <- err
				return
			}
			if i%2 == 1 {
				return
			}
			_, err := s.Update(ctx, ts[i].ID, func(x *oversight.Ticket) error {
				x.State = oversight.StateResolved
				rec := x.Decision
				rec.ID = fmt.Sprintf("01900000-0000-7000-8000-4%011d", i)
				x.Resolution = &oversight.Resolution{Action: aims.ActionApprove, Reviewer: "alice", Applied: true, Time: T0, Decision: rec}
				return nil
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check("after concurrent Creates and resolutions", 2+n/2)
}

// testOpenContests checks oversight.ContestCounter: the open contests
// of each person (the decision's Subject) stay counted exactly as
// contests open, escalate, close, change and, when the suite can, as the
// store restarts; held decisions and closed contests are not counted.
func testOpenContests(t *testing.T, s oversight.Store, o options) {
	ctx := context.Background()
	defer func() { closeStore(t, s) }()
	if _, ok := s.(oversight.ContestCounter); !ok {
		t.Skip("store cannot count open contests (no oversight.ContestCounter)")
	}
	const ann, ben = "hs256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "hs256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	check := func(when string, want map[string]int) {
		t.Helper()
		for subject, n := range want {
			got, err := s.(oversight.ContestCounter).CountOpenContests(ctx, subject)
			if err != nil || got != n {
				t.Fatalf("CountOpenContests(%q) %s = %d, %v; want %d", subject, when, got, err, n)
			}
		}
	}
	contest := func(n int, subject string) oversight.Ticket {
		tk := NewTicket(t, n, time.Duration(n)*time.Second)
		tk.Kind, tk.ContestOf = oversight.KindContest, "01900000-0000-7000-8000-900000000000"
		tk.Decision.Subject = subject
		return tk
	}
	a1, a2, b1, anon := contest(1, ann), contest(2, ann), contest(3, ben), contest(4, "")
	held := NewTicket(t, 5, 5*time.Second)
	held.Decision.Subject = ann
	closed := contest(6, ann)
	closed.State = oversight.StateResolved
	closed.Resolution = &oversight.Resolution{Action: aims.ActionApprove, Reviewer: "alice", Time: T0, Decision: closed.Decision}
	for _, tk := range []oversight.Ticket{a1, a2, b1, anon, held, closed} {
		mustCreate(t, s, tk)
	}
	check("after the Creates", map[string]int{ann: 2, ben: 1, "": 1, "hs256:cccccccccccccccccccccccccccccccc": 0})
	if _, err := s.Update(ctx, a1.ID, func(x *oversight.Ticket) error {
		x.State, x.Level = oversight.StateOverdue, 1
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after an escalation", map[string]int{ann: 2})
	if _, err := s.Update(ctx, a2.ID, func(x *oversight.Ticket) error {
		x.State = oversight.StateResolved
		return errors.New("refused")
	}); err == nil {
		t.Fatal("refused Update returned no error")
	}
	check("after a refused resolution", map[string]int{ann: 2})
	resolve(t, s, a1.ID, oversight.StateResolved, T0.Add(time.Hour), "01900000-0000-7000-8000-500000000001")
	resolve(t, s, b1.ID, oversight.StateExpired, T0.Add(time.Hour), "01900000-0000-7000-8000-500000000002")
	check("after a resolution and an expiry", map[string]int{ann: 1, ben: 0, "": 1})
	if p, ok := s.(oversight.Purger); ok {
		if _, err := p.PurgeResolved(ctx, T0.Add(1000*time.Hour)); err != nil {
			t.Fatal(err)
		}
		check("after a purge", map[string]int{ann: 1, ben: 0, "": 1})
	}
	if o.reopen != nil {
		s = o.reopen(t, s)
		check("after a restart", map[string]int{ann: 1, ben: 0, "": 1})
	}
	// A contest whose decision changes subject moves with it.
	if _, err := s.Update(ctx, a2.ID, func(x *oversight.Ticket) error {
		x.Decision.Subject = ben
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after a change of subject", map[string]int{ann: 0, ben: 1, "": 1})
	mustCreate(t, s, contest(7, ann))
	check("after another contest", map[string]int{ann: 1, ben: 1})
}
