package auditreport

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// ReportStatus is where an incident stands with its EU AI Act Art. 73
// report to the market surveillance authority, at the report's
// generation time.
type ReportStatus string

// The Art. 73 report statuses of an incident.
const (
	// ReportNotRequired: the incident records carry no reporting deadline
	// (not a serious incident, or not a high-risk system).
	ReportNotRequired ReportStatus = "not required"
	// ReportOnTime: reported at or before the deadline.
	ReportOnTime ReportStatus = "reported on time"
	// ReportLate: reported after the deadline.
	ReportLate ReportStatus = "reported late"
	// ReportOverdue: not reported, and the deadline has passed.
	ReportOverdue ReportStatus = "overdue"
	// ReportPending: not reported yet, and the deadline has not passed.
	ReportPending ReportStatus = "pending"
)

// IncidentSection is the incidents of the management-system records: one
// row per incident, built from its records in the ledger alone.
type IncidentSection struct {
	// Available is true when the decision ledger was read (incident
	// records are kept in it).
	Available bool
	// Note says why the section is unavailable or empty.
	Note string
	// Records counts the incident records in the ledger.
	Records int
	// Incidents holds one row per incident, in order of its first record.
	Incidents []IncidentRow
	// ByState counts incidents by their latest state, in life-cycle order
	// (open, investigating, corrective_action, verified, closed), then any
	// state outside it; states no incident is in are left out.
	ByState []Count
	// BySource counts incidents by how they were opened (person,
	// user_report, fairness_alarm, drift_alarm, halt, contest), most
	// frequent first.
	BySource []Count
	// BySeverity counts incidents by severity, most severe first.
	BySeverity []Count
	// Open counts incidents not closed; OpenSevere those of them of high
	// or critical severity.
	Open, OpenSevere int
	// Overdue, Late, Pending and OnTime count incidents by their Art. 73
	// report status (ReportOverdue, ReportLate, ReportPending,
	// ReportOnTime).
	Overdue, Late, Pending, OnTime int
	// WithProblems counts incidents whose records break the incident
	// life cycle (IncidentRow.Problems).
	WithProblems int
}

// IncidentRow is one incident as its records in the ledger show it. The
// latest record gives its state and details; the sequence of records its
// history.
type IncidentRow struct {
	// ID is the incident's ID (the records' subject).
	ID string
	// System is the AI system the incident belongs to.
	System string
	// Title is the incident's one-line description.
	Title string
	// State is the latest state.
	State string
	// History lists the state of each record, oldest first.
	History []string
	// Severity grades the incident (low, medium, high, critical).
	Severity string
	// Serious is the Art. 73 kind of a serious incident; empty when not
	// serious.
	Serious string
	// Source says how it was opened (person, user_report, fairness_alarm,
	// drift_alarm, halt, contest).
	Source string
	// OpenedBy is who opened it; Owner who handles it.
	OpenedBy, Owner string
	// Opened is the time of its first record; AwareAt when the
	// organisation became aware of it (the start of the Art. 73 period);
	// LastChange the time of its latest record.
	Opened, AwareAt, LastChange time.Time
	// ReportDeadline is the Art. 73 reporting deadline; zero when none.
	ReportDeadline time.Time
	// ReportedAt is when the incident was reported to the authority; zero
	// when it was not.
	ReportedAt time.Time
	// Report is the Art. 73 report status at the report's generation time.
	Report ReportStatus
	// Decisions counts the distinct decisions its records link (the
	// records' decisions and the incident data's).
	Decisions int
	// RootCause and CorrectiveAction are the latest ones recorded; empty
	// when none was.
	RootCause, CorrectiveAction string
	// Records counts its records.
	Records int
	// Problems lists what its records show wrong with how it was handled:
	// a state skipped or gone back to, a first record that is not the
	// opening, a verification or closure without a corrective action, a
	// closure without a root cause, data that cannot be read.
	Problems []string
}

// ManagementSection is the management-system records other than
// incidents: impact assessments, deployment authorisations, changes and
// the risk register, read from the records' common envelope (subject,
// state, actor, time, summary, controls), whatever their typed data.
type ManagementSection struct {
	// Available is true when the decision ledger was read.
	Available bool
	// Note says why the section is unavailable.
	Note string
	// Records counts the records of all these types.
	Records int
	// Registers holds one register per record type, in the order of
	// aims.RecordTypes, incidents left out.
	Registers []RecordRegister
}

// RecordRegister is the records of one type, one row per subject.
type RecordRegister struct {
	// Type is the record type, e.g. "impact_assessment".
	Type string
	// Title names the register for people, e.g. "Impact assessments".
	Title string
	// Records counts the records of the type.
	Records int
	// Subjects holds one row per subject, in order of its first record.
	Subjects []SubjectRow
	// ByState counts subjects by latest state, most frequent first.
	ByState []Count
}

