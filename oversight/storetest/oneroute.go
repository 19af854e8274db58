package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// routedOf returns tk as a Gate keeps a decision it blocked (or applied,
// with applied) without review: a resolved routed ticket with tk's ID.
func routedOf(tk oversight.Ticket, applied bool) oversight.Ticket {
	rt := tk
	rt.Kind = oversight.KindRouted
	rt.State = oversight.StateResolved
	rt.Deadline = rt.CreatedAt
	action := aims.ActionBlock
	if applied {
		action = aims.ActionApply
	}
	rt.Decision.Oversight = &aims.OversightOutcome{Action: action, Policy: "always", Time: rt.CreatedAt}
	rt.Resolution = &oversight.Resolution{Action: action, Applied: applied, Time: rt.CreatedAt, Decision: rt.Decision}
	return rt
}

// testOneRoute: a Gate gives a decision's review ticket and its routed
// ticket one ID, so that of two Submits routing one decision differently
// (a retry, two replicas) only one wins. The store must let exactly one
// of concurrent Creates (or, for a DeferredIndexer, a Create and a
// CreateDeferred) of one ID succeed, and must let an Update turn a
// blocked routed ticket into an open review ticket (a retry that the
// policy holds): the ticket is then in the queue and the decision's only
// ticket.
func testOneRoute(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ctx := context.Background()
	const rounds = 8
	for i := range rounds {
		review := NewTicket(t, 100+i, time.Duration(i)*time.Second)
		routed := routedOf(review, true)
		create := []func() error{
			func() error { return s.Create(ctx, review) },
			func() error { return s.Create(ctx, routed) },
		}
		if di, ok := s.(oversight.DeferredIndexer); ok && i%2 == 1 {
			create[1] = func() error { return di.CreateDeferred(ctx, routed) }
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for j := range create {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[j] = create[j]()
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, oversight.ErrTicketExists):
				t.Fatalf("round %d: Create: %v; want ErrTicketExists for the loser", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of two Creates of ticket %s succeeded, want 1", i, won, review.ID)
		}
		found, err := s.FindByDecision(ctx, review.Decision.ID)
		if err != nil || len(found) != 1 {
			t.Fatalf("round %d: FindByDecision: %v %v, want the one ticket", i, idsOf(found), err)
		}
		if open, _ := s.CountOpen(ctx); (open == 1) != (errs[0] == nil) {
			t.Fatalf("round %d: %d open tickets; the review ticket's Create returned %v", i, open, errs[0])
		}
		// Leave the queue empty for the next round.
		if errs[0] == nil {
			resolve(t, s, review.ID, oversight.StateResolved, review.CreatedAt, review.ID+"-r")
		}
	}

	// A blocked decision held by a later Submit: the routed ticket becomes
	// the review ticket.
	review := NewTicket(t, 200, time.Hour)
	mustCreate(t, s, routedOf(review, false))
	if _, err := s.Update(ctx, review.ID, func(x *oversight.Ticket) error {
		*x = review
		return nil
	}); err != nil {
		t.Fatalf("turning a blocked routed ticket into a review ticket: %v", err)
	}
	got, err := s.Get(ctx, review.ID)
	if err != nil || got.Kind != oversight.KindReview || !got.Open() || got.Resolution != nil {
		t.Fatalf("Get after the change: %+v %v", got, err)
	}
	if q, _ := s.Open(ctx, 0); len(q) != 1 || q[0].ID != review.ID {
		t.Fatalf("Open lists %v, want %s", idsOf(q), review.ID)
	}
	if due, _ := s.Overdue(ctx, review.Deadline, 0); len(due) != 1 || due[0].ID != review.ID {
		t.Fatalf("Overdue lists %v, want %s", idsOf(due), review.ID)
	}
	c, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "alice", Now: review.CreatedAt, Lease: time.Minute})
	if err != nil || c.ID != review.ID {
		t.Fatalf("Claim: %s %v, want %s", c.ID, err, review.ID)
	}
}
