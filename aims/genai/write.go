package genai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// The Annex A controls each record type is evidence for, most specific
// first: event logs for every turn (A.6.2.8) and the information given to
// users (A.8.2); reporting of concerns (A.3.3) and external reporting
// (A.8.3) for feedback; verification and validation (A.6.2.4) and
// operation and monitoring (A.6.2.6) for evaluations.
var controls = map[RecordType][]string{
	RecordInteraction: {semconv.ControlEventLogs, "A.8.2"},
	RecordFeedback:    {semconv.ControlReportingConcerns, semconv.ControlExternalReporting},
	RecordEvaluation:  {"A.6.2.4", semconv.ControlDriftMonitoring},
}

func (a *Assistant) newRecord(ctx context.Context, t RecordType, conversationID string) (Record, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Record{}, fmt.Errorf("genai: record ID: %w", err)
	}
	r := Record{SchemaVersion: SchemaVersion, Type: t, ID: id.String(), Time: time.Now().UTC(),
		SystemID: a.sys.ID(), SystemVersion: a.sys.Version(), ConversationID: conversationID,
		Controls: append([]string(nil), controls[t]...)}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.TraceID, r.SpanID = sc.TraceID().String(), sc.SpanID().String()
	}
	return r, nil
}

// write validates r and records it in the system's decision log, whether
// or not ctx has been cancelled meanwhile.
func (a *Assistant) write(ctx context.Context, r *Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("genai: encoding %s record: %w", r.Type, err)
	}
	// Under this package's scope, with its spans, metrics and guardrail
	// events, though aims' decision log writes it.
	ev := aims.Evidence{SchemaVersion: SchemaVersion, Scope: semconv.ScopeGenAI, Time: r.Time, Controls: r.Controls, Body: body,
		Attributes: []attribute.KeyValue{semconv.AimsGenAIRecordType.String(string(r.Type)), semconv.AimsGenAIRecordID.String(r.ID)}}
	if r.ConversationID != "" {
		ev.Attributes = append(ev.Attributes, semconv.GenAIConversationID.String(r.ConversationID))
	}
	switch r.Type {
	case RecordInteraction:
		ev.EventName = semconv.EventGenAIInteraction
		x := r.Interaction
		ev.Attributes = append(ev.Attributes, semconv.AimsGenAIOutcome.String(string(x.Outcome)),
			semconv.GenAIProviderName.String(x.Provider), semconv.GenAIRequestModel.String(x.RequestModel),
			semconv.AimsGenAISystemPromptDigest.String(x.SystemPromptDigest))
		if x.ProviderResponseID != "" {
			// The provider's ID, as on the turn's GenAI client span.
			ev.Attributes = append(ev.Attributes, semconv.GenAIResponseID.String(x.ProviderResponseID))
		}
		if x.Usage != nil {
			ev.Attributes = append(ev.Attributes, semconv.GenAIUsageInputTokens.Int(x.Usage.InputTokens),
				semconv.GenAIUsageOutputTokens.Int(x.Usage.OutputTokens))
		}
	case RecordFeedback:
		ev.EventName = semconv.EventGenAIFeedback
		ev.Attributes = append(ev.Attributes, semconv.AimsGenAIFeedbackKind.String(string(r.Feedback.Kind)))
	case RecordEvaluation:
		// The conventions' own event, so GenAI back ends read it as theirs.
		ev.EventName = semconv.EventGenAIEvaluationResult
		e := r.Evaluation
		ev.Attributes = append(ev.Attributes, semconv.GenAIEvaluationName.String(e.Name))
		if e.ProviderResponseID != "" {
			// gen_ai.response.id is the provider's completion ID, the one
			// on the evaluated model call's client span; aimskit's own
			// response ID is in the record (the event's body).
			ev.Attributes = append(ev.Attributes, semconv.GenAIResponseID.String(e.ProviderResponseID))
		}
		if e.Score != nil {
			ev.Attributes = append(ev.Attributes, semconv.GenAIEvaluationScoreValue.Float64(*e.Score))
		}
		if e.Label != "" {
			ev.Attributes = append(ev.Attributes, semconv.GenAIEvaluationScoreLabel.String(e.Label))
		}
		if e.Explanation != "" {
			ev.Attributes = append(ev.Attributes, semconv.GenAIEvaluationExplanation.String(e.Explanation))
		}
	}
	// The recorded thing has happened (a model call, feedback given): its
	// record is written even when the caller has gone away meanwhile. A
	// cancelled context would have the ledger report the record "not
	// written" after taking it, and the service count a turn twice.
	return a.sys.RecordEvidence(context.WithoutCancel(ctx), ev)
}

// FeedbackInput is a person's feedback on a response.
type FeedbackInput struct {
	// ConversationID is the response's conversation. Required.
	ConversationID string
	// ResponseID is the response the feedback is about. Required.
	ResponseID string
	// Kind is rating or report.
	Kind FeedbackKind
	// Rating is +1 or -1 for a rating.
	Rating int
	// Category is, for a report, harmful, false, privacy or other
	// (required); a rating may carry one of them too (why a response was
	// not helpful, say) or none. It goes into the record and telemetry
	// as it is, so anything else is refused with ErrCategory: free text
	// belongs in Comment, which the content policy governs.
	Category string
	// Comment is the person's words; the content policy decides what of
	// it is kept (a digest and length by default).
	Comment string
	// Reporter identifies who reported, for the incident's By (a role or
	// pseudonym, not a name); default "end user".
	Reporter string
}

