package ledger

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func sumOf(t *testing.T, m *oteltest.Metrics, name string) int64 {
	t.Helper()
	mm, ok := m.Find(t, name)
	if !ok {
		t.Fatalf("metric %s not found", name)
	}
	s, ok := mm.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("metric %s is %T", name, mm.Data)
	}
	var total int64
	for _, dp := range s.DataPoints {
		if v, ok := dp.Attributes.Value(semconv.AimsLedgerOrigin); !ok || v.AsString() != "aimskit.ledger/sys/pod" {
			t.Errorf("%s data point without the origin attribute", name)
		}
		total += dp.Value
	}
	return total
}

func TestMetrics(t *testing.T) {
	keys := newKeys(t, "test")
	metrics := oteltest.NewMetrics(t)
	l, err := Open(context.Background(), t.TempDir(), "sys", "pod", keys.signer, WithMeterProvider(metrics.Provider),
		WithQueueSize(1), WithDropWhenFull(true), WithWaitDurable(false), WithCheckpointEvery(10, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var kept, dropped int64
	for i := 0; i < 500; i++ {
		switch err := l.Append(ctx, record(i)); {
		case errors.Is(err, ErrQueueFull):
			dropped++
		case err != nil:
			t.Fatal(err)
		default:
			kept++
		}
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sumOf(t, metrics, semconv.MetricLedgerQueueDepth); got != 0 {
		t.Errorf("queue depth %d after Flush, want 0", got)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sumOf(t, metrics, semconv.MetricLedgerWritten); got != kept {
		t.Errorf("written %d, want %d", got, kept)
	}
	if got := sumOf(t, metrics, semconv.MetricLedgerDropped); got != dropped {
		t.Errorf("dropped %d, want %d", got, dropped)
	}
	if got, want := sumOf(t, metrics, semconv.MetricLedgerCheckpoints), kept/10+2; got < kept/10 || got > want { // the empty first one, by count, the closed one
		t.Errorf("checkpoints %d, want about %d", got, want)
	}
}