// SubjectRow is one subject (an assessment, an authorisation, a change, a
// risk) as its records show it.
type SubjectRow struct {
	// Subject is the subject's ID.
	Subject string
	// System is the AI system it belongs to.
	System string
	// State is the latest record's state; empty when it names none.
	State string
	// Actor is who made the latest change.
	Actor string
	// Summary is the latest record's summary.
	Summary string
	// First and Last are the times of its first and latest record.
	First, Last time.Time
	// Controls are the Annex A controls its records name, in order of
	// first mention; Clauses the clauses and articles.
	Controls, Clauses []string
	// Decisions counts the distinct decisions its records link.
	Decisions int
	// Records counts its records.
	Records int
}

// registerTitles name the registers.
var registerTitles = map[aims.RecordType]string{
	aims.RecordImpactAssessment:        "Impact assessments",
	aims.RecordDeploymentAuthorisation: "Deployment authorisations",
	aims.RecordChange:                  "Changes",
	aims.RecordRisk:                    "Risk register",
}

// subjectRecords are the records of one subject, oldest first (ledger
// order among records of the same time).
type subjectRecords struct {
	typ             aims.RecordType
	system, subject string
	records         []*aims.ManagementRecord
}

// groupManagement groups the records by type, system and subject, in
// order of each subject's first record.
func groupManagement(rs []aims.ManagementRecord) []*subjectRecords {
	type key struct {
		typ             aims.RecordType
		system, subject string
	}
	idx := map[key]*subjectRecords{}
	var out []*subjectRecords
	for i := range rs {
		r := &rs[i]
		k := key{r.Type, r.SystemID, r.Subject}
		g := idx[k]
		if g == nil {
			g = &subjectRecords{typ: r.Type, system: r.SystemID, subject: r.Subject}
			idx[k] = g
			out = append(out, g)
		}
		g.records = append(g.records, r)
	}
	for _, g := range out {
		sort.SliceStable(g.records, func(i, j int) bool { return g.records[i].Time.Before(g.records[j].Time) })
	}
	return out
}

func buildIncidents(in *Input) IncidentSection {
	s := IncidentSection{Available: in.Decisions != nil}
	if !s.Available {
		s.Note = "No decision ledger was read: incident records are kept in the ledger."
		return s
	}
	states, sources, severities := map[string]int{}, map[string]int{}, map[string]int{}
	for _, g := range groupManagement(in.Management) {
		if g.typ != aims.RecordIncident {
			continue
		}
		row := incidentRow(g, in.GeneratedAt)
		s.Records += row.Records
		states[row.State]++
		sources[orDefault(row.Source, "(unknown)")]++
		severities[orDefault(row.Severity, "(unknown)")]++
		if row.State != string(aims.IncidentClosed) {
			s.Open++
			if row.Severity == string(aims.SeverityHigh) || row.Severity == string(aims.SeverityCritical) {
				s.OpenSevere++
			}
		}
		switch row.Report {
		case ReportOverdue:
			s.Overdue++
		case ReportLate:
			s.Late++
		case ReportPending:
			s.Pending++
		case ReportOnTime:
			s.OnTime++
		}
		if len(row.Problems) > 0 {
			s.WithProblems++
		}
		s.Incidents = append(s.Incidents, row)
	}
	for _, st := range aims.IncidentStates() {
		if n := states[string(st)]; n > 0 {
			s.ByState = append(s.ByState, Count{Label: string(st), N: n})
			delete(states, string(st))
		}
	}
	s.ByState = append(s.ByState, sortCounts(states)...)
	s.BySource = sortCounts(sources)
	for _, sv := range []aims.IncidentSeverity{aims.SeverityCritical, aims.SeverityHigh, aims.SeverityMedium, aims.SeverityLow} {
		if n := severities[string(sv)]; n > 0 {
			s.BySeverity = append(s.BySeverity, Count{Label: string(sv), N: n})
			delete(severities, string(sv))
		}
	}
	s.BySeverity = append(s.BySeverity, sortCounts(severities)...)
	if len(s.Incidents) == 0 {
		s.Note = "The ledger holds no incident records."
	}
	return s
}