// ErrInvalidFeedback wraps every error of Feedback that is the
// feedback's fault (no usable conversation or response ID, a rating other
// than +1 or -1, an unknown kind or category, an oversized comment), and
// no other: any other error of Feedback is the service's (the record or
// the incident could not be written), which a service answers as its own
// failure, not the client's.
var ErrInvalidFeedback = errors.New("genai: invalid feedback")

// checkFeedback says what is wrong with f, if anything.
func (a *Assistant) checkFeedback(f *FeedbackInput) error {
	switch {
	case !checkID(f.ConversationID):
		return ErrNoConversation
	case !checkID(f.ResponseID):
		return errors.New("genai: feedback names no usable response ID")
	case f.Kind == FeedbackRating && f.Rating != 1 && f.Rating != -1:
		return fmt.Errorf("genai: rating %d is neither +1 nor -1", f.Rating)
	case f.Kind == FeedbackReport && !validCategory(f.Category):
		// The category is client input: not echoed, it may be anything.
		return fmt.Errorf("%w: a report's category must be harmful, false, privacy or other", ErrCategory)
	case f.Kind == FeedbackRating && f.Category != "" && !validCategory(f.Category):
		return fmt.Errorf("%w: a rating's category must be empty, harmful, false, privacy or other", ErrCategory)
	case f.Kind != FeedbackRating && f.Kind != FeedbackReport:
		return fmt.Errorf("genai: feedback kind %.32q is neither rating nor report", f.Kind)
	case len(f.Comment) > a.cfg.maxPrompt:
		return fmt.Errorf("%w: comment of %d bytes", ErrPromptTooLarge, len(f.Comment))
	}
	return nil
}

// ErrCategory: a feedback's Category is not one of the categories below
// (or, for a rating, empty).
var ErrCategory = errors.New("genai: feedback category is not a known category")

// Report categories. Reports of harmful or false output open incidents
// when the Assistant has an incident book.
const (
	CategoryHarmful = "harmful"
	CategoryFalse   = "false"
	CategoryPrivacy = "privacy"
	CategoryOther   = "other"
)

// Feedback records a rating or a problem report. A report of harmful or
// false output opens an incident (source user_report, severity medium,
// the response named in the description) when the Assistant has an
// incident book (WithIncidentBook); the record carries its ID.
func (a *Assistant) Feedback(ctx context.Context, f FeedbackInput) (Record, error) {
	if err := a.checkFeedback(&f); err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrInvalidFeedback, err)
	}
	r, err := a.newRecord(ctx, RecordFeedback, f.ConversationID)
	if err != nil {
		return Record{}, err
	}
	fb := &Feedback{Kind: f.Kind, ResponseID: f.ResponseID, Category: f.Category}
	if f.Kind == FeedbackRating {
		fb.Rating = f.Rating
	}
	if f.Comment != "" {
		c := a.capture(f.Comment)
		fb.Comment = &c
	}
	r.Feedback = fb
	if f.Kind == FeedbackReport && (f.Category == CategoryHarmful || f.Category == CategoryFalse) && a.cfg.incidents != nil {
		by := f.Reporter
		if by == "" {
			by = "end user"
		}
		inc, err := a.cfg.incidents.Open(ctx, aims.IncidentReport{
			Title:       "User report: " + f.Category + " output from " + a.sys.ID(),
			Description: "An end user reported response " + f.ResponseID + " of conversation " + f.ConversationID + " as " + f.Category + ". Feedback record " + r.ID + ".",
			Severity:    aims.SeverityMedium, Source: aims.SourceUserReport, By: by,
		})
		if err != nil {
			return Record{}, fmt.Errorf("genai: opening the incident for report %s: %w", r.ID, err)
		}
		fb.IncidentID = inc.ID
	}
	if err := a.write(ctx, &r); err != nil {
		return Record{}, err
	}
	return r, nil
}

func validCategory(c string) bool {
	return c == CategoryHarmful || c == CategoryFalse || c == CategoryPrivacy || c == CategoryOther
}

// Evaluate records one evaluation of a response (offline, or sampled
// online) as an evaluation record and a gen_ai.evaluation.result event.
// A score must be a finite number; a score or a label is required. Give
// the evaluated turn's ProviderResponseID, and call Evaluate in the
// context of the turn's span where there is one: the GenAI conventions
// link an evaluation to its model call by the parent span or by
// gen_ai.response.id, the provider's completion ID.
func (a *Assistant) Evaluate(ctx context.Context, conversationID string, e Evaluation) (Record, error) {
	if e.Score != nil && (math.IsNaN(*e.Score) || math.IsInf(*e.Score, 0)) {
		return Record{}, fmt.Errorf("genai: evaluation %s: score %v is not a finite number", e.Name, *e.Score)
	}
	if !checkID(e.ResponseID) {
		return Record{}, errors.New("genai: evaluation names no usable response ID")
	}
	if e.ProviderResponseID != "" && !checkID(e.ProviderResponseID) {
		return Record{}, errors.New("genai: evaluation's provider response ID is not usable")
	}
	if !checkID(conversationID) {
		return Record{}, ErrNoConversation
	}
	r, err := a.newRecord(ctx, RecordEvaluation, conversationID)
	if err != nil {
		return Record{}, err
	}
	r.Evaluation = &e
	if err := a.write(ctx, &r); err != nil {
		return Record{}, err
	}
	return r, nil
}
