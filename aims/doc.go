// Package aims is the management-system core of aimskit: what every AI
// feature of a service shares under an ISO/IEC 42001 AI management system
// (AIMS), and what an auditor later checks.
//
// # What it holds
//
//   - The Annex A control catalog ([Controls], [LookupControl],
//     [Objectives]), each control with its EU AI Act and NIST AI RMF
//     crosswalk and the aimskit features that produce evidence for it.
//   - The Statement of Applicability ([SoA], [ParseSoA], [LoadSoAFile]):
//     which controls apply, why the others do not, how far each is
//     implemented; validated against the catalog and rendered as Markdown.
//   - System, the handle a service holds for one AI system: identity, risk
//     level ([RiskLevel]), privacy policy, decision log, telemetry.
//     Decisions are created from it and are clean (pseudonymised,
//     allow-listed) from the start, so no downstream component (oversight
//     gate, ticket stores, OpenTelemetry, ledger, report) ever sees raw
//     personal data.
//   - The decision record ([Decision]): what was decided, about whom (a
//     keyed pseudonym from a [Pseudonymizer]), on which allow-listed inputs
//     ([AllowList]), why ([Explanation]) and what human oversight did with
//     it ([OversightOutcome]). Its JSON encoding is the ledger's format.
//   - The decision log ([DecisionLog]): one OpenTelemetry log record per
//     decision (event aims.decision, attribute keys from package
//     aims/semconv) and one entry in the tamper-evident, crash-safe ledger
//     of package aims/ledger, whose signed checkpoints let an auditor
//     detect any record altered, removed or reordered (control A.6.2.8).
//   - Management-system records ([ManagementRecord]) in the same ledger
//     and OpenTelemetry stream as decisions, and the incident book
//     ([IncidentBook]): incidents opened by people, by fairness and drift
//     alarms ([AlarmHandler], one incident per ongoing alarm), by halts and
//     by contests that changed a decision, moved through their life cycle to a verified
//     corrective action (A.3.3, A.8.4, Clause 10.2), with the EU AI Act
//     Art. 73 reporting deadlines watched ([IncidentBook.CheckDeadlines]).
//   - Disclosure ([Discloser], [Disclosure]): telling a person that AI is
//     involved, as the AI-Disclosure HTTP header, a member of a JSON
//     response or a marker on generated text, each recorded as evidence
//     (control A.8.2; EU AI Act Art. 50).
//   - Management-system records kept as code, YAML or JSON files in the
//     service's repository read by one strict decoder that names the line
//     and field of every problem ([RecordFileError]): the impact
//     assessment ([ImpactAssessment], A.5.2–A.5.5), the deployment
//     authorisation by two people other than the submitter
//     ([DeploymentAuthorisation], A.6.2.5), model changes
//     ([ChangeRecord]) and the risk register ([RiskRegister], Clauses
//     6.1.2, 6.1.3, 8.2, 8.3). Each is written as a [ManagementRecord] to
//     the same ledger and OpenTelemetry stream as decisions.
//
// # The common case
//
// At start-up a service builds one System for its AI system (the
// inventory's Register returns it; a service without an inventory builds
// it directly), with its privacy policy (pseudonymiser, input allow-list,
// the attributions that may be kept) and its decision log. It wraps the handlers that return AI output with
// a Discloser's Middleware. On each request it scores the input, creates a
// decision from the System with the subject's identifier and the inputs
// (the subject is pseudonymised and inputs outside the allow-list dropped
// there and then), sets the output, score and explanation, and hands the
// decision to the oversight gate, which applies it, holds it for a human
// or blocks it, and records every step through the System's decision log.
// At shutdown it closes the decision log, which writes what is queued and
// signs the final ledger checkpoint.
//
// The pieces can also be built one by one ([NewDecision],
// [NewDecisionLog], [NewPseudonymizer], [NewAllowList], [NewDiscloser]) for
// uses the System does not cover.
//
// # Related packages
//
// aims/ledger is the ledger itself; aims/semconv the public attribute keys,
// event and metric names; aims/auditreport the auditor's report engine;
// aims/otlpfile a local OTLP/HTTP receiver that writes what it receives as
// the files a collector would, for services run without one;
// aims/cmd/aimsaudit the auditor's command that verifies a ledger, proves a
// decision's inclusion and builds the report.
//
// Everything exported is safe for concurrent use unless its documentation
// says otherwise. Components emit through the OpenTelemetry providers given
// with [WithTracerProvider], [WithMeterProvider] and [WithLoggerProvider],
// or the global ones.
package aims
