package aims

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/internal/record"
)

// DecisionSchemaVersion is the value of Decision.SchemaVersion written by
// this version of the SDK. Auditors' parsers switch on it; a change to the
// JSON encoding that is not purely additive gets a new version.
const DecisionSchemaVersion = "aims.decision/v1"

// Decision is the record of one decision made by an AI system: what was
// decided, about whom (pseudonymously), by which model, on which inputs,
// why, and what human oversight did with it. Its JSON encoding is the
// format of the decision ledger and of exported decision logs.
//
// A Decision is plain data; it carries the explanation and the oversight
// outcome as values so that aims does not depend on the packages that
// produce them.
type Decision struct {
	// SchemaVersion is DecisionSchemaVersion for records written by this SDK.
	SchemaVersion string `json:"schema_version"`
	// ID is a UUIDv7, so IDs sort by creation time.
	ID string `json:"id"`
	// Time is when the decision was made, in UTC.
	Time time.Time `json:"time"`
	// SystemID identifies the AI system in the inventory. Required.
	SystemID string `json:"system_id"`
	// SystemVersion is the deployed version of the system.
	SystemVersion string `json:"system_version,omitempty"`
	// Model names the model that produced the output.
	Model ModelRef `json:"model,omitzero"`
	// Subject is the keyed pseudonym of the affected person, produced by a
	// Pseudonymizer. Never a raw identifier.
	Subject string `json:"subject,omitempty"`
	// Inputs are the input features that an AllowList lets through. Values
	// are strings, float64 or bool.
	Inputs map[string]any `json:"inputs,omitempty"`
	// Output is the decision itself ("approve", "deny", a class label …).
	Output string `json:"output"`
	// Score is the model score or confidence behind Output, if any.
	Score *float64 `json:"score,omitempty"`
	// Threshold is the decision threshold the score was compared with, if any.
	Threshold *float64 `json:"threshold,omitempty"`
	// Adverse marks a decision that goes against its subject (a refusal).
	Adverse bool `json:"adverse,omitempty"`
	// Explanation is why the system decided as it did.
	Explanation *Explanation `json:"explanation,omitempty"`
	// Oversight is what human oversight did with the decision.
	Oversight *OversightOutcome `json:"oversight,omitempty"`
	// TraceID is the W3C trace ID (32 hex digits) of the request's trace,
	// so the record joins the spans and logs of the same request.
	TraceID string `json:"trace_id,omitempty"`
	// SpanID is the W3C span ID (16 hex digits) of the span the decision
	// was made in.
	SpanID string `json:"span_id,omitempty"`
	// Attributes are extra application-defined string attributes.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// ModelRef names a model and its version.
type ModelRef struct {
	// Name identifies the model, as registered in the inventory.
	Name string `json:"name,omitempty"`
	// Version is the model version that produced the output.
	Version string `json:"version,omitempty"`
}

// Explanation is the plain-data form of an explained decision: feature
// attributions, ranked reason codes and counterfactual summaries. The explain
// package produces it directly (explain.Explanation.Record), so a service
// needs no conversion code; its fields are documented on the aliased type.
type Explanation = record.Explanation

// Attribution is one feature's contribution to a prediction.
type Attribution = record.Attribution

// ReasonCode is one principal reason for a decision, as told to the person
// affected (for example in an adverse-action notice).
type ReasonCode = record.ReasonCode

// Counterfactual summarises one change to the inputs that would have
// reached a different outcome.
type Counterfactual = record.Counterfactual

// FeatureChange is one feature moved by a counterfactual.
type FeatureChange = record.FeatureChange

// OversightAction is what human oversight did with a decision.
type OversightAction string

// The oversight actions. Gates produce apply, review and block; reviewers
// approve, reject and override; the rest are lifecycle events.
const (
	// ActionApply: a gate policy let the decision take effect without review.
	ActionApply OversightAction = "apply"
	// ActionReview: a gate held the decision for a human reviewer; also
	// the outcome of an approval still waiting for a second reviewer.
	ActionReview OversightAction = "review"
	// ActionBlock: a gate policy (or a halt) refused the decision.
	ActionBlock OversightAction = "block"
	// ActionApprove: a reviewer confirmed the model's output.
	ActionApprove OversightAction = "approve"
	// ActionReject: a reviewer refused the decision; it is not applied.
	ActionReject OversightAction = "reject"
	// ActionOverride: a reviewer replaced the model's output with another
	// (OriginalOutput keeps the model's).
	ActionOverride OversightAction = "override"
	// ActionEscalate: a review deadline passed and the ticket moved to the
	// next escalation level.
	ActionEscalate OversightAction = "escalate"
	// ActionExpire: the final review deadline passed and the fail-safe
	// (deny or hold) was applied.
	ActionExpire OversightAction = "expire"
	// ActionHalt: an operator stopped the system (EU AI Act Art. 14(4)(e)).
	ActionHalt OversightAction = "halt"
	// ActionResume: an operator lifted a halt.
	ActionResume OversightAction = "resume"
	// ActionContest: the affected person contested the decision and a
	// review was opened (EU AI Act Art. 86, GDPR Art. 22(3)).
	ActionContest OversightAction = "contest"
)

// OversightOutcome records who did what to a decision, when and why.
type OversightOutcome struct {
	// Action is what was done: a gate's route, a reviewer's verdict or a
	// lifecycle event.
	Action OversightAction `json:"action"`
	// Reviewer is the authenticated identity that acted; empty for policy actions.
	Reviewer string `json:"reviewer,omitempty"`
	// Reason is the reviewer's or the policy's reason. A reason a person
	// wrote (see PersonalReason) is kept in the ledger only: the decision
	// log leaves it out of the attributes and the body of the record it
	// emits to OpenTelemetry.
	Reason string `json:"reason,omitempty"`
	// Policy names the routing policy that decided, for gate actions.
	Policy string `json:"policy,omitempty"`
	// Time is when the action was taken.
	Time time.Time `json:"time,omitzero"`
	// TicketID identifies the review ticket, if one was opened.
	TicketID string `json:"ticket_id,omitempty"`
	// OriginalOutput is the model's output before an override.
	OriginalOutput string `json:"original_output,omitempty"`
	// ReviewLatency is the time from submission to the human action.
	ReviewLatency time.Duration `json:"review_latency_ns,omitempty"`
	// RelatedDecisionID links a contest or review record to the decision it concerns.
	RelatedDecisionID string `json:"related_decision_id,omitempty"`
}

// PersonalReason reports whether o's Reason is free text a person wrote:
// the grounds of a contest (the affected person's own words) or the reason
// of an action taken by a named reviewer (a vote, an override, a
// rejection, a halt or a resume). Such text may describe the person the
// decision is about or name others, so it is personal data that no
// allow-list can vet: DecisionLog keeps it in the ledger and never in
// telemetry. A reason without a reviewer is a policy's or the gate's own
// text (a routing verdict, an escalation at a deadline, a fail-safe) and
// is emitted.
func (o *OversightOutcome) PersonalReason() bool {
	return o != nil && o.Reason != "" && (o.Reviewer != "" || o.Action == ActionContest)
}

// NewDecision starts a decision record for the given system: a fresh
// UUIDv7, the current time in UTC and the trace and span IDs of the span
// in ctx, if any.
func NewDecision(ctx context.Context, systemID string) (Decision, error) {
	if systemID == "" {
		return Decision{}, errors.New("aims: decision needs a system ID")
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Decision{}, fmt.Errorf("aims: generating decision ID: %w", err)
	}
	d := Decision{
		SchemaVersion: DecisionSchemaVersion,
		ID:            id.String(),
		Time:          time.Now().UTC(),
		SystemID:      systemID,
	}
	d.SetTraceContext(ctx)
	return d, nil
}

// SetTraceContext copies the trace and span IDs of the span in ctx into d.
// It leaves d unchanged when ctx carries no valid span context.
func (d *Decision) SetTraceContext(ctx context.Context) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return
	}
	d.TraceID = sc.TraceID().String()
	d.SpanID = sc.SpanID().String()
}