// incidentRow reads one incident's records. Each record carries the whole
// incident as it stood after the change (aims.Incident); the latest record
// that carries a value gives it, and the sequence of states is checked
// against the life cycle.
func incidentRow(g *subjectRecords, now time.Time) IncidentRow {
	row := IncidentRow{ID: g.subject, System: g.system, Records: len(g.records), Report: ReportNotRequired}
	row.Opened, row.LastChange = g.records[0].Time, g.records[len(g.records)-1].Time
	problem := func(format string, args ...any) {
		if p := fmt.Sprintf(format, args...); !slices.Contains(row.Problems, p) {
			row.Problems = append(row.Problems, p)
		}
	}
	decisions := map[string]bool{}
	var reportDeadline, reportedAt *time.Time
	prev := ""
	for i, r := range g.records {
		for _, d := range r.Decisions {
			decisions[d] = true
		}
		var in aims.Incident
		decoded := true
		if err := r.DecodeData(&in); err != nil {
			decoded = false
			problem("record %s: the incident data cannot be read (%s)", r.ID, strings.TrimPrefix(err.Error(), "aims: "))
		}
		state := r.State
		if decoded {
			if in.State != "" {
				state = string(in.State)
			}
			for _, d := range in.Decisions {
				decisions[d] = true
			}
			row.Title = orDefault(in.Title, row.Title)
			row.Severity = orDefault(string(in.Severity), row.Severity)
			row.Serious = orDefault(string(in.Serious), row.Serious)
			row.Source = orDefault(string(in.Source), row.Source)
			row.OpenedBy = orDefault(in.OpenedBy, row.OpenedBy)
			row.Owner = orDefault(in.Owner, row.Owner)
			row.RootCause = orDefault(in.RootCause, row.RootCause)
			row.CorrectiveAction = orDefault(in.CorrectiveAction, row.CorrectiveAction)
			if !in.AwareAt.IsZero() {
				row.AwareAt = in.AwareAt
			}
			if in.ReportDeadline != nil {
				reportDeadline = in.ReportDeadline
			}
			if in.ReportedAt != nil {
				reportedAt = in.ReportedAt
			}
		}
		row.History = append(row.History, orDefault(state, "(none)"))
		checkTransition(i, prev, state, r, problem)
		if decoded {
			switch aims.IncidentState(state) {
			case aims.IncidentVerified, aims.IncidentClosed:
				if in.CorrectiveAction == "" {
					problem("%s without a corrective action (record %s at %s)", words(state), r.ID, fmtTime(r.Time))
				}
			}
			if aims.IncidentState(state) == aims.IncidentClosed && in.RootCause == "" {
				problem("closed without a root cause (record %s at %s)", r.ID, fmtTime(r.Time))
			}
		}
		if state != "" {
			prev = state
		}
	}
	row.State = orDefault(prev, "(none)")
	row.Decisions = len(decisions)
	if reportDeadline != nil {
		row.ReportDeadline = reportDeadline.UTC()
		switch {
		case reportedAt != nil && reportedAt.After(*reportDeadline):
			row.Report = ReportLate
		case reportedAt != nil:
			row.Report = ReportOnTime
		case now.After(*reportDeadline):
			row.Report = ReportOverdue
		default:
			row.Report = ReportPending
		}
	}
	if reportedAt != nil {
		row.ReportedAt = reportedAt.UTC()
	}
	return row
}

// checkTransition checks the i-th record's state against the previous
// one: the first record opens the incident, and each change moves one
// state forward in the life cycle.
func checkTransition(i int, prev, state string, r *aims.ManagementRecord, problem func(string, ...any)) {
	order := aims.IncidentStates()
	pos := func(s string) int { return slices.Index(order, aims.IncidentState(s)) }
	at := fmt.Sprintf("record %s at %s", r.ID, fmtTime(r.Time))
	switch {
	case state == "":
		problem("a record names no state (%s)", at)
	case pos(state) < 0:
		problem("unknown state %q (%s)", state, at)
	case i == 0 && state != string(aims.IncidentOpen):
		problem("its first record in the ledger is in state %s, not open: the records of its opening are missing (or were pruned) (%s)", words(state), at)
	case i == 0 || state == prev || pos(prev) < 0:
	case pos(state) > pos(prev)+1:
		var skipped []string
		for _, s := range order[pos(prev)+1 : pos(state)] {
			skipped = append(skipped, words(string(s)))
		}
		problem("skipped %s: went from %s to %s (%s)", strings.Join(skipped, " and "), words(prev), words(state), at)
	case pos(state) < pos(prev):
		problem("went back from %s to %s (%s)", words(prev), words(state), at)
	}
}

