package semconv

import "go.opentelemetry.io/otel/attribute"

// ScopeGenAI is the instrumentation scope of package aims/genai.
const ScopeGenAI = ScopePrefix + "/aims/genai"

// Keys reused from the OpenTelemetry GenAI semantic conventions
// (open-telemetry/semantic-conventions-genai, development status): model
// spans, the client metrics and the evaluation event. The conventions'
// own names are kept so that GenAI back ends read aimskit's telemetry as
// they read any other instrumentation's.
const (
	// GenAIResponseFinishReasons lists why the model stopped generating,
	// one entry per choice (gen_ai.response.finish_reasons).
	GenAIResponseFinishReasons = attribute.Key("gen_ai.response.finish_reasons")
	// GenAIUsageInputTokens is the number of tokens in the prompt
	// (gen_ai.usage.input_tokens).
	GenAIUsageInputTokens = attribute.Key("gen_ai.usage.input_tokens")
	// GenAIUsageOutputTokens is the number of tokens in the response
	// (gen_ai.usage.output_tokens).
	GenAIUsageOutputTokens = attribute.Key("gen_ai.usage.output_tokens")
	// GenAITokenType says which tokens a gen_ai.client.token.usage
	// measurement counts: input or output (gen_ai.token.type).
	GenAITokenType = attribute.Key("gen_ai.token.type")
	// GenAIEvaluationName names the evaluation metric (gen_ai.evaluation.name).
	GenAIEvaluationName = attribute.Key("gen_ai.evaluation.name")
	// GenAIEvaluationScoreValue is the evaluator's score
	// (gen_ai.evaluation.score.value).
	GenAIEvaluationScoreValue = attribute.Key("gen_ai.evaluation.score.value")
	// GenAIEvaluationScoreLabel is the low-cardinality reading of the score,
	// e.g. pass, fail, relevant (gen_ai.evaluation.score.label).
	GenAIEvaluationScoreLabel = attribute.Key("gen_ai.evaluation.score.label")
	// GenAIEvaluationExplanation is the evaluator's free-text explanation
	// (gen_ai.evaluation.explanation).
	GenAIEvaluationExplanation = attribute.Key("gen_ai.evaluation.explanation")
)

// Values of gen_ai.token.type.
const (
	GenAITokenTypeInput  = "input"
	GenAITokenTypeOutput = "output"
)

// GenAI metric and event names from the OpenTelemetry GenAI conventions.
const (
	// MetricGenAIClientTokenUsage is the histogram of tokens per
	// operation, split by gen_ai.token.type.
	MetricGenAIClientTokenUsage = "gen_ai.client.token.usage"
	// MetricGenAIClientOperationDuration is the histogram of operation
	// durations in seconds.
	MetricGenAIClientOperationDuration = "gen_ai.client.operation.duration"
	// EventGenAIEvaluationResult is the event of one evaluation of a
	// generated output; aims/genai writes it to the ledger too.
	EventGenAIEvaluationResult = "gen_ai.evaluation.result"
)

// Span names of package aims/genai.
const (
	// SpanGenAIClient is the name of a GenAI client span, as the GenAI
	// conventions name inference spans: the operation and the requested
	// model, "{gen_ai.operation.name} {gen_ai.request.model}" ("chat gpt-4o").
	SpanGenAIClient = "{gen_ai.operation.name} {gen_ai.request.model}"
	// SpanGenAITurn is the name of the span around one conversation turn
	// of an Assistant: checks, model call and record.
	SpanGenAITurn = "aims.genai.turn"
)

// Attribute keys of aimskit's own GenAI evidence: interaction records,
// guardrail results and user feedback.
const (
	// AimsGenAIRecordType is the type of an aims/genai record:
	// interaction, feedback or evaluation.
	AimsGenAIRecordType = attribute.Key("aims.genai.record.type")
	// AimsGenAIRecordID is the UUIDv7 of an aims/genai record.
	AimsGenAIRecordID = attribute.Key("aims.genai.record.id")
	// AimsGenAIOutcome is what became of a turn's response: delivered,
	// redacted, blocked, held or failed.
	AimsGenAIOutcome = attribute.Key("aims.genai.outcome")
	// AimsGenAISystemPromptDigest is the digest ("sha256:…") of the system
	// prompt a turn ran with: its version.
	AimsGenAISystemPromptDigest = attribute.Key("aims.genai.system_prompt.digest")
	// AimsGenAIFeedbackKind is the kind of end-user feedback: rating or report.
	AimsGenAIFeedbackKind = attribute.Key("aims.genai.feedback.kind")
	// AimsGuardrailName names a guardrail check.
	AimsGuardrailName = attribute.Key("aims.guardrail.name")
	// AimsGuardrailStage says what a guardrail checked: input or output.
	AimsGuardrailStage = attribute.Key("aims.guardrail.stage")
	// AimsGuardrailVerdict is the result of a check: pass, fail or error.
	AimsGuardrailVerdict = attribute.Key("aims.guardrail.verdict")
	// AimsGuardrailAction is what was done about a failed check: none,
	// block, redact or hold.
	AimsGuardrailAction = attribute.Key("aims.guardrail.action")
	// AimsGuardrailReason says why a check failed or errored.
	AimsGuardrailReason = attribute.Key("aims.guardrail.reason")
)

