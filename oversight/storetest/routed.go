package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// testRoutedAndContests: a Gate keeps decisions it applied without review
// as tickets created already resolved (KindRouted) and links contests to
// them; the store must find them by decision ID, keep them out of the
// queue, and keep the contest links and vote levels.
func testRoutedAndContests(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	rt := NewTicket(t, 1, 0)
	rt.Kind = oversight.KindRouted
	rt.State = oversight.StateResolved
	rt.Deadline = rt.CreatedAt
	rt.Decision.Oversight = &aims.OversightOutcome{Action: aims.ActionApply, Policy: "always", Time: rt.CreatedAt}
	rt.Resolution = &oversight.Resolution{Action: aims.ActionApply, Applied: true, Time: rt.CreatedAt, Decision: rt.Decision}
	mustCreate(t, s, rt)
	open := NewTicket(t, 2, time.Second)
	mustCreate(t, s, open)

	found, err := s.FindByDecision(ctx, rt.Decision.ID)
	if err != nil || len(found) != 1 || found[0].ID != rt.ID || found[0].Kind != oversight.KindRouted {
		t.Fatalf("FindByDecision of a routed decision: %v %v", idsOf(found), err)
	}
	if q, _ := s.Open(ctx, 0); len(q) != 1 || q[0].ID != open.ID {
		t.Fatalf("Open lists %v, want only %s", idsOf(q), open.ID)
	}
	if n, _ := s.CountOpen(ctx); n != 1 {
		t.Fatalf("CountOpen %d, want 1", n)
	}
	if due, _ := s.Overdue(ctx, T0.Add(time.Hour), 0); len(due) != 1 || due[0].ID != open.ID {
		t.Fatalf("Overdue lists %v", idsOf(due))
	}

	contest := NewTicket(t, 3, 2*time.Second)
	contest.Kind = oversight.KindContest
	contest.ContestOf = rt.ID
	contest.Votes = []oversight.Vote{{Reviewer: "carol", Action: aims.ActionApprove, Output: "deny", Time: T0, Level: 1}}
	if _, err := s.Update(ctx, rt.ID, func(x *oversight.Ticket) error {
		x.Contests = append(x.Contests, contest.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, contest)
	got, err := s.Get(ctx, rt.ID)
	if err != nil || !reflect.DeepEqual(got.Contests, []string{contest.ID}) {
		t.Fatalf("contest link not kept: %v %v", got.Contests, err)
	}
	c, err := s.Get(ctx, contest.ID)
	if err != nil || c.ContestOf != rt.ID || len(c.Votes) != 1 || c.Votes[0].Level != 1 {
		t.Fatalf("contest ticket not kept: %+v %v", c, err)
	}
}

// testNormalisedIneligible: identities on tickets written before they
// were normalised ("Bob") still keep "bob" from claiming.
func testNormalisedIneligible(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	tk := NewTicket(t, 1, 0)
	tk.Submitter = " Bob"
	mustCreate(t, s, tk)
	if got, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "bob", Now: T0.Add(time.Minute), Lease: time.Minute, MaxLevel: oversight.AnyLevel}); err == nil {
		t.Fatalf("bob claimed %s, submitted by %q", got.ID, tk.Submitter)
	}
}
