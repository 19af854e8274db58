package auditreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
)

// managementInput is a ledger of five incidents and four other
// management-system records, built so that each incident shows one thing
// the report must see, relative to generatedAt (G):
//
//   - INC-A (high, fairness alarm): open, then investigating; a serious
//     incident whose Art. 73 deadline is 13 days after G: pending, and a
//     severe incident still open. It links decisions d1 and d2.
//   - INC-B (critical, person): the whole life cycle, closed with a root
//     cause and a corrective action; its Art. 73 deadline passed 3 days
//     before G and it was never reported: overdue.
//   - INC-C (low, drift alarm, not serious): open → corrective action
//     (investigating skipped) → verified and closed with no corrective
//     action and no root cause.
//   - INC-D (medium, user report): the whole life cycle, reported a day
//     before its deadline: on time.
//   - INC-E (medium, contest): its first record is investigating (the
//     opening is missing), its second (closed) holds data that is not an
//     incident; reported 5 days after its deadline: late.
func managementInput() *Input {
	g := generatedAt
	day := 24 * time.Hour
	ptr := func(t time.Time) *time.Time { return &t }
	n := 0
	inc := func(at time.Time, in aims.Incident, decisions ...string) aims.ManagementRecord {
		n++
		b, err := json.Marshal(in)
		if err != nil {
			panic(err)
		}
		return aims.ManagementRecord{SchemaVersion: aims.ManagementSchemaVersion, Type: aims.RecordIncident, ID: fmt.Sprintf("r%02d", n), Time: at,
			SystemID: "credit-scoring", Subject: in.ID, State: string(in.State), Actor: in.Transition.By, Summary: in.Title,
			Controls: []string{"A.3.3", "A.8.4"}, Clauses: []string{"10.2"}, Decisions: decisions, Data: b}
	}
	type step struct {
		state  aims.IncidentState
		at     time.Time
		change func(*aims.Incident)
	}
	life := func(base aims.Incident, steps ...step) []aims.ManagementRecord {
		var out []aims.ManagementRecord
		for _, s := range steps {
			base.Transition = aims.IncidentTransition{From: base.State, To: s.state, By: "owner", At: s.at}
			base.State = s.state
			if s.change != nil {
				s.change(&base)
			}
			out = append(out, inc(s.at, base))
		}
		return out
	}
	fix := func(in *aims.Incident) {
		in.RootCause, in.CorrectiveAction = "threshold set too low", "threshold raised and retrained"
	}
	var recs []aims.ManagementRecord
	a := aims.Incident{ID: "INC-A", Title: "Approval rate for women <script>alert(1)</script> fell", Severity: aims.SeverityHigh, Serious: aims.SeriousOther,
		Source: aims.SourceFairnessAlarm, OpenedBy: "fairness monitor", Owner: "Head of Credit Risk", AwareAt: g.Add(-2 * day),
		ReportDeadline: ptr(g.Add(13 * day)), Decisions: []string{"d1", "d2"}}
	recs = append(recs, inc(g.Add(-2*day), withState(a, aims.IncidentOpen), "d1"))
	b := aims.Incident{ID: "INC-B", Title: "Scores published to the wrong applicants", Severity: aims.SeverityCritical, Serious: aims.SeriousWidespread,
		Source: aims.SourcePerson, OpenedBy: "ops", AwareAt: g.Add(-5 * day), ReportDeadline: ptr(g.Add(-3 * day))}
	recs = append(recs, life(b,
		step{aims.IncidentOpen, g.Add(-5 * day), nil},
		step{aims.IncidentInvestigating, g.Add(-4 * day), nil},
		step{aims.IncidentCorrectiveAction, g.Add(-3 * day), fix},
		step{aims.IncidentVerified, g.Add(-2 * day), nil},
		step{aims.IncidentClosed, g.Add(-1 * day), nil})...)
	recs = append(recs, inc(g.Add(-1*day), withState(a, aims.IncidentInvestigating), "d2"))
	c := aims.Incident{ID: "INC-C", Title: "Income drift", Severity: aims.SeverityLow, Source: aims.SourceDriftAlarm, OpenedBy: "drift monitor", AwareAt: g.Add(-6 * day)}
	recs = append(recs, life(c,
		step{aims.IncidentOpen, g.Add(-6 * day), nil},
		step{aims.IncidentCorrectiveAction, g.Add(-5 * day), nil},
		step{aims.IncidentVerified, g.Add(-4 * day), nil},
		step{aims.IncidentClosed, g.Add(-3 * day), nil})...)
	d := aims.Incident{ID: "INC-D", Title: "Wrong reason codes sent", Severity: aims.SeverityMedium, Serious: aims.SeriousOther,
		Source: aims.SourceUserReport, OpenedBy: "complaints desk", AwareAt: g.Add(-16 * day), ReportDeadline: ptr(g.Add(-1 * day)), ReportedAt: ptr(g.Add(-2 * day))}
	recs = append(recs, life(d,
		step{aims.IncidentOpen, g.Add(-16 * day), nil},
		step{aims.IncidentInvestigating, g.Add(-15 * day), nil},
		step{aims.IncidentCorrectiveAction, g.Add(-14 * day), fix},
		step{aims.IncidentVerified, g.Add(-13 * day), nil},
		step{aims.IncidentClosed, g.Add(-12 * day), nil})...)
	e := aims.Incident{ID: "INC-E", Title: "Contest upheld", Severity: aims.SeverityMedium, Serious: aims.SeriousOther, Source: aims.SourceContest,
		OpenedBy: "credit officer", AwareAt: g.Add(-25 * day), ReportDeadline: ptr(g.Add(-10 * day)), ReportedAt: ptr(g.Add(-5 * day))}
	recs = append(recs, inc(g.Add(-20*day), withState(e, aims.IncidentInvestigating)))
	bad := inc(g.Add(-4*day), withState(e, aims.IncidentClosed))
	bad.Data = json.RawMessage(`{"state": 5}`)
	recs = append(recs, bad)

	other := func(id string, t aims.RecordType, subject, state, actor string, at time.Time, controls []string, clauses []string, decisions ...string) aims.ManagementRecord {
		return aims.ManagementRecord{SchemaVersion: aims.ManagementSchemaVersion, Type: t, ID: id, Time: at, SystemID: "credit-scoring",
			Subject: subject, State: state, Actor: actor, Summary: subject + " " + state, Controls: controls, Clauses: clauses, Decisions: decisions}
	}
	recs = append(recs,
		other("o1", aims.RecordImpactAssessment, "IA-1", "draft", "alice", g.Add(-30*day), []string{"A.5.2", "A.5.4"}, []string{"6.1.4"}),
		other("o2", aims.RecordImpactAssessment, "IA-1", "approved", "bob", g.Add(-29*day), []string{"A.5.2", "A.5.3"}, []string{"6.1.4", "EU AI Act Art. 27"}),
		other("o3", aims.RecordChange, "CH-1", "approved", "change board", g.Add(-10*day), []string{"A.6.2.5"}, nil, "d1"),
		other("o4", aims.RecordRisk, "R-1", "treated", "risk owner", g.Add(-9*day), []string{"A.5.2"}, []string{"6.1.3"}),
	)
	return &Input{GeneratedAt: g, Decisions: []aims.Decision{}, Management: recs}
}