// Validate reports the first thing wrong with d: a missing system ID, an ID
// that is not a UUID, an unknown schema version, a missing time or output,
// a score that is not a finite number, or an input of an unsupported type.
func (d *Decision) Validate() error {
	if d.SystemID == "" {
		return errors.New("aims: decision has no system_id")
	}
	if d.ID == "" {
		return errors.New("aims: decision has no id")
	}
	if _, err := uuid.Parse(d.ID); err != nil {
		return fmt.Errorf("aims: decision id %q is not a UUID: %v", d.ID, err)
	}
	if d.SchemaVersion != DecisionSchemaVersion {
		return fmt.Errorf("aims: decision %s has schema_version %q, want %q", d.ID, d.SchemaVersion, DecisionSchemaVersion)
	}
	if d.Time.IsZero() {
		return fmt.Errorf("aims: decision %s has no time", d.ID)
	}
	if d.Output == "" {
		return fmt.Errorf("aims: decision %s has no output", d.ID)
	}
	if d.Score != nil && (math.IsNaN(*d.Score) || math.IsInf(*d.Score, 0)) {
		return fmt.Errorf("aims: decision %s has a non-finite score %v", d.ID, *d.Score)
	}
	if d.Threshold != nil && (math.IsNaN(*d.Threshold) || math.IsInf(*d.Threshold, 0)) {
		return fmt.Errorf("aims: decision %s has a non-finite threshold %v", d.ID, *d.Threshold)
	}
	for k, v := range d.Inputs {
		if err := checkInputValue(k, v); err != nil {
			return fmt.Errorf("aims: decision %s: %w", d.ID, err)
		}
	}
	if d.Oversight != nil && d.Oversight.Action == "" {
		return fmt.Errorf("aims: decision %s has an oversight outcome without an action", d.ID)
	}
	return nil
}

func checkInputValue(name string, v any) error {
	switch x := v.(type) {
	case string, bool:
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("input %q is %v, not a finite number", name, x)
		}
		return nil
	default:
		return fmt.Errorf("input %q has type %T; inputs are string, float64 or bool", name, v)
	}
}
