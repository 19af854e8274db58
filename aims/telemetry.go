package aims

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
)

// TelemetryOption chooses the OpenTelemetry providers an aims component
// emits through. Every aims constructor accepts it (it implements each
// constructor's option interface, e.g. DisclosureOption and the decision
// log's option interface); without one, the global providers from the otel
// package are used.
//
// Implementation note for files of this package: a constructor's option
// interface gets TelemetryOption support by giving TelemetryOption a method
// `applyX(c *xConfig) { o(&c.telemetry) }` in the constructor's own file.
type TelemetryOption func(*telemetry)

// WithTracerProvider sets the TracerProvider; the default is
// otel.GetTracerProvider(). Accepted by every aims constructor for
// uniformity; the aims components emit log records and metrics, not spans.
func WithTracerProvider(tp trace.TracerProvider) TelemetryOption {
	return func(t *telemetry) { t.tracerProvider = tp }
}

// WithMeterProvider sets the MeterProvider; the default is otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) TelemetryOption {
	return func(t *telemetry) { t.meterProvider = mp }
}

// WithLoggerProvider sets the LoggerProvider that events are emitted
// through; the default is otel.GetLoggerProvider().
func WithLoggerProvider(lp log.LoggerProvider) TelemetryOption {
	return func(t *telemetry) { t.loggerProvider = lp }
}

// telemetry holds the providers chosen for one component.
type telemetry struct {
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	loggerProvider log.LoggerProvider
}

func (t *telemetry) meter() metric.Meter {
	mp := t.meterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return mp.Meter(semconv.ScopeAims, metric.WithInstrumentationVersion(semconv.Version))
}

func (t *telemetry) logger() log.Logger {
	lp := t.loggerProvider
	if lp == nil {
		lp = otel.GetLoggerProvider()
	}
	return lp.Logger(semconv.ScopeAims, log.WithInstrumentationVersion(semconv.Version))
}
