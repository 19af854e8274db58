package genai

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
)

// severity orders the actions: the strongest action of a stage wins.
var severity = map[Action]int{ActionNone: 0, ActionRedact: 1, ActionHold: 2, ActionBlock: 3}

// runChecks runs the guardrails of input.Stage in order on *text, records each
// result in the interaction and emits it, applies redactions to *text as
// they happen (later checks see the redacted text), and returns the
// strongest action. A block stops the stage: later checks do not run.
func (a *Assistant) runChecks(ctx context.Context, input CheckInput, in *Interaction, text *string) Action {
	stage := input.Stage
	strongest := ActionNone
	for i, r := range a.cfg.guardrails {
		if r.stage != stage {
			continue
		}
		input.Text = *text
		f, err := r.run(ctx, a.cfg.timeout, &a.late[i], input)
		res := GuardrailResult{Name: r.g.Name(), Stage: stage, Score: f.Score, Reason: f.Reason}
		switch {
		case err != nil:
			res.Verdict = VerdictError
			res.Reason = errorType(err)
			if a.cfg.failOpen {
				res.Action = ActionNone
				res.Fallback = "fail-open: the turn went on without this check"
			} else {
				res.Action = ActionBlock
				res.Fallback = "fail-closed: the turn was blocked"
			}
			in.Fallbacks = append(in.Fallbacks, "guardrail "+res.Name+" "+res.Reason+"; "+res.Fallback)
		case f.Skipped:
			res.Verdict, res.Action = VerdictSkipped, ActionNone
		case f.Passed:
			res.Verdict, res.Action = VerdictPass, ActionNone
		default:
			res.Verdict, res.Action = VerdictFail, r.onFail
			if r.onFail == ActionRedact {
				if f.Redacted != "" {
					*text = f.Redacted
				} else {
					*text, _ = Redact(*text)
				}
			}
		}
		in.Guardrails = append(in.Guardrails, res)
		a.emitResult(ctx, input.ConversationID, in.ResponseID, &res)
		if severity[res.Action] > severity[strongest] {
			strongest = res.Action
		}
		if strongest == ActionBlock {
			break
		}
	}
	return strongest
}

// emitResult sends the aims.guardrail.result event and counts the check.
func (a *Assistant) emitResult(ctx context.Context, conversationID, responseID string, res *GuardrailResult) {
	attrs := []attribute.KeyValue{
		semconv.AimsGuardrailName.String(res.Name), semconv.AimsGuardrailStage.String(string(res.Stage)),
		semconv.AimsGuardrailVerdict.String(string(res.Verdict)), semconv.AimsGuardrailAction.String(string(res.Action)),
	}
	a.results.Add(ctx, 1, metric.WithAttributes(append(attrs, semconv.AimsSystemID.String(a.sys.ID()))...))
	if !a.logger.Enabled(ctx, log.EnabledParameters{Severity: log.SeverityInfo, EventName: semconv.EventGuardrailResult}) {
		return
	}
	var rec log.Record
	rec.SetEventName(semconv.EventGuardrailResult)
	rec.SetTimestamp(time.Now()) // when the check's verdict was reached
	rec.SetSeverity(log.SeverityInfo)
	rec.SetSeverityText("INFO")
	rec.AddAttributes(attrs...)
	rec.AddAttributes(semconv.AimsControlID.String(semconv.ControlDriftMonitoring), semconv.AimsSystemID.String(a.sys.ID()),
		semconv.GenAIConversationID.String(conversationID), semconv.AimsGenAIRecordID.String(responseID))
	if res.Reason != "" {
		rec.AddAttributes(semconv.AimsGuardrailReason.String(res.Reason))
	}
	a.logger.Emit(ctx, rec)
}
