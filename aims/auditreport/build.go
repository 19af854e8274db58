package auditreport

import (
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/inventory"
)

// Build computes the report from in. Missing inputs leave their sections
// marked unavailable with a note; Build fails only on a nil input.
func Build(in *Input) (*Report, error) {
	if in == nil {
		return nil, errors.New("auditreport: nil input")
	}
	r := &Report{
		Title:       "AI management system audit report",
		GeneratedAt: in.GeneratedAt.UTC(),
		Missing:     append([]string(nil), in.Missing...),
	}
	if in.SoA != nil {
		r.Organization, r.Scope = in.SoA.Organization, in.SoA.Scope
	}
	r.Sources = sources(in)
	r.Inventory = buildInventory(in)
	r.Coverage = buildCoverage(in)
	var v *view
	if in.Decisions != nil {
		v = newView(in)
	}
	r.Decisions = buildDecisions(in, v)
	r.Oversight = buildOversight(in, v)
	r.Incidents = buildIncidents(in)
	r.Management = buildManagement(in)
	r.Fairness = buildFairness(in)
	r.Drift = buildDrift(in)
	r.Ledger = buildLedger(in)
	r.Instances = buildInstances(in, v, r.Ledger.Verdict)
	r.GenAI = buildGenAI(in, v)
	r.Summary = summarise(r)
	return r, nil
}

func sources(in *Input) []Source {
	var out []Source
	add := func(name, path string, ok bool, status string) {
		out = append(out, Source{Name: name, Path: path, OK: ok, Status: status, SHA256: in.Digests[path]})
	}
	if in.Decisions != nil {
		add("Decision ledger", in.LedgerDir, true, fmt.Sprintf("read: %d decision records, %d management-system records, %d GenAI records, %d other records, %d unreadable records", len(in.Decisions), len(in.Management), len(in.GenAI), in.OtherRecords, in.Unreadable))
	} else {
		add("Decision ledger", in.LedgerDir, false, "missing")
	}
	if len(in.Verifications) == 0 {
		add("Ledger verification", in.LedgerDir, false, "not verified")
	}
	for _, v := range in.Verifications {
		if v.OK {
			add("Ledger verification", v.Dir, true, "verified with the public key")
		} else {
			add("Ledger verification", v.Dir, true, "FAILED: "+v.Problem)
		}
	}
	if in.Logs != nil {
		add("Collector logs", joinPath(in.OTelDir, LogsFile), true, fmt.Sprintf("read: %d log records", len(in.Logs))+skippedText(in.SkippedLogLines))
	} else {
		add("Collector logs", joinPath(in.OTelDir, LogsFile), false, "missing")
	}
	if in.Metrics != nil {
		add("Collector metrics", joinPath(in.OTelDir, MetricsFile), true, fmt.Sprintf("read: %d metric points", len(in.Metrics))+skippedText(in.SkippedMetricLines))
	} else {
		add("Collector metrics", joinPath(in.OTelDir, MetricsFile), false, "missing")
	}
	if in.SoA != nil {
		st := fmt.Sprintf("read: %d entries", len(in.SoA.Controls))
		if len(in.SoAProblems) > 0 {
			st += fmt.Sprintf(", %d validation problems", len(in.SoAProblems))
		}
		add("Statement of Applicability", in.SoAPath, true, st)
	} else {
		add("Statement of Applicability", in.SoAPath, false, "missing")
	}
	return out
}

// skippedText tells, after a collector file's count of records, how many
// of its lines could not be read (see Input.SkippedMetricLines).
func skippedText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %s skipped as unreadable, their records not counted (see Missing)", plural(n, "line", "lines"))
}

// joinPath is filepath.Join, but empty when there is no folder.
func joinPath(dir, file string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, file)
}

// controlOf returns the normalised aims.control.id of a record's
// attributes, or "".
func controlOf(attrs map[string]any) string {
	id := otlpfile.String(attrs, string(semconv.AimsControlID))
	if id == "" {
		return ""
	}
	return aims.NormalizeControlID(id)
}

