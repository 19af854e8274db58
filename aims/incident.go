package aims

import (
	"fmt"
	"time"
)

// IncidentState is a state of an incident's life cycle. An incident moves
// forward one state at a time, open → investigating → corrective_action →
// verified → closed; no state may be skipped.
type IncidentState string

// The incident states, in order.
const (
	IncidentOpen             IncidentState = "open"
	IncidentInvestigating    IncidentState = "investigating"
	IncidentCorrectiveAction IncidentState = "corrective_action"
	IncidentVerified         IncidentState = "verified"
	IncidentClosed           IncidentState = "closed"
)

// IncidentStates returns the incident states in life-cycle order.
func IncidentStates() []IncidentState {
	return []IncidentState{IncidentOpen, IncidentInvestigating, IncidentCorrectiveAction, IncidentVerified, IncidentClosed}
}

// NextIncidentState returns the state that follows s, and false for closed
// or an unknown state.
func NextIncidentState(s IncidentState) (IncidentState, bool) {
	states := IncidentStates()
	for i := 0; i+1 < len(states); i++ {
		if states[i] == s {
			return states[i+1], true
		}
	}
	return "", false
}

// IncidentSeverity grades an incident.
type IncidentSeverity string

// The incident severities, least to most severe.
const (
	SeverityLow      IncidentSeverity = "low"
	SeverityMedium   IncidentSeverity = "medium"
	SeverityHigh     IncidentSeverity = "high"
	SeverityCritical IncidentSeverity = "critical"
)

// SeriousKind classifies a serious incident (EU AI Act Art. 3(49)) by the
// reporting deadline Art. 73 gives it.
type SeriousKind string

// The kinds of serious incident and their Art. 73 reporting periods,
// counted from when the provider became aware of the incident.
const (
	// SeriousNone marks an incident that is not serious: no Art. 73 report.
	SeriousNone SeriousKind = ""
	// SeriousOther is a serious incident of any other kind: harm to health,
	// serious harm to property or the environment, an infringement of
	// fundamental-rights obligations (Art. 73(2): 15 days).
	SeriousOther SeriousKind = "other"
	// SeriousDeath is a serious incident involving a person's death
	// (Art. 73(4): 10 days).
	SeriousDeath SeriousKind = "death"
	// SeriousWidespread is a widespread infringement or a serious and
	// irreversible disruption of critical infrastructure (Art. 73(3):
	// 2 days).
	SeriousWidespread SeriousKind = "widespread_or_critical_infrastructure"
)

// ReportingPeriod returns the Art. 73 reporting period of a serious incident
// of kind k, and false when k is SeriousNone or unknown.
func (k SeriousKind) ReportingPeriod() (time.Duration, bool) {
	const day = 24 * time.Hour
	switch k {
	case SeriousOther:
		return 15 * day, true
	case SeriousDeath:
		return 10 * day, true
	case SeriousWidespread:
		return 2 * day, true
	}
	return 0, false
}

// IncidentSource says how an incident was opened.
type IncidentSource string

// The incident sources.
const (
	SourcePerson        IncidentSource = "person"         // a person opened it (API or console)
	SourceUserReport    IncidentSource = "user_report"    // an affected person or user reported a problem
	SourceFairnessAlarm IncidentSource = "fairness_alarm" // a fairness monitor threshold was crossed
	SourceDriftAlarm    IncidentSource = "drift_alarm"    // a drift monitor detected drift
	SourceHalt          IncidentSource = "halt"           // an operator halted the system
	SourceContest       IncidentSource = "contest"        // a contested decision was changed on review
)

