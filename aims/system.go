package aims

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// System is the handle a service holds for one AI system: its identity,
// version and instance, its EU AI Act risk level, the outcomes it may
// decide, its privacy policy, its decision log and the OpenTelemetry
// providers it emits through. It is the front door of aimskit: decisions
// are created from it (NewDecision) and are clean from the moment they
// exist, so the oversight gate, the ticket stores, the reviewer console,
// OpenTelemetry, the ledger and the audit report only ever see the clean
// record. inventory.Register returns one for a registered system; a service
// without an inventory builds one with NewSystem.
//
// A System is safe for concurrent use. Close it at shutdown: that closes
// its decision log and ledger (final signed checkpoint).
type System struct {
	id       string
	version  string
	instance string
	risk     RiskLevel
	model    ModelRef
	outcomes []Outcome
	privacy  PrivacyPolicy
	tel      telemetry
	log      *DecisionLog
}

// Outcome is one value a system may decide ("approve", "deny", a class
// label …). Declared outcomes are the system's whole vocabulary: a decision
// or a reviewer's override to any other value is refused.
type Outcome struct {
	// Value is the decision's Output.
	Value string `json:"value"`
	// Adverse marks an outcome that goes against its subject (a refusal);
	// decisions with it are Adverse.
	Adverse bool `json:"adverse,omitempty"`
	// Description says what the outcome means, for reviewers and reports.
	Description string `json:"description,omitempty"`
}

// SystemOption configures a System. Every DecisionLogOption (WithLedger,
// WithPrivacy, WithAllowList, WithPseudonymizer, WithAttributionPolicy,
// WithInstance) and every TelemetryOption is a SystemOption too.
type SystemOption interface{ applySystem(*systemConfig) }

type systemConfig struct {
	log      decisionLogConfig
	version  string
	risk     RiskLevel
	model    ModelRef
	outcomes []Outcome
	errs     []error
}

type systemOptionFunc func(*systemConfig)

func (f systemOptionFunc) applySystem(c *systemConfig) { f(c) }

// WithVersion sets the deployed version of the system, recorded on every
// decision (aims.system.version).
func WithVersion(v string) SystemOption {
	return systemOptionFunc(func(c *systemConfig) { c.version = v })
}

// WithRiskLevel sets the system's EU AI Act risk tier. The default is
// RiskUnspecified, which oversight treats as high.
func WithRiskLevel(l RiskLevel) SystemOption {
	return systemOptionFunc(func(c *systemConfig) {
		if l != RiskUnspecified && !l.Valid() {
			c.errs = append(c.errs, fmt.Errorf("aims: WithRiskLevel: unknown risk level %q (want prohibited, high, limited or minimal)", string(l)))
			return
		}
		c.risk = l
	})
}

// WithModel sets the model that decisions are made by unless a Draft names
// another.
func WithModel(name, version string) SystemOption {
	return systemOptionFunc(func(c *systemConfig) { c.model = ModelRef{Name: name, Version: version} })
}

// WithOutcomes declares the outcomes the system may decide. Without it any
// non-empty output is accepted; with it, NewDecision refuses other outputs,
// sets Adverse from the declaration, and oversight refuses overrides to
// undeclared values.
func WithOutcomes(outcomes ...Outcome) SystemOption {
	return systemOptionFunc(func(c *systemConfig) {
		seen := map[string]bool{}
		for _, o := range c.outcomes {
			seen[o.Value] = true
		}
		for _, o := range outcomes {
			switch {
			case strings.TrimSpace(o.Value) == "":
				c.errs = append(c.errs, errors.New("aims: WithOutcomes: an outcome has an empty value"))
			case seen[o.Value]:
				c.errs = append(c.errs, fmt.Errorf("aims: WithOutcomes: outcome %q declared twice", o.Value))
			default:
				seen[o.Value] = true
				c.outcomes = append(c.outcomes, o)
			}
		}
	})
}

