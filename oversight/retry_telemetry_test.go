package oversight_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// switchLog is one decision log whose ledger refuses writes until it is
// repaired: two aims.DecisionLogs emitting to the same telemetry, the
// first with a closed ledger, the second with an open one.
type switchLog struct {
	mu       sync.Mutex
	cur      *aims.DecisionLog
	repaired *aims.DecisionLog
}

func (s *switchLog) log() *aims.DecisionLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *switchLog) repair() {
	s.mu.Lock()
	s.cur = s.repaired
	s.mu.Unlock()
}

func (s *switchLog) Record(ctx context.Context, d aims.Decision) error {
	return s.log().Record(ctx, d)
}

// RecordEmitted is the decision log's, where it has one.
func (s *switchLog) RecordEmitted(ctx context.Context, d aims.Decision) error {
	if r, ok := any(s.log()).(interface {
		RecordEmitted(context.Context, aims.Decision) error
	}); ok {
		return r.RecordEmitted(ctx, d)
	}
	return s.log().Record(ctx, d)
}

func (s *switchLog) Clean(d *aims.Decision) error { return s.log().Clean(d) }

func (s *switchLog) FindDecision(ctx context.Context, id string) (aims.Decision, error) {
	return s.log().FindDecision(ctx, id)
}

func openTestLedger(t *testing.T) *ledger.Ledger {
	t.Helper()
	skey, _, err := ledger.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(context.Background(), t.TempDir(), "credit", "pod-1", signer)
	if err != nil {
		t.Fatal(err)
	}
	return led
}

// A decision whose ledger write failed was emitted (an aims.decision log
// record) and counted (aims.decisions) all the same; when Sweep writes it
// to the ledger later, it must not emit or count it again: one decision,
// one log record, one count (DESIGN.md, "one OpenTelemetry log record and
// one ledger entry" per decision; counts come from the records).
func TestRetriedRecordEmittedOnce(t *testing.T) {
	ctx := context.Background()
	logs, metrics := oteltest.NewLogs(t), oteltest.NewMetrics(t)
	closed := openTestLedger(t)
	if err := closed.Close(ctx); err != nil {
		t.Fatal(err)
	}
	good := openTestLedger(t)
	t.Cleanup(func() { _ = good.Close(context.Background()) })
	newLog := func(led *ledger.Ledger) *aims.DecisionLog {
		dl, err := aims.NewDecisionLog(aims.WithLedger(led), aims.WithPrivacy(testPrivacy),
			aims.WithLoggerProvider(logs.Provider), aims.WithMeterProvider(metrics.Provider))
		if err != nil {
			t.Fatal(err)
		}
		return dl
	}
	rec := &switchLog{cur: newLog(closed), repaired: newLog(good)}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock)
	d := decision(t, "credit", "deny", 0.3, 0.5, true)
	out, err := g.Submit(ctx, d)
	if err == nil || out.Ticket == nil {
		t.Fatalf("Submit = %+v, %v; want the decision held and the ledger's refusal reported", out, err)
	}
	rec.repair()
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if _, err := rec.repaired.FindDecision(ctx, d.ID); err != nil {
		t.Fatalf("the ledger does not hold the decision after Sweep: %v", err)
	}
	if n := len(logs.Events(semconv.EventDecision)); n != 1 {
		t.Errorf("%d aims.decision log records for one decision, want 1", n)
	}
	m, ok := metrics.Find(t, semconv.MetricDecisions)
	if !ok {
		t.Fatal("no aims.decisions")
	}
	var total int64
	for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += p.Value
	}
	if total != 1 {
		t.Errorf("aims.decisions counted %d for one decision, want 1", total)
	}
}
