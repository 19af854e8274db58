package genai

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/aimskit/aimskit/aims"
)

// SchemaVersion is the schema_version of the records this package writes
// to the decision log and ledger. Auditors' parsers switch on it, beside
// aims.DecisionSchemaVersion and aims.ManagementSchemaVersion.
const SchemaVersion = "aims.genai/v1"

// RecordType says which body a Record carries.
type RecordType string

// The record types.
const (
	// RecordInteraction is one conversation turn (Record.Interaction).
	RecordInteraction RecordType = "interaction"
	// RecordFeedback is end-user feedback or a problem report
	// (Record.Feedback).
	RecordFeedback RecordType = "feedback"
	// RecordEvaluation is one evaluation of a generated output
	// (Record.Evaluation).
	RecordEvaluation RecordType = "evaluation"
)

// Record is one aims/genai record: the envelope shared by interaction,
// feedback and evaluation records, with exactly one body set.
type Record struct {
	// SchemaVersion is SchemaVersion.
	SchemaVersion string `json:"schema_version"`
	// Type says which body is set.
	Type RecordType `json:"type"`
	// ID is a UUIDv7, one per record.
	ID string `json:"id"`
	// Time is when the recorded thing happened, in UTC.
	Time time.Time `json:"time"`
	// SystemID identifies the AI system.
	SystemID string `json:"system_id"`
	// SystemVersion is the system's version when the record was written.
	SystemVersion string `json:"system_version,omitempty"`
	// ConversationID is the conversation the record belongs to
	// (gen_ai.conversation.id).
	ConversationID string `json:"conversation_id,omitempty"`
	// Controls are the Annex A controls the record is evidence for.
	Controls []string `json:"controls"`
	// TraceID is the W3C trace ID of the request the record was made in.
	TraceID string `json:"trace_id,omitempty"`
	// SpanID is the W3C span ID the record was made in.
	SpanID string `json:"span_id,omitempty"`

	// Interaction is the body of an interaction record.
	Interaction *Interaction `json:"interaction,omitempty"`
	// Feedback is the body of a feedback record.
	Feedback *Feedback `json:"feedback,omitempty"`
	// Evaluation is the body of an evaluation record.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
}

// Outcome is what became of a turn's response.
type Outcome string

// The turn outcomes.
const (
	// OutcomeDelivered: the response went to the person as generated.
	OutcomeDelivered Outcome = "delivered"
	// OutcomeRedacted: the response (or the prompt) was redacted by a
	// guardrail action and then delivered.
	OutcomeRedacted Outcome = "redacted"
	// OutcomeBlocked: a guardrail (or a fail-closed error) stopped the
	// turn; the person got a refusal, not the model's text.
	OutcomeBlocked Outcome = "blocked"
	// OutcomeHeld: the response waits for human review (Review says where).
	OutcomeHeld Outcome = "held"
	// OutcomeFailed: the model call failed; nothing was generated.
	OutcomeFailed Outcome = "failed"
)

