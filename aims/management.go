package aims

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
)

// ManagementSchemaVersion is the schema_version of management-system
// records written by this version of the SDK. A ledger line whose
// schema_version is DecisionSchemaVersion is a decision, one with this
// value a management-system record.
const ManagementSchemaVersion = "aims.management/v1"

// RecordType is the type of a management-system record.
type RecordType string

// The management-system record types. Each record documents one change to
// its subject (an incident, an assessment, an authorisation, a change, a
// risk), and carries the subject's state after the change, so the last
// record of a subject is its current state and the sequence is its
// history.
const (
	// RecordIncident documents an incident being opened or changing
	// state (A.3.3, A.8.4; Clause 10.2; EU AI Act Art. 73). Data is an
	// [Incident].
	RecordIncident RecordType = "incident"
	// RecordImpactAssessment documents an impact assessment, its version
	// and digest, and its approval (A.5.2–A.5.5; Clause 6.1.4; Art. 27).
	RecordImpactAssessment RecordType = "impact_assessment"
	// RecordDeploymentAuthorisation documents the approval of a
	// deployment by named approvers (A.6.2.5; Art. 9, 17).
	RecordDeploymentAuthorisation RecordType = "deployment_authorisation"
	// RecordChange documents a change to a deployed system (a new model
	// version or digest) and its approval or refusal (A.6.2.5, A.6.2.6).
	RecordChange RecordType = "change"
	// RecordRisk documents a risk of the risk register, its treatment,
	// acceptance and review (Clauses 6.1.2, 6.1.3, 8.2, 8.3).
	RecordRisk RecordType = "risk"
)

var recordTypes = []RecordType{RecordIncident, RecordImpactAssessment, RecordDeploymentAuthorisation, RecordChange, RecordRisk}

// RecordTypes returns every management-system record type this SDK writes.
func RecordTypes() []RecordType { return slices.Clone(recordTypes) }

// ManagementRecord is one management-system record: the envelope that puts
// incidents, impact assessments, deployment authorisations, changes and
// risks into the same ledger and OpenTelemetry stream as decisions (one
// ledger line, one aims.management.<type> log record each), with the
// Annex A controls it evidences. Data holds the typed body ([Incident],
// …) as JSON.
type ManagementRecord struct {
	// SchemaVersion is ManagementSchemaVersion.
	SchemaVersion string `json:"schema_version"`
	// Type says what Data holds.
	Type RecordType `json:"type"`
	// ID is a UUIDv7 for this record (one per change).
	ID string `json:"id"`
	// Time is when the change happened, in UTC.
	Time time.Time `json:"time"`
	// SystemID is the AI system the record belongs to.
	SystemID string `json:"system_id"`
	// SystemVersion is the system's version when the record was written.
	SystemVersion string `json:"system_version,omitempty"`
	// Subject identifies what the record is about: the incident, the
	// assessment, the change or the risk ID that all of its records share.
	Subject string `json:"subject"`
	// State is the subject's state after the change ("open", "approved",
	// "refused" …), for filtering without decoding Data.
	State string `json:"state,omitempty"`
	// Actor is the person or role who made the change, or the component
	// ("drift monitor") for an automatic one.
	Actor string `json:"actor,omitempty"`
	// Summary is one human-readable line: what happened.
	Summary string `json:"summary"`
	// Controls are the Annex A controls the record is evidence for, most
	// specific first. Required, and every ID must be in the catalog.
	Controls []string `json:"controls"`
	// Clauses names the ISO/IEC 42001 clauses (e.g. "10.2") and EU AI Act
	// articles (e.g. "EU AI Act Art. 73") the record also evidences.
	Clauses []string `json:"clauses,omitempty"`
	// Decisions lists the IDs of the decisions the record concerns (an
	// incident's affected decisions).
	Decisions []string `json:"decisions,omitempty"`
	// Data is the typed body as JSON.
	Data json.RawMessage `json:"data,omitempty"`
	// TraceID is the W3C trace ID of the request the record was made in.
	TraceID string `json:"trace_id,omitempty"`
	// SpanID is the W3C span ID the record was made in.
	SpanID string `json:"span_id,omitempty"`
}

// Validate reports the first thing wrong with r: a wrong schema version, an
// unknown type, a missing or malformed ID, system, subject, time or
// summary, no controls, or a control that is not in the Annex A catalog.
// Errors name the field.
func (r *ManagementRecord) Validate() error {
	if r.SchemaVersion != ManagementSchemaVersion {
		return fmt.Errorf("aims: management record: schema_version %q, want %q", r.SchemaVersion, ManagementSchemaVersion)
	}
	if !slices.Contains(recordTypes, r.Type) {
		return fmt.Errorf("aims: management record: type %q is not one of %v", r.Type, recordTypes)
	}
	if _, err := uuid.Parse(r.ID); err != nil {
		return fmt.Errorf("aims: management record: id %q is not a UUID", r.ID)
	}
	switch {
	case r.SystemID == "":
		return fmt.Errorf("aims: %s record %s: system_id is missing", r.Type, r.ID)
	case r.Subject == "":
		return fmt.Errorf("aims: %s record %s: subject is missing", r.Type, r.ID)
	case r.Time.IsZero():
		return fmt.Errorf("aims: %s record %s: time is missing", r.Type, r.ID)
	case r.Summary == "":
		return fmt.Errorf("aims: %s record %s: summary is missing", r.Type, r.ID)
	case len(r.Controls) == 0:
		return fmt.Errorf("aims: %s record %s: controls is empty; a record names the Annex A controls it evidences", r.Type, r.ID)
	}
	for i, c := range r.Controls {
		if _, ok := LookupControl(c); !ok {
			return fmt.Errorf("aims: %s record %s: controls[%d]: %q is not an Annex A control", r.Type, r.ID, i, c)
		}
	}
	if len(r.Data) > 0 && !json.Valid(r.Data) {
		return fmt.Errorf("aims: %s record %s: data is not valid JSON", r.Type, r.ID)
	}
	return nil
}