// Event and metric names of aimskit's GenAI evidence.
const (
	// EventGenAIInteraction is the record of one conversation turn.
	EventGenAIInteraction = "aims.genai.interaction"
	// EventGenAIFeedback is the record of one piece of end-user feedback
	// or one problem report.
	EventGenAIFeedback = "aims.genai.feedback"
	// EventGuardrailResult is the result of one guardrail check.
	EventGuardrailResult = "aims.guardrail.result"
	// MetricGuardrailResults counts guardrail checks by name, stage,
	// verdict and action.
	MetricGuardrailResults = "aims.guardrail.results"
)

var _ = register(
	Entry{Name: ScopeGenAI, Kind: KindScope, Package: "aims/genai", Brief: "instrumentation scope of package aims/genai"},
	Entry{Name: SpanGenAIClient, Kind: KindSpan, Type: "client", Package: "aims/genai", GenAI: true, Brief: "one model call, e.g. `chat gpt-4o`"},
	Entry{Name: SpanGenAITurn, Kind: KindSpan, Type: "internal", Package: "aims/genai", Brief: "one conversation turn of an Assistant"},

	Entry{Name: string(GenAIResponseFinishReasons), Kind: KindAttribute, Type: "string[]", Package: "aims/genai", GenAI: true, Brief: "why the model stopped, one per choice"},
	Entry{Name: string(GenAIUsageInputTokens), Kind: KindAttribute, Type: "int", Package: "aims/genai", GenAI: true, Brief: "tokens in the prompt"},
	Entry{Name: string(GenAIUsageOutputTokens), Kind: KindAttribute, Type: "int", Package: "aims/genai", GenAI: true, Brief: "tokens in the response"},
	Entry{Name: string(GenAITokenType), Kind: KindAttribute, Type: "string", Package: "aims/genai", GenAI: true, Brief: "input or output, on gen_ai.client.token.usage"},
	Entry{Name: string(GenAIEvaluationName), Kind: KindAttribute, Type: "string", Package: "aims/genai", GenAI: true, Brief: "evaluation metric"},
	Entry{Name: string(GenAIEvaluationScoreValue), Kind: KindAttribute, Type: "double", Package: "aims/genai", GenAI: true, Brief: "evaluation score"},
	Entry{Name: string(GenAIEvaluationScoreLabel), Kind: KindAttribute, Type: "string", Package: "aims/genai", GenAI: true, Brief: "evaluation label: pass, fail, relevant, …"},
	Entry{Name: string(GenAIEvaluationExplanation), Kind: KindAttribute, Type: "string", Package: "aims/genai", GenAI: true, Brief: "evaluator's explanation"},

	Entry{Name: string(AimsGenAIRecordType), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "aims/genai record type: interaction, feedback, evaluation"},
	Entry{Name: string(AimsGenAIRecordID), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "UUIDv7 of an aims/genai record"},
	Entry{Name: string(AimsGenAIOutcome), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "what became of a turn's response: delivered, redacted, blocked, held, failed"},
	Entry{Name: string(AimsGenAISystemPromptDigest), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "digest (sha256:…) of the system prompt: its version"},
	Entry{Name: string(AimsGenAIFeedbackKind), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "end-user feedback kind: rating or report"},
	Entry{Name: string(AimsGuardrailName), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "guardrail check name"},
	Entry{Name: string(AimsGuardrailStage), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "what the guardrail checked: input or output"},
	Entry{Name: string(AimsGuardrailVerdict), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "guardrail result: pass, fail, error"},
	Entry{Name: string(AimsGuardrailAction), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "action on a failed check: none, block, redact, hold"},
	Entry{Name: string(AimsGuardrailReason), Kind: KindAttribute, Type: "string", Package: "aims/genai", Brief: "why a guardrail check failed or errored"},

	Entry{Name: EventGenAIInteraction, Kind: KindEvent, Package: "aims/genai", Brief: "one conversation turn (A.6.2.8); the record's JSON as body, no raw content by default"},
	Entry{Name: EventGenAIFeedback, Kind: KindEvent, Package: "aims/genai", Brief: "end-user feedback or problem report (A.3.3, A.8.3)"},
	Entry{Name: EventGuardrailResult, Kind: KindEvent, Package: "aims/genai", Brief: "one guardrail check's result (A.6.2.6)"},
	Entry{Name: EventGenAIEvaluationResult, Kind: KindEvent, Package: "aims/genai", GenAI: true, Brief: "one evaluation of a generated output (A.6.2.4); also a ledger record"},

	Entry{Name: MetricGenAIClientTokenUsage, Kind: KindMetric, Type: "histogram", Unit: "{token}", Package: "aims/genai", GenAI: true, Brief: "tokens per model operation, by gen_ai.token.type"},
	Entry{Name: MetricGenAIClientOperationDuration, Kind: KindMetric, Type: "histogram", Unit: "s", Package: "aims/genai", GenAI: true, Brief: "model operation duration"},
	Entry{Name: MetricGuardrailResults, Kind: KindMetric, Type: "counter", Unit: "{check}", Package: "aims/genai", Brief: "guardrail checks by name, stage, verdict and action"},
)
