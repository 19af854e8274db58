package semconv

import (
	"slices"

	"go.opentelemetry.io/otel/attribute"

	"github.com/aimskit/aimskit/internal/version"
)

// Version is the aimskit module version reported as the instrumentation
// scope version of every Tracer, Meter and Logger the SDK creates.
const Version = version.Module

// ConventionsVersion is the version of the names in this package. It
// changes with the names, not with the module: a renamed or removed key,
// event or metric, or a changed value type, is a new major version; an
// added name is a new minor version.
//
// 3.2.0 lists each attribute key for every package that puts it on its
// signals, under whose scope (its import path) it comes, as events,
// metrics and spans were already listed: the aims.explanation.* keys for
// explain/tree too, the gen_ai.* client keys for aims/genai, which emits
// them, rather than aims, which defines them (aims lists the two it puts
// on its decision records), aims.oversight.approvals for aims, which puts
// it on the aims.decision record, rather than oversight, and the shared
// aims.system.*, aims.risk.level, aims.decision.id and aims.oversight.*
// keys for the packages that emit them; only aims.control.id,
// which every package puts on its evidence, is listed for all. No name is
// added, removed or renamed.
// 3.1.0 lists the span aims.explain and the metrics
// aims.explain.explanations and aims.explain.duration for package
// explain/tree too, which emits them under its own scope (its import
// path); 3.0.0 listed them for explain only.
// 3.0.0 removed gen_ai.tool.name, which 2.4.0 listed but nothing emitted:
// the GenAI conventions put it on the execute_tool span of the code that
// runs a tool, which aimskit does not; the tools a model called are in the
// interaction record's tool_calls.
// 2.5.0 lists error.type (on failed GenAI client spans and their
// durations) and http.response.status_code (on disclosures made in an HTTP
// header), keys of the general OpenTelemetry conventions that aimskit
// emitted without listing them, and the span names (KindSpan) with their
// span kinds, which were emitted but listed nowhere.
// 2.4.0 added the GenAI evidence of aims/genai: the gen_ai.* client span
// attributes, token-usage and operation-duration histograms and the
// gen_ai.evaluation.result event from the OpenTelemetry GenAI conventions,
// and aimskit's aims.genai.* and aims.guardrail.* names for interaction
// records, guardrail results and user feedback; and the drift monitor's
// aims.drift.window event, whose windows merge across replicas. 2.3.0 added the incident book's aims.incident.deadline event and the
// aims.incident.* attributes, and the fairness monitor's cumulative
// per-group counters (aims.fairness.cumulative.*), which sum across replicas. 2.2.0 added the management-system records (aims.management.<type>
// events and the aims.record.* attributes). 2.1.0 added the ledger's checkpoint, adoption and witness records and
// their attributes, and the fairness monitor's limit, small-group and
// interval metrics and the drift outcome-detector state. 2.0.0 renamed the attribute aims.fairness.group to
// aims.fairness.group.name, because aims.fairness.group is also the
// namespace of the per-group metrics and bounds attributes (OpenTelemetry
// naming rules forbid a name that is also a namespace).
const ConventionsVersion = version.Conventions

// SchemaURL identifies this version of the conventions, in the form of an
// OpenTelemetry schema URL. Instrumentation scopes created by aimskit carry it.
// It resolves to the schema file (OpenTelemetry Schema File Format 1.1.0)
// schemas/conventions/<ConventionsVersion> of the repository, which lists
// every version of the conventions and the renames between them (the
// 2.0.0 rename of aims.fairness.group, say), for schema translation.
const SchemaURL = version.SchemaURL

// ScopePrefix is the import path that every instrumentation scope name
// starts with; the scope name of a package is its import path.
const ScopePrefix = "github.com/aimskit/aimskit"

// Instrumentation scope names, one per emitting package.
const (
	ScopeAims      = ScopePrefix + "/aims"
	ScopeFairness  = ScopePrefix + "/fairness"
	ScopeExplain   = ScopePrefix + "/explain"
	ScopeDrift     = ScopePrefix + "/drift"
	ScopeOversight = ScopePrefix + "/oversight"
	ScopeInventory = ScopePrefix + "/inventory"
)