func withState(in aims.Incident, s aims.IncidentState) aims.Incident {
	in.Transition = aims.IncidentTransition{From: in.State, To: s, By: "owner"}
	in.State = s
	return in
}

// TestIncidentsMatchTheirRecords checks every incident row and count of
// managementInput against how it was built.
func TestIncidentsMatchTheirRecords(t *testing.T) {
	in := managementInput()
	r := build(t, in)
	s := r.Incidents
	require.True(t, s.Available)
	require.Len(t, s.Incidents, 5)
	byID := map[string]IncidentRow{}
	var ids []string
	for _, x := range s.Incidents {
		byID[x.ID] = x
		ids = append(ids, x.ID)
	}
	assert.Equal(t, []string{"INC-A", "INC-B", "INC-C", "INC-D", "INC-E"}, ids, "in order of first record")
	assert.Equal(t, 2+5+4+5+2, s.Records)

	a := byID["INC-A"]
	assert.Equal(t, "investigating", a.State)
	assert.Equal(t, []string{"open", "investigating"}, a.History)
	assert.Equal(t, ReportPending, a.Report)
	assert.Equal(t, generatedAt.Add(13*24*time.Hour), a.ReportDeadline)
	assert.True(t, a.ReportedAt.IsZero())
	assert.Equal(t, 2, a.Decisions, "d1 and d2, from the records and the data, each once")
	assert.Equal(t, "high", a.Severity)
	assert.Equal(t, "other", a.Serious)
	assert.Equal(t, "fairness_alarm", a.Source)
	assert.Equal(t, "Head of Credit Risk", a.Owner)
	assert.Equal(t, generatedAt.Add(-48*time.Hour), a.Opened)
	assert.Equal(t, generatedAt.Add(-24*time.Hour), a.LastChange)
	assert.Empty(t, a.Problems)

	b := byID["INC-B"]
	assert.Equal(t, "closed", b.State)
	assert.Equal(t, ReportOverdue, b.Report)
	assert.Equal(t, "threshold set too low", b.RootCause)
	assert.Equal(t, "threshold raised and retrained", b.CorrectiveAction)
	assert.Empty(t, b.Problems)

	c := byID["INC-C"]
	assert.Equal(t, ReportNotRequired, c.Report)
	assert.Equal(t, []string{"open", "corrective_action", "verified", "closed"}, c.History)
	require.Len(t, c.Problems, 4, "%q", c.Problems)
	assert.Contains(t, c.Problems[0], "skipped investigating: went from open to corrective action (record r09")
	assert.Contains(t, c.Problems[1], "verified without a corrective action (record r10")
	assert.Contains(t, c.Problems[2], "closed without a corrective action (record r11")
	assert.Contains(t, c.Problems[3], "closed without a root cause (record r11")

	d := byID["INC-D"]
	assert.Equal(t, ReportOnTime, d.Report)
	assert.Equal(t, generatedAt.Add(-48*time.Hour), d.ReportedAt)
	assert.Empty(t, d.Problems)

	e := byID["INC-E"]
	assert.Equal(t, ReportLate, e.Report)
	assert.Equal(t, "closed", e.State, "the envelope's state when the data cannot be read")
	require.Len(t, e.Problems, 3, "%q", e.Problems)
	assert.Contains(t, e.Problems[0], "its first record in the ledger is in state investigating, not open")
	assert.Contains(t, e.Problems[1], "record r18: the incident data cannot be read")
	assert.Contains(t, e.Problems[2], "skipped corrective action and verified: went from investigating to closed")

	assert.Equal(t, []Count{{"investigating", 1}, {"closed", 4}}, s.ByState)
	assert.Equal(t, []Count{{"contest", 1}, {"drift_alarm", 1}, {"fairness_alarm", 1}, {"person", 1}, {"user_report", 1}}, s.BySource)
	assert.Equal(t, []Count{{"critical", 1}, {"high", 1}, {"medium", 2}, {"low", 1}}, s.BySeverity)
	assert.Equal(t, 1, s.Open)
	assert.Equal(t, 1, s.OpenSevere)
	assert.Equal(t, [4]int{1, 1, 1, 1}, [4]int{s.Overdue, s.Late, s.Pending, s.OnTime})
	assert.Equal(t, 2, s.WithProblems)
	assert.Equal(t, [3]int{5, 1, 2}, [3]int{r.Summary.Incidents, r.Summary.OpenIncidents, r.Summary.OverdueReports})

	// The summary's verdicts: FAIL for the overdue and the late report and
	// for each incident with problems, WARNING for the pending report and
	// the severe incident still open.
	verdicts := map[string]Verdict{}
	for _, f := range r.Summary.Findings {
		if strings.HasPrefix(f.Text, "Incident ") {
			verdicts[f.Text[:len("Incident INC-X")]+"/"+string(f.Verdict)] = f.Verdict
		}
	}
	assert.Equal(t, map[string]Verdict{
		"Incident INC-A/warning": VerdictWarn, "Incident INC-B/fail": VerdictFail,
		"Incident INC-C/fail": VerdictFail, "Incident INC-E/fail": VerdictFail,
	}, verdicts)
	var lines []string
	for _, f := range r.Summary.Findings {
		if strings.HasPrefix(f.Text, "Incident") {
			lines = append(lines, verdictWord(f.Verdict)+" "+f.Text)
		}
	}
	joined := strings.Join(lines, "\n")
	assert.Contains(t, joined, "INFO Incidents: 5 incidents in 18 records; by latest state investigating 1, closed 4;")
	assert.Contains(t, joined, "FAIL Incident INC-B (credit-scoring): the EU AI Act Art. 73 report was due 2026-11-18 08:00:00 UTC and has not been reported")
	assert.Contains(t, joined, "FAIL Incident INC-E (credit-scoring): reported to the authority 2026-11-16 08:00:00 UTC, after its EU AI Act Art. 73 deadline 2026-11-11 08:00:00 UTC")
	assert.Contains(t, joined, "WARNING Incident INC-A (credit-scoring): the EU AI Act Art. 73 report is due 2026-12-04 08:00:00 UTC")
	assert.Contains(t, joined, "WARNING Incident INC-A (credit-scoring) of high severity is still open (state investigating")
	assert.Equal(t, 7, len(lines), joined)
}

