// Package storetest is the conformance suite every oversight.Store must
// pass: the in-memory, bbolt (oversight/boltstore) and PostgreSQL
// (oversight/postgres) stores all run it, and so can a third-party store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// Opener returns a fresh, empty store for one subtest. The suite closes it.
type Opener func(t *testing.T) oversight.Store

// T0 is the time the suite's tickets are created around.
var T0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// Option adapts the suite to a store.
type Option func(*options)

type options struct {
	storeClock bool
	reopen     func(t *testing.T, s oversight.Store) oversight.Store
}

// StoreClock tells the suite that the store times leases by a clock of
// its own (a database's) and ignores ClaimRequest.Now: the claim test
// then checks lease expiry with a two-second lease and a real wait, and
// accepts a LeaseUntil in the store's time.
func StoreClock() Option { return func(o *options) { o.storeClock = true } }

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener, opts ...Option) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	t.Run("CreateGet", func(t *testing.T) { testCreateGet(t, open(t)) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, open(t)) })
	t.Run("Claim", func(t *testing.T) { testClaim(t, open(t), o) })
	t.Run("Lists", func(t *testing.T) { testLists(t, open(t)) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testConcurrentUpdates(t, open(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testConcurrentClaims(t, open(t)) })
	t.Run("Halts", func(t *testing.T) { testHalts(t, open(t)) })
	t.Run("PurgeResolved", func(t *testing.T) { testPurgeResolved(t, open(t)) })
	t.Run("RoutedAndContests", func(t *testing.T) { testRoutedAndContests(t, open(t)) })
	t.Run("NormalisedIneligible", func(t *testing.T) { testNormalisedIneligible(t, open(t)) })
	t.Run("Unrecorded", func(t *testing.T) { testUnrecorded(t, open(t)) })
	t.Run("HaltTicket", func(t *testing.T) { testHaltTicket(t, open(t)) })
	t.Run("OneRoute", func(t *testing.T) { testOneRoute(t, open(t)) })
	t.Run("CountOpen", func(t *testing.T) { testCountOpen(t, open(t), o) })
	t.Run("OpenContests", func(t *testing.T) { testOpenContests(t, open(t), o) })
}

// resolve closes tk in s as resolved (or expired) at the given time, with a
// resolution record of its own ID.
func resolve(t *testing.T, s oversight.Store, id string, state oversight.TicketState, at time.Time, recordID string) {
	t.Helper()
	_, err := s.Update(context.Background(), id, func(x *oversight.Ticket) error {
		x.State = state
		rec := x.Decision
		rec.ID = recordID
		x.Resolution = &oversight.Resolution{Action: aims.ActionApprove, Reviewer: "alice", Applied: true, Time: at, Decision: rec}
		return nil
	})
	if err != nil {
		t.Fatalf("resolving %s: %v", id, err)
	}
}

func testPurgeResolved(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	p, ok := s.(oversight.Purger)
	if !ok {
		t.Skip("store cannot purge (no oversight.Purger)")
	}
	ctx := context.Background()
	old, recent, expired, open := NewTicket(t, 1, 0), NewTicket(t, 2, time.Minute), NewTicket(t, 3, 2*time.Minute), NewTicket(t, 4, 3*time.Minute)
	for _, tk := range []oversight.Ticket{old, recent, expired, open} {
		mustCreate(t, s, tk)
	}
	oldRecord := "01900000-0000-7000-8000-100000000001"
	resolve(t, s, old.ID, oversight.StateResolved, T0.Add(time.Hour), oldRecord)
	resolve(t, s, recent.ID, oversight.StateResolved, T0.Add(48*time.Hour), "01900000-0000-7000-8000-100000000002")
	resolve(t, s, expired.ID, oversight.StateExpired, T0.Add(2*time.Hour), "01900000-0000-7000-8000-100000000003")

	n, err := p.PurgeResolved(ctx, T0.Add(24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeResolved = %d, %v; want 2 (the old resolved and the expired ticket)", n, err)
	}
	for _, id := range []string{old.ID, expired.ID} {
		if _, err := s.Get(ctx, id); !errors.Is(err, oversight.ErrTicketNotFound) {
			t.Errorf("purged ticket %s still readable: %v", id, err)
		}
	}
	for _, id := range []string{recent.ID, open.ID} {
		if _, err := s.Get(ctx, id); err != nil {
			t.Errorf("ticket %s should have been kept: %v", id, err)
		}
	}
	for _, d := range []string{old.Decision.ID, oldRecord} {
		if ts, err := s.FindByDecision(ctx, d); err != nil || len(ts) != 0 {
			t.Errorf("FindByDecision(%s) after purge = %v, %v", d, idsOf(ts), err)
		}
	}
	if n, err := s.CountOpen(ctx); err != nil || n != 1 {
		t.Errorf("CountOpen after purge = %d, %v; want 1", n, err)
	}
	// Open tickets are never purged, however old.
	if n, err := p.PurgeResolved(ctx, T0.Add(1000*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second purge = %d, %v; want 1 (the recent resolved ticket only)", n, err)
	}
	if _, err := s.Get(ctx, open.ID); err != nil {
		t.Errorf("open ticket purged: %v", err)
	}
}

func testHalts(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	hs, ok := s.(oversight.HaltStore)
	if !ok {
		t.Skip("store does not share halts (no oversight.HaltStore)")
	}
	ctx := context.Background()
	if hl, err := hs.Halts(ctx); err != nil || len(hl) != 0 {
		t.Fatalf("fresh store halts: %v, %v", hl, err)
	}
	h := oversight.Halt{SystemID: "credit", By: "alice", Reason: "drift", Since: T0}
	if err := hs.SetHalt(ctx, h); err != nil {
		t.Fatal(err)
	}
	h.Reason = "drift, confirmed"
	if err := hs.SetHalt(ctx, h); err != nil {
		t.Fatal(err)
	}
	hl, err := hs.Halts(ctx)
	if err != nil || len(hl) != 1 || hl[0].Reason != "drift, confirmed" || hl[0].By != "alice" || !hl[0].Since.Equal(T0) {
		t.Fatalf("halts: %+v, %v", hl, err)
	}
	// A forced halt (of a system the halting Gate did not know) says so
	// to every Gate that reads it.
	forced := oversight.Halt{SystemID: "partner-scoring", By: "bob", Reason: "shared incident", Since: T0, Forced: true}
	if err := hs.SetHalt(ctx, forced); err != nil {
		t.Fatal(err)
	}
	if hl, err = hs.Halts(ctx); err != nil || len(hl) != 2 {
		t.Fatalf("halts: %+v, %v", hl, err)
	}
	for _, got := range hl {
		if got.Forced != (got.SystemID == forced.SystemID) {
			t.Errorf("halt of %s read back with Forced %v", got.SystemID, got.Forced)
		}
	}
	if was, err := hs.ClearHalt(ctx, forced.SystemID); err != nil || !was {
		t.Fatalf("clear: %v %v", was, err)
	}
	if was, err := hs.ClearHalt(ctx, "credit"); err != nil || !was {
		t.Fatalf("clear: %v %v", was, err)
	}
	if was, err := hs.ClearHalt(ctx, "credit"); err != nil || was {
		t.Fatalf("second clear: %v %v", was, err)
	}
	if err := hs.SetHalt(ctx, oversight.Halt{}); err == nil {
		t.Fatal("halt without system accepted")
	}
}

// NewTicket returns a valid pending ticket created at T0+offset.
func NewTicket(t testing.TB, n int, offset time.Duration) oversight.Ticket {
	t.Helper()
	d, err := aims.NewDecision(context.Background(), "credit")
	if err != nil {
		t.Fatal(err)
	}
	score, thr := 0.42, 0.5
	d.Time = T0.Add(offset)
	d.Output = "deny"
	d.Score, d.Threshold, d.Adverse = &score, &thr, true
	d.Subject = fmt.Sprintf("subject-%d", n)
	d.Inputs = map[string]any{"income": 41000.5, "region": "north", "existing_customer": true}
	d.Explanation = &aims.Explanation{
		Method: "tree", BaseValue: 0.3, Prediction: 0.42,
		ReasonCodes: []aims.ReasonCode{{Rank: 1, Code: "R01", Feature: "income", Description: "Income low", Direction: "adverse", Contribution: -0.1}},
	}
	d.Oversight = &aims.OversightOutcome{Action: aims.ActionReview, Policy: "adverse_outcome", Time: d.Time}
	return oversight.Ticket{
		ID:        fmt.Sprintf("01900000-0000-7000-8000-%012d", n),
		Kind:      oversight.KindReview,
		Decision:  d,
		Risk:      aims.RiskLimited,
		Submitter: "svc-credit",
		Policy:    "adverse_outcome",
		Reason:    "decision is adverse",
		State:     oversight.StatePending,
		CreatedAt: T0.Add(offset),
		Deadline:  T0.Add(offset + 15*time.Minute),
	}
}

func mustCreate(t *testing.T, s oversight.Store, tk oversight.Ticket) {
	t.Helper()
	if err := s.Create(context.Background(), tk); err != nil {
		t.Fatalf("Create %s: %v", tk.ID, err)
	}
}

func closeStore(t *testing.T, s oversight.Store) {
	t.Helper()
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func testCreateGet(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	tk := NewTicket(t, 1, 0)
	mustCreate(t, s, tk)
	got, err := s.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalise(got), normalise(tk)) {
		t.Fatalf("Get returned\n%+v\nwant\n%+v", got, tk)
	}
	if err := s.Create(ctx, tk); !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("duplicate Create: %v, want ErrTicketExists", err)
	}
	if _, err := s.Get(ctx, "no-such-ticket"); !errors.Is(err, oversight.ErrTicketNotFound) {
		t.Fatalf("Get unknown: %v, want ErrTicketNotFound", err)
	}
	bad := NewTicket(t, 2, 0)
	bad.ID = ""
	if err := s.Create(ctx, bad); err == nil {
		t.Fatal("ticket without ID accepted")
	}
	// Changing the returned copy must not change the store.
	got.Votes = append(got.Votes, oversight.Vote{Reviewer: "x"})
	got.Decision.Inputs["income"] = 1.0
	again, _ := s.Get(ctx, tk.ID)
	if len(again.Votes) != 0 || again.Decision.Inputs["income"] != 41000.5 {
		t.Fatal("store shares memory with its caller")
	}
}

// normalise makes times comparable across encodings (UTC, microseconds, as
// PostgreSQL keeps them).
func normalise(t oversight.Ticket) oversight.Ticket {
	c := t.Clone()
	fix := func(x *time.Time) {
		if !x.IsZero() {
			*x = x.UTC().Truncate(time.Microsecond)
		}
	}
	fix(&c.CreatedAt)
	fix(&c.Deadline)
	fix(&c.LeaseUntil)
	fix(&c.Decision.Time)
	if c.Decision.Oversight != nil {
		fix(&c.Decision.Oversight.Time)
	}
	return c
}

func testUpdate(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	tk := NewTicket(t, 1, 0)
	mustCreate(t, s, tk)
	got, err := s.Update(ctx, tk.ID, func(x *oversight.Ticket) error {
		x.Votes = append(x.Votes, oversight.Vote{Reviewer: "alice", Action: aims.ActionApprove, Output: "deny", Time: T0})
		x.Level = 1
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Level != 1 || len(got.Votes) != 1 {
		t.Fatalf("Update returned %+v", got)
	}
	stored, _ := s.Get(ctx, tk.ID)
	if stored.Level != 1 || len(stored.Votes) != 1 || stored.Votes[0].Reviewer != "alice" {
		t.Fatalf("Update not stored: %+v", stored)
	}
	sentinel := errors.New("refuse")
	_, err = s.Update(ctx, tk.ID, func(x *oversight.Ticket) error {
		x.Level = 9
		return fmt.Errorf("wrapped: %w", sentinel)
	})
	if !errors.Is(err, sentinel) {
		t.Fatalf("Update did not return fn's error: %v", err)
	}
	if stored, _ := s.Get(ctx, tk.ID); stored.Level != 1 {
		t.Fatalf("failed Update was stored: level %d", stored.Level)
	}
	if _, err := s.Update(ctx, tk.ID, func(x *oversight.Ticket) error { x.ID = "other"; return nil }); err == nil {
		t.Fatal("Update changing the ID accepted")
	}
	if _, err := s.Update(ctx, "nope", func(*oversight.Ticket) error { return nil }); !errors.Is(err, oversight.ErrTicketNotFound) {
		t.Fatalf("Update unknown: %v", err)
	}
}

func testClaim(t *testing.T, s oversight.Store, o options) {
	defer closeStore(t, s)
	ctx := context.Background()
	now := T0.Add(time.Minute)
	old := NewTicket(t, 1, 0)
	newer := NewTicket(t, 2, time.Second)
	own := NewTicket(t, 3, -time.Second) // oldest, but submitted by bob
	own.Submitter = "bob"
	closed := NewTicket(t, 4, -2*time.Second)
	closed.State = oversight.StateResolved
	for _, tk := range []oversight.Ticket{newer, old, own, closed} {
		mustCreate(t, s, tk)
	}
	if _, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "bob", Now: now, Lease: time.Minute, MaxLevel: oversight.AnyLevel}); err != nil {
		t.Fatal(err)
	}
	aliceLease, aliceAt := time.Minute, time.Now()
	if o.storeClock {
		aliceLease = 2 * time.Second
	}
	a, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "alice", Now: now, Lease: aliceLease, MaxLevel: oversight.AnyLevel})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != own.ID {
		t.Fatalf("alice claimed %s, want the oldest open ticket %s", a.ID, own.ID)
	}
	if o.storeClock {
		if a.ClaimedBy != "alice" || a.LeaseUntil.IsZero() {
			t.Fatalf("claim not marked: %+v", a)
		}
	} else if a.ClaimedBy != "alice" || !a.LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Fatalf("claim not marked: %+v", a)
	}
	// bob got old (his own is ineligible), so carol gets newer, then nothing.
	c, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "carol", Now: now, Lease: time.Minute, MaxLevel: oversight.AnyLevel})
	if err != nil || c.ID != newer.ID {
		t.Fatalf("carol: %v %v, want %s", c.ID, err, newer.ID)
	}
	if _, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "dave", Now: now, Lease: time.Minute, MaxLevel: oversight.AnyLevel}); !errors.Is(err, oversight.ErrQueueEmpty) {
		t.Fatalf("dave: %v, want ErrQueueEmpty", err)
	}
	// Leases expire: a claimer that died loses its tickets.
	later := now.Add(time.Minute)
	if o.storeClock {
		time.Sleep(time.Until(aliceAt.Add(aliceLease + 100*time.Millisecond)))
	}
	d, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "dave", Now: later, Lease: time.Minute, MaxLevel: oversight.AnyLevel})
	if err != nil || d.ID != own.ID {
		t.Fatalf("after lease expiry dave got %v %v, want %s", d.ID, err, own.ID)
	}
	// Voters are ineligible.
	if _, err := s.Update(ctx, newer.ID, func(x *oversight.Ticket) error {
		x.Votes = append(x.Votes, oversight.Vote{Reviewer: "erin", Action: aims.ActionApprove, Time: now})
		x.ClaimedBy, x.LeaseUntil = "", time.Time{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "erin", Now: later, Lease: time.Minute, MaxLevel: oversight.AnyLevel})
	if err == nil && e.ID == newer.ID {
		t.Fatal("a reviewer who already voted was handed the ticket again")
	}
	if _, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "", Now: later, Lease: time.Minute, MaxLevel: oversight.AnyLevel}); err == nil {
		t.Fatal("claim without reviewer accepted")
	}
	// Escalation levels: a level-0 reviewer does not get an escalated ticket.
	esc := NewTicket(t, 5, -time.Hour) // the oldest of all
	esc.Level = 1
	mustCreate(t, s, esc)
	if f, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "frank", Now: later, Lease: time.Minute, MaxLevel: 0}); err == nil && f.ID == esc.ID {
		t.Fatal("an escalated ticket was handed to a level-0 reviewer")
	}
	if g, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "gina", Now: later, Lease: time.Minute, MaxLevel: 1}); err != nil || g.ID != esc.ID {
		t.Fatalf("level-1 reviewer got %v, %v; want the escalated ticket %s", g.ID, err, esc.ID)
	}
}

