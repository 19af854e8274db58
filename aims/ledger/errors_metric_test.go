package ledger_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestErrorsMetricCountsAFailedLedger: a ledger that fails (here its
// signer refuses the checkpoint that its count makes due) counts the
// failure in aims.ledger.errors, which the conformance check of the test
// providers holds to the published conventions; the append that met it
// gets the signer's error.
func TestErrorsMetricCountsAFailedLedger(t *testing.T) {
	remote := newRemote(t)
	s, err := ledger.NewCryptoSigner("kms", remote)
	if err != nil {
		t.Fatal(err)
	}
	metrics := oteltest.NewMetrics(t)
	ctx := context.Background()
	l, err := ledger.Open(ctx, t.TempDir(), "credit-scoring", "pod-1", s,
		ledger.WithCheckpointEvery(1, 0), ledger.WithMeterProvider(metrics.Provider))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	errKMS := errors.New("kms: permission denied")
	remote.err = errKMS
	if err := l.Append(ctx, []byte(`{"id":"d0"}`)); !errors.Is(err, errKMS) {
		t.Fatalf("Append with a refusing signer: %v, want the signer's error", err)
	}
	m, ok := metrics.Find(t, semconv.MetricLedgerErrors)
	if !ok {
		t.Fatalf("no %s after the ledger failed", semconv.MetricLedgerErrors)
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok || len(sum.DataPoints) != 1 || sum.DataPoints[0].Value < 1 {
		t.Fatalf("%s = %+v, want one point counting at least the failure", semconv.MetricLedgerErrors, m.Data)
	}
}