// Attribute keys shared by every package: the AI system, the control an
// emitted record is evidence for, and the decision it belongs to.
const (
	// AimsSystemID identifies the registered AI system (inventory ID).
	AimsSystemID = attribute.Key("aims.system.id")
	// AimsSystemVersion is the deployed version of the AI system.
	AimsSystemVersion = attribute.Key("aims.system.version")
	// AimsSystemInstance identifies one running replica of the system.
	AimsSystemInstance = attribute.Key("aims.system.instance")
	// AimsRiskLevel is the EU AI Act risk tier of the system.
	AimsRiskLevel = attribute.Key("aims.risk.level")
	// AimsControlID names the ISO/IEC 42001 Annex A control a record is evidence for.
	AimsControlID = attribute.Key("aims.control.id")

	// AimsDecisionID is the UUIDv7 of a decision.
	AimsDecisionID = attribute.Key("aims.decision.id")
	// AimsDecisionOutcome is the decision's output label (approve, deny, …).
	AimsDecisionOutcome = attribute.Key("aims.decision.outcome")
	// AimsDecisionScore is the model score or confidence behind the decision.
	AimsDecisionScore = attribute.Key("aims.decision.score")
	// AimsDecisionAdverse marks a decision that is adverse to its subject.
	AimsDecisionAdverse = attribute.Key("aims.decision.adverse")
	// AimsDecisionSchema is the schema version of the decision record.
	AimsDecisionSchema = attribute.Key("aims.decision.schema_version")
	// AimsSubjectPseudonym is the keyed-hash pseudonym of the affected person.
	AimsSubjectPseudonym = attribute.Key("aims.subject.pseudonym")
	// AimsModelName is the name of the model that produced the decision.
	AimsModelName = attribute.Key("aims.model.name")
	// AimsModelVersion is the version of the model that produced the decision.
	AimsModelVersion = attribute.Key("aims.model.version")
	// AimsInputPrefix prefixes allow-listed input features: aims.input.<name>.
	AimsInputPrefix = "aims.input."
	// AimsReasonCodes lists the reason codes of an explained decision, most important first.
	AimsReasonCodes = attribute.Key("aims.explanation.reason_codes")
	// AimsExplanationMethod names the explanation method (exact, kernel, tree, …).
	AimsExplanationMethod = attribute.Key("aims.explanation.method")
	// AimsOversightAction is the human oversight action (apply, review, approve, reject, override, …).
	AimsOversightAction = attribute.Key("aims.oversight.action")
	// AimsOversightReviewer is the reviewer identity that acted on a decision.
	AimsOversightReviewer = attribute.Key("aims.oversight.reviewer")
	// AimsOversightReason is the reason given by a policy or the gate.
	// A reason a person wrote (a reviewer's, a halt's, a contest's
	// grounds) may hold personal data and is kept in the ledger only.
	AimsOversightReason = attribute.Key("aims.oversight.reason")

	// AimsDisclosureKind is what was disclosed, as the kind token of the
	// AI-Disclosure header: interaction, automated-decision,
	// generated-content, emotion-recognition or biometric-categorisation.
	AimsDisclosureKind = attribute.Key("aims.disclosure.kind")
	// AimsDisclosureChannel is how it was disclosed: http_header, json_body, text_marker.
	AimsDisclosureChannel = attribute.Key("aims.disclosure.channel")
	// AimsDisclosureHTTPRoute is the route of the HTTP response that
	// carried a disclosure: the net/http ServeMux pattern that served it
	// (a template such as "GET /v1/applicants/{id}"), absent when the
	// handler is not a ServeMux; never the request path.
	AimsDisclosureHTTPRoute = attribute.Key("aims.disclosure.route")
)

// GenAI keys reused from the OpenTelemetry GenAI semantic conventions.
const (
	// GenAIProviderName is the GenAI provider (gen_ai.provider.name).
	GenAIProviderName = attribute.Key("gen_ai.provider.name")
	// GenAIOperationName is the GenAI operation, e.g. chat (gen_ai.operation.name).
	GenAIOperationName = attribute.Key("gen_ai.operation.name")
	// GenAIRequestModel is the model requested (gen_ai.request.model).
	GenAIRequestModel = attribute.Key("gen_ai.request.model")
	// GenAIResponseModel is the model that answered (gen_ai.response.model).
	GenAIResponseModel = attribute.Key("gen_ai.response.model")
	// GenAIResponseID is the provider's response identifier (gen_ai.response.id).
	GenAIResponseID = attribute.Key("gen_ai.response.id")
	// GenAIConversationID identifies a conversation (gen_ai.conversation.id).
	GenAIConversationID = attribute.Key("gen_ai.conversation.id")
)