func buildManagement(in *Input) ManagementSection {
	s := ManagementSection{Available: in.Decisions != nil}
	if !s.Available {
		s.Note = "No decision ledger was read: management-system records are kept in the ledger."
		return s
	}
	groups := groupManagement(in.Management)
	for _, t := range aims.RecordTypes() {
		if t == aims.RecordIncident {
			continue
		}
		reg := RecordRegister{Type: string(t), Title: orDefault(registerTitles[t], words(string(t)))}
		states := map[string]int{}
		for _, g := range groups {
			if g.typ != t {
				continue
			}
			row := subjectRow(g)
			reg.Records += row.Records
			states[orDefault(row.State, "(none)")]++
			reg.Subjects = append(reg.Subjects, row)
		}
		reg.ByState = sortCounts(states)
		s.Records += reg.Records
		s.Registers = append(s.Registers, reg)
	}
	return s
}

// subjectRow reads one subject's records from their envelope only.
func subjectRow(g *subjectRecords) SubjectRow {
	last := g.records[len(g.records)-1]
	row := SubjectRow{Subject: g.subject, System: g.system, Records: len(g.records),
		First: g.records[0].Time, Last: last.Time, Summary: last.Summary, Actor: last.Actor}
	decisions := map[string]bool{}
	for _, r := range g.records {
		if r.State != "" {
			row.State = r.State
		}
		for _, c := range r.Controls {
			if c = aims.NormalizeControlID(c); !slices.Contains(row.Controls, c) {
				row.Controls = append(row.Controls, c)
			}
		}
		for _, c := range r.Clauses {
			if !slices.Contains(row.Clauses, c) {
				row.Clauses = append(row.Clauses, c)
			}
		}
		for _, d := range r.Decisions {
			decisions[d] = true
		}
	}
	row.Decisions = len(decisions)
	return row
}

// incidentFindings are the summary's lines about incidents: an overdue or
// late Art. 73 report is a failure, as are records that break the life
// cycle; a pending report and a severe incident still open need
// attention; otherwise the counts are information.
func incidentFindings(s *IncidentSection, add func(Verdict, string, ...any)) {
	if !s.Available {
		add(VerdictUnknown, "Incidents: %s", s.Note)
		return
	}
	if len(s.Incidents) == 0 {
		add(VerdictInfo, "Incidents: the ledger holds no incident records.")
		return
	}
	add(VerdictInfo, "Incidents: %s in %s; by latest state %s; by source %s.",
		plural(len(s.Incidents), "incident", "incidents"), plural(s.Records, "record", "records"), countList(s.ByState), countList(s.BySource))
	for _, r := range s.Incidents {
		name := incidentName(r)
		switch r.Report {
		case ReportOverdue:
			add(VerdictFail, "%s: the EU AI Act Art. 73 report was due %s and has not been reported (overdue at the report's generation time).", name, fmtTime(r.ReportDeadline))
		case ReportLate:
			add(VerdictFail, "%s: reported to the authority %s, after its EU AI Act Art. 73 deadline %s.", name, fmtTime(r.ReportedAt), fmtTime(r.ReportDeadline))
		case ReportPending:
			add(VerdictWarn, "%s: the EU AI Act Art. 73 report is due %s and has not been reported yet.", name, fmtTime(r.ReportDeadline))
		}
		if r.State != string(aims.IncidentClosed) && (r.Severity == string(aims.SeverityHigh) || r.Severity == string(aims.SeverityCritical)) {
			add(VerdictWarn, "%s of %s severity is still open (state %s, last change %s).", name, r.Severity, words(r.State), fmtTime(r.LastChange))
		}
		if len(r.Problems) > 0 {
			add(VerdictFail, "%s: its records break the incident life cycle (open → investigating → corrective action → verified → closed): %s.", name, strings.Join(r.Problems, "; "))
		}
	}
}

func incidentName(r IncidentRow) string {
	name := "Incident " + r.ID
	if r.System != "" {
		name += " (" + r.System + ")"
	}
	return name
}

// managementFinding is the summary's line about the other management
// records: counts only, since the report cannot judge an assessment or a
// change from its envelope.
func managementFinding(s *ManagementSection, add func(Verdict, string, ...any)) {
	if !s.Available {
		return
	}
	var parts, none []string
	for _, reg := range s.Registers {
		if reg.Records == 0 {
			none = append(none, strings.ToLower(reg.Title))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %s in %s", strings.ToLower(reg.Title), plural(len(reg.Subjects), "subject", "subjects"), plural(reg.Records, "record", "records")))
	}
	if len(none) > 0 {
		parts = append(parts, "no records of "+strings.Join(none, ", "))
	}
	add(VerdictInfo, "Management-system records: %s.", strings.Join(parts, "; "))
}

// countList shows counts as "open 2, closed 1"; "none" when empty.
func countList(cs []Count) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", words(c.Label), c.N)
	}
	return strings.Join(parts, ", ")
}