func buildCoverage(in *Input) CoverageSection {
	s := CoverageSection{HaveSoA: in.SoA != nil, HaveCollector: in.Logs != nil || in.Metrics != nil, HaveLedger: in.Decisions != nil}
	s.SoAProblems = append(s.SoAProblems, in.SoAProblems...)
	var notes []string
	if !s.HaveSoA {
		notes = append(notes, "No Statement of Applicability was given: applicability of each control is unknown.")
	}
	if !s.HaveCollector {
		notes = append(notes, "No collector output was given: telemetry evidence could not be counted.")
	}
	if !s.HaveLedger {
		notes = append(notes, "No decision ledger was given: ledger evidence (A.6.2.8 event logs and the oversight actions it records) could not be counted.")
	}
	s.Note = strings.Join(notes, " ")

	evidence := indexEvidence(in)
	s.First, s.Last = evidence.first.UTC(), evidence.last.UTC()
	if evidence.first.IsZero() {
		s.First, s.Last = time.Time{}, time.Time{}
	}
	for _, c := range aims.Controls() {
		row := ControlRow{ID: c.ID, Title: c.Title, Objective: c.Objective, Applicability: "unknown"}
		if in.SoA != nil {
			if e, ok := in.SoA.Entry(c.ID); ok {
				row.Justification, row.Owner = e.Justification, e.Owner
				row.SoAEvidence = append([]string(nil), e.Evidence...)
				if e.Applicable {
					row.Applicability, row.Status = "applicable", words(string(e.Status))
				} else {
					row.Applicability = "excluded"
				}
			} else {
				row.Applicability = "not addressed"
			}
		}
		evidence.fill(&row)
		applicable := row.Applicability == "applicable"
		row.DocumentsOnly = applicable && row.Evidence == 0 && len(row.SoAEvidence) > 0
		row.Gap = applicable && row.Evidence == 0 && len(row.SoAEvidence) == 0
		s.Rows = append(s.Rows, row)
	}
	return s
}

func buildInventory(in *Input) InventorySection {
	s := InventorySection{Available: in.Inventory != nil}
	if in.Inventory == nil {
		s.Note = "The inventory is rebuilt from the collector's registration and heartbeat records; no collector logs were available."
		return s
	}
	add := func(unregistered bool, e inventory.Entry) {
		row := SystemRow{
			ID: e.System.ID, Name: e.System.Name, Owner: e.System.Owner,
			Lifecycle: string(e.System.Lifecycle), Version: e.System.Version,
			Versions: append([]string(nil), e.Versions...), RiskLevel: string(e.System.RiskLevel),
			Instances: len(e.Instances), LastSeen: e.LastSeen,
			Retired: e.Retired, RetiredAt: e.RetiredAt, RetirementReason: e.RetirementReason,
			Unregistered: unregistered,
		}
		for _, i := range e.Instances {
			if i.LastHeartbeat.After(row.LastHeartbeat) {
				row.LastHeartbeat = i.LastHeartbeat
			}
		}
		s.Systems = append(s.Systems, row)
	}
	for _, e := range in.Inventory.Entries() {
		add(false, e)
	}
	for _, e := range in.Inventory.Unregistered() {
		add(true, e)
	}
	if len(s.Systems) == 0 {
		s.Note = "The collector's logs hold no inventory registration or heartbeat records."
	}
	return s
}

