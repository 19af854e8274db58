package auditreport

import (
	"slices"
	"sort"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// EvidenceSource says where a machine-evidence record was found.
type EvidenceSource string

// The sources of machine evidence, in the order the report lists them.
const (
	// SourceLedger is a record of the decision ledger: a decision, an
	// oversight follow-up, a management-system record or a ledger entry.
	SourceLedger EvidenceSource = "ledger"
	// SourceLog is a log record of the collector's logs file.
	SourceLog EvidenceSource = "log"
	// SourceMetric is a metric data point of the collector's metrics file.
	SourceMetric EvidenceSource = "metric"
)

// EvidenceSamples is the most sample records a control's row lists
// (ControlRow.Samples).
const EvidenceSamples = 3

// Record types of ledger records as the coverage table names them. A
// decision record is named after what it records, since that decides which
// controls it evidences (ledgerControls); a management-system record by
// its event name, aims.management.<type>.
const (
	TypeDecision          = "aims.decision"                        // a decision let through by a gate, or that passed none
	TypeDecisionHeld      = "aims.decision (held for review)"      // a decision a gate held for a human
	TypeDecisionBlocked   = "aims.decision (blocked)"              // a decision a gate blocked
	TypeReviewerAction    = "aims.decision (reviewer action)"      // an approval, rejection or override that resolved a ticket
	TypeFourEyesVote      = "aims.decision (four-eyes vote)"       // a reviewer's vote that did not resolve its ticket
	TypeEscalation        = "aims.decision (escalation)"           // a held decision escalated to a further level
	TypeExpiry            = "aims.decision (expiry)"               // a review deadline passed
	TypeHaltResume        = "aims.decision (halt or resume)"       // the system stopped or restarted
	TypeContest           = "aims.decision (contest)"              // the affected person contested a decision
	TypeFollowup          = "aims.decision (follow-up)"            // another record acting on an earlier decision
	TypeOtherLedgerRecord = "other ledger record (ledger entries)" // neither a decision nor a management-system record
)

// EvidenceCount is how many records of one type, from one source, are
// machine evidence for a control.
type EvidenceCount struct {
	// Source is where the records were found.
	Source EvidenceSource
	// Type names the records: for the ledger one of the Type* constants
	// or aims.management.<type>; for the collector the log record's event
	// name or the metric's name.
	Type string
	// N is how many records of the type evidence the control.
	N int
}

// EvidenceSample is one record that is machine evidence for a control,
// identified so an auditor can find it in the inputs.
type EvidenceSample struct {
	// Source is where the record was found.
	Source EvidenceSource
	// Type is the record's type, as in EvidenceCount.
	Type string
	// ID identifies the record: the decision or management-system record
	// ID for a ledger record; for a log record its aims.record.id or
	// aims.decision.id attribute. Empty when the record carries none.
	ID string
	// Subject is what the record is about: the incident, assessment,
	// change or risk ID of a management-system record, or the decision an
	// oversight follow-up acts on. Empty when none.
	Subject string
	// Time is the record's time; zero when it has none.
	Time time.Time
	// Where locates a collector record: the file, line and position in
	// the line's OTLP request it was read from. Empty for ledger records,
	// which ID identifies.
	Where string
}

// ledgerControls returns the Annex A controls a ledger record is machine
// evidence for. Every record is A.6.2.8 (event logs). The record of an
// oversight action is also evidence for the control the oversight package
// tags the same action's event with: A.9.2 (responsible use) for a
// decision a gate held or blocked, a reviewer's approval, rejection or
// override, an escalation, an expiry, a halt or a resume; A.8.3 (external
// reporting) for a contest. A reviewer's vote that did not resolve its
// ticket (four-eyes, marked aims.oversight.approvals) is in addition A.3.2
// (roles): the record that a second reviewer was required. A decision let
// through by a gate, or that passed none, is A.6.2.8 only.
func ledgerControls(d *aims.Decision) []string {
	out := []string{semconv.ControlEventLogs}
	if d.Oversight == nil {
		return out
	}
	switch d.Oversight.Action {
	case aims.ActionReview, aims.ActionBlock:
		if kindOf(d) == kindDecision {
			out = append(out, semconv.ControlResponsibleUse)
		}
	case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
		out = append(out, semconv.ControlResponsibleUse)
		if isVote(d) {
			out = append(out, semconv.ControlRoles)
		}
	case aims.ActionEscalate, aims.ActionExpire, aims.ActionHalt, aims.ActionResume:
		out = append(out, semconv.ControlResponsibleUse)
	case aims.ActionContest:
		out = append(out, semconv.ControlExternalReporting)
	}
	return out
}

// ledgerType names a decision record's type for the coverage table.
func ledgerType(d *aims.Decision) string {
	if d.Oversight == nil {
		return TypeDecision
	}
	switch d.Oversight.Action {
	case aims.ActionApply, "":
		if kindOf(d) == kindDecision {
			return TypeDecision
		}
	case aims.ActionReview:
		if kindOf(d) == kindDecision {
			return TypeDecisionHeld
		}
	case aims.ActionBlock:
		if kindOf(d) == kindDecision {
			return TypeDecisionBlocked
		}
	case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
		if isVote(d) {
			return TypeFourEyesVote
		}
		return TypeReviewerAction
	case aims.ActionEscalate:
		return TypeEscalation
	case aims.ActionExpire:
		return TypeExpiry
	case aims.ActionHalt, aims.ActionResume:
		return TypeHaltResume
	case aims.ActionContest:
		return TypeContest
	}
	return TypeFollowup
}

// managementControls returns the Annex A controls a management-system
// record is machine evidence for: A.6.2.8 (it is a ledger record like any
// other) and every control it names, each once. GenAI records count the
// same way (namedControls).
func managementControls(r *aims.ManagementRecord) []string { return namedControls(r.Controls) }

// namedControls is A.6.2.8 and every control of controls, normalised, each once.
func namedControls(controls []string) []string {
	out := []string{semconv.ControlEventLogs}
	for _, c := range controls {
		if c = aims.NormalizeControlID(c); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// recordControls returns the Annex A controls a collector record carries:
// aims.control.id and every entry of aims.control.ids, normalised, each
// once, so a record naming a control in both counts once for it.
func recordControls(attrs map[string]any) []string {
	var out []string
	add := func(id string) {
		if id = aims.NormalizeControlID(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	add(otlpfile.String(attrs, string(semconv.AimsControlID)))
	switch ids := attrs[string(semconv.AimsControlIDs)].(type) {
	case []any:
		for _, v := range ids {
			if s, ok := v.(string); ok {
				add(s)
			}
		}
	case string: // a single value where a list was expected
		add(ids)
	}
	return out
}

// evidenceKey is one record type from one source.
type evidenceKey struct {
	source EvidenceSource
	typ    string
}

// controlEvidence is what the inputs hold for one control.
type controlEvidence struct {
	bySource map[EvidenceSource]int
	byType   map[evidenceKey]int
	samples  map[evidenceKey][]EvidenceSample // at most EvidenceSamples per type, in input order
}

// evidenceIndex is the machine evidence of every control, counted in one
// reading of the inputs: each record counts once for each control it is
// evidence for.
type evidenceIndex struct {
	controls map[string]*controlEvidence
	// first and last are the earliest and latest time of a record
	// counted; zero when none has a time.
	first, last time.Time
}

func (x *evidenceIndex) add(control string, s EvidenceSample) {
	if !s.Time.IsZero() {
		if x.first.IsZero() || s.Time.Before(x.first) {
			x.first = s.Time
		}
		if s.Time.After(x.last) {
			x.last = s.Time
		}
	}
	ce := x.controls[control]
	if ce == nil {
		ce = &controlEvidence{bySource: map[EvidenceSource]int{}, byType: map[evidenceKey]int{}, samples: map[evidenceKey][]EvidenceSample{}}
		x.controls[control] = ce
	}
	k := evidenceKey{s.Source, s.Type}
	ce.bySource[s.Source]++
	ce.byType[k]++
	if len(ce.samples[k]) < EvidenceSamples {
		ce.samples[k] = append(ce.samples[k], s)
	}
}

// indexEvidence reads the ledger's records (decisions by ledgerControls,
// management-system and GenAI records by the controls they name, the
// other records for A.6.2.8 only) and the collector's log records and metric points (by
// recordControls).
func indexEvidence(in *Input) *evidenceIndex {
	x := &evidenceIndex{controls: map[string]*controlEvidence{}}
	if in.Decisions != nil {
		for i := range in.Decisions {
			d := &in.Decisions[i]
			s := EvidenceSample{Source: SourceLedger, Type: ledgerType(d), ID: d.ID, Time: d.Time}
			if d.Oversight != nil {
				s.Subject = d.Oversight.RelatedDecisionID
			}
			for _, c := range ledgerControls(d) {
				x.add(c, s)
			}
		}
		for i := range in.Management {
			r := &in.Management[i]
			s := EvidenceSample{Source: SourceLedger, Type: semconv.EventManagementPrefix + string(r.Type), ID: r.ID, Subject: r.Subject, Time: r.Time}
			for _, c := range managementControls(r) {
				x.add(c, s)
			}
		}
		for i := range in.GenAI {
			r := &in.GenAI[i]
			s := EvidenceSample{Source: SourceLedger, Type: "aims.genai." + string(r.Type), ID: r.ID, Subject: r.ConversationID, Time: r.Time}
			for _, c := range namedControls(r.Controls) {
				x.add(c, s)
			}
		}
		// Every ledger record is event-log evidence, also one this
		// report could not read (it is signed and verified all the same).
		for range in.OtherRecords + in.Unreadable {
			x.add(semconv.ControlEventLogs, EvidenceSample{Source: SourceLedger, Type: TypeOtherLedgerRecord})
		}
	}
	logsFile := joinPath(in.OTelDir, LogsFile)
	for i := range in.Logs {
		l := &in.Logs[i]
		cs := recordControls(l.Attributes)
		if len(cs) == 0 {
			continue
		}
		s := EvidenceSample{Source: SourceLog, Type: orDefault(l.EventName, "(log record without an event name)"), Time: l.Time,
			ID:      firstNonEmpty(otlpfile.String(l.Attributes, string(semconv.AimsRecordID)), otlpfile.String(l.Attributes, string(semconv.AimsDecisionID))),
			Subject: otlpfile.String(l.Attributes, string(semconv.AimsRecordSubject)),
			Where:   where(logsFile, l.Where())}
		for _, c := range cs {
			x.add(c, s)
		}
	}
	metricsFile := joinPath(in.OTelDir, MetricsFile)
	for i := range in.Metrics {
		p := &in.Metrics[i]
		cs := recordControls(p.Attributes)
		if len(cs) == 0 {
			continue
		}
		s := EvidenceSample{Source: SourceMetric, Type: p.Metric, Time: p.Time, Where: where(metricsFile, p.Where())}
		for _, c := range cs {
			x.add(c, s)
		}
	}
	return x
}

// fill sets the row's evidence counts, record types and samples.
func (x *evidenceIndex) fill(row *ControlRow) {
	ce := x.controls[row.ID]
	if ce == nil {
		return
	}
	row.LedgerRecords, row.LogRecords, row.MetricPoints = ce.bySource[SourceLedger], ce.bySource[SourceLog], ce.bySource[SourceMetric]
	row.Evidence = row.LedgerRecords + row.LogRecords + row.MetricPoints
	for k, n := range ce.byType {
		row.RecordTypes = append(row.RecordTypes, EvidenceCount{Source: k.source, Type: k.typ, N: n})
	}
	order := map[EvidenceSource]int{SourceLedger: 0, SourceLog: 1, SourceMetric: 2}
	sort.Slice(row.RecordTypes, func(i, j int) bool {
		a, b := row.RecordTypes[i], row.RecordTypes[j]
		switch {
		case a.Source != b.Source:
			return order[a.Source] < order[b.Source]
		case a.N != b.N:
			return a.N > b.N
		}
		return a.Type < b.Type
	})
	// The first sample of each type in the order above, then the second
	// of each, …, so the samples show as many kinds of record as fit.
	for round := 0; round < EvidenceSamples && len(row.Samples) < EvidenceSamples; round++ {
		for _, t := range row.RecordTypes {
			ss := ce.samples[evidenceKey{t.Source, t.Type}]
			if round < len(ss) && ss[round].Type != TypeOtherLedgerRecord && len(row.Samples) < EvidenceSamples {
				row.Samples = append(row.Samples, ss[round])
			}
		}
	}
}

// where locates a collector record: the file, then the record's place in
// it ("line 3, resourceLogs[0].scopeLogs[1].logRecords[4]").
func where(file, place string) string {
	if file == "" {
		file = "collector output"
	}
	return file + " " + place
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
