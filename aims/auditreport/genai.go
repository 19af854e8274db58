package auditreport

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/genai"
)

// GenAISection is what the ledger's aims/genai records say about the
// generative-AI systems: turns and their outcomes, guardrail results, the
// responses held for review and what reviewers did with them, end-user
// feedback and reports and the incidents they opened, evaluations, and
// token usage. Counts come from the records, never from a second tally.
type GenAISection struct {
	// Available is false without a ledger or without aims/genai records.
	Available bool
	// Note says why the section is empty.
	Note string
	// Interactions counts interaction records (one per turn), and
	// Conversations the distinct conversations they belong to.
	Interactions, Conversations int
	// Notices counts turns on which the interaction notice was shown.
	Notices int
	// Outcomes counts turns by outcome (delivered, redacted, blocked,
	// held, failed), in that order.
	Outcomes []Count
	// Guardrails tallies each guardrail's results.
	Guardrails []GuardrailRow
	// Fallbacks counts documented fallbacks taken (guardrail errors
	// under fail-open, failed holds).
	Fallbacks int
	// Held counts held responses; Approved, Rejected and Pending what
	// reviewers did with them (from the gate's follow-up decision records).
	Held, Approved, Rejected, Pending int
	// RatingsUp and RatingsDown count end-user ratings.
	RatingsUp, RatingsDown int
	// Reports counts problem reports.
	Reports int
	// ReportIncidents are the IDs of the incidents reports opened.
	ReportIncidents []string
	// Evaluations summarises the evaluation records per metric.
	Evaluations []EvaluationRow
	// InputTokens and OutputTokens sum the turns' token usage.
	InputTokens, OutputTokens int64
}

// GuardrailRow is one guardrail's results at one stage.
type GuardrailRow struct {
	// Name and Stage identify the check.
	Name, Stage string
	// Pass, Fail, Error and Skipped count its verdicts.
	Pass, Fail, Error, Skipped int
	// Block, Redact and Hold count the actions its results took.
	Block, Redact, Hold int
}

// EvaluationRow summarises one evaluation metric.
type EvaluationRow struct {
	// Name is the metric (gen_ai.evaluation.name).
	Name string
	// N counts evaluations, Scored those with a score.
	N, Scored int
	// Mean is the mean score; nil when none had a score.
	Mean *float64
	// Labels counts the labels, by label.
	Labels []Count
}

