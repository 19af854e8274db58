package oversight

import (
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
)

// Cleaner applies a privacy policy to a decision. A Gate cleans every
// decision before anything stores or records it, so the ticket stores,
// the reviewer console, Outcome, OpenTelemetry and the ledger only see the
// clean record. *aims.System, *inventory.Registration and
// *aims.DecisionLog implement it; a Recorder that does not gets the
// strictest policy (the zero aims.PrivacyPolicy: no inputs, no
// attributions, and subjects must already be pseudonyms).
type Cleaner interface {
	Clean(d *aims.Decision) error
}

// OutcomeChecker knows the outcomes a system may decide. When the Recorder
// implements it (*aims.System does), the Gate refuses overrides to any
// other value and takes the overridden decision's Adverse flag from the
// declared outcome.
type OutcomeChecker interface {
	CheckOutcome(value string) (aims.Outcome, error)
}

// systemIdentity is what a Gate learns of the system it is built on: the
// risk level (unless WithRiskLevel says otherwise) and the providers (unless
// options choose others). *aims.System implements it.
type systemIdentity interface {
	ID() string
	RiskLevel() aims.RiskLevel
	TracerProvider() trace.TracerProvider
	MeterProvider() metric.MeterProvider
	LoggerProvider() log.LoggerProvider
}

// fromSystem fills in what the options left open from the Recorder, when
// it is a System.
func (c *config) fromSystem(rec Recorder) {
	sys, ok := rec.(systemIdentity)
	if !ok {
		return
	}
	if _, set := c.risk[sys.ID()]; !set {
		c.risk[sys.ID()] = sys.RiskLevel()
	}
	if c.providers.TP == nil {
		c.providers.TP = sys.TracerProvider()
	}
	if c.providers.MP == nil {
		c.providers.MP = sys.MeterProvider()
	}
	if c.providers.LP == nil {
		c.providers.LP = sys.LoggerProvider()
	}
}

// cleanerOf returns the Recorder's Cleaner, or the strictest policy.
func cleanerOf(rec Recorder) Cleaner {
	if c, ok := rec.(Cleaner); ok {
		return c
	}
	return &aims.PrivacyPolicy{}
}