// Interaction is the record of one conversation turn. It holds digests
// and lengths of the prompt and response, and their redacted text only
// under CaptureRedacted.
type Interaction struct {
	// Turn is the turn's number in the conversation, 1 for the first: the
	// service's Turn.Number, or, when it gave none, one more than the
	// person's messages in the history it passed.
	Turn int `json:"turn"`
	// ResponseID identifies the response towards the person; feedback and
	// evaluations refer to it. It is aimskit's own ID (the record's ID),
	// not the provider's.
	ResponseID string `json:"response_id"`
	// ProviderResponseID is the provider's ID of the model call's
	// completion (gen_ai.response.id on the GenAI client span), when the
	// provider gave one: what links the record, and evaluations of its
	// response, to the model call in a GenAI back end.
	ProviderResponseID string `json:"provider_response_id,omitempty"`
	// Operation is the gen_ai.operation.name of the model call.
	Operation string `json:"operation"`
	// Provider is the gen_ai.provider.name.
	Provider string `json:"provider"`
	// RequestModel is the gen_ai.request.model.
	RequestModel string `json:"request_model"`
	// ResponseModel is the gen_ai.response.model.
	ResponseModel string `json:"response_model,omitempty"`
	// SystemPromptDigest is the digest of the system prompt: its version.
	SystemPromptDigest string `json:"system_prompt_digest"`
	// Prompt is what was kept of the person's message.
	Prompt Content `json:"prompt"`
	// Response is what was kept of the model's response, before any
	// guardrail action; nil when no response was generated.
	Response *Content `json:"response,omitempty"`
	// Delivered is what was kept of the text the person received, when it
	// differs from Response (redacted or a refusal).
	Delivered *Content `json:"delivered,omitempty"`
	// ToolCalls names the tools the model called.
	ToolCalls []string `json:"tool_calls,omitempty"`
	// FinishReasons are the model's finish reasons.
	FinishReasons []string `json:"finish_reasons,omitempty"`
	// Usage is the token usage, when the model reported it.
	Usage *Usage `json:"usage,omitempty"`
	// Guardrails are the results of every guardrail check of the turn.
	Guardrails []GuardrailResult `json:"guardrails,omitempty"`
	// Outcome is what became of the response.
	Outcome Outcome `json:"outcome"`
	// Fallbacks lists the documented fallbacks the turn took (a guardrail
	// that errored under fail-open, say), so that none is silent.
	Fallbacks []string `json:"fallbacks,omitempty"`
	// Review says where a held response waits for human review.
	Review *Review `json:"review,omitempty"`
	// NoticeShown says the interaction notice went out with this turn's
	// result (TurnResult.Notice).
	NoticeShown bool `json:"notice_shown,omitempty"`
	// ErrorType is the error.type of a failed model call.
	ErrorType string `json:"error_type,omitempty"`
}

// Review links a held response to its oversight ticket and decision.
type Review struct {
	// TicketID is the oversight ticket the response waits in.
	TicketID string `json:"ticket_id"`
	// DecisionID is the decision the response was submitted as.
	DecisionID string `json:"decision_id"`
}

// FeedbackKind says what sort of feedback a person gave.
type FeedbackKind string

// The feedback kinds.
const (
	// FeedbackRating is a rating of a response (thumbs up or down).
	FeedbackRating FeedbackKind = "rating"
	// FeedbackReport is a report of a problem with a response.
	FeedbackReport FeedbackKind = "report"
)

// Feedback is the record of end-user feedback or a problem report.
type Feedback struct {
	// Kind is rating or report.
	Kind FeedbackKind `json:"kind"`
	// ResponseID is the response the feedback is about.
	ResponseID string `json:"response_id"`
	// Rating is +1 (helpful) or -1 (not helpful) for a rating.
	Rating int `json:"rating,omitempty"`
	// Category classifies a report: harmful, false, privacy, other. A
	// rating may carry one too. Records written before the category of
	// ratings was checked may hold other text here.
	Category string `json:"category,omitempty"`
	// Comment is what the content policy kept of the person's words.
	Comment *Content `json:"comment,omitempty"`
	// IncidentID is the incident a report opened, if it did.
	IncidentID string `json:"incident_id,omitempty"`
}

// Evaluation is the record of one evaluation of a generated output
// (offline, or sampled online), as in the gen_ai.evaluation.result event.
type Evaluation struct {
	// ResponseID is the response evaluated: aimskit's response ID
	// (TurnResult.ResponseID, Interaction.ResponseID).
	ResponseID string `json:"response_id"`
	// ProviderResponseID is the provider's ID of the evaluated completion
	// (TurnResult.ProviderResponseID, Interaction.ProviderResponseID),
	// if known. The gen_ai.evaluation.result event carries it as
	// gen_ai.response.id, as the GenAI conventions define that key, so
	// that a GenAI back end links the evaluation to its model call;
	// without it the event carries no gen_ai.response.id (aimskit's own
	// ID is in the record, never under the conventions' key).
	ProviderResponseID string `json:"provider_response_id,omitempty"`
	// Name is the evaluation metric (gen_ai.evaluation.name).
	Name string `json:"name"`
	// Score is the evaluator's score, if it gives one.
	Score *float64 `json:"score,omitempty"`
	// Label is the low-cardinality reading (pass, fail, relevant …).
	Label string `json:"label,omitempty"`
	// Explanation is the evaluator's explanation, if any.
	Explanation string `json:"explanation,omitempty"`
	// Evaluator names who or what evaluated (a model, a person's role).
	Evaluator string `json:"evaluator,omitempty"`
}

