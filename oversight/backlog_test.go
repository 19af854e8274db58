package oversight_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// A held decision whose own record the ledger refused is in the queue all
// the same (a reviewer may resolve it), so the record of its routing must
// reach the ledger: the next Sweep writes it, once, and the review that
// follows links to a decision the ledger holds.
func TestHeldDecisionRecordRetriedOnce(t *testing.T) {
	ctx := context.Background()
	led := &flakyLedger{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, led, oversight.NewMemoryStore(), clock)
	d := decision(t, "credit", "deny", 0.3, 0.5, true)
	led.failNext(1)
	out, err := g.Submit(ctx, d)
	if err == nil {
		t.Fatal("Submit reported no error although the ledger refused the decision's record")
	}
	if out.Applied || out.Ticket == nil {
		t.Fatalf("Submit = %+v; want the decision held, not applied", out)
	}
	if q, _ := g.Queue(ctx, 0); len(q) != 1 {
		t.Fatalf("queue holds %d tickets, want the held one", len(q))
	}
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("second Sweep: %v", err)
	}
	if n := led.copies()[d.ID]; n != 1 {
		t.Fatalf("the ledger holds %d copies of the held decision's record %s, want 1", n, d.ID)
	}
	got, _ := led.FindDecision(ctx, d.ID)
	if got.Oversight == nil || got.Oversight.Action != aims.ActionReview || got.Oversight.TicketID != out.Ticket.ID {
		t.Fatalf("recovered record's oversight = %+v, want review on ticket %s", got.Oversight, out.Ticket.ID)
	}
	if _, err := g.Approve(ctx, out.Ticket.ID, alice, "checked"); err != nil {
		t.Fatal(err)
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
		t.Errorf("the ticket still lists %d unrecorded records", len(tk.Unrecorded))
	}
}

// A held decision whose record was written leaves nothing on its ticket,
// in the store or in the Outcome.
func TestHeldDecisionRecordNotLeftOnTicket(t *testing.T) {
	ctx := context.Background()
	led := &flakyLedger{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, led, oversight.NewMemoryStore(), clock)
	out, err := g.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := g.Ticket(ctx, out.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Unrecorded) != 0 || !tk.RecordingUntil.IsZero() || len(out.Ticket.Unrecorded) != 0 {
		t.Fatalf("ticket keeps %d unrecorded records (lease %v), Outcome's %d", len(tk.Unrecorded), tk.RecordingUntil, len(out.Ticket.Unrecorded))
	}
}

// plainStore is a third-party store: the Store methods only, no
// UnrecordedLister.
type plainStore struct{ oversight.Store }

