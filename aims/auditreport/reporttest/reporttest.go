// Package reporttest is a test fixture for code built on package
// auditreport, as net/http/httptest is for HTTP code: it is meant for
// tests, not for production. [Write] puts a complete set of audit-report
// inputs into a folder — a signed decision ledger, the collector's
// logs.jsonl and metrics.jsonl, a Statement of Applicability and the
// ledger's public key — and returns their [Paths], ready for
// auditreport.LoadOptions. The tests of auditreport itself, of the
// aimsaudit command and of an auditor's own tooling all run against the
// same scenario.
//
// The scenario is two AI systems, credit-scoring and a retired faq-bot.
// credit-scoring makes 60 decisions from [T0], one every 3 minutes, every
// third one adverse; its gate holds 12 for human review and blocks 6.
// Reviewers approve, reject and override held decisions (one approval
// after a partial four-eyes vote), one review is escalated and expires and
// one stays open; one decision is contested, and the system is halted and
// resumed once. The fairness monitor shows one group failing the
// four-fifths rule, one small group (8 decisions) below it and one
// threshold violation, the drift monitor one drift
// alert and its recovery. The ledger also holds management-system
// records: three incidents (one pending its Art. 73 report and still open,
// one overdue, one whose records skip a state and close it without a
// corrective action), an impact assessment, a deployment authorisation, a
// change and a risk, each also emitted as an aims.management.<type> log
// record. Values from the inputs hold markup ("FAQ <bot>",
// the group "age=<25", a reviewer's reason with a script tag), so
// renderers' escaping is exercised.
//
// The scenario is small enough to count by hand; [Want] holds the numbers
// a correct report must show, derived from how the scenario is built, not
// from running the report code. Every call writes the same bytes except
// for the ledger's key pair, which is generated afresh: the key file and
// the checkpoint signatures differ between calls.
package reporttest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
)

//go:embed soa.yaml
var soaYAML []byte

// T0 is the time of the scenario's first decision; every other time in the
// scenario is fixed relative to it.
var T0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// Paths are where Write put the inputs; each maps onto a field of
// auditreport.LoadOptions.
type Paths struct {
	// Dir is the folder given to Write, which holds all the inputs.
	Dir string
	// Ledger is the signed decision ledger's folder (LoadOptions.LedgerDir).
	Ledger string
	// OTel is the folder with the collector's logs.jsonl and metrics.jsonl
	// (LoadOptions.OTelDir).
	OTel string
	// SoA is the Statement of Applicability, in YAML (LoadOptions.SoAPath).
	SoA string
	// Key is the file holding the ledger's public verifier key
	// (LoadOptions.Key).
	Key string
}