// ErrNotGenAIRecord is returned by ParseRecord for a ledger line of
// another schema (a decision, a management record).
var ErrNotGenAIRecord = errors.New("genai: not an aims/genai record")

// ParseRecord decodes and validates one ledger line.
func ParseRecord(line []byte) (Record, error) {
	if sv, err := aims.SchemaVersionOf(line); err != nil || sv != SchemaVersion {
		return Record{}, ErrNotGenAIRecord
	}
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return r, fmt.Errorf("genai: record: %w", err)
	}
	return r, r.Validate()
}

// Validate reports the first thing wrong with r, naming the field.
func (r *Record) Validate() error {
	if r.SchemaVersion != SchemaVersion {
		return fmt.Errorf("genai: record: schema_version %q, want %q", r.SchemaVersion, SchemaVersion)
	}
	if _, err := uuid.Parse(r.ID); err != nil {
		return fmt.Errorf("genai: record: id %q is not a UUID", r.ID)
	}
	switch {
	case r.SystemID == "":
		return fmt.Errorf("genai: %s record %s: system_id is missing", r.Type, r.ID)
	case r.Time.IsZero():
		return fmt.Errorf("genai: %s record %s: time is missing", r.Type, r.ID)
	case len(r.Controls) == 0:
		return fmt.Errorf("genai: %s record %s: controls is empty", r.Type, r.ID)
	}
	bodies := 0
	for _, set := range []bool{r.Interaction != nil, r.Feedback != nil, r.Evaluation != nil} {
		if set {
			bodies++
		}
	}
	if bodies != 1 {
		return fmt.Errorf("genai: %s record %s: has %d bodies, want exactly one", r.Type, r.ID, bodies)
	}
	switch r.Type {
	case RecordInteraction:
		if r.Interaction == nil {
			return fmt.Errorf("genai: interaction record %s has no interaction", r.ID)
		}
		if r.ConversationID == "" {
			return fmt.Errorf("genai: interaction record %s: conversation_id is missing", r.ID)
		}
		if !slices.Contains([]Outcome{OutcomeDelivered, OutcomeRedacted, OutcomeBlocked, OutcomeHeld, OutcomeFailed}, r.Interaction.Outcome) {
			return fmt.Errorf("genai: interaction record %s: outcome %q is unknown", r.ID, r.Interaction.Outcome)
		}
		if r.Interaction.Outcome == OutcomeHeld && r.Interaction.Review == nil {
			return fmt.Errorf("genai: interaction record %s: held without a review ticket", r.ID)
		}
	case RecordFeedback:
		if r.Feedback == nil {
			return fmt.Errorf("genai: feedback record %s has no feedback", r.ID)
		}
		if r.Feedback.Kind != FeedbackRating && r.Feedback.Kind != FeedbackReport {
			return fmt.Errorf("genai: feedback record %s: kind %q is neither rating nor report", r.ID, r.Feedback.Kind)
		}
		if r.Feedback.ResponseID == "" {
			return fmt.Errorf("genai: feedback record %s: response_id is missing", r.ID)
		}
	case RecordEvaluation:
		if r.Evaluation == nil {
			return fmt.Errorf("genai: evaluation record %s has no evaluation", r.ID)
		}
		if r.Evaluation.Name == "" {
			return fmt.Errorf("genai: evaluation record %s: name is missing", r.ID)
		}
		if r.Evaluation.Score == nil && r.Evaluation.Label == "" {
			return fmt.Errorf("genai: evaluation record %s: neither score nor label", r.ID)
		}
		if s := r.Evaluation.Score; s != nil && (math.IsNaN(*s) || math.IsInf(*s, 0)) {
			return fmt.Errorf("genai: evaluation record %s: score %v is not a finite number", r.ID, *s)
		}
	default:
		return fmt.Errorf("genai: record %s: type %q is unknown", r.ID, r.Type)
	}
	return nil
}
