package aims

import (
	"github.com/aimskit/aimskit/aims/ledger"
)

// DecisionLogOption configures a DecisionLog. WithTracerProvider,
// WithMeterProvider and WithLoggerProvider (TelemetryOption) are
// DecisionLogOptions too.
type DecisionLogOption interface{ applyDecisionLog(*decisionLogConfig) }

type decisionLogConfig struct {
	telemetry     telemetry
	ledger        *ledger.Ledger
	allow         AllowList
	pseudonymizer *Pseudonymizer
}

// applyDecisionLog makes every TelemetryOption a DecisionLogOption.
func (o TelemetryOption) applyDecisionLog(c *decisionLogConfig) { o(&c.telemetry) }

type decisionLogOptionFunc func(*decisionLogConfig)

func (f decisionLogOptionFunc) applyDecisionLog(c *decisionLogConfig) { f(c) }

// WithLedger appends every recorded decision to the tamper-evident ledger
// l. The DecisionLog takes ownership: its Close closes l, which writes the
// final signed checkpoint.
func WithLedger(l *ledger.Ledger) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.ledger = l })
}

// WithAllowList sets the input features a DecisionLog may record. Inputs
// not on the list are removed before anything is emitted or written. The
// default allows no inputs at all.
func WithAllowList(a AllowList) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.allow = a })
}

// WithPseudonymizer lets the DecisionLog pseudonymise a Decision.Subject
// that is not already a pseudonym. Without it, Record rejects such a
// decision rather than log a raw identifier of a person.
func WithPseudonymizer(p *Pseudonymizer) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.pseudonymizer = p })
}
