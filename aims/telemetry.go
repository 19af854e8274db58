package aims

import (
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
	itel "github.com/aimskit/aimskit/internal/telemetry"
)

// TelemetryOption chooses an OpenTelemetry provider an aims component
// emits through. Every aims constructor accepts it (NewSystem,
// NewDecisionLog, NewDiscloser); a nil or absent provider means the global
// one from the otel package.
type TelemetryOption interface {
	SystemOption
	DecisionLogOption
	DisclosureOption
}

type telemetryOption func(*itel.Providers)

func (o telemetryOption) applySystem(c *systemConfig)           { o(&c.log.telemetry.Providers) }
func (o telemetryOption) applyDecisionLog(c *decisionLogConfig) { o(&c.telemetry.Providers) }
func (o telemetryOption) applyDisclosure(c *disclosureConfig)   { o(&c.telemetry.Providers) }

// WithTracerProvider sets the TracerProvider; nil means
// otel.GetTracerProvider(). The aims components emit log records and
// metrics; a System hands its TracerProvider to the components built from
// it (an oversight gate, say), so that one option configures them all.
func WithTracerProvider(tp trace.TracerProvider) TelemetryOption {
	return telemetryOption(func(p *itel.Providers) { p.TP = tp })
}

// WithMeterProvider sets the MeterProvider; nil means otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) TelemetryOption {
	return telemetryOption(func(p *itel.Providers) { p.MP = mp })
}

// WithLoggerProvider sets the LoggerProvider that events are emitted
// through; nil means otel.GetLoggerProvider().
func WithLoggerProvider(lp log.LoggerProvider) TelemetryOption {
	return telemetryOption(func(p *itel.Providers) { p.LP = lp })
}

// telemetry holds the providers chosen for one component.
type telemetry struct{ itel.Providers }

func (t *telemetry) meter() metric.Meter { return t.Meter(semconv.ScopeAims) }

func (t *telemetry) logger() log.Logger { return t.Logger(semconv.ScopeAims) }