// Want is what a correct report of the scenario shows; each field says
// which report value it predicts.
type Want struct {
	// Decisions, Adverse and Followups are DecisionSection.Total, Adverse
	// and Followups.
	Decisions, Adverse, Followups int
	// SystemRecords counts the halt and resume records
	// (DecisionSection.Halts).
	SystemRecords int
	// LedgerRecords counts every record in the ledger: the verified record
	// count, the checkpoint's tree size and the A.6.2.8 ledger evidence.
	LedgerRecords int
	// Held, Blocked, Applied and Ungated are the OversightSection counts
	// of gate routes.
	Held, Blocked, Applied, Ungated int
	// Approved, Rejected, Overridden, Partial (PartialApprovals) and
	// Expired are the OversightSection counts of review outcomes.
	Approved, Rejected, Overridden, Partial, Expired int
	// Escalated, Contested, Open, Halts and Resumes are the remaining
	// OversightSection counts.
	Escalated, Contested, Open, Halts, Resumes int
	// Waiting counts open tickets holding a vote that did not resolve
	// them (OversightSection.Waiting); Partial counts those votes, which
	// are never resolutions.
	Waiting int
	// FinalOutcomes counts decisions by the outcome that took effect after
	// review (DecisionSection.Outcomes): a reviewer's output where one
	// resolved the ticket, the model's only where no review happened, and
	// "(blocked)", "(rejected)", "(expired, fail-safe)" and "(held, no
	// resolution)" for the others (auditreport.OutcomeBlocked, …).
	FinalOutcomes map[string]int
	// ModelOutputs counts decisions by the model's proposed output
	// (DecisionSection.ModelOutputs).
	ModelOutputs map[string]int
	// Overrides are the overridden decisions in time order
	// (OversightSection.Overrides).
	Overrides []Override
	// Agreement is the share of resolved reviews that approved
	// (OversightSection.Agreement).
	Agreement float64
	// ReviewMedian, ReviewP90, ReviewMin, ReviewMax and ReviewMean are the
	// statistics of the time to review (OversightSection.ReviewTimes).
	ReviewMedian, ReviewP90, ReviewMin, ReviewMax, ReviewMean time.Duration
	// LogsByControl and PointsByControl count the log records and metric
	// points carrying each aims.control.id (ControlRow.LogRecords and
	// MetricPoints).
	LogsByControl, PointsByControl map[string]int
	// LedgerByControl counts the ledger records that are evidence for each
	// control (ControlRow.LedgerRecords): every record for A.6.2.8 (event
	// logs); for A.9.2 (responsible use) the decisions a gate held or
	// blocked, every reviewer action, escalation and expiry, and every
	// halt and resume; for A.8.3 (external reporting) every contest; for
	// A.3.2 (roles) every four-eyes vote that did not resolve its ticket,
	// the record that a second reviewer was required. These are the
	// controls the oversight package tags the same actions' events with.
	LedgerByControl map[string]int
	// MachineEvidence is the machine evidence per control: log records
	// plus metric points plus ledger records (ControlRow.Evidence). A
	// control not in the map has none.
	MachineEvidence map[string]int
	// WithMachineEvidence counts the applicable controls with machine
	// evidence (Summary.WithEvidence).
	WithMachineEvidence int
	// Declared counts the applicable controls for which the SoA names
	// evidence (documents, features), whether or not machine evidence
	// exists too; DeclaredOnly those of them without machine evidence
	// (ControlRow.DocumentsOnly); NoEvidence lists the applicable
	// controls with neither (ControlRow.Gap).
	Declared, DeclaredOnly int
	// NoEvidence lists the applicable controls with neither machine nor
	// declared evidence (ControlRow.Gap), in catalogue order.
	NoEvidence []string
	// FourFifths is the expected verdict per fairness group ("pass",
	// "fail", or "warning" for a failing group with fewer than 30
	// decisions, GroupRow.FourFifths).
	FourFifths map[string]string
	// SmallGroups are the groups with fewer than 30 decisions
	// (GroupRow.SmallGroup).
	SmallGroups []string
	// ImpactRatio is the expected selection-rate ratio per group
	// (GroupRow.ImpactRatio).
	ImpactRatio map[string]float64
	// FairnessViolations and DriftAlerts count alert events;
	// DriftRecoveries the drift events that end drift.
	FairnessViolations, DriftAlerts, DriftRecoveries int
	// FailingGroups counts the groups failing the four-fifths rule
	// (fail, not warning).
	FailingGroups int
	// FairnessAlerts counts distinct fairness alerts: the failing groups
	// plus the threshold violations that are not about a failing group's
	// selection rate. The scenario's one violation (demographic parity
	// ratio, lowest group sex=F) is the disparity the failing group sex=F
	// shows, so it is one alert, not two.
	FairnessAlerts int
	// Applicable and Excluded count the SoA's controls.
	Applicable, Excluded int
	// Systems is the number of systems in the inventory.
	Systems int
	// OutsideCheckpoints is how many signed checkpoints the ledger emitted
	// to the collector; the report checks the ledger against each
	// (Verification.External).
	OutsideCheckpoints int
	// Management counts the management-system records in the ledger
	// (Input.Management); LedgerRecords includes them.
	Management int
	// Incidents are the scenario's incidents in order of their first
	// record, as IncidentSection.Incidents shows them.
	Incidents []Incident
	// Subjects counts the subjects of every other management-record type
	// (RecordRegister.Subjects), by type.
	Subjects map[string]int
}

// Incident is what a correct report shows of one incident.
type Incident struct {
	// ID is the incident's ID; State its latest state.
	ID, State string
	// Report is its Art. 73 report status at the report's time,
	// 2026-11-21 08:00 UTC (auditreport.ReportStatus): "pending",
	// "overdue" or "not required".
	Report string
	// Records counts its records; Decisions the distinct decisions they
	// link; Problems the life-cycle problems the report lists.
	Records, Decisions, Problems int
}

// Override is one expected row of the overrides table.
type Override struct {
	// Decision is the overridden decision's ID.
	Decision string
	// From is the model's output, To the reviewer's.
	From, To string
	// Reviewers are the reviewers whose votes made the override, in
	// order.
	Reviewers []string
	// Reason is the resolving reviewer's reason.
	Reason string
}

// Groups are the fairness groups of the scenario, in the order the report
// lists them; one name holds '<' so that escaping is exercised.
var Groups = []string{"age=<25", "sex=F", "sex=M"}

