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

// ackLostLedger keeps every record it is given, but can report a write
// as failed after keeping it (the acknowledgement was lost), and can fail
// its lookups with an I/O error while the record is there.
type ackLostLedger struct {
	mu       sync.Mutex
	recs     []aims.Decision
	loseAcks int
	findErr  error
}

func (l *ackLostLedger) Record(_ context.Context, d aims.Decision) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, d)
	if l.loseAcks > 0 {
		l.loseAcks--
		return errors.New("ledger: fsync acknowledgement lost")
	}
	return nil
}

func (l *ackLostLedger) Clean(d *aims.Decision) error { return testPrivacy.Clean(d) }

func (l *ackLostLedger) FindDecision(_ context.Context, id string) (aims.Decision, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.findErr != nil {
		return aims.Decision{}, l.findErr
	}
	for _, d := range l.recs {
		if d.ID == id {
			return d, nil
		}
	}
	return aims.Decision{}, fmtNotRecorded(id)
}

func fmtNotRecorded(id string) error {
	return errors.Join(aims.ErrDecisionNotRecorded, errors.New(id))
}

func (l *ackLostLedger) copies(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, d := range l.recs {
		if d.ID == id {
			n++
		}
	}
	return n
}

// A Sweep whose lookup of a record fails (an I/O error, not "there is no
// such record") cannot know whether the record is in the Recorder: it
// must not write it a second time, but try again later.
func TestSweepLookupErrorDoesNotWriteTwice(t *testing.T) {
	ctx := context.Background()
	led := &ackLostLedger{loseAcks: 1}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, led, oversight.NewMemoryStore(), clock)
	d := decision(t, "credit", "deny", 0.3, 0.5, true)
	if _, err := g.Submit(ctx, d); err == nil {
		t.Fatal("Submit reported no error although the ledger reported the write as failed")
	}
	led.mu.Lock()
	led.findErr = errors.New("ledger: read segment: input/output error")
	led.mu.Unlock()
	if _, err := g.Sweep(ctx); err == nil {
		t.Error("Sweep reported no error although it could not tell whether the record was written")
	}
	if n := led.copies(d.ID); n != 1 {
		t.Fatalf("the ledger holds %d copies of record %s after a Sweep whose lookup failed, want 1", n, d.ID)
	}
	led.mu.Lock()
	led.findErr = nil
	led.mu.Unlock()
	clock.Advance(2 * time.Minute)
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n := led.copies(d.ID); n != 1 {
		t.Fatalf("the ledger holds %d copies of record %s, want 1", n, d.ID)
	}
	tickets, err := g.Queue(ctx, 0)
	if err != nil || len(tickets) != 1 {
		t.Fatalf("queue: %v, %d tickets", err, len(tickets))
	}
	if tk, _ := g.Ticket(ctx, tickets[0].ID); len(tk.Unrecorded) != 0 {
		t.Fatalf("the ticket still lists %d unrecorded records", len(tk.Unrecorded))
	}
}
