package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
)

// submitHeld submits a new adverse decision g holds and returns its
// ticket ID and the decision.
func submitHeld(t *testing.T, g *oversight.Gate) (string, aims.Decision) {
	t.Helper()
	ctx := context.Background()
	d, err := aims.NewDecision(ctx, "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Output, d.Adverse = "deny", true
	o, err := g.Submit(ctx, d)
	if err != nil || !o.Pending() {
		t.Fatalf("submit: %+v, %v", o, err)
	}
	if len(o.Ticket.Unrecorded) != 0 {
		t.Fatalf("Submit returned a ticket listing %d unrecorded records after writing them", len(o.Ticket.Unrecorded))
	}
	return o.Ticket.ID, d
}

// unrecorded returns the IDs of the records the file lists on ticket id.
func unrecorded(t *testing.T, s *boltstore.Store, id string) []string {
	t.Helper()
	got, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range got.Unrecorded {
		ids = append(ids, d.ID)
	}
	return ids
}

// The record of a held decision, written to a recorder that finds every
// recorded decision, is taken off its ticket without a commit of its
// own: the next write transaction (here the next held decision's Create)
// commits it.
func TestHeldRecordClearedWithNextCommit(t *testing.T) {
	ctx := context.Background()
	rec := &durableRecorder{}
	path := filepath.Join(t.TempDir(), "tickets.db")
	s, g := openDeferred(t, path, time.Hour, rec)
	defer s.Close(ctx)
	defer g.Close(ctx)
	first, d := submitHeld(t, g)
	if _, err := rec.FindDecision(ctx, d.ID); err != nil {
		t.Fatalf("the held decision is not recorded: %v", err)
	}
	// The file still lists the record: taking it off waits for a commit.
	if ids := unrecorded(t, s, first); len(ids) != 1 || ids[0] != d.ID {
		t.Fatalf("right after Submit the file lists %v on the held ticket; want the clear deferred ([%s])", ids, d.ID)
	}
	if n := boltstore.WaitingUpdates(s); n != 1 {
		t.Fatalf("%d deferred changes waiting, want 1", n)
	}
	if !boltstore.FlushArmed(s) {
		t.Fatal("the flush timer is not armed for the waiting clear")
	}
	second, _ := submitHeld(t, g)
	if ids := unrecorded(t, s, first); len(ids) != 0 {
		t.Fatalf("after the next commit the first ticket still lists %v", ids)
	}
	if ids := unrecorded(t, s, second); len(ids) != 1 {
		t.Fatalf("the second ticket lists %v, want its own record until the next commit", ids)
	}
	// Close commits what waits.
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
	if ids := unrecorded(t, s2, second); len(ids) != 0 {
		t.Fatalf("after Close and reopening the second ticket still lists %v", ids)
	}
}

// The flush timer commits a waiting clear when no other write comes.
func TestHeldRecordClearedByTimer(t *testing.T) {
	ctx := context.Background()
	s, g := openDeferred(t, filepath.Join(t.TempDir(), "tickets.db"), 5*time.Millisecond, &durableRecorder{})
	defer s.Close(ctx)
	defer g.Close(ctx)
	id, _ := submitHeld(t, g)
	// Not a timed assertion: it waits for the timer's commit, however
	// late, and gives up only after a very long time.
	for deadline := time.Now().Add(30 * time.Second); boltstore.WaitingUpdates(s) > 0; {
		if time.Now().After(deadline) {
			t.Fatal("the flush timer never committed the waiting clear")
		}
		time.Sleep(time.Millisecond)
	}
	if ids := unrecorded(t, s, id); len(ids) != 0 {
		t.Fatalf("after the timer's commit the ticket lists %v", ids)
	}
}

// A reviewer's claim committed before the deferred clear keeps the claim,
// and the clear applies too; a transaction that fails keeps the waiting
// clear for the next one.
func TestDeferredClearAndClaim(t *testing.T) {
	ctx := context.Background()
	s, g := openDeferred(t, filepath.Join(t.TempDir(), "tickets.db"), time.Hour, &durableRecorder{})
	defer s.Close(ctx)
	defer g.Close(ctx)
	id, _ := submitHeld(t, g)
	boom := errors.New("refused")
	if _, err := s.Update(ctx, id, func(*oversight.Ticket) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want %v", err, boom)
	}
	if n := boltstore.WaitingUpdates(s); n != 1 {
		t.Fatalf("after a failed transaction %d deferred changes wait, want 1", n)
	}
	claimed, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: "alice", Now: time.Now(), Lease: time.Minute, MaxLevel: oversight.AnyLevel})
	if err != nil || claimed.ID != id {
		t.Fatalf("Claim = %s, %v; want %s", claimed.ID, err, id)
	}
	if claimed.ClaimedBy != "alice" || len(claimed.Unrecorded) != 0 {
		t.Fatalf("Claim returned claimed by %q with %d unrecorded; want alice and none", claimed.ClaimedBy, len(claimed.Unrecorded))
	}
	got, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClaimedBy != "alice" || len(got.Unrecorded) != 0 || !got.RecordingUntil.IsZero() {
		t.Fatalf("stored: claimed by %q, %d unrecorded, lease %v; want alice, none, zero", got.ClaimedBy, len(got.Unrecorded), got.RecordingUntil)
	}
	if n := boltstore.WaitingUpdates(s); n != 0 {
		t.Fatalf("%d deferred changes wait after the claim's commit", n)
	}
}

// Deferred changes are bounded like routed tickets: at the limit the
// caller commits what waits.
func TestDeferredUpdatesBounded(t *testing.T) {
	ctx := context.Background()
	s, g := openDeferred(t, filepath.Join(t.TempDir(), "tickets.db"), time.Hour, &durableRecorder{})
	defer s.Close(ctx)
	defer g.Close(ctx)
	id, _ := submitHeld(t, g)
	boltstore.SetIndexFlushLimit(s, 3)
	for range 10 {
		if err := s.UpdateDeferred(ctx, id, func(t *oversight.Ticket) error { t.Reason += "x"; return nil }); err != nil {
			t.Fatal(err)
		}
		if n := boltstore.WaitingUpdates(s); n > 3 {
			t.Fatalf("%d deferred changes wait, limit 3", n)
		}
	}
}