// Write builds the scenario under dir (which must exist, typically
// t.TempDir()) and returns its paths and the expected report numbers, or
// an error when the scenario could not be written.
func Write(dir string) (Paths, Want, error) {
	p := Paths{
		Dir:    dir,
		Ledger: filepath.Join(dir, "ledger"),
		OTel:   filepath.Join(dir, "otel"),
		SoA:    filepath.Join(dir, "soa.yaml"),
		Key:    filepath.Join(dir, "ledger.pub"),
	}
	w := Want{
		LogsByControl:   map[string]int{},
		PointsByControl: map[string]int{},
		FourFifths:      map[string]string{},
		ImpactRatio:     map[string]float64{},
		FinalOutcomes:   map[string]int{},
		ModelOutputs:    map[string]int{},
		LedgerByControl: map[string]int{},
		MachineEvidence: map[string]int{},
		Applicable:      36, Excluded: 2, // the SoA excludes A.5.5 and A.10.4
		Systems:  2,
		Subjects: map[string]int{},
	}
	if err := os.MkdirAll(p.OTel, 0o755); err != nil {
		return p, w, err
	}
	if err := os.WriteFile(p.SoA, soaYAML, 0o644); err != nil {
		return p, w, err
	}
	records, err := decisions(&w)
	if err != nil {
		return p, w, err
	}
	mgmt, err := management(records)
	if err != nil {
		return p, w, err
	}
	managementWant(mgmt, &w)
	var lines [][]byte
	for _, d := range records {
		b, err := json.Marshal(d)
		if err != nil {
			return p, w, err
		}
		lines = append(lines, b)
	}
	for _, r := range mgmt {
		b, err := json.Marshal(r)
		if err != nil {
			return p, w, err
		}
		lines = append(lines, b)
	}
	if err := writeLedger(p, lines); err != nil {
		return p, w, err
	}
	cps, err := checkpointLogs(p.Ledger, &w)
	if err != nil {
		return p, w, err
	}
	if err := os.WriteFile(filepath.Join(p.OTel, "logs.jsonl"), append(append(logs(records, &w), managementLogs(mgmt, &w)...), cps...), 0o644); err != nil {
		return p, w, err
	}
	if err := os.WriteFile(filepath.Join(p.OTel, "metrics.jsonl"), metrics(&w), 0o644); err != nil {
		return p, w, err
	}
	coverage(&w)
	// The one violation is sex=F's selection rate against sex=M's, the
	// disparity of the failing group sex=F: one alert, not two.
	w.FairnessAlerts = w.FailingGroups
	return p, w, nil
}

func uuidAt(n int) string {
	// A UUIDv7-shaped identifier that is deterministic per record.
	return fmt.Sprintf("01936a00-0000-7000-8000-%012d", n)
}

