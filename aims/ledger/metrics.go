package ledger

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
)

// instruments are the ledger's OpenTelemetry metrics. Every measurement
// carries the ledger's origin, so replicas are told apart.
type instruments struct {
	written     metric.Int64Counter
	dropped     metric.Int64Counter
	checkpoints metric.Int64Counter
	torn        metric.Int64Counter
	errors      metric.Int64Counter
	reg         metric.Registration
	attrs       metric.MeasurementOption
	// addAttrs is attrs as a ready variadic slice: building one per Add
	// would allocate on every record.
	addAttrs []metric.AddOption
}

func newInstruments(m metric.Meter, origin string, depth func() int64) (*instruments, error) {
	in := &instruments{attrs: metric.WithAttributeSet(attribute.NewSet(semconv.AimsLedgerOrigin.String(origin)))}
	in.addAttrs = []metric.AddOption{in.attrs}
	var err error
	if in.written, err = m.Int64Counter(semconv.MetricLedgerWritten, metric.WithUnit("{record}"),
		metric.WithDescription("Records written to the decision ledger.")); err != nil {
		return nil, err
	}
	if in.dropped, err = m.Int64Counter(semconv.MetricLedgerDropped, metric.WithUnit("{record}"),
		metric.WithDescription("Records dropped because the ledger queue was full (drop mode only).")); err != nil {
		return nil, err
	}
	if in.checkpoints, err = m.Int64Counter(semconv.MetricLedgerCheckpoints, metric.WithUnit("{checkpoint}"),
		metric.WithDescription("Signed checkpoints written.")); err != nil {
		return nil, err
	}
	if in.torn, err = m.Int64Counter(semconv.MetricLedgerTornRecords, metric.WithUnit("{record}"),
		metric.WithDescription("Damaged lines moved aside when the ledger was opened: torn last lines, and corrupt lines among records no checkpoint covers.")); err != nil {
		return nil, err
	}
	if in.errors, err = m.Int64Counter(semconv.MetricLedgerErrors, metric.WithUnit("{error}"),
		metric.WithDescription("Ledger write, sync and checkpoint errors.")); err != nil {
		return nil, err
	}
	queue, err := m.Int64ObservableUpDownCounter(semconv.MetricLedgerQueueDepth, metric.WithUnit("{record}"),
		metric.WithDescription("Records queued and not yet written to the ledger."))
	if err != nil {
		return nil, err
	}
	in.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(queue, depth(), in.attrs)
		return nil
	}, queue)
	if err != nil {
		return nil, err
	}
	return in, nil
}