func testLists(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		tk := NewTicket(t, 10+i, time.Duration(4-i)*time.Minute) // created in reverse order
		if i == 4 {
			tk.State = oversight.StateOverdue
		}
		if i == 0 {
			tk.State = oversight.StateExpired
			tk.Resolution = &oversight.Resolution{Action: aims.ActionExpire, Time: T0, Decision: tk.Decision}
			tk.Resolution.Decision.ID = "01900000-0000-7000-8000-aaaaaaaaaaaa"
		}
		mustCreate(t, s, tk)
		ids = append(ids, tk.ID)
	}
	open, err := s.Open(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ids[4], ids[3], ids[2], ids[1]}
	if got := idsOf(open); !slices.Equal(got, want) {
		t.Fatalf("Open = %v, want %v (oldest first, closed excluded)", got, want)
	}
	if two, _ := s.Open(ctx, 2); !slices.Equal(idsOf(two), want[:2]) {
		t.Fatalf("Open(2) = %v", idsOf(two))
	}
	if n, err := s.CountOpen(ctx); err != nil || n != 4 {
		t.Fatalf("CountOpen = %d, %v; want 4", n, err)
	}
	// Deadlines: T0 + (4-i) min + 15 min. At T0+17min the tickets created at
	// T0+0..2min are due; of those only pending ones count (i=2,3; i=4 is overdue).
	due, err := s.Overdue(ctx, T0.Add(17*time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(due); !slices.Equal(got, []string{ids[3], ids[2]}) {
		t.Fatalf("Overdue = %v, want %v", got, []string{ids[3], ids[2]})
	}
	open1, _ := s.Get(ctx, ids[1])
	found, err := s.FindByDecision(ctx, open1.Decision.ID)
	if err != nil || !slices.Equal(idsOf(found), []string{ids[1]}) {
		t.Fatalf("FindByDecision = %v, %v", idsOf(found), err)
	}
	found, err = s.FindByDecision(ctx, "01900000-0000-7000-8000-aaaaaaaaaaaa")
	if err != nil || !slices.Equal(idsOf(found), []string{ids[0]}) {
		t.Fatalf("FindByDecision by resolution record = %v, %v", idsOf(found), err)
	}
	if found, _ := s.FindByDecision(ctx, "none"); len(found) != 0 {
		t.Fatalf("FindByDecision unknown = %v", idsOf(found))
	}
}

func idsOf(ts []oversight.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func testConcurrentUpdates(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	tk := NewTicket(t, 1, 0)
	mustCreate(t, s, tk)
	const workers, each = 4, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := s.Update(ctx, tk.ID, func(x *oversight.Ticket) error {
					x.Votes = append(x.Votes, oversight.Vote{Reviewer: fmt.Sprintf("w%d-%d", w, i), Time: T0})
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, _ := s.Get(ctx, tk.ID)
	if len(got.Votes) != workers*each {
		t.Fatalf("%d votes after %d concurrent updates: updates were lost", len(got.Votes), workers*each)
	}
}

func testConcurrentClaims(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	const tickets, workers = 24, 4
	for i := range tickets {
		mustCreate(t, s, NewTicket(t, 100+i, time.Duration(i)*time.Second))
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				tk, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: fmt.Sprintf("reviewer-%d", w), Now: T0, Lease: time.Hour, MaxLevel: oversight.AnyLevel})
				if errors.Is(err, oversight.ErrQueueEmpty) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				claimed[tk.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != tickets {
		t.Fatalf("%d tickets claimed, want %d", len(claimed), tickets)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("ticket %s claimed %d times", id, n)
		}
	}
}