// decisions builds the ledger records. 60 decisions, one every 3 minutes
// from T0; every third one is "deny" (adverse). Decision i is held for
// review when i%5 == 0 (12 held), blocked when i%10 == 7 (6), has no
// oversight outcome when i == 59, and is applied otherwise (41).
//
// The k-th held decision (k = 0..11) gets, after k+1 minutes: k%4 == 0 an
// approval (k = 0, 4, 8), k%4 == 1 a rejection (1, 5, 9), k%4 == 2 an
// override (2, 6, 10); k == 3 escalates and then expires; k == 7 gets a
// partial four-eyes approval and then an approval; k == 10's override is
// a four-eyes one (a partial override vote by carol first); k == 11 gets a
// partial approval by dave and stays open, waiting for a second vote.
// Decision 3 is contested, and the system is halted and resumed once.
func decisions(w *Want) ([]aims.Decision, error) {
	var out []aims.Decision
	n := 0
	next := func() string { n++; return uuidAt(n) }
	score := 0.7
	var held []aims.Decision
	final := map[string]string{} // decision ID → final outcome
	for i := range 60 {
		d := aims.Decision{
			SchemaVersion: aims.DecisionSchemaVersion, ID: next(), Time: T0.Add(time.Duration(i) * 3 * time.Minute),
			SystemID: "credit-scoring", SystemVersion: "2.3.1", Model: aims.ModelRef{Name: "pd-gbm", Version: "7"},
			Output: "approve", Score: &score, TraceID: fmt.Sprintf("%032x", i+1), SpanID: fmt.Sprintf("%016x", i+1),
		}
		if i%3 == 0 {
			d.Output, d.Adverse = "deny", true
			w.Adverse++
		}
		switch {
		case i == 59:
			w.Ungated++
		case i%5 == 0:
			d.Oversight = &aims.OversightOutcome{Action: aims.ActionReview, Policy: "adverse-or-uncertain", Time: d.Time, TicketID: fmt.Sprintf("ticket-%02d", i)}
			held = append(held, d)
			w.Held++
		case i%10 == 7:
			d.Oversight = &aims.OversightOutcome{Action: aims.ActionBlock, Policy: "out-of-scope", Time: d.Time}
			w.Blocked++
		default:
			d.Oversight = &aims.OversightOutcome{Action: aims.ActionApply, Policy: "adverse-or-uncertain", Time: d.Time}
			w.Applied++
		}
		out = append(out, d)
		w.Decisions++
		w.ModelOutputs[d.Output]++
		switch {
		case d.Oversight != nil && d.Oversight.Action == aims.ActionBlock:
			final[d.ID] = "(blocked)"
		case d.Oversight != nil && d.Oversight.Action == aims.ActionReview:
			final[d.ID] = "(held, no resolution)" // until a reviewer resolves it below
		default:
			final[d.ID] = d.Output
		}
	}
	follow := func(orig aims.Decision, at time.Time, o aims.OversightOutcome) aims.Decision {
		d := orig
		d.ID, d.Time = next(), at
		o.RelatedDecisionID, o.Time, o.TicketID = orig.ID, at, ticketOf(orig)
		d.Oversight = &o
		w.Followups++
		return d
	}
	var latencies []time.Duration
	for k, h := range held {
		lat := time.Duration(k+1) * time.Minute
		at := h.Time.Add(lat)
		reviewer := "alice"
		if k%2 == 1 {
			reviewer = "bob"
		}
		switch {
		case k == 3:
			out = append(out, follow(h, at, aims.OversightOutcome{Action: aims.ActionEscalate, Policy: "adverse-or-uncertain", Reason: "no review before the level-0 deadline"}))
			out = append(out, follow(h, at.Add(time.Minute), aims.OversightOutcome{Action: aims.ActionExpire, Policy: "adverse-or-uncertain", Reason: "fail-safe deny"}))
			w.Escalated++
			w.Expired++
			final[h.ID] = "(expired, fail-safe)"
		case k == 11:
			vote := follow(h, at, aims.OversightOutcome{Action: aims.ActionApprove, Reviewer: "dave", ReviewLatency: lat})
			vote.Attributes = map[string]string{"aims.oversight.approvals": "1 of 2"}
			out = append(out, vote)
			w.Partial++
			w.Open++
			w.Waiting++
		case k == 7:
			partial := follow(h, at.Add(-30*time.Second), aims.OversightOutcome{Action: aims.ActionApprove, Reviewer: "carol", ReviewLatency: lat - 30*time.Second})
			partial.Attributes = map[string]string{"aims.oversight.approvals": "1 of 2"}
			out = append(out, partial)
			w.Partial++
			out = append(out, follow(h, at, aims.OversightOutcome{Action: aims.ActionApprove, Reviewer: reviewer, ReviewLatency: lat}))
			w.Approved++
			latencies = append(latencies, lat)
			final[h.ID] = h.Output
		case k%4 == 0:
			out = append(out, follow(h, at, aims.OversightOutcome{Action: aims.ActionApprove, Reviewer: reviewer, ReviewLatency: lat}))
			w.Approved++
			latencies = append(latencies, lat)
			final[h.ID] = h.Output
		case k%4 == 1:
			out = append(out, follow(h, at, aims.OversightOutcome{Action: aims.ActionReject, Reviewer: reviewer, Reason: "income not verified", ReviewLatency: lat}))
			w.Rejected++
			latencies = append(latencies, lat)
			final[h.ID] = "(rejected)"
		case k%4 == 2:
			to := "approve"
			if h.Output == "approve" {
				to = "deny"
			}
			reason := "collateral <script>alert(1)</script> offered"
			want := Override{Decision: h.ID, From: h.Output, To: to, Reason: reason}
			if k == 10 {
				vote := follow(h, at.Add(-30*time.Second), aims.OversightOutcome{Action: aims.ActionOverride, Reviewer: "carol", Reason: reason, ReviewLatency: lat - 30*time.Second, OriginalOutput: h.Output})
				vote.Output = to
				vote.Attributes = map[string]string{"aims.oversight.approvals": "1 of 2"}
				out = append(out, vote)
				w.Partial++
				want.Reviewers = append(want.Reviewers, "carol")
			}
			o := follow(h, at, aims.OversightOutcome{Action: aims.ActionOverride, Reviewer: reviewer, Reason: reason, ReviewLatency: lat, OriginalOutput: h.Output})
			o.Output = to
			out = append(out, o)
			w.Overridden++
			latencies = append(latencies, lat)
			final[h.ID] = to
			want.Reviewers = append(want.Reviewers, reviewer)
			w.Overrides = append(w.Overrides, want)
		}
	}
	out = append(out, follow(out[3], T0.Add(4*time.Hour), aims.OversightOutcome{Action: aims.ActionContest, Policy: "contest", Reason: "I repaid my previous loan"}))
	w.Contested++
	for _, a := range []aims.OversightAction{aims.ActionHalt, aims.ActionResume} {
		d := aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: next(), Time: T0.Add(2 * time.Hour), SystemID: "credit-scoring",
			Output: "halted", Oversight: &aims.OversightOutcome{Action: a, Reviewer: "ops", Reason: "drift investigation", Time: T0.Add(2 * time.Hour)}}
		if a == aims.ActionResume {
			d.Output, d.Time = "resumed", T0.Add(150*time.Minute)
			w.Resumes++
		} else {
			w.Halts++
		}
		out = append(out, d)
		w.SystemRecords++
	}
	for _, f := range final {
		w.FinalOutcomes[f]++
	}
	w.LedgerRecords = len(out) // management() adds its records
	w.LedgerByControl[semconv.ControlEventLogs] = len(out)
	// A.9.2: 12 held + 6 blocked decisions; 10 resolving reviewer actions,
	// 3 four-eyes votes, 1 escalation and 1 expiry; 1 halt and 1 resume.
	w.LedgerByControl[semconv.ControlResponsibleUse] = w.Held + w.Blocked + w.Approved + w.Rejected + w.Overridden + w.Partial + w.Escalated + w.Expired + w.Halts + w.Resumes
	w.LedgerByControl[semconv.ControlExternalReporting] = w.Contested
	w.LedgerByControl[semconv.ControlRoles] = w.Partial
	w.Agreement = float64(w.Approved) / float64(w.Approved+w.Rejected+w.Overridden)
	// Latencies (k+1 minutes for k = 0,1,2,4,5,6,7,8,9,10) are 1,2,3,5,6,7,
	// 8,9,10,11 minutes: nearest-rank median is the 5th (6 min), the 90th
	// percentile the 9th (10 min), the mean 62/10 minutes.
	w.ReviewMin, w.ReviewMax = time.Minute, 11*time.Minute
	w.ReviewMedian, w.ReviewP90, w.ReviewMean = 6*time.Minute, 10*time.Minute, 62*time.Minute/10
	if len(latencies) != 10 {
		return nil, fmt.Errorf("reporttest: scenario has %d resolved reviews, want 10", len(latencies))
	}
	return out, nil
}

