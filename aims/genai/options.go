package genai

import (
	"time"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	itel "github.com/aimskit/aimskit/internal/telemetry"
)

// Option configures a Client or an Assistant.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what options set; each constructor reads what it needs.
type config struct {
	tel        itel.Providers
	telSet     [3]bool // which providers an option chose, so a System's do not override them
	policy     ContentPolicy
	guardrails []guardrailRule
	holder     Holder
	failOpen   bool
	timeout    time.Duration
	maxPrompt  int
	notice     string
	notices    NoticeTracker
	incidents  *aims.IncidentBook
	digestKey  []byte
}

// WithTracerProvider sets the TracerProvider; nil means
// otel.GetTracerProvider(). An Assistant otherwise takes its System's.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tel.TP, c.telSet[0] = tp, true })
}

// WithMeterProvider sets the MeterProvider; nil means otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.tel.MP, c.telSet[1] = mp, true })
}

// WithLoggerProvider sets the LoggerProvider events are emitted through;
// nil means otel.GetLoggerProvider().
func WithLoggerProvider(lp log.LoggerProvider) Option {
	return optionFunc(func(c *config) { c.tel.LP, c.telSet[2] = lp, true })
}

func newConfig(opts []Option) config {
	c := config{maxPrompt: DefaultMaxPromptBytes, timeout: DefaultGuardrailTimeout}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}