// Incident is the data of an incident record: the incident as it stands
// after the change the record documents. Incidents link to the decisions
// they affect by decision ID and to the risks they realise by risk ID, and
// carry no personal data of their own.
type Incident struct {
	// ID identifies the incident; every record of the incident has it as
	// its subject.
	ID string `json:"id"`
	// Title is a one-line description.
	Title string `json:"title"`
	// Description says what happened.
	Description string `json:"description,omitempty"`
	// Severity grades the incident.
	Severity IncidentSeverity `json:"severity"`
	// Serious is the Art. 73 classification; SeriousNone if not serious.
	Serious SeriousKind `json:"serious,omitempty"`
	// State is the life-cycle state.
	State IncidentState `json:"state"`
	// Source says how the incident was opened.
	Source IncidentSource `json:"source"`
	// AlarmKey identifies the ongoing alarm an automatically opened
	// incident belongs to (one open incident per alarm key).
	AlarmKey string `json:"alarm_key,omitempty"`
	// AlarmActive reports whether that alarm is still raised.
	AlarmActive bool `json:"alarm_active,omitempty"`
	// OpenedBy is who opened the incident (a person, or the component).
	OpenedBy string `json:"opened_by"`
	// Owner is the person or role responsible for handling it.
	Owner string `json:"owner,omitempty"`
	// AwareAt is when the organisation became aware of the incident, the
	// start of the Art. 73 reporting period.
	AwareAt time.Time `json:"aware_at"`
	// ReportDeadline is the Art. 73 deadline for a serious incident of a
	// high-risk system, or of one whose risk level is unspecified
	// ([ReportDeadlineFor]); nil otherwise.
	ReportDeadline *time.Time `json:"report_deadline,omitempty"`
	// ReportedAt is when the incident was reported to the market
	// surveillance authority, if it was.
	ReportedAt *time.Time `json:"reported_at,omitempty"`
	// Decisions are the IDs of the affected decisions.
	Decisions []string `json:"decisions,omitempty"`
	// Risks are the IDs of the register's risks the incident realises.
	Risks []string `json:"risks,omitempty"`
	// RootCause is the result of the investigation.
	RootCause string `json:"root_cause,omitempty"`
	// CorrectiveAction is what was done to remove the cause (Clause 10.2).
	CorrectiveAction string `json:"corrective_action,omitempty"`
	// Verification says how the corrective action was verified effective.
	Verification string `json:"verification,omitempty"`
	// Transition is the change this record documents.
	Transition IncidentTransition `json:"transition"`
}

// IncidentTransition is one change to an incident.
type IncidentTransition struct {
	// From is the state before the change ("" when the incident was opened).
	From IncidentState `json:"from,omitempty"`
	// To is the state after it (equal to From for an update that does not
	// change the state: a linked decision, a new owner, a report).
	To IncidentState `json:"to"`
	// By is who made the change.
	By string `json:"by"`
	// At is when.
	At time.Time `json:"at"`
	// Note says why.
	Note string `json:"note,omitempty"`
}

// ReportDeadlineFor returns the Art. 73 reporting deadline of an incident of
// kind k on a system of the given risk level that the organisation became
// aware of at aware, and false when none applies (not serious, or not a
// high-risk system).
//
// The risk level is compared by its rank ([RiskLevel.Rank]): an unspecified
// (or unknown) level ranks as high, so a serious incident of a system
// nobody classified, RiskUnspecified being NewSystem's default, gets the
// deadline of a high-risk one rather than none. A prohibited practice gets
// none: Art. 73 binds providers of high-risk systems, and a prohibited
// practice may not be placed on the market or used at all (Art. 5).
func ReportDeadlineFor(risk RiskLevel, k SeriousKind, aware time.Time) (time.Time, bool) {
	if risk.Rank() != RiskHigh.Rank() {
		return time.Time{}, false
	}
	p, ok := k.ReportingPeriod()
	if !ok {
		return time.Time{}, false
	}
	return aware.Add(p), true
}

// Validate reports the first thing wrong with the incident data: missing
// fields, an unknown state, severity, source or serious kind, or a state
// past corrective_action without a corrective action (an incident cannot
// be verified or closed without one). Errors name the field.
func (in *Incident) Validate() error {
	switch {
	case in.ID == "":
		return fmt.Errorf("aims: incident: id is missing")
	case in.Title == "":
		return fmt.Errorf("aims: incident %s: title is missing", in.ID)
	case in.OpenedBy == "":
		return fmt.Errorf("aims: incident %s: opened_by is missing", in.ID)
	case in.AwareAt.IsZero():
		return fmt.Errorf("aims: incident %s: aware_at is missing", in.ID)
	}
	switch in.Severity {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
	default:
		return fmt.Errorf("aims: incident %s: severity %q is not low, medium, high or critical", in.ID, in.Severity)
	}
	switch in.Serious {
	case SeriousNone, SeriousOther, SeriousDeath, SeriousWidespread:
	default:
		return fmt.Errorf("aims: incident %s: serious %q is not %q, %q or %q", in.ID, in.Serious, SeriousOther, SeriousDeath, SeriousWidespread)
	}
	switch in.Source {
	case SourcePerson, SourceUserReport, SourceFairnessAlarm, SourceDriftAlarm, SourceHalt, SourceContest:
	default:
		return fmt.Errorf("aims: incident %s: source %q is unknown", in.ID, in.Source)
	}
	known := false
	for _, s := range IncidentStates() {
		known = known || s == in.State
	}
	if !known {
		return fmt.Errorf("aims: incident %s: state %q is unknown", in.ID, in.State)
	}
	if (in.State == IncidentVerified || in.State == IncidentClosed) && in.CorrectiveAction == "" {
		return fmt.Errorf("aims: incident %s: corrective_action is missing; an incident is not %s without one", in.ID, in.State)
	}
	if in.State == IncidentClosed && in.RootCause == "" {
		return fmt.Errorf("aims: incident %s: root_cause is missing; an incident is not closed without one", in.ID)
	}
	return nil
}
