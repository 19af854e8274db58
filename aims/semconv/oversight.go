package semconv

import "go.opentelemetry.io/otel/attribute"

// Annex A controls that oversight records are evidence for.
const (
	// ControlResponsibleUse is A.9.2, processes for responsible use of AI
	// systems: routing, human review, overrides, escalation, halts.
	ControlResponsibleUse = "A.9.2"
	// ControlRoles is A.3.2, AI roles and responsibilities: who may review
	// what (role checks, four-eyes, segregation of duties).
	ControlRoles = "A.3.2"
	// ControlExternalReporting is A.8.3, external reporting: affected
	// people contesting decisions.
	ControlExternalReporting = "A.8.3"
)

// Attribute keys of the oversight package. The action, reviewer and reason
// use the shared keys AimsOversightAction, AimsOversightReviewer and
// AimsOversightReason.
const (
	// AimsOversightTicketID identifies a review ticket.
	AimsOversightTicketID = attribute.Key("aims.oversight.ticket.id")
	// AimsOversightPolicy names the routing policy that decided.
	AimsOversightPolicy = attribute.Key("aims.oversight.policy")
	// AimsOversightRoute is where a gate sent a decision: apply, review or block.
	AimsOversightRoute = attribute.Key("aims.oversight.route")
	// AimsOversightLevel is the escalation level of a ticket (0 = first reviewers).
	AimsOversightLevel = attribute.Key("aims.oversight.level")
	// AimsOversightError says why a reviewer's attempt was refused.
	AimsOversightError = attribute.Key("aims.oversight.error")
	// AimsOversightFailSafe is the fail-safe applied at the final deadline: deny or hold.
	AimsOversightFailSafe = attribute.Key("aims.oversight.fail_safe")
	// AimsOversightLatency is the time from submission to the human action, in seconds.
	AimsOversightLatency = attribute.Key("aims.oversight.review.latency")
	// AimsOversightResolved says whether a reviewer action resolved its
	// ticket (false for the first of two required approvals).
	AimsOversightResolved = attribute.Key("aims.oversight.resolved")
	// AimsOversightRefusal classifies a refused attempt: unknown_ticket,
	// already_resolved, already_acted, expired, reason_required,
	// reason_too_long, output_required, unauthenticated, forbidden, claimed,
	// closed, invalid_id, outcome_not_declared, already_contested,
	// unknown_system, halted, error.
	AimsOversightRefusal = attribute.Key("aims.oversight.refusal")
	// AimsOversightApprovals is the decision-record attribute (in
	// Decision.Attributes) marking a partial approval, e.g. "1 of 2": a
	// reviewer's vote on a ticket that needs more reviewers. The
	// aims.decision log record of such a vote carries it as an attribute.
	AimsOversightApprovals = "aims.oversight.approvals"
	// AimsOversightRelatedDecision links a review or contest to the decision it concerns.
	AimsOversightRelatedDecision = attribute.Key("aims.oversight.related_decision.id")
)

// Event names of the oversight package.
const (
	// EventOversightRouted is a decision routed to review or block by a gate.
	EventOversightRouted = "aims.oversight.routed"
	// EventOversightReviewed is a reviewer's approve, reject or override.
	EventOversightReviewed = "aims.oversight.reviewed"
	// EventOversightEscalated is a ticket moved to the next reviewer level at its deadline.
	EventOversightEscalated = "aims.oversight.escalated"
	// EventOversightExpired is a ticket whose final deadline passed; the fail-safe applied.
	EventOversightExpired = "aims.oversight.expired"
	// EventOversightHalted is a system halted (stop button).
	EventOversightHalted = "aims.oversight.halted"
	// EventOversightResumed is a halted system resumed.
	EventOversightResumed = "aims.oversight.resumed"
	// EventOversightContested is a decision contested by the affected person.
	EventOversightContested = "aims.oversight.contested"
	// EventOversightRefused is a refused reviewer attempt (not authorised, acting twice, …).
	EventOversightRefused = "aims.oversight.refused"
)