func buildLedger(in *Input) LedgerSection {
	s := LedgerSection{Dir: in.LedgerDir, Verdict: VerdictUnknown, OtherRecords: in.OtherRecords, Unreadable: in.Unreadable}
	if len(in.Verifications) == 0 {
		s.Note = "The ledger was not verified: a ledger folder and the system's public verifier key (--key) are both needed."
		return s
	}
	s.Available, s.Verdict = true, VerdictPass
	s.Reproduce = "aimsaudit verify " + shellQuote(in.LedgerDir) + " --key " + shellQuote(in.Key)
	if in.OutsideCheckpoints > 0 {
		s.Reproduce += " --checkpoints " + shellQuote(joinPath(in.OTelDir, LogsFile))
	}
	for _, v := range in.Verifications {
		st := LedgerStatus{Verdict: VerdictPass, Verification: v, CheckpointNote: v.CheckpointNote}
		if !v.OK {
			st.Verdict, s.Verdict = VerdictFail, VerdictFail
		}
		st.Outside = outsideText(v)
		for _, a := range v.Adoptions {
			how := "after a crash of the previous run"
			if a.Explicit {
				how = "explicitly, by an operator"
			}
			st.Adoptions = append(st.Adoptions, fmt.Sprintf("records %d to %d, adopted %s at %s (entry at record %d): %s",
				a.First, a.Last, how, a.Time.Format(time.RFC3339), a.Seq, a.Reason))
		}
		if cp := v.Checkpoint; cp != nil {
			st.TreeSize = cp.Size
			st.RootHash = base64.StdEncoding.EncodeToString(cp.Root[:])
			st.CheckpointText = cp.Text()
		}
		s.Ledgers = append(s.Ledgers, st)
	}
	return s
}

