package boltstore_test

import (
	"bufio"
	"context"
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
	crashDirEnv = "AIMS_BOLTSTORE_CRASH_DIR"
	crashKeyEnv = "AIMS_BOLTSTORE_CRASH_KEY"
)

// crashService is what the crash test's service runs on: a System with a
// durable ledger, the bbolt store and a Gate holding adverse decisions.
type crashService struct {
	sys   *aims.System
	store *boltstore.Store
	gate  *oversight.Gate
}

func openCrashService(t *testing.T, dir, skey string, storeOpts ...boltstore.Option) *crashService {
	t.Helper()
	ctx := context.Background()
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, filepath.Join(dir, "ledger"), "credit", "pod-1", signer)
	if err != nil {
		t.Fatalf("opening the ledger: %v", err)
	}
	sys, err := aims.NewSystem("credit", aims.WithLedger(led),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}))
	if err != nil {
		t.Fatal(err)
	}
	store, err := boltstore.Open(ctx, filepath.Join(dir, "tickets.db"), storeOpts...)
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	gate, err := oversight.New(ctx, sys, oversight.WithStore(store), oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.AdverseOutcome()))
	if err != nil {
		t.Fatal(err)
	}
	return &crashService{sys: sys, store: store, gate: gate}
}

func (s *crashService) close(t *testing.T) {
	ctx := context.Background()
	if err := s.gate.Close(ctx); err != nil {
		t.Error(err)
	}
	if err := s.store.Close(ctx); err != nil {
		t.Error(err)
	}
	if err := s.sys.Close(ctx); err != nil {
		t.Error(err)
	}
}

// TestCrashChildGate is the child process of TestAcknowledgedDecisionsSurviveCrash:
// it holds one adverse decision for review, then submits decisions the
// Gate applies and prints "held ID" and "ack ID" once Submit returned,
// until it is killed. Its store commits routed tickets only an hour
// later, so the kill takes every routed ticket with it.
func TestCrashChildGate(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestAcknowledgedDecisionsSurviveCrash")
	}
	s := openCrashService(t, dir, os.Getenv(crashKeyEnv), boltstore.WithIndexFlushInterval(time.Hour))
	ctx := context.Background()
	out := bufio.NewWriter(os.Stdout)
	held, err := s.sys.NewDecision(ctx, aims.Draft{Output: "deny"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.gate.Submit(ctx, held)
	if err != nil || !o.Pending() {
		t.Fatalf("the adverse decision was not held: %+v, %v", o, err)
	}
	fmt.Fprintf(out, "held %s\n", held.ID)
	out.Flush()
	for {
		d, err := s.sys.NewDecision(ctx, aims.Draft{Output: "approve"})
		if err != nil {
			t.Fatal(err)
		}
		o, err := s.gate.Submit(ctx, d)
		if err != nil || !o.Applied {
			t.Fatalf("submit: %+v, %v", o, err)
		}
		fmt.Fprintf(out, "ack %s\n", d.ID)
		out.Flush()
	}
}

// TestAcknowledgedDecisionsSurviveCrash kills a service with SIGKILL
// while it decides (the store holding its routed tickets in memory, the
// ledger durable) and restarts it on the same files: the held ticket is
// still in the queue, and every decision Submit acknowledged can be
// looked up and contested by its ID, found through the ledger where the
// crash took its routed ticket.
func TestAcknowledgedDecisionsSurviveCrash(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("child")
	}
	skey, _, err := ledger.GenerateKey("crash")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const minAcks = 100
	held, acked := runGateCrashChild(t, dir, skey, minAcks)

	s := openCrashService(t, dir, skey)
	defer s.close(t)
	ctx := context.Background()
	q, err := s.gate.Queue(ctx, 0)
	if err != nil || len(q) != 1 || q[0].Decision.ID != held {
		t.Fatalf("the held ticket after the crash: %+v, %v", q, err)
	}
	lost := 0
	for _, id := range acked {
		if ts, err := s.store.FindByDecision(ctx, id); err != nil {
			t.Fatal(err)
		} else if len(ts) == 0 {
			lost++
		}
	}
	if lost == 0 {
		t.Fatal("the crash lost no routed ticket: the test would not show that the ledger stands in for them")
	}
	for i, id := range acked {
		o, err := s.gate.Decision(ctx, id)
		if err != nil {
			t.Fatalf("acknowledged decision %s (%d of %d) cannot be looked up after the crash: %v", id, i+1, len(acked), err)
		}
		if !o.Applied || o.Decision.ID != id {
			t.Fatalf("decision %s after the crash: %+v", id, o)
		}
		if i%10 != 0 {
			continue // contesting a tenth is enough, and keeps the test short
		}
		ct, err := s.gate.Contest(ctx, id, "I was not asked")
		if err != nil {
			t.Fatalf("acknowledged decision %s cannot be contested after the crash: %v", id, err)
		}
		if ct.Kind != oversight.KindContest || ct.Decision.ID != id {
			t.Fatalf("contest of %s: %+v", id, ct)
		}
	}
	t.Logf("%d decisions acknowledged before the kill, %d of their routed tickets lost with it, all found and contestable", len(acked), lost)
}

// runGateCrashChild runs TestCrashChildGate on dir and kills it with
// SIGKILL once it has acknowledged minAcks decisions. It returns the held
// decision's ID and the acknowledged ones.
func runGateCrashChild(t *testing.T, dir, skey string, minAcks int) (string, []string) {
	t.Helper()
	var held string
	var acked []string
	stderr := childtest.Run(t, "TestCrashChildGate", []string{crashDirEnv + "=" + dir, crashKeyEnv + "=" + skey}, func(line string) bool {
		if id, ok := strings.CutPrefix(line, "held "); ok {
			held = id
		}
		if id, ok := strings.CutPrefix(line, "ack "); ok {
			acked = append(acked, id)
		}
		return len(acked) >= minAcks
	})
	if held == "" || len(acked) < minAcks {
		t.Fatalf("child stopped after %d acks: %s", len(acked), stderr)
	}
	return held, acked
}
