package aims

import (
	"github.com/aimskit/aimskit/aims/ledger"
)

// DecisionLogOption configures a DecisionLog. Every DecisionLogOption is
// also a SystemOption, configuring the decision log a System owns.
// WithTracerProvider, WithMeterProvider and WithLoggerProvider are
// DecisionLogOptions too.
type DecisionLogOption interface {
	SystemOption
	applyDecisionLog(*decisionLogConfig)
}

type decisionLogConfig struct {
	telemetry telemetry
	ledger    *ledger.Ledger
	privacy   PrivacyPolicy
	instance  string
	// outcomes are the declared outcomes of the System that owns the
	// log (WithOutcomes); nil for a log without them.
	outcomes []Outcome
}

type decisionLogOptionFunc func(*decisionLogConfig)

func (f decisionLogOptionFunc) applyDecisionLog(c *decisionLogConfig) { f(c) }
func (f decisionLogOptionFunc) applySystem(c *systemConfig)           { f(&c.log) }

// WithLedger appends every recorded decision to the tamper-evident ledger
// l. The DecisionLog (or the System) takes ownership: its Close closes l,
// which writes the final signed checkpoint.
func WithLedger(l *ledger.Ledger) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.ledger = l })
}

// WithPrivacy sets the whole privacy policy: pseudonymiser, input
// allow-list and attribution policy. The default is the zero
// PrivacyPolicy, the strictest.
func WithPrivacy(p PrivacyPolicy) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.privacy = p.clone() })
}

// WithAllowList sets the input features that may be recorded. Inputs not
// on the list never enter a record. The default allows no inputs at all.
func WithAllowList(a AllowList) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.privacy.Inputs = a })
}

// WithPseudonymizer sets how raw subject identifiers are pseudonymised.
// Without it, a decision whose subject is not already a pseudonym is
// refused rather than recorded with a raw identifier of a person.
func WithPseudonymizer(p *Pseudonymizer) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.privacy.Pseudonymizer = p })
}

// WithAttributionPolicy sets which explanation values may be recorded; the
// default is AttributionsOfAllowedInputs.
func WithAttributionPolicy(p AttributionPolicy) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.privacy.Attributions = p })
}

// WithInstance names this replica of the system (a pod name, say): the
// aims.system.instance attribute of every record. The default is the
// ledger's instance when there is a ledger; a System without a ledger
// gets a random UUID.
func WithInstance(id string) DecisionLogOption {
	return decisionLogOptionFunc(func(c *decisionLogConfig) { c.instance = id })
}
