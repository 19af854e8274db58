package oversight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aimskit/aimskit/oversight"
)

// TestContestsPerSubjectAreBounded: the last tenth of the review queue is
// kept for contests, and one client contesting decision after decision
// of one person could spend all of it, so that nobody else can contest.
// Each person (the decision's pseudonymised Subject) may have at most
// DefaultMaxOpenContestsPerSubject open contests: the next is refused
// with ErrQueueFull (ErrTooManyContests) and nothing is stored or
// recorded; another person still contests, and the first may again once
// one of their contests is resolved.
func TestContestsPerSubjectAreBounded(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	const ann, ben = "hs256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "hs256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	applied := func(subject string) string {
		t.Helper()
		d := decision(t, "credit", "approve", 0.8, 0.5, false)
		d.Subject = subject
		out, err := h.gate.Submit(ctx, d)
		if err != nil || !out.Applied {
			t.Fatalf("Submit: %+v, %v", out, err)
		}
		return d.ID
	}
	const bound = oversight.DefaultMaxOpenContestsPerSubject
	var anns []oversight.Ticket
	for range bound {
		ct, err := h.gate.Contest(ctx, applied(ann), "my income was misread")
		if err != nil {
			t.Fatalf("contest %d of %d: %v", len(anns)+1, bound, err)
		}
		anns = append(anns, ct)
	}
	open, _ := h.store.CountOpen(ctx)
	recorded := len(h.rec.all())
	over := applied(ann)
	_, err := h.gate.Contest(ctx, over, "my income was misread")
	if !errors.Is(err, oversight.ErrQueueFull) || !errors.Is(err, oversight.ErrTooManyContests) {
		t.Fatalf("contest %d of one person: %v, want ErrTooManyContests (an ErrQueueFull)", bound+1, err)
	}
	if n, _ := h.store.CountOpen(ctx); n != open {
		t.Fatalf("a refused contest left %d open tickets, want %d", n, open)
	}
	h.rec.mu.Lock()
	attempts := append([]oversight.Attempt(nil), h.rec.attempts...)
	h.rec.mu.Unlock()
	if len(attempts) != 1 || attempts[0].Refusal != "too_many_contests" {
		t.Fatalf("refused attempts %+v, want one too_many_contests", attempts)
	}
	if n := len(h.rec.all()); n != recorded+1 { // the applied decision only
		t.Fatalf("%d records after a refused contest, want %d", n, recorded+1)
	}
	if ts, err := h.store.FindByDecision(ctx, over); err != nil || len(ts) != 1 || len(ts[0].Contests) != 0 {
		t.Fatalf("a refused contest stored something: %+v, %v", ts, err)
	}
	if _, err := h.gate.Contest(ctx, applied(ben), "my income was misread"); err != nil {
		t.Fatalf("another person could not contest: %v", err)
	}
	if _, err := h.gate.Reject(ctx, anns[0].ID, bob, "the income was misread"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Contest(ctx, over, "my income was misread"); err != nil {
		t.Fatalf("a contest after one of the person's contests was resolved: %v", err)
	}
}

// TestMaxOpenContestsPerSubjectOption: the bound can be raised, and a
// bound below one is refused by New.
func TestMaxOpenContestsPerSubjectOption(t *testing.T) {
	if _, err := oversight.New(context.Background(), &fakeRecorder{}, oversight.WithMaxOpenContestsPerSubject(0)); err == nil {
		t.Fatal("WithMaxOpenContestsPerSubject(0) accepted")
	}
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithMaxOpenContestsPerSubject(1))
	ctx := context.Background()
	var ids []string
	for range 2 {
		d := decision(t, "credit", "approve", 0.8, 0.5, false)
		if _, err := h.gate.Submit(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if _, err := h.gate.Contest(ctx, ids[0], "wrong"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.gate.Contest(ctx, ids[1], "wrong"); !errors.Is(err, oversight.ErrTooManyContests) {
		t.Fatalf("second contest with a bound of 1: %v, want ErrTooManyContests", err)
	}
}

// TestContestsWithoutSubjectAreNotOnePerson: decisions without a Subject
// name nobody, so their contests are not counted as one person's (a few
// contests would otherwise shut out every other one); the queue's bound
// still holds them.
func TestContestsWithoutSubjectAreNotOnePerson(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithMaxOpenContestsPerSubject(1))
	ctx := context.Background()
	for i := range 3 {
		d := decision(t, "credit", "approve", 0.8, 0.5, false)
		d.Subject = ""
		if _, err := h.gate.Submit(ctx, d); err != nil {
			t.Fatal(err)
		}
		if _, err := h.gate.Contest(ctx, d.ID, "wrong"); err != nil {
			t.Fatalf("contest %d of a decision without a subject: %v", i+1, err)
		}
	}
}

// listingStore hides every optional interface of its store but the
// UnrecordedLister New requires: a third-party store without a
// ContestCounter.
type listingStore struct {
	oversight.Store
	oversight.UnrecordedLister
}

// TestContestBoundWithoutContestCounter: with a store that cannot count
// a person's contests, the Gate counts them in the open tickets.
func TestContestBoundWithoutContestCounter(t *testing.T) {
	ms := oversight.NewMemoryStore()
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithStore(listingStore{ms, ms}), oversight.WithMaxOpenContestsPerSubject(2))
	ctx := context.Background()
	for i := range 3 {
		d := decision(t, "credit", "approve", 0.8, 0.5, false)
		if _, err := h.gate.Submit(ctx, d); err != nil {
			t.Fatal(err)
		}
		_, err := h.gate.Contest(ctx, d.ID, "wrong")
		if i < 2 && err != nil {
			t.Fatalf("contest %d: %v", i+1, err)
		}
		if i == 2 && !errors.Is(err, oversight.ErrTooManyContests) {
			t.Fatalf("contest 3 with a bound of 2: %v, want ErrTooManyContests", err)
		}
	}
}
