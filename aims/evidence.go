package aims

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Evidence is one record of a schema that a sub-package of aims defines
// (aims/genai's interaction, feedback and evaluation records). It goes
// through the decision log like decisions and management records do: one
// ledger line and one OpenTelemetry log record, so the sub-package needs
// no ledger or logger of its own and aims needs no knowledge of its types.
// The sub-package validates its own body; RecordEvidence checks only what
// every record in the ledger must have.
type Evidence struct {
	// SchemaVersion names the body's schema ("aims.genai/v1"). It must
	// not be one of aims' own schemas, which have their own methods.
	SchemaVersion string
	// EventName is the event name of the log record.
	EventName string
	// Time is when the recorded thing happened.
	Time time.Time
	// Controls are the Annex A controls the record is evidence for, most
	// specific first; at least one, each in the catalog.
	Controls []string
	// Body is the record as a JSON object whose "schema_version" member is
	// SchemaVersion. It is the ledger line and the log record's body.
	Body []byte
	// Attributes go on the log record beside aims.control.id,
	// aims.control.ids, aims.system.id and aims.system.instance.
	Attributes []attribute.KeyValue
	// Scope is the instrumentation scope the log record comes under: the
	// import path of the package that defines the record, as for the rest
	// of its telemetry (semconv.ScopeGenAI for aims/genai's records), so
	// that a Collector routing on the scope finds all of that package's
	// records together. It goes through the decision log's
	// LoggerProvider. Empty means aims' own scope; otherwise it is a scope
	// under aims' (semconv.ScopeAims + "/…").
	Scope string
}

// RecordEvidence records e: it checks the schema version, event name,
// time and controls, checks that Body is a JSON object carrying that
// schema version, appends Body to the ledger (durable when Record's
// decisions are) and emits one log record with e's event name. Like
// RecordManagement it emits the record even when the ledger refuses it,
// and says so in the error.
func (l *DecisionLog) RecordEvidence(ctx context.Context, systemID string, e Evidence) error {
	if l.closed.Load() {
		return ErrDecisionLogClosed
	}
	if err := checkEvidence(systemID, &e); err != nil {
		return err
	}
	var ledgerErr error
	if l.ledger != nil {
		ledgerErr = l.ledger.Append(ctx, e.Body)
	}
	l.emitEvidence(ctx, systemID, &e)
	if ledgerErr != nil {
		return fmt.Errorf("aims: %s record emitted but not written to the ledger: %w", e.SchemaVersion, ledgerErr)
	}
	return nil
}

// RecordEvidence records e in the system's decision log
// (DecisionLog.RecordEvidence) as evidence of this system.
func (s *System) RecordEvidence(ctx context.Context, e Evidence) error {
	return s.log.RecordEvidence(ctx, s.id, e)
}

// checkEvidence normalises e's controls (in a copy) and reports the first
// thing wrong with e.
func checkEvidence(systemID string, e *Evidence) error {
	switch {
	case systemID == "":
		return errors.New("aims: evidence record: system ID is missing")
	case e.SchemaVersion == "" || strings.TrimSpace(e.SchemaVersion) != e.SchemaVersion:
		return fmt.Errorf("aims: evidence record: schema version %q is empty or padded", e.SchemaVersion)
	case e.SchemaVersion == DecisionSchemaVersion || e.SchemaVersion == ManagementSchemaVersion:
		return fmt.Errorf("aims: evidence record: schema version %q belongs to aims; use Record or RecordManagement", e.SchemaVersion)
	case e.EventName == "":
		return fmt.Errorf("aims: %s record: event name is missing", e.SchemaVersion)
	case e.Time.IsZero():
		return fmt.Errorf("aims: %s record: time is missing", e.SchemaVersion)
	case len(e.Controls) == 0:
		return fmt.Errorf("aims: %s record: controls is empty; a record names the Annex A controls it evidences", e.SchemaVersion)
	case e.Scope != "" && e.Scope != semconv.ScopeAims && (!strings.HasPrefix(e.Scope, semconv.ScopeAims+"/") || strings.ContainsAny(e.Scope, " \t\r\n")):
		return fmt.Errorf("aims: %s record: scope %q is not a package under %s", e.SchemaVersion, e.Scope, semconv.ScopeAims)
	}
	controls := normalizeControls(e.Controls)
	for i, c := range controls {
		if _, ok := LookupControl(c); !ok {
			return fmt.Errorf("aims: %s record: controls[%d]: %q is not an Annex A control", e.SchemaVersion, i, e.Controls[i])
		}
	}
	e.Controls = controls
	sv, err := SchemaVersionOf(e.Body)
	if err != nil {
		return fmt.Errorf("aims: %s record: body is not a JSON object: %v", e.SchemaVersion, err)
	}
	if sv != e.SchemaVersion {
		return fmt.Errorf("aims: %s record: body's schema_version is %q", e.SchemaVersion, sv)
	}
	return nil
}

// SchemaVersionOf returns the schema_version member of a ledger line (a
// JSON object), "" when it has none: what a reader switches on before
// decoding the line as a decision, a management record or a sub-package's
// evidence record.
func SchemaVersionOf(line []byte) (string, error) {
	var head struct {
		SchemaVersion string `json:"schema_version"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return "", err
	}
	return head.SchemaVersion, nil
}

// infoRecord starts the INFO log record of event name at t with body as
// its string body: what management and evidence records share.
func infoRecord(name string, t time.Time, body []byte) log.Record {
	var rec log.Record
	rec.SetEventName(name)
	rec.SetTimestamp(t)
	rec.SetSeverity(log.SeverityInfo)
	rec.SetSeverityText("INFO")
	rec.SetBody(attribute.StringValue(string(body)))
	return rec
}

// emitEvidence sends the evidence record's log record.
func (l *DecisionLog) emitEvidence(ctx context.Context, systemID string, e *Evidence) {
	logger := l.evidenceLogger(e.Scope)
	if !logger.Enabled(ctx, log.EnabledParameters{Severity: log.SeverityInfo, EventName: e.EventName}) {
		return
	}
	rec := infoRecord(e.EventName, e.Time, e.Body)
	rec.AddAttributes(
		semconv.AimsControlID.String(e.Controls[0]),
		semconv.AimsControlIDs.StringSlice(e.Controls),
		semconv.AimsSystemID.String(systemID),
	)
	if l.instance != "" {
		rec.AddAttributes(semconv.AimsSystemInstance.String(l.instance))
	}
	rec.AddAttributes(e.Attributes...)
	logger.Emit(ctx, rec)
}

// evidenceLogger is the logger of an evidence record's scope (aims' for
// ""), made once per scope from the decision log's LoggerProvider.
func (l *DecisionLog) evidenceLogger(scope string) log.Logger {
	if scope == "" || scope == semconv.ScopeAims {
		return l.logger
	}
	if lg, ok := l.scoped.Load(scope); ok {
		return lg.(log.Logger)
	}
	lg, _ := l.scoped.LoadOrStore(scope, l.tel.Logger(scope))
	return lg.(log.Logger)
}
