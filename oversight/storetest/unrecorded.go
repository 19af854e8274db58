package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// testUnrecorded checks the listing of tickets whose decision records the
// Gate has not yet written (oversight.UnrecordedLister, which every store
// a Gate accepts implements): listed oldest
// first, only once their recording lease has run out, never after they
// were written, kept by PurgeResolved, and stored intact.
func testUnrecorded(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	ul, ok := s.(oversight.UnrecordedLister)
	if !ok {
		t.Fatal("store cannot list unrecorded records: oversight.New refuses a store that is not an oversight.UnrecordedLister")
	}
	ctx := context.Background()
	record := func(tk *oversight.Ticket, id string) aims.Decision {
		d := tk.Decision
		d.ID = id
		d.Oversight = &aims.OversightOutcome{Action: aims.ActionApprove, Reviewer: "alice", TicketID: tk.ID, RelatedDecisionID: tk.Decision.ID, Time: T0}
		return d
	}
	a, b, c, d := NewTicket(t, 1, 0), NewTicket(t, 2, time.Minute), NewTicket(t, 3, 2*time.Minute), NewTicket(t, 4, 3*time.Minute)
	a.Unrecorded = []aims.Decision{record(&a, "01900000-0000-7000-8000-200000000001")}
	d.Unrecorded = []aims.Decision{record(&d, "01900000-0000-7000-8000-200000000004")}
	for _, tk := range []oversight.Ticket{a, b, c, d} {
		mustCreate(t, s, tk)
	}
	resolve(t, s, b.ID, oversight.StateResolved, T0.Add(time.Hour), "01900000-0000-7000-8000-200000000002")
	_, err := s.Update(ctx, b.ID, func(x *oversight.Ticket) error {
		x.Unrecorded = []aims.Decision{record(&b, x.Resolution.Decision.ID)}
		x.RecordingUntil = T0.Add(time.Hour)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list := func(now time.Time, limit int) []string {
		t.Helper()
		ts, err := ul.Unrecorded(ctx, now, limit)
		if err != nil {
			t.Fatalf("Unrecorded: %v", err)
		}
		return idsOf(ts)
	}
	if got, want := list(T0.Add(10*time.Minute), 10), []string{a.ID, d.ID}; !slices.Equal(got, want) {
		t.Errorf("Unrecorded during b's lease = %v, want %v", got, want)
	}
	if got, want := list(T0.Add(time.Hour), 10), []string{a.ID, b.ID, d.ID}; !slices.Equal(got, want) {
		t.Errorf("Unrecorded after b's lease = %v, want %v", got, want)
	}
	if got, want := list(T0.Add(2*time.Hour), 2), []string{a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("Unrecorded with limit 2 = %v, want %v", got, want)
	}
	got, err := s.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Unrecorded) != 1 || got.Unrecorded[0].ID != "01900000-0000-7000-8000-200000000002" ||
		got.Unrecorded[0].Oversight == nil || got.Unrecorded[0].Oversight.Reviewer != "alice" ||
		!got.RecordingUntil.Equal(T0.Add(time.Hour)) {
		t.Errorf("stored unrecorded records = %+v until %v", got.Unrecorded, got.RecordingUntil)
	}
	if p, ok := s.(oversight.Purger); ok {
		if n, err := p.PurgeResolved(ctx, T0.Add(1000*time.Hour)); err != nil || n != 0 {
			t.Fatalf("PurgeResolved = %d, %v; want 0: the resolved ticket's record is not written yet", n, err)
		}
	}
	for _, id := range []string{b.ID, a.ID} {
		_, err := s.Update(ctx, id, func(x *oversight.Ticket) error {
			x.Unrecorded, x.RecordingUntil = nil, time.Time{}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := list(T0.Add(2*time.Hour), 10), []string{d.ID}; !slices.Equal(got, want) {
		t.Errorf("Unrecorded after a's and b's records were written = %v, want %v", got, want)
	}
	if p, ok := s.(oversight.Purger); ok {
		if n, err := p.PurgeResolved(ctx, T0.Add(1000*time.Hour)); err != nil || n != 1 {
			t.Fatalf("PurgeResolved = %d, %v; want 1 once its record is written", n, err)
		}
	}
	if _, err := ul.Unrecorded(ctx, T0, 0); err == nil {
		t.Error("Unrecorded with limit 0 returned no error")
	}
}

// haltRecordTicket is a closed ticket holding the record of a halt or
// resume, as the Gate stores it with the change.
func haltRecordTicket(t *testing.T, n int, action aims.OversightAction) oversight.Ticket {
	tk := NewTicket(t, n, 0)
	tk.Kind = oversight.KindHalt
	tk.State = oversight.StateResolved
	tk.Decision.Oversight = &aims.OversightOutcome{Action: action, Reviewer: "alice", Reason: "drift", Time: T0}
	tk.Resolution = &oversight.Resolution{Action: action, Reviewer: "alice", Time: T0, Decision: tk.Decision}
	tk.Unrecorded = []aims.Decision{tk.Decision}
	tk.RecordingUntil = T0.Add(time.Minute)
	return tk
}

// testHaltTicket checks oversight.HaltTicketStore: a halt or resume and
// the ticket holding its record are stored both or neither.
func testHaltTicket(t *testing.T, s oversight.Store) {
	defer closeStore(t, s)
	hts, ok := s.(oversight.HaltTicketStore)
	if !ok {
		t.Skip("store cannot store a halt with its record's ticket (no oversight.HaltTicketStore)")
	}
	ctx := context.Background()
	halts := func() []string {
		t.Helper()
		hl, err := hts.Halts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hl {
			out = append(out, h.SystemID)
		}
		slices.Sort(out)
		return out
	}
	unrecorded := func() []string {
		t.Helper()
		ts, err := s.(oversight.UnrecordedLister).Unrecorded(ctx, T0.Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		return idsOf(ts)
	}
	h := oversight.Halt{SystemID: "credit", By: "alice", Reason: "drift", Since: T0}
	halt := haltRecordTicket(t, 1, aims.ActionHalt)
	if err := hts.SetHaltWith(ctx, h, halt); err != nil {
		t.Fatalf("SetHaltWith: %v", err)
	}
	if got := halts(); !slices.Equal(got, []string{"credit"}) {
		t.Fatalf("halts after SetHaltWith = %v", got)
	}
	got, err := s.Get(ctx, halt.ID)
	if err != nil || got.Kind != oversight.KindHalt || len(got.Unrecorded) != 1 || got.Unrecorded[0].ID != halt.Decision.ID {
		t.Fatalf("the halt's record ticket = %+v, %v", got, err)
	}
	// A ticket ID already taken stores neither.
	other := oversight.Halt{SystemID: "hiring", By: "alice", Reason: "drift", Since: T0}
	if err := hts.SetHaltWith(ctx, other, halt); !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("SetHaltWith with a taken ticket ID: %v, want ErrTicketExists", err)
	}
	if got := halts(); !slices.Equal(got, []string{"credit"}) {
		t.Fatalf("halts after a refused SetHaltWith = %v, want only credit", got)
	}
	if was, err := hts.ClearHaltWith(ctx, "credit", halt); was || !errors.Is(err, oversight.ErrTicketExists) {
		t.Fatalf("ClearHaltWith with a taken ticket ID: %v, %v; want ErrTicketExists", was, err)
	}
	if got := halts(); !slices.Equal(got, []string{"credit"}) {
		t.Fatalf("halts after a refused ClearHaltWith = %v, want credit still halted", got)
	}
	// A resume of a system that is not halted stores nothing.
	idle := haltRecordTicket(t, 3, aims.ActionResume)
	if was, err := hts.ClearHaltWith(ctx, "hiring", idle); was || err != nil {
		t.Fatalf("ClearHaltWith of a system not halted = %v, %v", was, err)
	}
	if _, err := s.Get(ctx, idle.ID); !errors.Is(err, oversight.ErrTicketNotFound) {
		t.Fatalf("ClearHaltWith of a system not halted stored its ticket: %v", err)
	}
	resume := haltRecordTicket(t, 2, aims.ActionResume)
	if was, err := hts.ClearHaltWith(ctx, "credit", resume); !was || err != nil {
		t.Fatalf("ClearHaltWith = %v, %v", was, err)
	}
	if got := halts(); len(got) != 0 {
		t.Fatalf("halts after ClearHaltWith = %v", got)
	}
	if got, want := unrecorded(), []string{halt.ID, resume.ID}; !slices.Equal(got, want) {
		t.Fatalf("Unrecorded = %v, want the halt's and the resume's tickets %v", got, want)
	}
}