func summarise(r *Report) Summary {
	s := Summary{Verification: r.Ledger.Verdict, Controls: len(r.Coverage.Rows)}
	s.VerificationText = verificationText(&r.Ledger)
	s.Decisions, s.Followups = r.Decisions.Total, r.Decisions.Followups
	s.Systems = len(r.Inventory.Systems)
	for _, c := range r.Coverage.Rows {
		switch c.Applicability {
		case "applicable":
			s.Applicable++
		case "excluded":
			s.Excluded++
		case "not addressed":
			s.NotAddressed++
		}
		if c.Evidence > 0 && (c.Applicability == "applicable" || c.Applicability == "unknown") {
			s.WithEvidence++
		}
		if c.Applicability == "applicable" && len(c.SoAEvidence) > 0 {
			s.Declared++
		}
		if c.DocumentsOnly {
			s.DeclaredOnly++
		}
		if c.Gap {
			s.NoEvidence++
		}
	}
	s.HeldForReview, s.Overridden = r.Oversight.Held, r.Oversight.Overridden
	s.FailingGroups, s.FairnessViolations, s.FairnessAlerts = fairnessCounts(&r.Fairness)
	s.DriftAlerts = r.Drift.Alerts()
	s.Incidents, s.OpenIncidents, s.OverdueReports = len(r.Incidents.Incidents), r.Incidents.Open, r.Incidents.Overdue+r.Incidents.Late

	add := func(v Verdict, format string, args ...any) {
		s.Findings = append(s.Findings, Finding{Verdict: v, Text: fmt.Sprintf(format, args...)})
	}
	add(s.Verification, "%s", s.VerificationText)
	if r.Coverage.HaveSoA {
		v := VerdictPass
		if s.NoEvidence > 0 || s.NotAddressed > 0 {
			v = VerdictWarn
		}
		add(v, "%d of %d Annex A controls are applicable, %d excluded, %d not addressed. Of the %d applicable controls, %d have machine evidence (log records, metric points or ledger records), %d only have evidence declared in the SoA (records or documents named there, to be checked by hand) and %d have neither (the SoA declares evidence for %d of the %d).",
			s.Applicable, s.Controls, s.Excluded, s.NotAddressed, s.Applicable, s.WithEvidence, s.DeclaredOnly, s.NoEvidence, s.Declared, s.Applicable)
	} else {
		add(VerdictUnknown, "No Statement of Applicability: %d of %d controls have machine evidence (log records, metric points or ledger records); without an SoA no evidence is declared.", s.WithEvidence, s.Controls)
	}
	if len(r.Coverage.SoAProblems) > 0 {
		add(VerdictWarn, "The Statement of Applicability has %d validation problems.", len(r.Coverage.SoAProblems))
	}
	if r.Decisions.Available {
		pruned := ""
		var n int64
		for _, l := range r.Ledger.Ledgers {
			n += l.Verification.Pruned
		}
		if n > 0 {
			pruned = fmt.Sprintf(" Retention pruned %s from the ledger (not counted here).", plural(int(n), "earlier record", "earlier records"))
		}
		add(VerdictPass, "%d decisions recorded (%d adverse) and %d oversight follow-up records.%s", s.Decisions, r.Decisions.Adverse, s.Followups, pruned)
		if n := r.Decisions.NotLedgered; n > 0 {
			add(VerdictWarn, "%s in the Collector output %s not in the ledger (emitted, not ledgered; not counted here): %s. %s", plural(n, "decision", "decisions"), isAre(n), strings.Join(r.Decisions.NotLedgeredIDs, ", "), notLedgeredText)
		}
		if n := r.Decisions.DuplicateIDs; n > 0 {
			add(VerdictWarn, "%s used by more than one decision record with different content: %s. %s", plural(n, "decision ID is", "decision IDs are"), strings.Join(r.Decisions.Duplicates, "; "), duplicateText)
		}
	}
	if r.Oversight.Available {
		// Oversight gets no PASS: the counts and indicators describe what
		// reviewers did; whether that is adequate is the auditor's call.
		v := VerdictInfo
		if r.Oversight.Open > 0 || r.Oversight.Expired > 0 || r.Oversight.RubberStamping {
			v = VerdictWarn
		}
		agree := "no resolved reviews"
		if r.Oversight.AgreementDefined {
			agree = fmt.Sprintf("reviewers agreed with the model in %.0f%% of resolved reviews", 100*r.Oversight.Agreement)
		}
		absent := ""
		if n := r.Oversight.WithoutDecision; n > 0 {
			absent = fmt.Sprintf("; %s of decisions not in the ledger (pruned or unknown) counted apart", plural(n, "review record", "review records"))
		}
		onContests := ""
		if n := r.Oversight.ContestVotes; n > 0 {
			onContests = fmt.Sprintf(" (%d of them on contests)", n)
		}
		add(v, "%d decisions held for human review, %d blocked; %d approved, %d rejected, %d overridden, %d expired, %d still open (%d waiting for another reviewer's vote); %s not resolve a ticket%s; %s%s.",
			r.Oversight.Held, r.Oversight.Blocked, r.Oversight.Approved, r.Oversight.Rejected, r.Oversight.Overridden, r.Oversight.Expired, r.Oversight.Open, r.Oversight.Waiting,
			plural(r.Oversight.PartialApprovals+r.Oversight.ContestVotes, "vote did", "votes did"), onContests, agree, absent)
		if r.Oversight.RubberStampingText != "" {
			rv := VerdictInfo
			if r.Oversight.RubberStamping {
				rv = VerdictWarn
			}
			add(rv, "%s", r.Oversight.RubberStampingText)
		}
	}
	instanceFinding(&r.Instances, add)
	incidentFindings(&r.Incidents, add)
	managementFinding(&r.Management, add)
	genaiFinding(&r.GenAI, add)
	if r.Fairness.Available {
		v := VerdictPass
		if s.FairnessAlerts > 0 {
			v = VerdictFail
		}
		same := s.FailingGroups + s.FairnessViolations - s.FairnessAlerts
		text := fmt.Sprintf("Fairness: %s the four-fifths rule; the monitor reported %s", plural(s.FailingGroups, "group fails", "groups fail"), plural(s.FairnessViolations, "threshold violation", "threshold violations"))
		if same > 0 {
			text += fmt.Sprintf(" (%d of them about a failing group's selection rate: the same disparity, not a further alert)", same)
		}
		text = fmt.Sprintf("%s; %s", text, plural(s.FairnessAlerts, "distinct fairness alert", "distinct fairness alerts"))
		if n := fleetExcluded(&r.Fairness); n > 0 {
			// The whole-system verdicts leave these instances' decisions
			// out: they are not a clean result.
			if v == VerdictPass {
				v = VerdictWarn
			}
			text += fmt.Sprintf("; %s left out of the whole system's counts (see the fairness section)", plural(n, "instance", "instances"))
		}
		add(v, "%s.", text)
	} else {
		add(VerdictUnknown, "Fairness: %s", r.Fairness.Note)
	}
	if r.Drift.Available {
		v := VerdictPass
		if s.DriftAlerts > 0 {
			v = VerdictWarn
		}
		add(v, "Drift: %s (and %s); %s.", plural(s.DriftAlerts, "drift alert", "drift alerts"), plural(r.Drift.Recoveries(), "recovery", "recoveries"), plural(len(r.Drift.Features), "monitored series", "monitored series"))
	} else {
		add(VerdictUnknown, "Drift: %s", r.Drift.Note)
	}
	for _, m := range r.Missing {
		add(VerdictUnknown, "Missing input — %s", m)
	}
	return s
}