// Metric names of the oversight package.
const (
	// MetricOversightRouted counts decisions by gate route (apply, review, block).
	MetricOversightRouted = "aims.oversight.decisions"
	// MetricOversightQueueDepth is the number of open review tickets.
	MetricOversightQueueDepth = "aims.oversight.queue.depth"
	// MetricOversightReviewDuration is the time from submission to the resolving human action.
	MetricOversightReviewDuration = "aims.oversight.review.duration"
	// MetricOversightReviews counts resolving human actions by action.
	MetricOversightReviews = "aims.oversight.reviews"
	// MetricOversightOverrideRate is overrides / resolved reviews since start.
	MetricOversightOverrideRate = "aims.oversight.override.rate"
	// MetricOversightAgreementRate is approvals / resolved reviews since start (automation-bias signal).
	MetricOversightAgreementRate = "aims.oversight.agreement.rate"
	// MetricOversightExpired counts tickets whose final deadline passed.
	MetricOversightExpired = "aims.oversight.tickets.expired"
	// MetricOversightEscalations counts escalations to the next reviewer level.
	MetricOversightEscalations = "aims.oversight.escalations"
	// MetricOversightHalts counts halts of AI systems.
	MetricOversightHalts = "aims.oversight.halts"
	// MetricOversightRefused counts refused reviewer attempts.
	MetricOversightRefused = "aims.oversight.refusals"
)

// Span names of the oversight package: one span per gate operation. They
// predate the aims.* namespace of keys and are kept as they are.
const (
	// SpanOversightSubmit is the span of Gate.Submit: policy, routing and,
	// for applied decisions, the record.
	SpanOversightSubmit = "oversight.submit"
	// SpanOversightReview is the span of a reviewer's action on a ticket
	// (approve, reject, override).
	SpanOversightReview = "oversight.review"
	// SpanOversightContest is the span of Gate.Contest.
	SpanOversightContest = "oversight.contest"
	// SpanOversightHalt is the span of Gate.Halt.
	SpanOversightHalt = "oversight.halt"
	// SpanOversightResume is the span of Gate.Resume.
	SpanOversightResume = "oversight.resume"
	// SpanOversightEscalate is the span of a ticket's escalation by the sweep.
	SpanOversightEscalate = "oversight.escalate"
	// SpanOversightExpire is the span of a ticket's expiry by the sweep.
	SpanOversightExpire = "oversight.expire"
)