// NewSystem returns the handle of the AI system id, configured by opts. A
// service registered in an inventory gets its System from
// inventory.Register instead.
func NewSystem(id string, opts ...SystemOption) (*System, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errors.New("aims: NewSystem needs a system ID")
	}
	var c systemConfig
	for _, o := range opts {
		if o != nil {
			o.applySystem(&c)
		}
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	if c.log.instance == "" && c.log.ledger == nil {
		c.log.instance = uuid.NewString()
	}
	if l := c.log.ledger; l != nil {
		if l.System() != id {
			return nil, fmt.Errorf("aims: the ledger in use belongs to system %q, not %q", l.System(), id)
		}
	}
	c.log.outcomes = c.outcomes
	dl, err := newDecisionLog(&c.log)
	if err != nil {
		return nil, err
	}
	return &System{
		id:       id,
		version:  c.version,
		instance: dl.instance,
		risk:     c.risk,
		model:    c.model,
		outcomes: c.outcomes,
		privacy:  c.log.privacy,
		tel:      c.log.telemetry,
		log:      dl,
	}, nil
}

// ID returns the system's identifier (aims.system.id).
func (s *System) ID() string { return s.id }

// Version returns the deployed version of the system.
func (s *System) Version() string { return s.version }

// Instance returns the identifier of this replica (aims.system.instance).
func (s *System) Instance() string { return s.instance }

// RiskLevel returns the system's EU AI Act risk tier.
func (s *System) RiskLevel() RiskLevel { return s.risk }

// Model returns the model decisions are made by unless a Draft names another.
func (s *System) Model() ModelRef { return s.model }

// Outcomes returns a copy of the declared outcomes; nil when none were declared.
func (s *System) Outcomes() []Outcome { return append([]Outcome(nil), s.outcomes...) }

// CheckOutcome returns the declared outcome with the given value, or an
// error naming the declared values when there is none. Without declared
// outcomes every non-empty value passes (as a non-adverse outcome).
func (s *System) CheckOutcome(value string) (Outcome, error) {
	if value == "" {
		return Outcome{}, fmt.Errorf("aims: system %s: the outcome is empty", s.id)
	}
	if len(s.outcomes) == 0 {
		return Outcome{Value: value}, nil
	}
	for _, o := range s.outcomes {
		if o.Value == value {
			return o, nil
		}
	}
	vals := make([]string, len(s.outcomes))
	for i, o := range s.outcomes {
		vals[i] = fmt.Sprintf("%q", o.Value)
	}
	return Outcome{}, fmt.Errorf("aims: system %s does not decide %q (its outcomes are %s)", s.id, value, strings.Join(vals, ", "))
}

// Privacy returns the system's privacy policy.
func (s *System) Privacy() PrivacyPolicy { return s.privacy }

// Log returns the system's decision log.
func (s *System) Log() *DecisionLog { return s.log }

// TracerProvider returns the TracerProvider the system was given (the
// global one when none was). Components built from the system use it.
func (s *System) TracerProvider() trace.TracerProvider { return s.tel.TracerProvider() }

// MeterProvider returns the MeterProvider the system emits through.
func (s *System) MeterProvider() metric.MeterProvider { return s.tel.MeterProvider() }

// LoggerProvider returns the LoggerProvider the system emits through.
func (s *System) LoggerProvider() log.LoggerProvider { return s.tel.LoggerProvider() }

// Draft is what a service knows about a decision before it becomes a
// record: the raw subject and inputs stay here, in the caller's hands, and
// System.NewDecision turns them into a clean Decision.
type Draft struct {
	// Subject identifies the person the decision is about. A raw
	// identifier (an e-mail address, a customer number) is pseudonymised
	// with the system's Pseudonymizer; it never enters the record.
	Subject string
	// Inputs are the model's inputs; only allow-listed ones are recorded.
	Inputs map[string]any
	// Output is the decision itself; one of the declared outcomes, if any.
	Output string
	// Score is the model score behind Output, if any.
	Score *float64
	// Threshold is the threshold Score was compared with, if any.
	Threshold *float64
	// Adverse marks a decision against its subject. With declared outcomes
	// it comes from the declaration, and a Draft that says otherwise is
	// refused.
	Adverse bool
	// Explanation is why the system decided so; values the privacy policy
	// does not keep are removed.
	Explanation *Explanation
	// Model overrides the system's model for this decision.
	Model ModelRef
	// Attributes are extra application-defined attributes. They are
	// recorded as they are: never put personal data in them.
	Attributes map[string]string
}

