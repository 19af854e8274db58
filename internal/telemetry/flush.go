package telemetry

import (
	"context"
	"errors"
	"fmt"
)

// flusher is what the SDK providers (sdkmetric.MeterProvider,
// sdklog.LoggerProvider, sdktrace.TracerProvider) implement.
type flusher interface {
	ForceFlush(context.Context) error
}

// FlushMetricsAndLogs asks the meter and logger providers to export what
// they hold now, so a component's final state (its last gauges, the events
// of its Close) reaches the exporters before the component's Close
// returns, whatever the export interval. Providers without ForceFlush (the
// API's no-op and global delegates before a provider is installed) are
// left alone. It returns the providers' errors, joined.
func (p Providers) FlushMetricsAndLogs(ctx context.Context) error {
	var errs []error
	if f, ok := p.MeterProvider().(flusher); ok {
		if err := f.ForceFlush(ctx); err != nil {
			errs = append(errs, fmt.Errorf("flushing metrics: %w", err))
		}
	}
	if f, ok := p.LoggerProvider().(flusher); ok {
		if err := f.ForceFlush(ctx); err != nil {
			errs = append(errs, fmt.Errorf("flushing logs: %w", err))
		}
	}
	return errors.Join(errs...)
}
