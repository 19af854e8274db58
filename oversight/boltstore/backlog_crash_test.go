package boltstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/childtest"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
)

const (
	backlogDirEnv = "AIMS_BOLTSTORE_BACKLOG_DIR"
	backlogKeyEnv = "AIMS_BOLTSTORE_BACKLOG_KEY"
)

// lossyRecorder is the child's decision log in trouble: of the approval
// records, it refuses every other one without writing it, and writes the
// others but reports a failure (the acknowledgement lost), so both kinds
// stay on their tickets as unrecorded.
type lossyRecorder struct {
	sys *aims.System
	mu  sync.Mutex
	n   int
}

func (r *lossyRecorder) Record(ctx context.Context, d aims.Decision) error {
	if d.Oversight == nil || d.Oversight.Action != aims.ActionApprove {
		return r.sys.Record(ctx, d)
	}
	r.mu.Lock()
	r.n++
	write := r.n%2 == 0
	r.mu.Unlock()
	if write {
		if err := r.sys.Record(ctx, d); err != nil {
			return err
		}
		return errors.New("ledger: acknowledgement lost")
	}
	return errors.New("ledger: fsync: input/output error")
}

func (r *lossyRecorder) FindDecision(ctx context.Context, id string) (aims.Decision, error) {
	return r.sys.FindDecision(ctx, id)
}

func openBacklogLedger(t *testing.T, dir, skey string) *aims.System {
	t.Helper()
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(context.Background(), filepath.Join(dir, "ledger"), "credit", "pod-1", signer)
	if err != nil {
		t.Fatalf("opening the ledger: %v", err)
	}
	sys, err := aims.NewSystem("credit", aims.WithLedger(led),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}))
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

var backlogReviewer = oversight.Reviewer{ID: "alice", Roles: []string{"reviewer"}}

// TestCrashChildBacklog is the child process of
// TestBacklogWrittenOnceAfterCrash: it holds adverse decisions and
// approves them while its decision log refuses (or loses the
// acknowledgement of) the approvals' records, printing "rec DECISION
// RECORD" once Approve returned, until it is killed.
func TestCrashChildBacklog(t *testing.T) {
	dir := os.Getenv(backlogDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestBacklogWrittenOnceAfterCrash")
	}
	ctx := context.Background()
	sys := openBacklogLedger(t, dir, os.Getenv(backlogKeyEnv))
	store, err := boltstore.Open(ctx, filepath.Join(dir, "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	gate, err := oversight.New(ctx, &lossyRecorder{sys: sys}, oversight.WithStore(store), oversight.WithSweepInterval(0),
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
		res, err := gate.Approve(ctx, o.Ticket.ID, backlogReviewer, "checked")
		if err == nil {
			t.Fatal("Approve reported no error although its record was refused")
		}
		if res.Decision.ID == "" || res.Decision.ID == d.ID {
			t.Fatalf("Approve: %+v, %v", res, err)
		}
		fmt.Fprintf(out, "rec %s %s\n", d.ID, res.Decision.ID)
		out.Flush()
	}
}

// TestBacklogWrittenOnceAfterCrash kills a service with SIGKILL while its
// approvals' records stay unrecorded on their tickets (some of them in
// the ledger already, their acknowledgement lost), then reopens the same
// files: the store still lists them, and Sweeps of a new Gate write each
// record to the ledger exactly once, also when swept again.
func TestBacklogWrittenOnceAfterCrash(t *testing.T) {
	if os.Getenv(backlogDirEnv) != "" {
		t.Skip("child")
	}
	skey, _, err := ledger.GenerateKey("backlog")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const minRecs = 40
	type pair struct{ decision, record string }
	var acked []pair
	stderr := childtest.Run(t, "TestCrashChildBacklog", []string{backlogDirEnv + "=" + dir, backlogKeyEnv + "=" + skey}, func(line string) bool {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "rec" {
			acked = append(acked, pair{f[1], f[2]})
		}
		return len(acked) >= minRecs
	})
	if len(acked) < minRecs {
		t.Fatalf("child stopped after %d approvals: %s", len(acked), stderr)
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

	backlog, err := store.Unrecorded(ctx, later(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(backlog) < minRecs {
		t.Fatalf("the store lists %d tickets with unrecorded records after the crash, want at least %d", len(backlog), minRecs)
	}
	for range 4 {
		if _, err := gate.Sweep(ctx); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
	}
	if left, err := store.Unrecorded(ctx, later().Add(time.Hour), 1000); err != nil || len(left) != 0 {
		t.Fatalf("after the Sweeps the store still lists %d tickets with unrecorded records (%v)", len(left), err)
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
	for _, p := range acked {
		if n := copies[p.decision]; n != 1 {
			t.Errorf("held decision %s is in the ledger %d times, want 1", p.decision, n)
		}
		if n := copies[p.record]; n != 1 {
			t.Errorf("approval record %s is in the ledger %d times, want 1", p.record, n)
		}
	}
	for id, n := range copies {
		if n != 1 {
			t.Errorf("record %s is in the ledger %d times", id, n)
		}
	}
	t.Logf("%d approvals acknowledged before the kill, %d tickets with unrecorded records after it, each record in the ledger once after the Sweeps", len(acked), len(backlog))
}