// NewDecision creates the decision record of draft: a fresh UUIDv7, the
// current time, the system's identity and version, the trace context of
// ctx, and draft's contents with the privacy policy applied. The returned
// Decision is clean and valid; hand it to an oversight gate (which records
// it) or record it with Record.
func (s *System) NewDecision(ctx context.Context, draft Draft) (Decision, error) {
	out, err := s.CheckOutcome(draft.Output)
	if err != nil {
		return Decision{}, err
	}
	adverse := draft.Adverse
	if len(s.outcomes) > 0 {
		if draft.Adverse && !out.Adverse {
			return Decision{}, fmt.Errorf("aims: system %s: the draft says adverse but outcome %q is declared not adverse", s.id, out.Value)
		}
		adverse = out.Adverse
	}
	d, err := NewDecision(ctx, s.id)
	if err != nil {
		return Decision{}, err
	}
	d.SystemVersion = s.version
	d.Model = s.model
	if draft.Model != (ModelRef{}) {
		d.Model = draft.Model
	}
	d.Subject = draft.Subject
	// Filter copies, so a later change to the caller's map cannot reach
	// the record.
	if d.Inputs, err = s.privacy.Inputs.Filter(draft.Inputs); err != nil {
		return Decision{}, err
	}
	d.Output = draft.Output
	d.Adverse = adverse
	if draft.Score != nil {
		d.Score = new(*draft.Score)
	}
	if draft.Threshold != nil {
		d.Threshold = new(*draft.Threshold)
	}
	d.Explanation = draft.Explanation
	if len(draft.Attributes) > 0 {
		d.Attributes = make(map[string]string, len(draft.Attributes))
		for k, v := range draft.Attributes {
			d.Attributes[k] = v
		}
	}
	if err := s.privacy.Clean(&d); err != nil {
		return Decision{}, err
	}
	if err := d.Validate(); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// Clean applies the system's privacy policy to a decision made elsewhere
// (PrivacyPolicy.Clean) and checks that it belongs to this system and
// decides a declared outcome. The oversight gate calls it before anything
// stores a submitted decision.
func (s *System) Clean(d *Decision) error {
	if d.SystemID != s.id {
		return fmt.Errorf("aims: decision %s belongs to system %q, not %q", d.ID, d.SystemID, s.id)
	}
	if d.Output != "" {
		if _, err := s.CheckOutcome(d.Output); err != nil {
			return err
		}
	}
	return s.privacy.Clean(d)
}

// Record records d in the system's decision log (DecisionLog.Record) after
// checking that it belongs to this system. A decision that went through an
// oversight gate has been recorded by the gate already.
func (s *System) Record(ctx context.Context, d Decision) error {
	if d.SystemID != s.id {
		return fmt.Errorf("aims: decision %s belongs to system %q, not %q", d.ID, d.SystemID, s.id)
	}
	return s.log.Record(ctx, d)
}

// RecordEmitted writes to the system's ledger a decision an earlier Record
// emitted but the ledger refused, without emitting or counting it again
// (DecisionLog.RecordEmitted).
func (s *System) RecordEmitted(ctx context.Context, d Decision) error {
	if d.SystemID != s.id {
		return fmt.Errorf("aims: decision %s belongs to system %q, not %q", d.ID, d.SystemID, s.id)
	}
	return s.log.RecordEmitted(ctx, d)
}

// NewDiscloser returns a Discloser for the system: d's SystemID and Model
// default to the system's, and it emits through the system's providers
// unless opts choose others.
func (s *System) NewDiscloser(d Disclosure, opts ...DisclosureOption) (*Discloser, error) {
	if d.SystemID == "" {
		d.SystemID = s.id
	}
	if d.Model == "" && s.model.Name != "" {
		d.Model = s.model.Name
		if s.model.Version != "" {
			d.Model += "-" + s.model.Version
		}
	}
	all := make([]DisclosureOption, 0, 3+len(opts))
	all = append(all, WithTracerProvider(s.tel.TP), WithMeterProvider(s.tel.MP), WithLoggerProvider(s.tel.LP))
	return NewDiscloser(d, append(all, opts...)...)
}

// Close closes the system's decision log, which writes everything queued
// to the ledger, makes it durable and signs the final checkpoint. Later
// Records fail with ErrDecisionLogClosed. Close is idempotent.
func (s *System) Close(ctx context.Context) error { return s.log.Close(ctx) }