// Event names of the aims package.
const (
	// EventDecision is the log record of one recorded decision.
	EventDecision = "aims.decision"
	// EventDisclosure is the log record of one AI disclosure made to a person.
	EventDisclosure = "aims.disclosure"
)

// Values of aims.decision.outcome on the aims.decisions counter.
const (
	// DecisionOutcomeOther is the aims.decision.outcome that
	// aims.decisions counts an output under when it is not a declared
	// outcome, or, without declared outcomes, when DecisionOutcomeLimit
	// distinct outputs are counted already (the convention of
	// http.request.method's _OTHER).
	DecisionOutcomeOther = "_OTHER"
	// DecisionOutcomeLimit is how many distinct outputs a decision log
	// without declared outcomes counts in aims.decisions as they are.
	DecisionOutcomeLimit = 64
)

// Metric names of the aims package.
const (
	// MetricDisclosures counts AI disclosures made.
	MetricDisclosures = "aims.disclosures"
	// MetricDecisions counts decisions recorded, by aims.system.id,
	// aims.decision.outcome and aims.decision.adverse. Its
	// aims.decision.outcome has bounded cardinality, as Output may be free
	// text: it is the decision's output if that is a declared outcome of
	// the system (aims.WithOutcomes) and DecisionOutcomeOther ("_OTHER")
	// if not; a decision log without declared outcomes counts the first
	// DecisionOutcomeLimit distinct outputs it records as they are and
	// every later one as DecisionOutcomeOther (which outputs those are
	// depends on the order each replica saw them in). The aims.decision
	// event always carries the output itself.
	MetricDecisions = "aims.decisions"
)

var _ = register(
	Entry{Name: ScopeAims, Kind: KindScope, Package: "aims", Brief: "instrumentation scope of package aims"},
	Entry{Name: ScopeFairness, Kind: KindScope, Package: "fairness", Brief: "instrumentation scope of package fairness"},
	Entry{Name: ScopeExplain, Kind: KindScope, Package: "explain", Brief: "instrumentation scope of package explain"},
	Entry{Name: ScopeDrift, Kind: KindScope, Package: "drift", Brief: "instrumentation scope of package drift"},
	Entry{Name: ScopeOversight, Kind: KindScope, Package: "oversight", Brief: "instrumentation scope of package oversight"},
	Entry{Name: ScopeInventory, Kind: KindScope, Package: "inventory", Brief: "instrumentation scope of package inventory"},

	Entry{Name: string(AimsControlID), Kind: KindAttribute, Type: "string", Package: AllPackages, Brief: "ISO/IEC 42001 Annex A control the record is evidence for, e.g. A.6.2.8"},
	Entry{Name: string(AimsDecisionOutcome), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "decision output label"},
	Entry{Name: string(AimsDecisionScore), Kind: KindAttribute, Type: "double", Package: "aims", Brief: "model score or confidence"},
	Entry{Name: string(AimsDecisionAdverse), Kind: KindAttribute, Type: "bool", Package: "aims", Brief: "decision is adverse to its subject"},
	Entry{Name: string(AimsDecisionSchema), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "schema version of the decision record"},
	Entry{Name: string(AimsSubjectPseudonym), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "keyed HMAC pseudonym of the affected person (never the raw ID)"},
	Entry{Name: string(AimsModelName), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "model that produced the decision"},
	Entry{Name: string(AimsModelVersion), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "model version"},
	Entry{Name: AimsInputPrefix + "<name>", Kind: KindAttribute, Type: "any", Package: "aims", Brief: "an allow-listed input feature; only names on the allow-list appear"},
	Entry{Name: string(AimsReasonCodes), Kind: KindAttribute, Type: "string[]", Package: "aims", Brief: "reason codes, most important first"},
	Entry{Name: string(AimsDisclosureKind), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "what was disclosed: interaction, automated-decision, generated-content, emotion-recognition, biometric-categorisation"},
	Entry{Name: string(AimsDisclosureChannel), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "how: http_header, json_body, text_marker"},
	Entry{Name: string(AimsDisclosureHTTPRoute), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "HTTP route (ServeMux pattern, never the request path) that carried the disclosure; absent without a pattern"},

	Entry{Name: EventDecision, Kind: KindEvent, Package: "aims", Brief: "one recorded decision (A.6.2.8)"},
	Entry{Name: EventDisclosure, Kind: KindEvent, Package: "aims", Brief: "one AI disclosure to a person (A.8.2)"},
	Entry{Name: MetricDisclosures, Kind: KindMetric, Type: "counter", Unit: "{disclosure}", Package: "aims", Brief: "AI disclosures made"},
	Entry{Name: MetricDecisions, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "aims", Brief: "decisions recorded; an undeclared outcome (without declared outcomes: any past the first 64 distinct) is counted as `_OTHER`"},
)