var _ = register(
	Entry{Name: SpanOversightSubmit, Kind: KindSpan, Type: "internal", Package: "oversight", Brief: "one decision submitted to the gate"},
	Entry{Name: SpanOversightReview, Kind: KindSpan, Type: "internal", Package: "oversight", Brief: "one reviewer action on a ticket: approve, reject, override"},
	Entry{Name: SpanOversightContest, Kind: KindSpan, Type: "internal", Package: "oversight", Brief: "one contest of a decision"},
	Entry{Name: SpanOversightHalt, Kind: KindSpan, Type: "internal", Package: "oversight", Brief: "one halt of an AI system"},
	Entry{Name: SpanOversightResume, Kind: KindSpan, Type: "internal", Package: "oversight", Brief: "one resumption of a halted AI system"},
	Entry{Name: SpanOversightEscalate, Kind: KindSpan, Type: "internal", Package: "oversight", Brief: "one ticket escalated to the next reviewer level"},
	Entry{Name: SpanOversightExpire, Kind: KindSpan, Type: "internal", Package: "oversight", Brief: "one ticket expired past its final deadline"},
	Entry{Name: string(AimsOversightTicketID), Kind: KindAttribute, Type: "string", Package: "oversight", Brief: "review ticket ID"},
	Entry{Name: string(AimsOversightPolicy), Kind: KindAttribute, Type: "string", Package: "oversight", Brief: "routing policy that decided"},
	Entry{Name: string(AimsOversightRoute), Kind: KindAttribute, Type: "string", Package: "oversight", Brief: "gate route: apply, review, block"},
	Entry{Name: string(AimsOversightLevel), Kind: KindAttribute, Type: "int", Package: "oversight", Brief: "escalation level of a ticket, 0 = first reviewers"},
	Entry{Name: string(AimsOversightError), Kind: KindAttribute, Type: "string", Package: "oversight", Brief: "why a reviewer attempt was refused"},
	Entry{Name: string(AimsOversightFailSafe), Kind: KindAttribute, Type: "string", Package: "oversight", Brief: "fail-safe applied at the final deadline: deny or hold"},
	Entry{Name: string(AimsOversightLatency), Kind: KindAttribute, Type: "double", Package: "oversight", Brief: "time from submission to the human action, seconds"},
	Entry{Name: string(AimsOversightResolved), Kind: KindAttribute, Type: "bool", Package: "oversight", Brief: "reviewer action resolved its ticket (false for a first of two approvals)"},
	Entry{Name: string(AimsOversightRefusal), Kind: KindAttribute, Type: "string", Package: "oversight", Brief: "class of a refused attempt: unknown_ticket, already_resolved, forbidden, …"},
	Entry{Name: AimsOversightApprovals, Kind: KindAttribute, Type: "string", Package: "aims", Brief: "marks a reviewer's vote that did not resolve its ticket, e.g. \"1 of 2\": in the decision record's attributes and on its aims.decision log record"},
	Entry{Name: string(AimsOversightRelatedDecision), Kind: KindAttribute, Type: "string", Package: "oversight", Brief: "decision a review or contest concerns"},

	Entry{Name: EventOversightRouted, Kind: KindEvent, Package: "oversight", Brief: "decision held for review or blocked by a gate (A.9.2)"},
	Entry{Name: EventOversightReviewed, Kind: KindEvent, Package: "oversight", Brief: "reviewer approved, rejected or overrode a decision (A.9.2)"},
	Entry{Name: EventOversightEscalated, Kind: KindEvent, Package: "oversight", Brief: "ticket escalated to the next reviewer level (A.9.2)"},
	Entry{Name: EventOversightExpired, Kind: KindEvent, Package: "oversight", Brief: "ticket deadline passed, fail-safe applied (A.9.2)"},
	Entry{Name: EventOversightHalted, Kind: KindEvent, Package: "oversight", Brief: "AI system halted (A.9.2)"},
	Entry{Name: EventOversightResumed, Kind: KindEvent, Package: "oversight", Brief: "halted AI system resumed (A.9.2)"},
	Entry{Name: EventOversightContested, Kind: KindEvent, Package: "oversight", Brief: "decision contested by the affected person (A.8.3)"},
	Entry{Name: EventOversightRefused, Kind: KindEvent, Package: "oversight", Brief: "reviewer attempt refused (A.3.2)"},

	Entry{Name: MetricOversightRouted, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "oversight", Brief: "decisions by gate route"},
	Entry{Name: MetricOversightQueueDepth, Kind: KindMetric, Type: "gauge", Unit: "{ticket}", Package: "oversight", Brief: "open review tickets"},
	Entry{Name: MetricOversightReviewDuration, Kind: KindMetric, Type: "histogram", Unit: "s", Package: "oversight", Brief: "time from submission to the resolving human action"},
	Entry{Name: MetricOversightReviews, Kind: KindMetric, Type: "counter", Unit: "{review}", Package: "oversight", Brief: "resolving human actions by action"},
	Entry{Name: MetricOversightOverrideRate, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "oversight", Brief: "share of resolved reviews that were overrides"},
	Entry{Name: MetricOversightAgreementRate, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "oversight", Brief: "share of resolved reviews that approved the model output (automation-bias signal)"},
	Entry{Name: MetricOversightExpired, Kind: KindMetric, Type: "counter", Unit: "{ticket}", Package: "oversight", Brief: "tickets whose final deadline passed"},
	Entry{Name: MetricOversightEscalations, Kind: KindMetric, Type: "counter", Unit: "{ticket}", Package: "oversight", Brief: "escalations to the next reviewer level"},
	Entry{Name: MetricOversightHalts, Kind: KindMetric, Type: "counter", Unit: "{halt}", Package: "oversight", Brief: "halts of AI systems"},
	Entry{Name: MetricOversightRefused, Kind: KindMetric, Type: "counter", Unit: "{attempt}", Package: "oversight", Brief: "refused reviewer attempts"},
)