// TestManagementRegistersMatchTheirRecords checks the registers of the
// other record types against managementInput.
func TestManagementRegistersMatchTheirRecords(t *testing.T) {
	in := managementInput()
	s := build(t, in).Management
	require.True(t, s.Available)
	assert.Equal(t, 4, s.Records)
	require.Len(t, s.Registers, 4)
	types := []string{}
	for _, reg := range s.Registers {
		types = append(types, reg.Type)
	}
	assert.Equal(t, []string{"impact_assessment", "deployment_authorisation", "change", "risk"}, types)
	ia := s.Registers[0]
	assert.Equal(t, "Impact assessments", ia.Title)
	assert.Equal(t, 2, ia.Records)
	require.Len(t, ia.Subjects, 1)
	x := ia.Subjects[0]
	assert.Equal(t, SubjectRow{Subject: "IA-1", System: "credit-scoring", State: "approved", Actor: "bob", Summary: "IA-1 approved",
		First: in.Management[len(in.Management)-4].Time, Last: in.Management[len(in.Management)-3].Time,
		Controls: []string{"A.5.2", "A.5.4", "A.5.3"}, Clauses: []string{"6.1.4", "EU AI Act Art. 27"}, Records: 2}, x)
	assert.Equal(t, []Count{{"approved", 1}}, ia.ByState)
	assert.Empty(t, s.Registers[1].Subjects, "no deployment authorisations")
	assert.Equal(t, 1, s.Registers[2].Subjects[0].Decisions)
	assert.Equal(t, "treated", s.Registers[3].Subjects[0].State)
}

