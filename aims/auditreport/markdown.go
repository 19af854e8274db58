package auditreport

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// RenderMarkdown writes the report as GitHub-flavoured Markdown: the same
// sections and tables as the HTML version, with the charts' data given as
// tables (Markdown cannot carry the inline SVG portably). Values from the
// inputs are escaped so they cannot break a table or inject markup.
func (r *Report) RenderMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := &md{w: bw}
	m.report(r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("auditreport: writing Markdown: %w", err)
	}
	return nil
}

type md struct{ w *bufio.Writer }

func (m *md) p(format string, args ...any) { fmt.Fprintf(m.w, format+"\n", args...) }

// esc makes a value safe inside Markdown text and table cells: it escapes
// the characters with Markdown meaning, and HTML's angle brackets and
// ampersand, and folds newlines into spaces.
func esc(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '\\', '`', '*', '_', '[', ']', '|', '#', '!', '~':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (m *md) table(head []string, rows [][]string) {
	hs := make([]string, len(head))
	for i, h := range head {
		hs[i] = esc(h)
	}
	m.p("| %s |", strings.Join(hs, " | "))
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
	}
	m.p("| %s |", strings.Join(seps, " | "))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = esc(c)
		}
		m.p("| %s |", strings.Join(cells, " | "))
	}
	m.p("")
}