// DecodeData decodes r.Data into v (an *Incident for an incident record).
func (r *ManagementRecord) DecodeData(v any) error {
	if len(r.Data) == 0 {
		return fmt.Errorf("aims: %s record %s has no data", r.Type, r.ID)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("aims: %s record %s: data: %w", r.Type, r.ID, err)
	}
	return nil
}

// NewManagementRecord returns a record of type t about subject for this
// system, with a fresh UUIDv7, the current time, the schema version and
// data encoded as JSON. The caller sets Summary, Controls and the rest.
func (s *System) NewManagementRecord(t RecordType, subject string, data any) (ManagementRecord, error) {
	r := ManagementRecord{SchemaVersion: ManagementSchemaVersion, Type: t, SystemID: s.id,
		SystemVersion: s.version, Subject: subject, Time: time.Now().UTC()}
	id, err := uuid.NewV7()
	if err != nil {
		return r, fmt.Errorf("aims: %s record: %w", t, err)
	}
	r.ID = id.String()
	if data != nil {
		if r.Data, err = json.Marshal(data); err != nil {
			return r, fmt.Errorf("aims: %s record: encoding data: %w", t, err)
		}
	}
	return r, nil
}

// RecordManagement records r in the system's decision log
// (DecisionLog.RecordManagement) after checking that it belongs to this
// system.
func (s *System) RecordManagement(ctx context.Context, r ManagementRecord) error {
	if r.SystemID != s.id {
		return fmt.Errorf("aims: %s record %s belongs to system %q, not %q", r.Type, r.ID, r.SystemID, s.id)
	}
	return s.log.RecordManagement(ctx, r)
}

// RecordManagement records a management-system record: it fills the trace
// context from ctx when r has none, validates r, appends its JSON to the
// ledger (durable when Record's decisions are) and emits one log record
// with event name aims.management.<type>, aims.control.id (the first
// control) and aims.control.ids (all of them), and the JSON as body.
//
// Management records go through the same privacy rule as decisions in one
// respect: they name decisions by ID only, never their subjects or inputs.
// Free text (summaries, root causes) is the writer's responsibility.
func (l *DecisionLog) RecordManagement(ctx context.Context, r ManagementRecord) error {
	if l.closed.Load() {
		return ErrDecisionLogClosed
	}
	if r.TraceID == "" && r.SpanID == "" {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			r.TraceID, r.SpanID = sc.TraceID().String(), sc.SpanID().String()
		}
	}
	r.Controls = normalizeControls(r.Controls)
	if err := r.Validate(); err != nil {
		return err
	}
	body, err := json.Marshal(&r)
	if err != nil {
		return fmt.Errorf("aims: %s record %s: %w", r.Type, r.ID, err)
	}
	var ledgerErr error
	if l.ledger != nil {
		ledgerErr = l.ledger.Append(ctx, body)
	}
	l.emitManagement(ctx, &r, body)
	if ledgerErr != nil {
		return fmt.Errorf("aims: %s record %s emitted but not written to the ledger: %w", r.Type, r.ID, ledgerErr)
	}
	return nil
}

// emitManagement sends the aims.management.<type> log record.
func (l *DecisionLog) emitManagement(ctx context.Context, r *ManagementRecord, body []byte) {
	name := semconv.EventManagementPrefix + string(r.Type)
	if !l.logger.Enabled(ctx, log.EnabledParameters{Severity: log.SeverityInfo, EventName: name}) {
		return
	}
	rec := infoRecord(name, r.Time, body)
	rec.AddAttributes(
		semconv.AimsControlID.String(r.Controls[0]),
		semconv.AimsControlIDs.StringSlice(r.Controls),
		semconv.AimsSystemID.String(r.SystemID),
		semconv.AimsRecordType.String(string(r.Type)),
		semconv.AimsRecordID.String(r.ID),
		semconv.AimsRecordSubject.String(r.Subject),
	)
	if r.State != "" {
		rec.AddAttributes(semconv.AimsRecordState.String(r.State))
	}
	if r.Actor != "" {
		rec.AddAttributes(semconv.AimsRecordActor.String(r.Actor))
	}
	if r.SystemVersion != "" {
		rec.AddAttributes(semconv.AimsSystemVersion.String(r.SystemVersion))
	}
	if l.instance != "" {
		rec.AddAttributes(semconv.AimsSystemInstance.String(l.instance))
	}
	l.logger.Emit(ctx, rec)
}

// ErrNotManagementRecord is returned by ParseManagementRecord for a ledger
// line that is not a management-system record (a decision, a ledger entry).
var ErrNotManagementRecord = errors.New("aims: not a management-system record")

// ParseManagementRecord decodes and validates one ledger record. It returns
// ErrNotManagementRecord for a record of another kind.
func ParseManagementRecord(line []byte) (ManagementRecord, error) {
	if sv, err := SchemaVersionOf(line); err != nil || sv != ManagementSchemaVersion {
		return ManagementRecord{}, ErrNotManagementRecord
	}
	var r ManagementRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return r, fmt.Errorf("aims: management record: %w", err)
	}
	return r, r.Validate()
}