// buildGenAI summarises the generative-AI records. A held response's
// review is read from v, the same view of the oversight records the
// oversight section counts, so the two sections cannot disagree.
func buildGenAI(in *Input, v *view) GenAISection {
	s := GenAISection{}
	switch {
	case in.Decisions == nil:
		s.Note = "No decision ledger was read."
		return s
	case len(in.GenAI) == 0:
		s.Note = "The ledger holds no generative-AI records (aims.genai/v1)."
		return s
	}
	s.Available = true
	convs := map[string]bool{}
	outcomes := map[genai.Outcome]int{}
	rails := map[[2]string]*GuardrailRow{}
	type evalAcc struct {
		row    EvaluationRow
		sum    float64
		labels map[string]int
	}
	evals := map[string]*evalAcc{}
	for i := range in.GenAI {
		r := &in.GenAI[i]
		switch r.Type {
		case genai.RecordInteraction:
			x := r.Interaction
			s.Interactions++
			convs[r.SystemID+"\x00"+r.ConversationID] = true
			outcomes[x.Outcome]++
			if x.NoticeShown {
				s.Notices++
			}
			s.Fallbacks += len(x.Fallbacks)
			if x.Usage != nil {
				s.InputTokens += int64(x.Usage.InputTokens)
				s.OutputTokens += int64(x.Usage.OutputTokens)
			}
			for _, g := range x.Guardrails {
				k := [2]string{g.Name, string(g.Stage)}
				row := rails[k]
				if row == nil {
					row = &GuardrailRow{Name: g.Name, Stage: string(g.Stage)}
					rails[k] = row
				}
				switch g.Verdict {
				case genai.VerdictPass:
					row.Pass++
				case genai.VerdictFail:
					row.Fail++
				case genai.VerdictError:
					row.Error++
				case genai.VerdictSkipped:
					row.Skipped++
				}
				switch g.Action {
				case genai.ActionBlock:
					row.Block++
				case genai.ActionRedact:
					row.Redact++
				case genai.ActionHold:
					row.Hold++
				}
			}
			if x.Outcome == genai.OutcomeHeld && x.Review != nil {
				s.Held++
				t := v.ticketOf(x.Review.DecisionID)
				switch {
				case t == nil:
					s.Pending++
				case t.resolution != nil && t.resolution.Oversight.Action == aims.ActionReject, t.resolution == nil && t.expiry != nil:
					s.Rejected++
				case t.resolution != nil:
					s.Approved++
				default:
					s.Pending++
				}
			}
		case genai.RecordFeedback:
			f := r.Feedback
			switch {
			case f.Kind == genai.FeedbackReport:
				s.Reports++
				if f.IncidentID != "" {
					s.ReportIncidents = append(s.ReportIncidents, f.IncidentID)
				}
			case f.Rating > 0:
				s.RatingsUp++
			case f.Rating < 0:
				s.RatingsDown++
			}
		case genai.RecordEvaluation:
			e := r.Evaluation
			acc := evals[e.Name]
			if acc == nil {
				acc = &evalAcc{row: EvaluationRow{Name: e.Name}, labels: map[string]int{}}
				evals[e.Name] = acc
			}
			acc.row.N++
			if e.Score != nil && !math.IsNaN(*e.Score) && !math.IsInf(*e.Score, 0) {
				acc.row.Scored++
				acc.sum += *e.Score
			}
			if e.Label != "" {
				acc.labels[e.Label]++
			}
		}
	}
	s.Conversations = len(convs)
	for _, o := range []genai.Outcome{genai.OutcomeDelivered, genai.OutcomeRedacted, genai.OutcomeBlocked, genai.OutcomeHeld, genai.OutcomeFailed} {
		s.Outcomes = append(s.Outcomes, Count{Label: string(o), N: outcomes[o]})
	}
	for _, row := range rails {
		s.Guardrails = append(s.Guardrails, *row)
	}
	sort.Slice(s.Guardrails, func(i, j int) bool {
		a, b := s.Guardrails[i], s.Guardrails[j]
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		return a.Name < b.Name
	})
	for _, acc := range evals {
		if acc.row.Scored > 0 {
			acc.row.Mean = new(acc.sum / float64(acc.row.Scored))
		}
		acc.row.Labels = sortCounts(acc.labels)
		s.Evaluations = append(s.Evaluations, acc.row)
	}
	sort.Slice(s.Evaluations, func(i, j int) bool { return s.Evaluations[i].Name < s.Evaluations[j].Name })
	return s
}

// genaiFinding summarises the GenAI section. It is information, not a
// pass: a response still waiting for review or a fallback taken is a
// warning, for the auditor to follow up.
func genaiFinding(s *GenAISection, add func(Verdict, string, ...any)) {
	if !s.Available {
		return
	}
	v := VerdictInfo
	if s.Pending > 0 || s.Fallbacks > 0 {
		v = VerdictWarn
	}
	outcomes := make([]string, 0, len(s.Outcomes))
	for _, o := range s.Outcomes {
		outcomes = append(outcomes, fmt.Sprintf("%d %s", o.N, o.Label))
	}
	add(v, "Generative AI: %s in %s (%s); %s held for review (%d approved, %d rejected or expired, %d pending); %s; %s opened %s.",
		plural(s.Interactions, "turn", "turns"), plural(s.Conversations, "conversation", "conversations"), strings.Join(outcomes, ", "),
		plural(s.Held, "response", "responses"), s.Approved, s.Rejected, s.Pending, plural(s.Fallbacks, "documented fallback", "documented fallbacks"),
		plural(s.Reports, "problem report", "problem reports"), plural(len(s.ReportIncidents), "incident", "incidents"))
}