// Attribute keys of this file that packages other than aims put on their
// signals too, or that aims defines for another package (the GenAI client
// keys aims/genai emits): each is listed for every package that emits it.
var _ = register(slices.Concat(
	emittedBy(Entry{Name: string(AimsSystemID), Kind: KindAttribute, Type: "string", Brief: "ID of the registered AI system"}, "aims", "aims/genai", "inventory", "oversight"),
	emittedBy(Entry{Name: string(AimsSystemVersion), Kind: KindAttribute, Type: "string", Brief: "deployed version of the AI system"}, "aims", "inventory"),
	emittedBy(Entry{Name: string(AimsSystemInstance), Kind: KindAttribute, Type: "string", Brief: "one running replica of the system"}, "aims", "aims/genai", "inventory"),
	emittedBy(Entry{Name: string(AimsRiskLevel), Kind: KindAttribute, Type: "string", Brief: "EU AI Act risk tier: prohibited, high, limited, minimal"}, "inventory"),
	emittedBy(Entry{Name: string(AimsDecisionID), Kind: KindAttribute, Type: "string", Brief: "UUIDv7 of the decision"}, "aims", "oversight"),
	emittedBy(Entry{Name: string(AimsExplanationMethod), Kind: KindAttribute, Type: "string", Brief: "explanation method"}, "aims", "explain", "explain/tree"),
	emittedBy(Entry{Name: string(AimsOversightAction), Kind: KindAttribute, Type: "string", Brief: "oversight action: apply, review, block, approve, reject, override, escalate, halt, contest"}, "aims", "oversight"),
	emittedBy(Entry{Name: string(AimsOversightReviewer), Kind: KindAttribute, Type: "string", Brief: "reviewer identity"}, "aims", "oversight"),
	emittedBy(Entry{Name: string(AimsOversightReason), Kind: KindAttribute, Type: "string", Brief: "reason given by a policy or the gate (reasons people write stay in the ledger)"}, "aims", "oversight"),
	emittedBy(Entry{Name: string(GenAIProviderName), Kind: KindAttribute, Type: "string", GenAI: true, Brief: "GenAI provider"}, "aims", "aims/genai"),
	emittedBy(Entry{Name: string(GenAIOperationName), Kind: KindAttribute, Type: "string", GenAI: true, Brief: "GenAI operation, e.g. chat"}, "aims/genai"),
	emittedBy(Entry{Name: string(GenAIRequestModel), Kind: KindAttribute, Type: "string", GenAI: true, Brief: "model requested"}, "aims/genai"),
	emittedBy(Entry{Name: string(GenAIResponseModel), Kind: KindAttribute, Type: "string", GenAI: true, Brief: "model that answered"}, "aims", "aims/genai"),
	emittedBy(Entry{Name: string(GenAIResponseID), Kind: KindAttribute, Type: "string", GenAI: true, Brief: "provider's response ID"}, "aims/genai"),
	emittedBy(Entry{Name: string(GenAIConversationID), Kind: KindAttribute, Type: "string", GenAI: true, Brief: "conversation ID"}, "aims/genai"),
)...)