// With a store that cannot list the records its tickets still hold, a
// record whose write failed has nothing to find it: the Gate either
// refuses such a store up front or still gets the record into the ledger.
func TestStoreWithoutBacklogListingNotSilent(t *testing.T) {
	ctx := context.Background()
	led := &flakyLedger{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	store := plainStore{oversight.NewMemoryStore()}
	g, err := oversight.New(ctx, led, oversight.WithStore(store), oversight.WithClock(clock.Now), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("credit", aims.RiskLimited), oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")))
	if err != nil {
		if !strings.Contains(err.Error(), "UnrecordedLister") {
			t.Fatalf("New refused the store without saying what it lacks: %v", err)
		}
		return // refused up front: nothing can be lost silently
	}
	defer g.Close(ctx)
	out, err := g.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	led.failNext(1)
	res, err := g.Approve(ctx, out.Ticket.ID, alice, "checked")
	if err == nil {
		t.Fatal("Approve reported no error although the ledger refused the record")
	}
	clock.Advance(2 * time.Minute)
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n := led.copies()[res.Decision.ID]; n != 1 {
		t.Fatalf("the approval committed in the store is in the ledger %d times after a Sweep, want 1 (or New refusing the store)", n)
	}
}

// A halt and a resume take effect in the store; when the ledger refuses
// their records, the next Sweep writes each, once.
func TestHaltAndResumeRecordsRetriedOnce(t *testing.T) {
	ctx := context.Background()
	led := &flakyLedger{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	store := oversight.NewMemoryStore()
	g := newLedgerGate(t, led, store, clock)
	led.failNext(1)
	if err := g.Halt(ctx, "credit", alice, "drift alarm"); err == nil {
		t.Fatal("Halt reported no error although the ledger refused its record")
	}
	if !g.Halted("credit") {
		t.Fatal("the halt did not take effect")
	}
	led.failNext(1)
	if err := g.Resume(ctx, "credit", alice, "retrained"); err == nil {
		t.Fatal("Resume reported no error although the ledger refused its record")
	}
	if g.Halted("credit") {
		t.Fatal("the resume did not take effect")
	}
	if len(led.copies()) != 0 {
		t.Fatalf("the ledger holds %d records, want none yet", len(led.copies()))
	}
	// A new Gate on the same store, after the writer's lease, writes them.
	clock.Advance(2 * time.Minute)
	g2 := newLedgerGate(t, led, store, clock)
	for range 2 {
		if _, err := g2.Sweep(ctx); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
	}
	got := map[aims.OversightAction]int{}
	for id, n := range led.copies() {
		if n != 1 {
			t.Errorf("record %s is in the ledger %d times", id, n)
		}
		d, _ := led.FindDecision(ctx, id)
		got[d.Oversight.Action]++
		if d.SystemID != "credit" || d.Oversight.Reviewer != "alice" {
			t.Errorf("record %s = %+v", id, d)
		}
	}
	if got[aims.ActionHalt] != 1 || got[aims.ActionResume] != 1 || len(got) != 2 {
		t.Fatalf("the ledger holds %v, want one halt and one resume record", got)
	}
	for id := range led.copies() {
		if _, err := g2.Contest(ctx, id, "not a decision"); !errors.Is(err, oversight.ErrDecisionNotFound) {
			t.Errorf("contest of the halt or resume record %s: %v, want ErrDecisionNotFound", id, err)
		}
	}
}

// flakySystem is an aims.System whose Record fails while failing is set.
type flakySystem struct {
	*aims.System
	mu      sync.Mutex
	failing bool
}

func (s *flakySystem) Record(ctx context.Context, d aims.Decision) error {
	s.mu.Lock()
	fail := s.failing
	s.mu.Unlock()
	if fail {
		return errors.New("ledger: fsync: input/output error")
	}
	return s.System.Record(ctx, d)
}

func (s *flakySystem) fail(on bool) {
	s.mu.Lock()
	s.failing = on
	s.mu.Unlock()
}

// A contest that changed the decision on review opens its incident also
// when the decision log refused the resolution's record: the resolution
// stands in the store (Sweep writes its record later), and the incident
// is evidence of its own that nothing else would ever open.
func TestChangedContestOpensIncidentWhenRecordFails(t *testing.T) {
	ctx := context.Background()
	sys, err := aims.NewSystem("credit", aims.WithRiskLevel(aims.RiskLimited),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}, aims.Outcome{Value: "referred"}))
	if err != nil {
		t.Fatal(err)
	}
	book, err := aims.NewIncidentBook(sys)
	if err != nil {
		t.Fatal(err)
	}
	rec := &flakySystem{System: sys}
	g, err := oversight.New(ctx, rec, oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithSweepInterval(0), oversight.WithIncidents(book))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = g.Close(ctx)
		_ = book.Close(ctx)
		_ = sys.Close(ctx)
	})
	lee := oversight.Reviewer{ID: "r.lee", Roles: []string{"reviewer"}}
	kim := oversight.Reviewer{ID: "r.kim", Roles: []string{"reviewer"}}
	d, err := sys.NewDecision(ctx, aims.Draft{Output: "deny"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.Submit(ctx, d)
	if err != nil || !out.Pending() {
		t.Fatalf("submit: %v %v", out.Action, err)
	}
	res, err := g.Reject(ctx, out.Ticket.ID, lee, "income too low")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := g.Contest(ctx, res.Decision.ID, "my second job was not counted")
	if err != nil {
		t.Fatal(err)
	}
	rec.fail(true)
	over, err := g.Override(ctx, ct.ID, kim, "approve", "second income verified")
	rec.fail(false)
	if err == nil {
		t.Fatal("Override reported no error although the decision log refused its record")
	}
	if over.Ticket == nil || over.Ticket.State != oversight.StateResolved {
		t.Fatalf("the override did not resolve the contest: %+v", over)
	}
	list := book.List(aims.IncidentFilter{})
	if len(list) != 1 {
		t.Fatalf("%d incidents after a changed contest whose record failed, want 1", len(list))
	}
	if !slices.Contains(list[0].Decisions, over.Decision.ID) || list[0].Source != aims.SourceContest {
		t.Fatalf("contest incident %+v", list[0])
	}
}

// poisonLedger refuses, for good, every record of the system "poison",
// and accepts the others.
type poisonLedger struct{ flakyLedger }

func (l *poisonLedger) Record(ctx context.Context, d aims.Decision) error {
	if d.SystemID == "poison" {
		return errors.New("ledger: not this system's decision")
	}
	return l.flakyLedger.Record(ctx, d)
}

// Records the decision log refuses for good do not keep Sweep from
// writing the others: a Sweep handles at most 64 tickets, oldest first,
// so without a pause after a failed attempt 64 such tickets would take
// every Sweep's turn and starve the records behind them.
func TestSweepNotStarvedByRefusedRecords(t *testing.T) {
	ctx := context.Background()
	led := &poisonLedger{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, led, oversight.NewMemoryStore(), clock, oversight.WithRiskLevel("poison", aims.RiskLimited))
	for range 70 {
		if _, err := g.Submit(ctx, decision(t, "poison", "deny", 0.3, 0.5, true)); err == nil {
			t.Fatal("the refused record was reported written")
		}
		clock.Advance(time.Second)
	}
	d := decision(t, "credit", "deny", 0.3, 0.5, true)
	led.failNext(1)
	if _, err := g.Submit(ctx, d); err == nil {
		t.Fatal("Submit reported no error although the ledger refused the record")
	}
	for range 3 {
		_, _ = g.Sweep(ctx) // the poisoned records fail, every time
	}
	if n := led.copies()[d.ID]; n != 1 {
		t.Fatalf("after three Sweeps the ledger holds %d copies of the record behind 70 refused ones, want 1", n)
	}
}