// soaNoEvidence are the applicable controls for which soa.yaml names no
// evidence; soaExcluded are the excluded ones.
var (
	soaNoEvidence = []string{"A.2.2", "A.2.3", "A.2.4", "A.4.4", "A.4.6", "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.7.2", "A.7.6"}
	soaExcluded   = []string{"A.5.5", "A.10.4"}
)

// coverage fills in the machine and declared evidence per control from
// the counts the writers recorded and from soa.yaml.
func coverage(w *Want) {
	for _, m := range []map[string]int{w.LogsByControl, w.PointsByControl, w.LedgerByControl} {
		for id, n := range m {
			w.MachineEvidence[id] += n
		}
	}
	for _, c := range aims.Controls() {
		machine := w.MachineEvidence[c.ID] > 0
		switch {
		case slices.Contains(soaExcluded, c.ID):
		case slices.Contains(soaNoEvidence, c.ID):
			if !machine {
				w.NoEvidence = append(w.NoEvidence, c.ID)
			}
		default:
			w.Declared++
			if !machine {
				w.DeclaredOnly++
			}
		}
		if machine && !slices.Contains(soaExcluded, c.ID) {
			w.WithMachineEvidence++
		}
	}
}

func ticketOf(d aims.Decision) string {
	if d.Oversight != nil {
		return d.Oversight.TicketID
	}
	return ""
}

func writeLedger(p Paths, records [][]byte) error {
	skey, vkey, err := ledger.GenerateKey("reporttest")
	if err != nil {
		return err
	}
	if err := os.WriteFile(p.Key, []byte(vkey+"\n"), 0o644); err != nil {
		return err
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		return err
	}
	clock := func() time.Time { return T0.Add(5 * time.Hour) }
	l, err := ledger.Open(context.Background(), p.Ledger, "credit-scoring", "i-1", signer, ledger.WithClock(clock), ledger.WithCheckpointEvery(25, 0))
	if err != nil {
		return err
	}
	ctx := context.Background()
	for _, b := range records {
		if err := l.Append(ctx, b); err != nil {
			return err
		}
	}
	return l.Close(ctx)
}

