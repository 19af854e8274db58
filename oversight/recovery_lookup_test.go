package oversight_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// failingDurableRecorder is a durable decision log whose lookups can fail
// with an I/O error.
type failingDurableRecorder struct {
	durableRecorder
	failFinds atomic.Bool
}

func (r *failingDurableRecorder) FindDecision(ctx context.Context, id string) (aims.Decision, error) {
	if r.failFinds.Load() {
		return aims.Decision{}, errors.New("ledger: read segment: input/output error")
	}
	return r.durableRecorder.FindDecision(ctx, id)
}

// A decision applied before a crash that took its routed ticket must not
// be held for review when its retry is routed to review: the durable log
// says it was applied. When that log cannot be read (an I/O error, not
// "no such decision"), the Gate cannot tell, and must refuse the hold
// rather than put a decision that may be in effect before reviewers who
// could reject it.
func TestRetryNotHeldWhenTheLogCannotBeRead(t *testing.T) {
	ctx := context.Background()
	rec := &failingDurableRecorder{}
	d := decision(t, "credit", "deny", 0.3, 0.5, true)
	applied := d
	applied.Oversight = &aims.OversightOutcome{Action: aims.ActionApply, Policy: "always", Time: time.Now()}
	if err := rec.Record(ctx, applied); err != nil { // applied and recorded, then the crash took its routed ticket
		t.Fatal(err)
	}
	store := &lossyStore{MemoryStore: oversight.NewMemoryStore(), from: time.Now().Add(-time.Minute), to: time.Now(), lost: true}
	g, err := oversight.New(ctx, rec, oversight.WithStore(store), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("credit", aims.RiskLimited), oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	rec.failFinds.Store(true)
	out, err := g.Submit(ctx, d)
	if err == nil {
		t.Fatalf("Submit held decision %s (ticket %v) although whether it was applied could not be read", d.ID, out.Ticket != nil)
	}
	if q, _ := g.Queue(ctx, 0); len(q) != 0 {
		t.Fatalf("the queue holds %d tickets", len(q))
	}
	rec.failFinds.Store(false)
	if _, err := g.Submit(ctx, d); !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("Submit once the log reads again: %v, want ErrTicketExists (applied already)", err)
	}
}
