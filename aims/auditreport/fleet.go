package auditreport

import (
	"fmt"
	"math"
	"strings"

	"github.com/aimskit/aimskit/aims"
)

// FleetSigmas is how many binomial standard deviations an instance's count
// of held (or blocked) decisions may differ from what the fleet's rate
// predicts before the report flags the instance.
const FleetSigmas = 3

// InstanceSection breaks the ledger's numbers down by instance ledger: what
// each replica of the system recorded, and where replicas differ notably.
// Every count comes from the same reading of the ledgers as the decision
// and oversight sections, so Total equals their numbers.
type InstanceSection struct {
	// Available is true when the ledger was read and the input says which
	// instance ledger each record came from.
	Available bool
	// Note says why the section is unavailable, or that there is one
	// instance only.
	Note string
	// Rows holds one row per instance ledger, in the order they were read.
	Rows []InstanceRow
	// Total is the whole fleet: the sum of Rows, equal to the decision and
	// oversight sections' numbers; its Verdict is the ledger section's.
	Total InstanceRow
	// Rule states when an instance is flagged as differing.
	Rule string
	// Differences says, one line per flagged instance, how it differs;
	// empty when none does (or when there is one instance).
	Differences []string
}

// InstanceRow is what one instance ledger (or, as InstanceSection.Total,
// the fleet) recorded. A record counts in the row of the ledger it is in:
// a held decision in the ledger of the replica that held it, its
// resolution in the ledger of the replica the reviewer acted on.
type InstanceRow struct {
	// Name is the instance's name (InstanceLedger.Name); "Fleet total"
	// for the total.
	Name string
	// Dir is the instance ledger's directory; the ledger folder as given
	// for the total.
	Dir string
	// Decisions counts decision records (as DecisionSection.Total);
	// Applied, Held and Blocked those a gate let through, held for review
	// or blocked (as OversightSection.Applied, Held and Blocked).
	Decisions, Applied, Held, Blocked int
	// Resolutions counts reviewer records that resolved a held decision
	// (approvals, rejections and overrides, as OversightSection.Approved
	// + Rejected + Overridden).
	Resolutions int
	// Contests counts contests (OversightSection.Contested); Halts the
	// halts of the system (OversightSection.Halts).
	Contests, Halts int
	// Management counts management-system records (incidents, impact
	// assessments, authorisations, changes, risks).
	Management int
	// GenAI counts generative-AI records (aims/genai: interactions,
	// feedback, evaluations).
	GenAI int
	// Verdict is the instance ledger's verification verdict: pass, fail,
	// or not assessed when the ledgers were not verified.
	Verdict Verdict
	// Differs is true when the instance was flagged (see
	// InstanceSection.Rule).
	Differs bool
}

// fleetRule is InstanceSection.Rule.
var fleetRule = fmt.Sprintf("An instance is flagged when its number of held (or of blocked) decisions differs from n·p by more than %d binomial standard deviations √(n·p·(1−p)), where n is the instance's decisions and p the fleet's held (or blocked) rate, the instance included; an instance whose ledger failed verification is flagged too.", FleetSigmas)

