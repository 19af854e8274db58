// Package telemetry is the one place where aimskit packages turn the
// providers a caller chose into a Tracer, a Meter and a Logger. Every
// package stores its WithTracerProvider, WithMeterProvider and
// WithLoggerProvider options in a Providers value and asks it for
// instruments, so the rule is the same everywhere: a nil or absent provider
// means the global one from the otel package, looked up when the
// instrument is created (so a provider installed with otel.Set…Provider
// after start-up is still honoured through the global delegate).
package telemetry

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/internal/version"
)

// Providers are the OpenTelemetry providers one component emits through.
// The zero value uses the global providers.
type Providers struct {
	TP trace.TracerProvider
	MP metric.MeterProvider
	LP log.LoggerProvider
}

// TracerProvider returns the chosen TracerProvider, or the global one.
func (p Providers) TracerProvider() trace.TracerProvider {
	if p.TP == nil {
		return otel.GetTracerProvider()
	}
	return p.TP
}

// MeterProvider returns the chosen MeterProvider, or the global one.
func (p Providers) MeterProvider() metric.MeterProvider {
	if p.MP == nil {
		return otel.GetMeterProvider()
	}
	return p.MP
}

// LoggerProvider returns the chosen LoggerProvider, or the global one.
func (p Providers) LoggerProvider() log.LoggerProvider {
	if p.LP == nil {
		return otel.GetLoggerProvider()
	}
	return p.LP
}

// Tracer returns the tracer of the instrumentation scope (a package's
// import path), with the module version and the conventions' schema URL.
func (p Providers) Tracer(scope string) trace.Tracer {
	return p.TracerProvider().Tracer(scope, trace.WithInstrumentationVersion(version.Module),
		trace.WithSchemaURL(version.SchemaURL))
}

// Meter returns the meter of the instrumentation scope.
func (p Providers) Meter(scope string) metric.Meter {
	return p.MeterProvider().Meter(scope, metric.WithInstrumentationVersion(version.Module),
		metric.WithSchemaURL(version.SchemaURL))
}

// Logger returns the logger of the instrumentation scope.
func (p Providers) Logger(scope string) log.Logger {
	return p.LoggerProvider().Logger(scope, log.WithInstrumentationVersion(version.Module),
		log.WithSchemaURL(version.SchemaURL))
}
