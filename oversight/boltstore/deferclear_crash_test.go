package boltstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/childtest"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
)

const (
	deferClearDirEnv = "AIMS_BOLTSTORE_DEFERCLEAR_DIR"
	deferClearKeyEnv = "AIMS_BOLTSTORE_DEFERCLEAR_KEY"
)

// TestCrashChildDeferredClear is the child process of
// TestDeferredClearLostInCrash: it holds adverse decisions, recorded in a
// durable ledger, on a bbolt store that commits deferred changes only with
// its next write (the flush interval is an hour), and prints
// "held DECISION TICKET" once Submit returned, until it is killed.
func TestCrashChildDeferredClear(t *testing.T) {
	dir := os.Getenv(deferClearDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestDeferredClearLostInCrash")
	}
	ctx := context.Background()
	sys := openBacklogLedger(t, dir, os.Getenv(deferClearKeyEnv))
	store, err := boltstore.Open(ctx, filepath.Join(dir, "tickets.db"), boltstore.WithIndexFlushInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	gate, err := oversight.New(ctx, sys, oversight.WithStore(store), oversight.WithSweepInterval(0),
		oversight.WithSystems("credit"), oversight.WithPolicy(oversight.AdverseOutcome()))
	if err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriter(os.Stdout)
	for {
		d, err := sys.NewDecision(ctx, aims.Draft{Output: "deny"})
		if err != nil {
			t.Fatal(err)
		}
		o, err := gate.Submit(ctx, d)
		if err != nil || !o.Pending() {
			t.Fatalf("the adverse decision was not held: %+v, %v", o, err)
		}
		if boltstore.WaitingUpdates(store) == 0 {
			t.Fatal("the held decision's record was taken off its ticket at once, not deferred")
		}
		fmt.Fprintf(out, "held %s %s\n", d.ID, o.Ticket.ID)
		out.Flush()
	}
}

// TestDeferredClearLostInCrash kills a service with SIGKILL after it
// acknowledged held decisions whose records were taken off their tickets
// by deferred changes, then reopens the same files: the records a lost
// change left are listed on their tickets, and Sweeps of a new Gate find
// them in the ledger and take them off, so that each decision is in the
// ledger exactly once and no ticket lists a record.
func TestDeferredClearLostInCrash(t *testing.T) {
	if os.Getenv(deferClearDirEnv) != "" {
		t.Skip("child")
	}
	skey, _, err := ledger.GenerateKey("deferclear")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const minHeld = 30
	acked := map[string]string{} // decision ID -> ticket ID
	stderr := childtest.Run(t, "TestCrashChildDeferredClear", []string{deferClearDirEnv + "=" + dir, deferClearKeyEnv + "=" + skey}, func(line string) bool {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "held" {
			acked[f[1]] = f[2]
		}
		return len(acked) >= minHeld
	})
	if len(acked) < minHeld {
		t.Fatalf("child stopped after %d held decisions: %s", len(acked), stderr)
	}

	ctx := context.Background()
	sys := openBacklogLedger(t, dir, skey)
	defer sys.Close(ctx)
	store, err := boltstore.Open(ctx, filepath.Join(dir, "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	// The writer's lease (a minute) has run out on the new Gate's clock.
	later := func() time.Time { return time.Now().Add(2 * time.Minute) }
	gate, err := oversight.New(ctx, sys, oversight.WithStore(store), oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithClock(later))
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Close(ctx)

	listed, err := store.Unrecorded(ctx, later(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) == 0 {
		t.Fatal("no ticket lists its record after the crash: the last held decision's deferred clear cannot have been committed")
	}
	for range 2 {
		if _, err := gate.Sweep(ctx); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
	}
	if left, err := store.Unrecorded(ctx, later().Add(time.Hour), 1000); err != nil || len(left) != 0 {
		t.Fatalf("after the Sweeps %d tickets still list unrecorded records (%v)", len(left), err)
	}
	for dID, tID := range acked {
		tk, err := store.Get(ctx, tID)
		if err != nil {
			t.Fatalf("acknowledged held ticket %s: %v", tID, err)
		}
		if !tk.Open() || len(tk.Unrecorded) != 0 || tk.Decision.ID != dID {
			t.Fatalf("ticket %s after the Sweeps: open %v, %d unrecorded, decision %s", tID, tk.Open(), len(tk.Unrecorded), tk.Decision.ID)
		}
	}

	copies := map[string]int{}
	err = ledger.Scan(filepath.Join(dir, "ledger"), func(r ledger.ScannedRecord) error {
		var d aims.Decision
		if json.Unmarshal(r.Record, &d) == nil && d.SchemaVersion == aims.DecisionSchemaVersion {
			copies[d.ID]++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the ledger: %v", err)
	}
	for dID := range acked {
		if n := copies[dID]; n != 1 {
			t.Errorf("held decision %s is in the ledger %d times, want 1", dID, n)
		}
	}
	for id, n := range copies {
		if n != 1 {
			t.Errorf("record %s is in the ledger %d times", id, n)
		}
	}
	t.Logf("%d held decisions acknowledged before the kill, %d tickets listing their record after it, each decision in the ledger once after the Sweeps", len(acked), len(listed))
}
