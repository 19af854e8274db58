package aims

import (
	"context"
	"errors"
	"testing"
)

// A Close whose context was already cancelled gives up waiting for the
// ledger's writer; a later Close with a live context waits for it again
// (as ledger.Ledger.Close promises) and reports how the shutdown went,
// rather than repeating the first call's context error.
func TestDecisionLogCloseAgainAfterCancelledClose(t *testing.T) {
	dir := t.TempDir()
	led, _ := testLedger(t, dir)
	sys, err := NewSystem("credit-scoring", WithLedger(led))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 50 {
		d := testDecision(t)
		d.Oversight = nil
		if err := sys.log.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	first := sys.Close(cancelled)
	if first == nil {
		t.Skip("the writer finished before the cancelled Close looked; nothing to show")
	}
	if !errors.Is(first, context.Canceled) {
		t.Fatalf("first Close = %v, want context.Canceled", first)
	}
	if err := sys.Close(ctx); err != nil {
		t.Fatalf("second Close with a live context = %v, want nil once the writer finished", err)
	}
}