// isAre is "is" for one, "are" otherwise.
func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func verificationText(l *LedgerSection) string {
	switch l.Verdict {
	case VerdictPass:
		var records, pending int64
		for _, st := range l.Ledgers {
			records += st.Verification.Records
			pending += st.Verification.Pending
		}
		what := "The ledger verified"
		if len(l.Ledgers) > 1 {
			what = fmt.Sprintf("All %d instance ledgers verified", len(l.Ledgers))
		}
		if pending > 0 {
			return fmt.Sprintf("%s: %d records, of which %d after the last signed checkpoint (accepted as pending).", what, records, pending)
		}
		return fmt.Sprintf("%s: %d records, all covered by signed checkpoints.", what, records)
	case VerdictFail:
		var fails []string
		for _, st := range l.Ledgers {
			if v := st.Verification; !v.OK {
				fails = append(fails, v.Dir+": "+v.Problem+locate(&v))
			}
		}
		if len(l.Ledgers) > 1 {
			return fmt.Sprintf("%d of %d instance ledgers FAILED verification: %s.", len(fails), len(l.Ledgers), strings.Join(fails, "; "))
		}
		return "The ledger FAILED verification: " + l.Ledgers[0].Verification.Problem + locate(&l.Ledgers[0].Verification) + "."
	default:
		return "The ledger was not verified."
	}
}

func locate(v *Verification) string {
	var parts []string
	if v.File != "" {
		parts = append(parts, "file "+v.File)
	}
	if v.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d", v.Line))
	}
	if v.Seq >= 0 {
		parts = append(parts, fmt.Sprintf("record %d", v.Seq))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// sortCounts orders counts by N descending, then label.
func sortCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Label: k, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Label < out[j].Label
	})
	return out
}

// systemOf names the AI system a record belongs to: its aims.system.id
// attribute, else the resource's aims.system.id, else the resource's
// service.name.
func systemOf(attrs, resource map[string]any) string {
	if s := otlpfile.String(attrs, string(semconv.AimsSystemID)); s != "" {
		return s
	}
	if s := otlpfile.String(resource, string(semconv.AimsSystemID)); s != "" {
		return s
	}
	return otlpfile.String(resource, "service.name")
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe
// characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+=:@,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// outsideText says what the checkpoints kept outside the host (the
// Collector's copies) established about one ledger.
func outsideText(v Verification) string {
	switch {
	case !v.OK:
		return ""
	case v.External > 0:
		return fmt.Sprintf("consistent with the %d checkpoints it emitted to the Collector: not rolled back, truncated or rebuilt since", v.External)
	default:
		return "none found in the Collector output: a rollback, an emptied ledger or a rebuild by someone holding the key cannot be detected from the ledger alone"
	}
}
