package boltstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// A held decision's record is kept apart from its ticket, as a reference
// to the ticket's decision, so that it is not encoded twice and taking it
// off once written (the deferred clear) neither decodes nor rewrites the
// ticket; the ticket reads the same with its record, and without it
// after the clear.
func TestHeldRecordKeptApartAndClearedWithoutDecoding(t *testing.T) {
	ctx := context.Background()
	rec := &durableRecorder{}
	s, g := openDeferred(t, filepath.Join(t.TempDir(), "tickets.db"), time.Hour, rec)
	defer s.Close(ctx)
	defer g.Close(ctx)
	id, d := submitHeld(t, g)
	ticket, records, listed, err := boltstore.StoredRecords(s, id)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ticket, []byte(`"unrecorded"`)) {
		t.Fatalf("the ticket's JSON holds its record: %s", ticket)
	}
	// The record is the ticket's decision: it is stored once, in the
	// ticket, and the unrecorded bucket refers to it.
	if !listed || !bytes.Contains(records, []byte(`"ids":["`+d.ID+`"]`)) || !bytes.Contains(records, []byte(`"unrecorded":[null]`)) {
		t.Fatalf("the unrecorded bucket keeps %q (listed %v) for the ticket; want the held decision's ID and a reference to the ticket's decision", records, listed)
	}
	if n := bytes.Count(ticket, []byte(`"schema_version"`)); n != 1 {
		t.Fatalf("the ticket's JSON holds %d decisions, want 1: %s", n, ticket)
	}
	got, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Unrecorded) != 1 || got.Unrecorded[0].ID != d.ID || got.Unrecorded[0].Output != "deny" ||
		got.RecordingUntil.IsZero() || got.Decision.ID != d.ID || got.State != oversight.StatePending {
		t.Fatalf("Get before the clear: %d records, lease %v, decision %s, state %s", len(got.Unrecorded), got.RecordingUntil, got.Decision.ID, got.State)
	}
	if n := boltstore.CountDecodes(s, func() {
		if err := boltstore.Flush(s); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("committing the deferred clear decoded %d tickets, want 0", n)
	}
	if n := boltstore.WaitingUpdates(s); n != 0 {
		t.Fatalf("%d deferred changes wait after the flush", n)
	}
	if _, _, listed, _ := boltstore.StoredRecords(s, id); listed {
		t.Fatal("the ticket is still listed as holding records after the clear")
	}
	got, err = s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Unrecorded) != 0 || !got.RecordingUntil.IsZero() || got.Decision.ID != d.ID || got.State != oversight.StatePending {
		t.Fatalf("Get after the clear: %d records, lease %v, decision %s, state %s", len(got.Unrecorded), got.RecordingUntil, got.Decision.ID, got.State)
	}
}

// A deferred clear of a ticket a file written before the records were
// kept apart holds (records in the ticket's JSON) still takes them off.
func TestDeferredClearOfOldLayout(t *testing.T) {
	ctx := context.Background()
	s, g := openDeferred(t, filepath.Join(t.TempDir(), "tickets.db"), time.Hour, &durableRecorder{})
	defer s.Close(ctx)
	defer g.Close(ctx)
	id, d := submitHeld(t, g)
	if err := boltstore.WriteOldLayout(s, id); err != nil {
		t.Fatal(err)
	}
	ticket, records, listed, err := boltstore.StoredRecords(s, id)
	if err != nil || !listed || len(records) != 0 || !bytes.Contains(ticket, []byte(`"unrecorded":[`)) || bytes.Count(ticket, []byte(d.ID)) < 2 {
		t.Fatalf("old layout: listed %v, value %q, ticket %s, %v", listed, records, ticket, err)
	}
	if ids := unrecorded(t, s, id); len(ids) != 1 || ids[0] != d.ID {
		t.Fatalf("the old layout reads %v, want [%s]", ids, d.ID)
	}
	if err := boltstore.Flush(s); err != nil {
		t.Fatal(err)
	}
	if ids := unrecorded(t, s, id); len(ids) != 0 {
		t.Fatalf("after the clear the old-layout ticket lists %v", ids)
	}
	if ticket, _, listed, _ := boltstore.StoredRecords(s, id); listed || bytes.Contains(ticket, []byte(`"unrecorded"`)) {
		t.Fatalf("after the clear: listed %v, ticket %s", listed, ticket)
	}
}

