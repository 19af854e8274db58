package boltstore_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/childtest"
	"github.com/aimskit/aimskit/oversight/boltstore"
)

const crashLateEnv = "AIMS_BOLTSTORE_CRASH_LATE"

// uuidV7At returns a UUIDv7 whose timestamp is t (RFC 9562, section 5.7:
// 48 bits of Unix milliseconds, version 7, the RFC 4122 variant).
func uuidV7At(t time.Time) string {
	u := uuid.New()
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(t.UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// TestCrashChildLateSubmit is the child of
// TestDecisionsSubmittedLateSurviveCrash: it submits decisions the Gate
// applies — one made at once and submitted ten minutes later (a batch
// pipeline, a slow explanation), one with a caller's UUID that is not a
// UUIDv7, a fresh one, and one made by a host whose clock is ten minutes
// ahead — prints "ack ID" after each Submit returned, and waits to be
// killed. Its store commits routed tickets only an hour later.
func TestCrashChildLateSubmit(t *testing.T) {
	dir := os.Getenv(crashLateEnv)
	if dir == "" {
		t.Skip("only run as the child of TestDecisionsSubmittedLateSurviveCrash")
	}
	s := openCrashService(t, dir, os.Getenv(crashKeyEnv), boltstore.WithIndexFlushInterval(time.Hour))
	ctx := context.Background()
	out := bufio.NewWriter(os.Stdout)
	for _, id := range []string{uuidV7At(time.Now().Add(-10 * time.Minute)), uuid.NewString(), "", uuidV7At(time.Now().Add(10 * time.Minute))} {
		d, err := s.sys.NewDecision(ctx, aims.Draft{Output: "approve"})
		if err != nil {
			t.Fatal(err)
		}
		if id != "" {
			d.ID = id
		}
		o, err := s.gate.Submit(ctx, d)
		if err != nil || !o.Applied {
			t.Fatalf("submit: %+v, %v", o, err)
		}
		fmt.Fprintf(out, "ack %s\n", d.ID)
		out.Flush()
	}
	fmt.Fprintln(out, "done")
	out.Flush()
	select {}
}

// TestDecisionsSubmittedLateSurviveCrash: every decision Submit
// acknowledged stays findable and contestable after a crash, also one
// whose ID was made well before it was submitted, or on a clock ahead of
// the service's, or is not a UUIDv7:
// the crash must not take its routed ticket where the Gate does not look
// for it in the ledger (IndexLoss: the decisions of lost routed tickets
// were made in the span it reports).
func TestDecisionsSubmittedLateSurviveCrash(t *testing.T) {
	if os.Getenv(crashLateEnv) != "" {
		t.Skip("child")
	}
	skey, _, err := ledger.GenerateKey("crash")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var acked []string
	stderr := childtest.Run(t, "TestCrashChildLateSubmit", []string{crashLateEnv + "=" + dir, crashKeyEnv + "=" + skey}, func(line string) bool {
		if id, ok := strings.CutPrefix(line, "ack "); ok {
			acked = append(acked, id)
		}
		return line == "done"
	})
	if len(acked) != 4 {
		t.Fatalf("child acknowledged %d decisions: %s", len(acked), stderr)
	}
	s := openCrashService(t, dir, skey)
	defer s.close(t)
	ctx := context.Background()
	for _, id := range acked {
		o, err := s.gate.Decision(ctx, id)
		if err != nil {
			t.Errorf("acknowledged decision %s cannot be looked up after the crash: %v", id, err)
			continue
		}
		if !o.Applied || o.Decision.ID != id {
			t.Errorf("decision %s after the crash: %+v", id, o)
		}
		if _, err := s.gate.Contest(ctx, id, "I was not asked"); err != nil {
			t.Errorf("acknowledged decision %s cannot be contested after the crash: %v", id, err)
		}
	}
}
