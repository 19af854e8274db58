package reporttest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// incidentControls are the controls the scenario's incident records name.
var incidentControls = []string{semconv.ControlReportingConcerns, semconv.ControlIncidentCommunication}

// management builds the scenario's management-system records, linking the
// first incident to two of the decisions. Times are relative to T0; the
// report is generated at T0 + 23 h.
//
//   - INC-1, opened by the fairness monitor at T0+2h (high, serious
//     "other": Art. 73 deadline 15 days later), investigating at T0+3h:
//     pending and still open.
//   - INC-2, opened by a person 3 days before T0 (critical, widespread: a
//     2-day deadline), taken through the whole life cycle and closed, never
//     reported: overdue.
//   - INC-3, opened by the drift monitor at T0+150min (low, not serious),
//     moved straight to corrective action (investigating skipped) and then
//     closed (verified skipped) without a corrective action or root cause:
//     four problems.
//   - IA-1 (impact assessment: draft, then approved), DA-1 (deployment
//     authorisation), CH-1 (change: requested, then approved), R-1 (risk:
//     identified, then treated).
func management(decisions []aims.Decision) ([]aims.ManagementRecord, error) {
	n := 0
	var out []aims.ManagementRecord
	var err error
	rec := func(t aims.RecordType, subject, state, actor string, at time.Time, controls, clauses, linked []string, data any) {
		n++
		r := aims.ManagementRecord{SchemaVersion: aims.ManagementSchemaVersion, Type: t, ID: uuidAt(1000 + n), Time: at,
			SystemID: "credit-scoring", SystemVersion: "2.3.1", Subject: subject, State: state, Actor: actor,
			Summary: fmt.Sprintf("%s %s %s", t, subject, state), Controls: controls, Clauses: clauses, Decisions: linked}
		if data != nil {
			if r.Data, err = json.Marshal(data); err != nil {
				return
			}
		}
		out = append(out, r)
	}
	day := 24 * time.Hour
	ptr := func(t time.Time) *time.Time { return &t }
	incident := func(in aims.Incident, state aims.IncidentState, at time.Time, linked ...string) {
		in.Transition = aims.IncidentTransition{From: in.State, To: state, By: in.OpenedBy, At: at}
		in.State = state
		rec(aims.RecordIncident, in.ID, string(state), in.OpenedBy, at, incidentControls, []string{"10.2", "EU AI Act Art. 73"}, linked, in)
	}

	adverse := []string{decisions[0].ID, decisions[3].ID}
	inc1 := aims.Incident{ID: "INC-1", Title: "Selection rate of sex=F below four-fifths", Severity: aims.SeverityHigh, Serious: aims.SeriousOther,
		Source: aims.SourceFairnessAlarm, OpenedBy: "fairness monitor", Owner: "Head of Credit Risk", AwareAt: T0.Add(2 * time.Hour),
		ReportDeadline: ptr(T0.Add(2*time.Hour + 15*day)), Decisions: adverse}
	incident(inc1, aims.IncidentOpen, T0.Add(2*time.Hour), adverse...)
	inc1.State = aims.IncidentOpen
	incident(inc1, aims.IncidentInvestigating, T0.Add(3*time.Hour))

	inc2 := aims.Incident{ID: "INC-2", Title: "Decisions sent to the wrong applicants", Severity: aims.SeverityCritical, Serious: aims.SeriousWidespread,
		Source: aims.SourcePerson, OpenedBy: "ops", Owner: "CISO", AwareAt: T0.Add(-3 * day), ReportDeadline: ptr(T0.Add(-1 * day))}
	for i, st := range aims.IncidentStates() {
		if st == aims.IncidentCorrectiveAction {
			inc2.RootCause, inc2.CorrectiveAction = "mail merge keyed on the wrong column", "key fixed; every letter checked against the ledger"
		}
		incident(inc2, st, T0.Add(-3*day+time.Duration(i)*6*time.Hour))
		inc2.State = st
	}

	inc3 := aims.Incident{ID: "INC-3", Title: "Income drift", Severity: aims.SeverityLow, Source: aims.SourceDriftAlarm,
		OpenedBy: "drift monitor", AwareAt: T0.Add(150 * time.Minute)}
	for i, st := range []aims.IncidentState{aims.IncidentOpen, aims.IncidentCorrectiveAction, aims.IncidentClosed} {
		incident(inc3, st, T0.Add(150*time.Minute+time.Duration(i)*time.Hour))
		inc3.State = st
	}

	impact := []string{semconv.ControlImpactAssessmentProcess, semconv.ControlImpactAssessmentDocs, semconv.ControlImpactIndividuals}
	rec(aims.RecordImpactAssessment, "IA-1", "draft", "risk-analytics team", T0.Add(-10*day), impact, []string{"6.1.4", "EU AI Act Art. 27"}, nil, nil)
	rec(aims.RecordImpactAssessment, "IA-1", "approved", "Chief Risk Officer", T0.Add(-9*day), impact, []string{"6.1.4", "EU AI Act Art. 27"}, nil, nil)
	rec(aims.RecordDeploymentAuthorisation, "DA-1", "approved", "Head of Credit Risk", T0.Add(-1*day), []string{semconv.ControlDeployment}, []string{"EU AI Act Art. 9"}, nil, nil)
	rec(aims.RecordChange, "CH-1", "requested", "risk-analytics team", T0.Add(time.Hour), []string{semconv.ControlDeployment, semconv.ControlDriftMonitoring}, nil, nil, nil)
	rec(aims.RecordChange, "CH-1", "approved", "change board", T0.Add(90*time.Minute), []string{semconv.ControlDeployment, semconv.ControlDriftMonitoring}, nil, nil, nil)
	rec(aims.RecordRisk, "R-1", "identified", "Head of Credit Risk", T0.Add(-10*day), []string{semconv.ControlImpactIndividuals}, []string{"6.1.2"}, nil, nil)
	rec(aims.RecordRisk, "R-1", "treated", "Head of Credit Risk", T0.Add(-2*day), []string{semconv.ControlImpactIndividuals}, []string{"6.1.3", "8.3"}, nil, nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// managementWant records what the report shows of the management records:
// every record is ledger evidence for A.6.2.8 and for each control it
// names; the incidents and the registers' subjects.
func managementWant(rs []aims.ManagementRecord, w *Want) {
	w.Management = len(rs)
	w.LedgerRecords += len(rs)
	w.LedgerByControl[semconv.ControlEventLogs] += len(rs)
	for _, r := range rs {
		for _, c := range r.Controls {
			if c != semconv.ControlEventLogs {
				w.LedgerByControl[c]++
			}
		}
	}
	subjects := map[string]map[string]bool{}
	for _, r := range rs {
		if r.Type != aims.RecordIncident {
			if subjects[string(r.Type)] == nil {
				subjects[string(r.Type)] = map[string]bool{}
			}
			subjects[string(r.Type)][r.Subject] = true
		}
	}
	for t, s := range subjects {
		w.Subjects[t] = len(s)
	}
	// Counted from how management() builds them.
	w.Incidents = []Incident{
		{ID: "INC-1", State: "investigating", Report: "pending", Records: 2, Decisions: 2},
		{ID: "INC-2", State: "closed", Report: "overdue", Records: 5},
		// skipped investigating (open → corrective action); skipped verified
		// (corrective action → closed); closed without a corrective action;
		// closed without a root cause.
		{ID: "INC-3", State: "closed", Report: "not required", Records: 3, Problems: 4},
	}
}

// managementLogs returns the aims.management.<type> log record of each
// management record, as the decision log emits it: aims.control.id the
// first control, aims.control.ids all of them.
func managementLogs(rs []aims.ManagementRecord, w *Want) []byte {
	var recs []any
	for _, r := range rs {
		ids := make([]any, len(r.Controls))
		for i, c := range r.Controls {
			ids[i] = map[string]any{"stringValue": c}
		}
		body, _ := json.Marshal(r)
		recs = append(recs, event(semconv.EventManagementPrefix+string(r.Type), r.Time, string(body),
			kv(string(semconv.AimsControlID), r.Controls[0]),
			map[string]any{"key": string(semconv.AimsControlIDs), "value": map[string]any{"arrayValue": map[string]any{"values": ids}}},
			kv(string(semconv.AimsSystemID), r.SystemID), kv(string(semconv.AimsRecordType), string(r.Type)),
			kv(string(semconv.AimsRecordID), r.ID), kv(string(semconv.AimsRecordSubject), r.Subject)))
		var seen []string
		for _, c := range r.Controls {
			if !slices.Contains(seen, c) {
				seen = append(seen, c)
				w.LogsByControl[c]++
			}
		}
	}
	return logLine(semconv.ScopeAims, recs)
}
