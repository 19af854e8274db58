package boltstore_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/oversight"
)

// A reviewer's approval committed in the bbolt file while the decision
// log could not take its record is written to the ledger by the Gate of
// the next run, exactly once.
func TestUnrecordedApprovalReachesLedgerAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	skey, _, err := ledger.GenerateKey("unrecorded")
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
	// The decision log goes away (closed, as on a failing disk) before the
	// reviewer acts: the approval stands in the store, its record does not
	// reach the ledger.
	if err := s.sys.Close(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := s.gate.Approve(ctx, out.Ticket.ID, oversight.Reviewer{ID: "bob", Roles: []string{"reviewer"}}, "checked")
	if err == nil {
		t.Fatal("Approve reported no error with the decision log closed")
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
	if err != nil {
		t.Fatalf("the approval's record is not in the ledger after the Sweep: %v", err)
	}
	if got.Oversight == nil || got.Oversight.Action != aims.ActionApprove {
		t.Fatalf("recorded %+v, want the approval", got.Oversight)
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
}
