package aims

import (
	"context"
	"errors"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// A decision the ledger refused was emitted and counted; Record's error
// says so (ErrNotLedgered), and RecordEmitted, the retry, writes it to the
// ledger without a second log record or count.
func TestRecordEmittedWritesWithoutEmitting(t *testing.T) {
	ctx := context.Background()
	logs, metrics := oteltest.NewLogs(t), oteltest.NewMetrics(t)
	closed, _ := testLedger(t, t.TempDir())
	if err := closed.Close(ctx); err != nil {
		t.Fatal(err)
	}
	refusing, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithMeterProvider(metrics.Provider), WithLedger(closed))
	if err != nil {
		t.Fatal(err)
	}
	d := testDecision(t)
	if err := refusing.Record(ctx, d); !errors.Is(err, ErrNotLedgered) || !errors.Is(err, ledger.ErrClosed) {
		t.Fatalf("Record with a refusing ledger: %v; want ErrNotLedgered and ledger.ErrClosed", err)
	}
	led, _ := testLedger(t, t.TempDir())
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithMeterProvider(metrics.Provider), WithLedger(led))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close(ctx)
	if err := dl.RecordEmitted(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, err := dl.FindDecision(ctx, d.ID); err != nil || got.ID != d.ID {
		t.Fatalf("the ledger does not hold the retried decision: %v", err)
	}
	if n := len(logs.Events(semconv.EventDecision)); n != 1 {
		t.Errorf("%d aims.decision log records, want 1", n)
	}
	if c := decisionCounts(t, metrics); c[d.Output] != 1 {
		t.Errorf("aims.decisions counted %v, want 1 %s", c, d.Output)
	}
	if err := refusing.RecordEmitted(ctx, d); err == nil || errors.Is(err, ErrNotLedgered) {
		t.Errorf("RecordEmitted with a refusing ledger: %v; want an error that does not claim an emission", err)
	}
}