// kv is one OTLP/JSON attribute.
func kv(key string, v any) map[string]any {
	var val map[string]any
	switch x := v.(type) {
	case string:
		val = map[string]any{"stringValue": x}
	case bool:
		val = map[string]any{"boolValue": x}
	case int:
		val = map[string]any{"intValue": strconv.Itoa(x)}
	case float64:
		val = map[string]any{"doubleValue": x}
	}
	return map[string]any{"key": key, "value": val}
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

var resource = map[string]any{"attributes": []any{
	kv("service.name", "creditscore"), kv(string(semconv.AimsSystemID), "credit-scoring"),
	kv(string(semconv.AimsSystemVersion), "2.3.1"), kv(string(semconv.AimsSystemInstance), "i-1"),
}}

func logLine(scope string, recs []any) []byte {
	b, _ := json.Marshal(map[string]any{"resourceLogs": []any{map[string]any{
		"resource":  resource,
		"scopeLogs": []any{map[string]any{"scope": map[string]any{"name": scope}, "logRecords": recs}},
	}}})
	return append(b, '\n')
}

func event(name string, at time.Time, body any, attrs ...map[string]any) map[string]any {
	r := map[string]any{"timeUnixNano": nanos(at), "eventName": name, "severityNumber": 9, "attributes": attrs}
	if body != nil {
		r["body"] = map[string]any{"stringValue": body}
	}
	return r
}

// logs writes the collector's log output: inventory records for two
// systems (faq-bot registered and retired), one aims.decision record per
// decision (A.6.2.8), oversight events (A.9.2, A.8.3), one fairness
// threshold violation and one drift event (A.6.2.6).
func logs(records []aims.Decision, w *Want) []byte {
	var out []byte
	credit := map[string]any{
		"id": "credit-scoring", "name": "Consumer credit scoring", "version": "2.3.1",
		"purpose": "Estimate the probability of default of a consumer loan applicant.", "intendedUse": "Loan officers",
		"owner": "risk-analytics team", "valueChainRoles": []string{"provider", "deployer"},
		"riskLevel": "high", "lifecycleStage": "deployed",
	}
	faq := map[string]any{
		"id": "faq-bot", "name": "FAQ <bot>", "version": "1.0", "purpose": "Answer questions", "intendedUse": "Customers",
		"owner": "support", "valueChainRoles": []string{"deployer"}, "riskLevel": "limited", "lifecycleStage": "deployed",
	}
	cb, _ := json.Marshal(credit)
	fb, _ := json.Marshal(faq)
	inv := semconv.ScopeInventory
	out = append(out, logLine(inv, []any{
		event(semconv.EventInventoryRegistration, T0.Add(-time.Hour), string(cb), kv(string(semconv.AimsSystemID), "credit-scoring"), kv(string(semconv.AimsSystemVersion), "2.3.1"), kv(string(semconv.AimsControlID), "A.4.2")),
		event(semconv.EventInventoryRegistration, T0.Add(-time.Hour), string(fb), kv(string(semconv.AimsSystemID), "faq-bot"), kv(string(semconv.AimsSystemVersion), "1.0"), kv(string(semconv.AimsControlID), "A.4.2")),
		event(semconv.EventInventoryHeartbeat, T0.Add(3*time.Hour), nil, kv(string(semconv.AimsSystemID), "credit-scoring"), kv(string(semconv.AimsControlID), "A.6.2.6")),
		event(semconv.EventInventoryRetirement, T0.Add(time.Hour), nil, kv(string(semconv.AimsSystemID), "faq-bot"), kv(string(semconv.AimsSystemVersion), "1.0"), kv(string(semconv.AimsInventoryRetirementReason), "replaced"), kv(string(semconv.AimsControlID), "A.6.2.6")),
	})...)
	w.LogsByControl["A.4.2"] += 2
	w.LogsByControl["A.6.2.6"] += 2

	var decs, ovs []any
	for _, d := range records {
		if d.Oversight != nil && d.Oversight.RelatedDecisionID != "" || d.Output == "halted" || d.Output == "resumed" {
			continue
		}
		decs = append(decs, event(semconv.EventDecision, d.Time, nil, kv(string(semconv.AimsControlID), "A.6.2.8"),
			kv(string(semconv.AimsDecisionID), d.ID), kv(string(semconv.AimsDecisionOutcome), d.Output)))
		w.LogsByControl["A.6.2.8"]++
		if d.Oversight != nil && d.Oversight.Action != aims.ActionApply {
			route := string(d.Oversight.Action)
			ovs = append(ovs, event(semconv.EventOversightRouted, d.Time, nil, kv(string(semconv.AimsControlID), "A.9.2"), kv(string(semconv.AimsOversightRoute), route)))
			w.LogsByControl["A.9.2"]++
		}
	}
	for _, d := range records {
		o := d.Oversight
		if o == nil || o.RelatedDecisionID == "" {
			continue
		}
		switch o.Action {
		case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
			_, partial := d.Attributes["aims.oversight.approvals"]
			ovs = append(ovs, event(semconv.EventOversightReviewed, d.Time, nil, kv(string(semconv.AimsControlID), "A.9.2"),
				kv(string(semconv.AimsOversightAction), string(o.Action)), kv(string(semconv.AimsOversightReviewer), o.Reviewer),
				kv(string(semconv.AimsOversightLatency), o.ReviewLatency.Seconds()), kv("aims.oversight.resolved", !partial)))
			w.LogsByControl["A.9.2"]++
		case aims.ActionContest:
			ovs = append(ovs, event(semconv.EventOversightContested, d.Time, nil, kv(string(semconv.AimsControlID), "A.8.3")))
			w.LogsByControl["A.8.3"]++
		}
	}
	out = append(out, logLine(semconv.ScopeAims, decs)...)
	out = append(out, logLine(semconv.ScopeOversight, ovs)...)
	out = append(out, logLine(semconv.ScopeFairness, []any{
		event(semconv.EventFairnessThreshold, T0.Add(2*time.Hour), nil, kv(string(semconv.AimsControlID), "A.6.2.6"),
			kv(string(semconv.AimsFairnessDisparity), "demographic_parity_ratio"), kv(string(semconv.AimsFairnessValue), 0.62),
			kv(string(semconv.AimsFairnessThreshold), 0.8), kv(string(semconv.AimsFairnessComparison), "below"),
			kv(string(semconv.AimsFairnessState), "violated"), kv(string(semconv.AimsFairnessGroupMin), "sex=F"),
			kv(string(semconv.AimsFairnessGroupMax), "sex=M"), kv(string(semconv.AimsFairnessWindowDecisions), 60)),
	})...)
	w.LogsByControl["A.6.2.6"]++
	w.FairnessViolations = 1
	out = append(out, logLine(semconv.ScopeDrift, []any{
		event(semconv.EventDriftFeature, T0.Add(150*time.Minute), "feature income drift: psi score 0.41 (threshold 0.2, 500 observations)",
			kv(string(semconv.AimsControlID), "A.6.2.6"), kv(string(semconv.AimsDriftFeature), "income"), kv(string(semconv.AimsDriftState), "drift"),
			kv(string(semconv.AimsDriftMethod), "psi"), kv(string(semconv.AimsDriftScore), 0.41), kv(string(semconv.AimsDriftThreshold), 0.2)),
		event(semconv.EventDriftFeature, T0.Add(250*time.Minute), "feature income recovered: psi score 0.15 (threshold 0.2, 500 observations)",
			kv(string(semconv.AimsControlID), "A.6.2.6"), kv(string(semconv.AimsDriftFeature), "income"), kv(string(semconv.AimsDriftState), "recovered"),
			kv(string(semconv.AimsDriftMethod), "psi"), kv(string(semconv.AimsDriftScore), 0.15), kv(string(semconv.AimsDriftThreshold), 0.2)),
	})...)
	w.LogsByControl["A.6.2.6"] += 2
	w.DriftAlerts, w.DriftRecoveries = 1, 1
	return out
}

func gauge(name string, pts []any) map[string]any {
	return map[string]any{"name": name, "unit": "1", "gauge": map[string]any{"dataPoints": pts}}
}

func point(at time.Time, v float64, attrs ...map[string]any) map[string]any {
	return map[string]any{"timeUnixNano": nanos(at), "asDouble": v, "attributes": attrs}
}

func metricLine(scope string, metrics []any) []byte {
	b, _ := json.Marshal(map[string]any{"resourceMetrics": []any{map[string]any{
		"resource":     resource,
		"scopeMetrics": []any{map[string]any{"scope": map[string]any{"name": scope}, "metrics": metrics}},
	}}})
	return append(b, '\n')
}

// metrics writes the collector's metric output. The fairness monitor
// exports selection rates at two times; the latest are age=<25 0.375 (of
// 8 decisions: a small group), sex=F 0.45 (of 200), sex=M 0.65 (of 300),
// so against the best (0.65) the impact ratios are 0.577 (below 0.8 but
// n = 8: a warning, not a failure), 0.692 (fail) and 1 (pass). The drift monitor exports a
// score at six times for income (PSI, a distance; it rises to 0.41) and
// age (KS, a p-value), and the dataset share.
func metrics(w *Want) []byte {
	g := string(semconv.AimsFairnessGroup)
	t1, t2 := T0.Add(time.Hour), T0.Add(3*time.Hour)
	earlier := map[string]float64{"age=<25": 0.5, "sex=F": 0.6, "sex=M": 0.62}
	latest := map[string]float64{"age=<25": 0.375, "sex=F": 0.45, "sex=M": 0.65}
	counts := map[string]float64{"age=<25": 8, "sex=F": 200, "sex=M": 300}
	var sel, tpr, dec []any
	for _, grp := range Groups {
		sel = append(sel, point(t1, earlier[grp], kv(g, grp)), point(t2, latest[grp], kv(g, grp)))
		tpr = append(tpr, point(t2, latest[grp]+0.2, kv(g, grp)))
		dec = append(dec, point(t2, counts[grp], kv(g, grp)))
		w.ImpactRatio[grp] = latest[grp] / 0.65
		switch {
		case latest[grp]/0.65 >= 0.8:
			w.FourFifths[grp] = "pass"
		case counts[grp] < 30:
			w.FourFifths[grp] = "warning"
		default:
			w.FourFifths[grp] = "fail"
		}
		if counts[grp] < 30 {
			w.SmallGroups = append(w.SmallGroups, grp)
		}
		if w.FourFifths[grp] == "fail" {
			w.FailingGroups++
		}
	}
	var out []byte
	out = append(out, metricLine(semconv.ScopeFairness, []any{
		gauge(semconv.MetricFairnessSelectionRate, sel),
		gauge(semconv.MetricFairnessTPR, tpr),
		gauge(semconv.MetricFairnessGroupDecisions, dec),
		gauge(semconv.MetricFairnessDisparity, []any{point(t2, 0.45/0.65, kv(string(semconv.AimsFairnessDisparity), "demographic_parity_ratio"))}),
	})...)
	var scores []any
	var shares []any
	income := []float64{0.02, 0.03, 0.05, 0.12, 0.41, 0.38}
	age := []float64{0.81, 0.64, 0.77, 0.52, 0.7, 0.69}
	f, m := string(semconv.AimsDriftFeature), string(semconv.AimsDriftMethod)
	for i := range income {
		at := T0.Add(time.Duration(i) * 40 * time.Minute)
		scores = append(scores, point(at, income[i], kv(f, "income"), kv(m, "psi")), point(at, age[i], kv(f, "age"), kv(m, "ks")))
		share := 0.0
		if income[i] >= 0.2 {
			share = 0.5
		}
		shares = append(shares, point(at, share))
	}
	out = append(out, metricLine(semconv.ScopeDrift, []any{gauge(semconv.MetricDriftScore, scores), gauge(semconv.MetricDriftDatasetShare, shares)})...)
	out = append(out, metricLine(semconv.ScopeAims, []any{map[string]any{
		"name": semconv.MetricDecisions, "unit": "{decision}",
		"sum": map[string]any{"aggregationTemporality": 2, "isMonotonic": true, "dataPoints": []any{
			map[string]any{"timeUnixNano": nanos(T0.Add(3 * time.Hour)), "asInt": "60", "attributes": []any{kv(string(semconv.AimsControlID), "A.6.2.8")}},
		}},
	}})...)
	w.PointsByControl["A.6.2.8"] = 1
	return out
}

// checkpointLogs returns the aims.ledger.checkpoint records the ledger in
// dir emitted to the collector: one per checkpoint of its history, the
// signed note as body (A.6.2.8).
func checkpointLogs(dir string, w *Want) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, "checkpoints.jsonl"))
	if err != nil {
		return nil, err
	}
	var recs []any
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte{'\n'}) {
		var cl struct {
			Note string `json:"note"`
		}
		if err := json.Unmarshal(line, &cl); err != nil {
			return nil, err
		}
		recs = append(recs, event(semconv.EventLedgerCheckpoint, T0.Add(5*time.Hour), cl.Note,
			kv(string(semconv.AimsControlID), semconv.ControlEventLogs)))
		w.LogsByControl[semconv.ControlEventLogs]++
		w.OutsideCheckpoints++
	}
	return logLine(semconv.ScopeLedger, recs), nil
}