// TestManagementSectionsRender checks both renderers show the sections,
// with values from the records escaped.
func TestManagementSectionsRender(t *testing.T) {
	r := build(t, managementInput())
	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	for _, want := range []string{
		"## 7. Incidents and corrective action", "## 8. Impact assessments, deployment authorisations, changes and risks",
		"| INC-B | credit-scoring | Scores published to the wrong applicants | closed | open → investigating → corrective\\_action → verified → closed |",
		"| overdue |", "reported late, 2026-11-16 08:00:00 UTC", "&lt;script&gt;", "### Risk register", "No deployment authorisation records in the ledger.",
		"| IA-1 | credit-scoring | approved | bob |",
	} {
		assert.Contains(t, md.String(), want)
	}
	assert.NotContains(t, md.String(), "<script>")
	var html bytes.Buffer
	require.NoError(t, r.RenderHTML(&html))
	h := html.String()
	assert.Contains(t, h, `<section id="incidents">`)
	assert.Contains(t, h, `<section id="management">`)
	assert.Contains(t, h, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.NotContains(t, h, "<script>")
	assert.Contains(t, h, `<span class="badge v-fail">FAIL</span> overdue`)
	assert.Contains(t, h, "skipped investigating")
}

// TestManagementWithoutLedger checks the sections say the ledger is
// missing rather than that it holds no records.
func TestManagementWithoutLedger(t *testing.T) {
	r := build(t, &Input{GeneratedAt: generatedAt})
	assert.False(t, r.Incidents.Available)
	assert.Contains(t, r.Incidents.Note, "No decision ledger")
	assert.False(t, r.Management.Available)
	var found bool
	for _, f := range r.Summary.Findings {
		if strings.HasPrefix(f.Text, "Incidents:") {
			found = true
			assert.Equal(t, VerdictUnknown, f.Verdict)
		}
	}
	assert.True(t, found)
}

// TestScenarioManagementRecords checks the report of the reporttest
// scenario, read from a signed ledger on disk, against its Want: the
// incidents, the registers' subjects, and the management records' place
// in the coverage counts (TestCoverageMachineEvidenceMatchesWant checks
// those per control).
func TestScenarioManagementRecords(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	require.Len(t, r.Incidents.Incidents, len(want.Incidents))
	for i, w := range want.Incidents {
		x := r.Incidents.Incidents[i]
		assert.Equal(t, w.ID, x.ID)
		assert.Equal(t, w.State, x.State, w.ID)
		assert.Equal(t, w.Report, string(x.Report), w.ID)
		assert.Equal(t, w.Records, x.Records, w.ID)
		assert.Equal(t, w.Decisions, x.Decisions, w.ID)
		assert.Len(t, x.Problems, w.Problems, "%s: %q", w.ID, x.Problems)
	}
	for _, reg := range r.Management.Registers {
		assert.Len(t, reg.Subjects, want.Subjects[reg.Type], reg.Type)
	}
	assert.Equal(t, want.Management, r.Incidents.Records+r.Management.Records)
	assert.Contains(t, r.Sources[0].Status, fmt.Sprintf("%d management-system records", want.Management))
}