func (m *md) note(s string) {
	if s != "" {
		m.p("> **Note:** %s\n", esc(s))
	}
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func itoa(n int) string { return fmt.Sprint(n) }

func (m *md) report(r *Report) {
	m.p("# %s\n", esc(r.Title))
	var meta []string
	if r.Organization != "" {
		meta = append(meta, "**"+esc(r.Organization)+"**")
	}
	if r.Scope != "" {
		meta = append(meta, "Scope: "+esc(r.Scope))
	}
	meta = append(meta, "Generated "+fmtTime(r.GeneratedAt))
	m.p("%s\n", strings.Join(meta, " · "))

	s := r.Summary
	m.p("## 1. Summary\n")
	m.table([]string{"Ledger verification", "Decisions", "Applicable controls", "Controls with machine evidence", "Declared evidence only", "No evidence",
		"Held for review", "Overridden", "Groups failing four-fifths", "Fairness threshold violations", "Distinct fairness alerts", "Drift alerts",
		"Incidents (open)", "Art. 73 reports overdue or late"},
		[][]string{{verdictWord(s.Verification), itoa(s.Decisions), fmt.Sprintf("%d / %d", s.Applicable, s.Controls), itoa(s.WithEvidence), itoa(s.DeclaredOnly), itoa(s.NoEvidence),
			itoa(s.HeldForReview), itoa(s.Overridden), itoa(s.FailingGroups), itoa(s.FairnessViolations), itoa(s.FairnessAlerts), itoa(s.DriftAlerts),
			fmt.Sprintf("%d (%d)", s.Incidents, s.OpenIncidents), itoa(s.OverdueReports)}})
	for _, f := range s.Findings {
		m.p("- **%s** %s", verdictWord(f.Verdict), esc(f.Text))
	}
	m.p("")

	m.p("## 2. Inputs\n")
	var rows [][]string
	for _, src := range r.Sources {
		rows = append(rows, []string{src.Name, orDash(src.Path), src.Status, orDash(src.SHA256)})
	}
	m.table([]string{"Input", "Source", "Status", "SHA-256"}, rows)
	for _, x := range r.Missing {
		m.p("- Missing: %s", esc(x))
	}
	if len(r.Missing) > 0 {
		m.p("")
	}

	m.inventory(&r.Inventory)
	m.coverage(&r.Coverage)
	m.decisions(&r.Decisions)
	m.oversight(&r.Oversight)
	m.incidents(&r.Incidents)
	m.management(&r.Management)
	m.fairness(&r.Fairness)
	m.drift(&r.Drift)
	m.ledger(&r.Ledger)
	m.instances(&r.Instances)
	m.genai(&r.GenAI)
}

func (m *md) instances(s *InstanceSection) {
	m.p("## 12. Per instance\n")
	m.note(s.Note)
	if !s.Available {
		return
	}
	var rows [][]string
	for _, r := range append(append([]InstanceRow(nil), s.Rows...), s.Total) {
		name := r.Name
		if r.Differs {
			name += " (differs)"
		}
		rows = append(rows, []string{name, orDash(r.Dir), itoa(r.Decisions), itoa(r.Applied), itoa(r.Held), itoa(r.Blocked),
			itoa(r.Resolutions), itoa(r.Contests), itoa(r.Halts), itoa(r.Management), itoa(r.GenAI), verdictWord(r.Verdict)})
	}
	m.table([]string{"Instance", "Ledger folder", "Decisions", "Applied", "Held", "Blocked", "Reviewer resolutions", "Contests", "Halts", "Management records", "GenAI records", "Ledger"}, rows)
	if len(s.Rows) < 2 {
		return
	}
	m.p("%s\n", esc(s.Rule))
	if len(s.Differences) == 0 {
		m.p("No instance differs notably from the fleet.\n")
		return
	}
	for _, d := range s.Differences {
		m.p("- **%s** %s", verdictWord(VerdictWarn), esc(d))
	}
	m.p("")
}

func (m *md) inventory(s *InventorySection) {
	m.p("## 3. AI-system inventory\n")
	m.note(s.Note)
	if len(s.Systems) == 0 {
		return
	}
	var rows [][]string
	for _, x := range s.Systems {
		retired := "no"
		if x.Retired {
			retired = "yes, " + fmtTime(x.RetiredAt)
			if x.RetirementReason != "" {
				retired += ": " + x.RetirementReason
			}
		}
		id := x.ID
		if x.Unregistered {
			id += " (no registration record)"
		}
		rows = append(rows, []string{id, orDash(x.Name), orDash(x.Version), join(x.Versions), orDash(x.RiskLevel),
			orDash(x.Lifecycle), orDash(x.Owner), itoa(x.Instances), fmtTime(x.LastHeartbeat), retired})
	}
	m.table([]string{"System", "Name", "Version", "Versions registered", "Risk tier", "Lifecycle", "Owner", "Instances", "Last heartbeat", "Retired"}, rows)
}

func (m *md) coverage(s *CoverageSection) {
	m.p("## 4. Annex A coverage\n")
	m.note(s.Note)
	for _, p := range s.SoAProblems {
		m.p("- SoA validation: %s", esc(p))
	}
	if len(s.SoAProblems) > 0 {
		m.p("")
	}
	var rows [][]string
	for _, c := range s.Rows {
		appl := c.Applicability
		switch {
		case c.Gap:
			appl += " (no machine or declared evidence)"
		case c.DocumentsOnly:
			appl += " (declared evidence only)"
		}
		rows = append(rows, []string{c.ID, c.Title, appl, orDash(c.Status), orDash(c.Justification), join(c.SoAEvidence), orDash(c.Owner),
			itoa(c.LogRecords), itoa(c.MetricPoints), itoa(c.LedgerRecords), itoa(c.Evidence), fmtEvidenceCounts(c.RecordTypes), fmtSamples(c.Samples)})
	}
	m.p("Machine evidence is records found in the inputs (log records and metric points carrying aims.control.id or aims.control.ids, ledger records for the control their action evidences, and management-system records for each control they name); declared evidence is what the SoA names, which the auditor checks by hand.\n")
	m.table([]string{"Control", "Title", "Applicability", "Status", "Justification", "Declared evidence (SoA)", "Owner", "Log records", "Metric points", "Ledger records", "Machine evidence",
		"Machine evidence by record type", "Sample records"}, rows)
}

func (m *md) decisions(s *DecisionSection) {
	m.p("## 5. Decisions\n")
	m.note(s.Note)
	if s.NotLedgered > 0 {
		m.p("**WARNING** %s in the Collector output %s not in the ledger (emitted, not ledgered; not counted in this section): %s. %s\n",
			esc(plural(s.NotLedgered, "decision", "decisions")), isAre(s.NotLedgered), esc(strings.Join(s.NotLedgeredIDs, ", ")), esc(notLedgeredText))
	}
	if s.Total == 0 {
		return
	}
	m.p("%d decisions from %s to %s; %d adverse; %d oversight follow-up records.\n", s.Total, fmtTime(s.First), fmtTime(s.Last), s.Adverse, s.Followups)
	if s.DuplicateIDs > 0 {
		m.p("**WARNING** %s used by more than one decision record with different content: %s. %s\n",
			esc(plural(s.DuplicateIDs, "decision ID is", "decision IDs are")), esc(strings.Join(s.Duplicates, "; ")), esc(duplicateText))
	}
	var rows [][]string
	for _, o := range s.Outcomes {
		rows = append(rows, []string{o.Label, itoa(o.N), share(o.N, s.Total)})
	}
	m.table([]string{"Final outcome (after review)", "Decisions", "Share"}, rows)
	rows = nil
	for _, o := range s.ModelOutputs {
		rows = append(rows, []string{o.Label, itoa(o.N), share(o.N, s.Total)})
	}
	m.table([]string{"Model's proposed output", "Decisions", "Share"}, rows)
	head := []string{"Bucket start (per " + humanDuration(s.Bucket) + ")"}
	for _, o := range s.Outcomes {
		head = append(head, o.Label)
	}
	head = append(head, "Total")
	rows = nil
	for _, b := range s.Series {
		if b.Total == 0 {
			continue
		}
		row := []string{fmtTime(b.Start)}
		for _, n := range b.Counts {
			row = append(row, itoa(n))
		}
		rows = append(rows, append(row, itoa(b.Total)))
	}
	m.p("Decisions over time (buckets without decisions omitted):\n")
	m.table(head, rows)
}

func (m *md) oversight(s *OversightSection) {
	m.p("## 6. Human oversight\n")
	m.note(s.Note)
	if !s.Available {
		return
	}
	m.table([]string{"Measure", "Count"}, [][]string{
		{"Applied automatically", itoa(s.Applied)},
		{"Held for human review", itoa(s.Held)},
		{"Blocked", itoa(s.Blocked)},
		{"Not gated", itoa(s.Ungated)},
		{"Approved", itoa(s.Approved)},
		{"Rejected", itoa(s.Rejected)},
		{"Overridden", itoa(s.Overridden)},
		{"Votes that did not resolve a ticket (four-eyes)", itoa(s.PartialApprovals + s.ContestVotes)},
		{"Of which votes on contests", itoa(s.ContestVotes)},
		{"Contested", itoa(s.Contested)},
		{"Contests upheld / changed / expired", itoa(s.ContestsUpheld) + " / " + itoa(s.ContestsChanged) + " / " + itoa(s.ContestsExpired)},
		{"Contests escalated", itoa(s.ContestsEscalated)},
		{"Expired", itoa(s.Expired)},
		{"Escalated", itoa(s.Escalated)},
		{"Still open", itoa(s.Open)},
		{"Of which waiting for another reviewer's vote", itoa(s.Waiting)},
		{"Review records of decisions not in the ledger (pruned or unknown)", itoa(s.WithoutDecision)},
		{"System halts / resumes", fmt.Sprintf("%d / %d", s.Halts, s.Resumes)},
	})
	if s.AgreementDefined {
		m.p("Reviewer agreement with the model: %s of resolved human reviews approved the model's output.\n", fmtPct(s.Agreement))
	} else {
		m.p("Reviewer agreement with the model: no resolved human reviews.\n")
	}
	if d := s.ReviewTimes; d.N > 0 {
		m.p("Time to review (%d resolved reviews, from the %s): median %s, 90th percentile %s, min %s, max %s, mean %s.\n",
			d.N, d.Source, fmtDur(d.Median), fmtDur(d.P90), fmtDur(d.Min), fmtDur(d.Max), fmtDur(d.Mean))
	}
	if s.RubberStampingText != "" {
		word := "INFO"
		if s.RubberStamping {
			word = "WARNING"
		}
		m.p("**%s** %s\n", word, esc(s.RubberStampingText))
	}
	if len(s.Overrides) > 0 {
		var rows [][]string
		for _, o := range s.Overrides {
			rows = append(rows, []string{o.Decision, fmtTime(o.Time), o.From + " → " + o.To, join(o.Reviewers), orDash(o.Reason)})
		}
		m.p("Overrides (%d):\n", len(s.Overrides))
		m.table([]string{"Decision", "Resolved", "Model → reviewer output", "Reviewer(s)", "Reason"}, rows)
	}
	if len(s.Reviewers) > 0 {
		var rows [][]string
		for _, c := range s.Reviewers {
			rows = append(rows, []string{c.Label, itoa(c.N)})
		}
		m.table([]string{"Reviewer", "Resolving actions"}, rows)
	}
	if len(s.Events) > 0 {
		var rows [][]string
		for _, c := range s.Events {
			rows = append(rows, []string{c.Label, itoa(c.N)})
		}
		m.table([]string{"Oversight event (collector logs)", "Records"}, rows)
	}
}

func (m *md) fairness(s *FairnessSection) {
	m.p("## 9. Fairness\n")
	m.note(s.Note)
	for _, mon := range s.Monitors {
		m.p("### %s\n", esc(mon.Title()))
		if mon.Fleet {
			m.p("Every decision since each instance's monitor started: the latest `aims.fairness.cumulative.*` counts of %s, added up per group; rates and disparities computed from the sums (groups of fewer than %d decisions take no part in disparities). The per-instance tables below show each instance's window only.\n", esc(orNone(strings.Join(mon.Instances, ", "))), fleetMinGroup)
			if len(mon.Excluded) > 0 {
				m.p("Left out of the sums: %s.\n", esc(strings.Join(mon.Excluded, "; ")))
			}
		}
		var rows [][]string
		for _, g := range mon.Groups {
			rows = append(rows, []string{g.Group, fmtNum(g.Decisions), fmtNum(g.Labeled), fmtNum(g.SelectionRate), fmtNum(g.ImpactRatio),
				strings.TrimSpace(verdictWord(g.FourFifths) + " " + paren(g.FourFifthsNote)), fmtNum(g.TPR), fmtNum(g.FPR), fmtNum(g.Accuracy)})
		}
		m.table([]string{"Group", "Decisions", "Labelled", "Selection rate", "Impact ratio", "Four-fifths", "TPR", "FPR", "Accuracy"}, rows)
		if len(mon.Disparities) > 0 {
			rows = nil
			for _, d := range mon.Disparities {
				rows = append(rows, []string{d.Name, fmtFloat(d.Value), fmtTime(d.Time)})
			}
			m.table([]string{"Disparity", "Latest value", "At"}, rows)
		}
	}
	if len(s.Events) > 0 {
		m.p("### Threshold events\n")
		var rows [][]string
		for _, e := range s.Events {
			sys := orDash(e.System)
			if e.Instance != "" {
				sys += " (instance " + e.Instance + ")"
			}
			rows = append(rows, []string{fmtTime(e.Time), sys, e.Disparity, orDash(e.State), fmtNum(e.Value),
				strings.TrimSpace(e.Comparison + " " + fmtNum(e.Threshold)), orDash(e.GroupMin), orDash(e.GroupMax), eventAlert(e)})
		}
		m.table([]string{"Time", "System", "Disparity", "State", "Value", "Threshold", "Lowest group", "Highest group", "Alert"}, rows)
	}
}

func (m *md) drift(s *DriftSection) {
	m.p("## 10. Drift\n")
	m.note(s.Note)
	if len(s.Features) > 0 {
		var rows [][]string
		for _, f := range s.Features {
			rows = append(rows, []string{orDash(f.Source()), f.Feature, orDash(f.Method), f.Metric, orDash(f.Reading()),
				fmtFloat(f.Latest), fmtFloat(f.Min), fmtFloat(f.Max), itoa(f.Points), fmtTime(f.AsOf)})
		}
		m.table([]string{"System", "Feature", "Method", "Metric", "Reading", "Latest", "Min", "Max", "Points", "As of"}, rows)
	}
	if len(s.Events) > 0 {
		m.p("### Drift events\n")
		var rows [][]string
		for _, e := range s.Events {
			sys, st := orDash(e.System), orDash(e.State)
			if e.Instance != "" {
				sys += " (instance " + e.Instance + ")"
			}
			if e.SameAsInstance != "" {
				st += " (drifting on instance " + e.SameAsInstance + ")"
			}
			rows = append(rows, []string{fmtTime(e.Time), sys, e.Name, orDash(e.Feature), st,
				orDash(e.Method), fmtNum(e.Score), fmtNum(e.Threshold), orDash(e.Detail)})
		}
		m.table([]string{"Time", "System", "Event", "Feature", "State", "Method", "Score", "Threshold", "Details"}, rows)
	}
}

func (m *md) ledger(s *LedgerSection) {
	m.p("## 11. Ledger verification\n")
	m.note(s.Note)
	if !s.Available {
		return
	}
	m.p("**%s** %s\n", verdictWord(s.Verdict), esc(verificationText(s)))
	m.p("To verify independently: `%s`\n", strings.ReplaceAll(s.Reproduce, "`", "'"))
	for _, st := range s.Ledgers {
		v := st.Verification
		rows := [][]string{{"Verdict", verdictWord(st.Verdict)}, {"Ledger folder", v.Dir}}
		if v.OK {
			rows = append(rows,
				[]string{"Records", fmt.Sprintf("%d (%d pruned, %d after the last checkpoint)", v.Records, v.Pruned, v.Pending)},
				[]string{"Segments / checkpoints", fmt.Sprintf("%d / %d", v.Segments, v.Checkpoints)},
				[]string{"Checkpoints kept outside the host", st.Outside})
			for _, a := range st.Adoptions {
				rows = append(rows, []string{"Adopted at restart", a})
			}
		} else {
			rows = append(rows, []string{"First problem", v.Problem + locate(&v)})
		}
		rows = append(rows, []string{"Tree size", fmt.Sprint(st.TreeSize)}, []string{"Root hash", orDash(st.RootHash)})
		m.table([]string{"", ""}, rows)
		if st.CheckpointNote != "" {
			title := "Latest signed checkpoint"
			if !v.CheckpointVerified {
				title += " (signature NOT verified)"
			}
			m.p("%s:\n", title)
			// A fence longer than any backtick run in the note keeps it intact.
			fence := "```"
			for strings.Contains(st.CheckpointNote, fence) {
				fence += "`"
			}
			m.p("%s\n%s\n%s\n", fence, strings.TrimRight(st.CheckpointNote, "\n"), fence)
		}
	}
}

// eventAlert says how a fairness threshold event counts among the alerts.
func eventAlert(e FairnessEvent) string {
	switch {
	case e.State == "violated" && e.SameAsInstance != "":
		return "same violation as on instance " + e.SameAsInstance
	case e.SameAsFailingGroup:
		return "same disparity as failing group " + e.GroupMin
	case e.State == "violated":
		return "separate alert"
	default:
		return "—"
	}
}

func (m *md) incidents(s *IncidentSection) {
	m.p("## 7. Incidents and corrective action\n")
	m.note(s.Note)
	if len(s.Incidents) == 0 {
		return
	}
	m.p("%s in %s of the ledger. By latest state: %s. By source: %s. By severity: %s. EU AI Act Art. 73 reports: %d overdue, %d late, %d pending, %d on time.\n",
		plural(len(s.Incidents), "incident", "incidents"), plural(s.Records, "record", "records"), esc(countList(s.ByState)), esc(countList(s.BySource)), esc(countList(s.BySeverity)),
		s.Overdue, s.Late, s.Pending, s.OnTime)
	var rows [][]string
	for _, x := range s.Incidents {
		rows = append(rows, []string{x.ID, orDash(x.System), orDash(x.Title), words(x.State), strings.Join(x.History, " → "), orDash(x.Severity), orDash(words(x.Serious)),
			orDash(words(x.Source)), orDash(x.Owner), fmtTime(x.Opened), fmtTime(x.AwareAt), fmtTime(x.ReportDeadline), reportWord(x), itoa(x.Decisions),
			orDash(x.RootCause), orDash(x.CorrectiveAction), itoa(x.Records), orDash(strings.Join(x.Problems, "; "))})
	}
	m.table([]string{"Incident", "System", "Title", "State", "History", "Severity", "Serious (Art. 73)", "Source", "Owner", "Opened", "Aware", "Art. 73 deadline", "Art. 73 report",
		"Linked decisions", "Root cause", "Corrective action", "Records", "Problems"}, rows)
}

func (m *md) management(s *ManagementSection) {
	m.p("## 8. Impact assessments, deployment authorisations, changes and risks\n")
	m.note(s.Note)
	if !s.Available {
		return
	}
	m.p("Read from each record's envelope: subject, state, actor, time, summary and the controls it names.\n")
	for _, reg := range s.Registers {
		m.p("### %s\n", esc(reg.Title))
		if len(reg.Subjects) == 0 {
			m.p("No %s records in the ledger.\n", esc(words(reg.Type)))
			continue
		}
		m.p("%s in %s; by latest state: %s.\n", plural(len(reg.Subjects), "subject", "subjects"), plural(reg.Records, "record", "records"), esc(countList(reg.ByState)))
		var rows [][]string
		for _, x := range reg.Subjects {
			rows = append(rows, []string{x.Subject, orDash(x.System), orDash(x.State), orDash(x.Actor), fmtTime(x.Last), orDash(x.Summary),
				join(x.Controls), join(x.Clauses), itoa(x.Decisions), itoa(x.Records), fmtTime(x.First)})
		}
		m.table([]string{"Subject", "System", "Latest state", "Actor", "Last change", "Latest summary", "Controls", "Clauses", "Linked decisions", "Records", "First record"}, rows)
	}
}

// reportWord shows an incident's Art. 73 status with the time reported.
func reportWord(x IncidentRow) string {
	if x.ReportedAt.IsZero() {
		return string(x.Report)
	}
	return string(x.Report) + ", " + fmtTime(x.ReportedAt)
}

func (m *md) genai(s *GenAISection) {
	m.p("## 13. Generative AI\n")
	m.note(s.Note)
	if !s.Available {
		return
	}
	rows := [][]string{
		{"Turns (interaction records)", itoa(s.Interactions)},
		{"Conversations", itoa(s.Conversations)},
		{"Interaction notices shown", itoa(s.Notices)},
	}
	for _, o := range s.Outcomes {
		rows = append(rows, []string{"Turns " + o.Label, itoa(o.N)})
	}
	rows = append(rows,
		[]string{"Documented fallbacks taken", itoa(s.Fallbacks)},
		[]string{"Responses held for review", fmt.Sprintf("%d (%d approved, %d rejected or expired, %d pending)", s.Held, s.Approved, s.Rejected, s.Pending)},
		[]string{"Ratings", fmt.Sprintf("%d up, %d down", s.RatingsUp, s.RatingsDown)},
		[]string{"Problem reports", fmt.Sprintf("%d (%d opened incidents%s)", s.Reports, len(s.ReportIncidents), colonList(s.ReportIncidents))},
		[]string{"Tokens", fmt.Sprintf("%d input, %d output", s.InputTokens, s.OutputTokens)})
	m.table([]string{"Generative AI", "Count"}, rows)
	if len(s.Guardrails) > 0 {
		m.p("Guardrail outcomes:\n")
		rows = rows[:0]
		for _, g := range s.Guardrails {
			rows = append(rows, []string{esc(g.Name), g.Stage, itoa(g.Pass), itoa(g.Fail), itoa(g.Error), itoa(g.Skipped), itoa(g.Block), itoa(g.Redact), itoa(g.Hold)})
		}
		m.table([]string{"Guardrail", "Stage", "Pass", "Fail", "Error", "Skipped", "Blocked", "Redacted", "Held"}, rows)
	}
	if len(s.Evaluations) > 0 {
		m.p("Evaluations:\n")
		rows = rows[:0]
		for _, e := range s.Evaluations {
			labels := make([]string, len(e.Labels))
			for i, c := range e.Labels {
				labels[i] = fmt.Sprintf("%s %d", c.Label, c.N)
			}
			rows = append(rows, []string{esc(e.Name), itoa(e.N), itoa(e.Scored), fmtNum(e.Mean), esc(strings.Join(labels, ", "))})
		}
		m.table([]string{"Metric", "Evaluations", "Scored", "Mean score", "Labels"}, rows)
	}
}

// colonList is ": a, b" for a non-empty list, "" otherwise.
func colonList(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return ": " + strings.Join(items, ", ")
}

// orNone shows an empty list of instances as "no instance".
func orNone(s string) string {
	if s == "" {
		return "no instance"
	}
	return s
}