// A reviewer's approval whose record a file written before the records
// were kept apart holds in the ticket's JSON (the decision log could not
// take it) is written to the ledger by the next run's Sweep, once.
func TestOldLayoutRecordWrittenBySweep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	skey, _, err := ledger.GenerateKey("oldlayout")
	if err != nil {
		t.Fatal(err)
	}
	s := openCrashService(t, dir, skey)
	d, err := s.sys.NewDecision(ctx, aims.Draft{Output: "deny"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.gate.Submit(ctx, d)
	if err != nil || !out.Pending() {
		t.Fatalf("Submit = %+v, %v; want held", out, err)
	}
	if err := s.sys.Close(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := s.gate.Approve(ctx, out.Ticket.ID, oversight.Reviewer{ID: "bob", Roles: []string{"reviewer"}}, "checked")
	if err == nil {
		t.Fatal("Approve reported no error with the decision log closed")
	}
	if err := boltstore.WriteOldLayout(s.store, out.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	ticket, _, listed, err := boltstore.StoredRecords(s.store, out.Ticket.ID)
	if err != nil || !listed || !bytes.Contains(ticket, []byte(`"id":"`+res.Decision.ID+`"`)) {
		t.Fatalf("old layout: listed %v, ticket %s, %v", listed, ticket, err)
	}
	_ = s.gate.Close(ctx)
	_ = s.store.Close(ctx)

	s = openCrashService(t, dir, skey)
	defer s.close(t)
	for range 2 {
		if _, err := s.gate.Sweep(ctx); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
	}
	got, err := s.sys.FindDecision(ctx, res.Decision.ID)
	if err != nil || got.Oversight == nil || got.Oversight.Action != aims.ActionApprove {
		t.Fatalf("the approval's record in the ledger: %+v, %v", got.Oversight, err)
	}
	needle := []byte(`"id":"` + res.Decision.ID + `"`)
	copies := 0
	err = ledger.ScanNewestFirst(filepath.Join(dir, "ledger"), func(r ledger.ScannedRecord) error {
		if bytes.Contains(r.Record, needle) {
			copies++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if copies != 1 {
		t.Fatalf("the ledger holds %d copies of the approval's record, want 1", copies)
	}
	if ids := unrecorded(t, s.store, out.Ticket.ID); len(ids) != 0 {
		t.Fatalf("after the Sweep the ticket still lists %v", ids)
	}
}

// Records kept apart read back as they were given: one equal to the
// ticket's decision (stored as a reference), one with the decision's ID
// but another trace context (stored whole), and another decision's.
func TestRecordsKeptApartRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	tk := storetest.NewTicket(t, 1, time.Minute)
	tk.Decision.Inputs = map[string]any{"income": 42.0, "region": "north"}
	stamped := tk.Decision
	stamped.TraceID, stamped.SpanID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	other := tk.Decision
	other.ID, other.Output = "01a253a3-644b-737e-99ba-9340192cdab5", "approve"
	tk.Unrecorded = []aims.Decision{tk.Decision, stamped, other}
	tk.Emitted = []string{other.ID}
	tk.RecordingUntil = tk.CreatedAt.Add(time.Minute)
	if err := s.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	_, records, listed, err := boltstore.StoredRecords(s, tk.ID)
	if err != nil || !listed || bytes.Count(records, []byte("null")) != 1 {
		t.Fatalf("stored records %s (listed %v, %v); want exactly one reference", records, listed, err)
	}
	got, err := s.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := tk.Clone()
	// Compare as a store round trip gives them: through JSON.
	wb, _ := json.Marshal(&want)
	gb, _ := json.Marshal(&got)
	if !bytes.Equal(wb, gb) {
		t.Fatalf("read back\n%s\nwant\n%s", gb, wb)
	}
	// Taking one record off by a full Update keeps the others whole.
	if _, err := s.Update(ctx, tk.ID, func(x *oversight.Ticket) error {
		x.Unrecorded = x.Unrecorded[1:]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, tk.ID)
	if err != nil || len(got.Unrecorded) != 2 || got.Unrecorded[0].TraceID != stamped.TraceID || got.Unrecorded[1].Output != "approve" {
		t.Fatalf("after the update: %+v, %v", got.Unrecorded, err)
	}
}