func buildInstances(in *Input, v *view, ledgerVerdict Verdict) InstanceSection {
	s := InstanceSection{Rule: fleetRule}
	switch {
	case v == nil:
		s.Note = "No decision ledger was available."
		return s
	case in.Instances == nil:
		s.Note = "The input does not say which instance ledger each record came from."
		return s
	}
	nd, nm := 0, 0
	for _, il := range in.Instances {
		nd += il.Decisions
		nm += il.Management
	}
	if nd != len(in.Decisions) || nm != len(in.Management) {
		s.Note = fmt.Sprintf("The input's instance ledgers account for %d decision and %d management records, but it holds %d and %d; no per-instance breakdown is given.", nd, nm, len(in.Decisions), len(in.Management))
		return s
	}
	s.Available = true
	// Which row each decision record (by address in in.Decisions, as the
	// view holds them) belongs to.
	row := make(map[*aims.Decision]int, len(in.Decisions))
	next := 0
	verdicts := map[string]Verdict{}
	for _, vr := range in.Verifications {
		verdicts[vr.Dir] = VerdictFail
		if vr.OK {
			verdicts[vr.Dir] = VerdictPass
		}
	}
	for i, il := range in.Instances {
		for range il.Decisions {
			row[&in.Decisions[next]] = i
			next++
		}
		r := InstanceRow{Name: il.Name, Dir: il.Dir, Management: il.Management, GenAI: il.GenAI, Verdict: VerdictUnknown}
		if vd, ok := verdicts[il.Dir]; ok {
			r.Verdict = vd
		}
		s.Rows = append(s.Rows, r)
	}
	for _, d := range v.decisions {
		r := &s.Rows[row[d]]
		r.Decisions++
		if d.Oversight == nil {
			continue
		}
		switch v.route(d) {
		case aims.ActionApply:
			r.Applied++
		case aims.ActionReview:
			r.Held++
		case aims.ActionBlock:
			r.Blocked++
		}
	}
	v.each(func(_ ref, t *ticket) {
		if t.resolution != nil && t.decision != nil {
			s.Rows[row[t.resolution]].Resolutions++
		}
	})
	for _, d := range v.contestRecords {
		s.Rows[row[d]].Contests++
	}
	for _, d := range v.system {
		if d.Oversight.Action == aims.ActionHalt {
			s.Rows[row[d]].Halts++
		}
	}
	t := InstanceRow{Name: "Fleet total", Dir: in.LedgerDir, Verdict: ledgerVerdict}
	for _, r := range s.Rows {
		t.Decisions += r.Decisions
		t.Applied += r.Applied
		t.Held += r.Held
		t.Blocked += r.Blocked
		t.Resolutions += r.Resolutions
		t.Contests += r.Contests
		t.Halts += r.Halts
		t.Management += r.Management
		t.GenAI += r.GenAI
	}
	s.Total = t
	if len(s.Rows) == 1 {
		s.Note = "One instance ledger: its row is the whole system."
		return s
	}
	for i := range s.Rows {
		r := &s.Rows[i]
		var why []string
		if d := rateDifference("held", r.Held, r.Decisions, t.Held, t.Decisions); d != "" {
			why = append(why, d)
		}
		if d := rateDifference("blocked", r.Blocked, r.Decisions, t.Blocked, t.Decisions); d != "" {
			why = append(why, d)
		}
		if r.Verdict == VerdictFail {
			why = append(why, "its ledger FAILED verification, so its records cannot be trusted")
		}
		if len(why) > 0 {
			r.Differs = true
			s.Differences = append(s.Differences, r.Name+" ("+r.Dir+"): "+strings.Join(why, "; ")+".")
		}
	}
	return s
}

// rateDifference says how an instance's count x of n decisions differs from
// the fleet's rate (total of all), or "" when it is within FleetSigmas
// binomial standard deviations of it.
func rateDifference(what string, x, n, total, all int) string {
	if n == 0 || all == 0 {
		return ""
	}
	p := float64(total) / float64(all)
	sd := math.Sqrt(float64(n) * p * (1 - p))
	dev := float64(x) - float64(n)*p
	if sd == 0 || math.Abs(dev) <= FleetSigmas*sd {
		return ""
	}
	side := "below"
	if dev > 0 {
		side = "above"
	}
	return fmt.Sprintf("%d of %d decisions %s (%s) against the fleet's %s, which predicts %.1f ± %.1f; %.1f standard deviations %s",
		x, n, what, fmtPct(float64(x)/float64(n)), fmtPct(p), float64(n)*p, sd, math.Abs(dev)/sd, side)
}

// instanceFinding adds the summary's line about the instances, when there
// is more than one.
func instanceFinding(s *InstanceSection, add func(Verdict, string, ...any)) {
	if !s.Available || len(s.Rows) < 2 {
		return
	}
	if len(s.Differences) == 0 {
		add(VerdictInfo, "Per instance: %d instance ledgers; none differs notably from the fleet (%s)", len(s.Rows), s.Rule)
		return
	}
	add(VerdictWarn, "Per instance: %d of %d instance ledgers differ notably from the fleet: %s (%s)", len(s.Differences), len(s.Rows), strings.Join(s.Differences, " "), s.Rule)
}
