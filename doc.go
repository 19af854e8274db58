// Package aimskit is a Go SDK for running AI features under an ISO/IEC
// 42001 AI management system (AIMS), with the evidence the EU AI Act asks
// for produced by running code rather than policy documents.
//
// A service imports the packages it needs:
//
//   - aims: the management-system core — the Annex A control catalog and
//     crosswalks, the Statement of Applicability, the Decision record, the
//     decision log with its tamper-evident ledger, and AI-disclosure hooks.
//   - inventory: self-registration into an AI-system inventory, EU AI Act
//     risk classification, model cards and a CycloneDX ML-BOM.
//   - oversight: human-in-the-loop gates, a durable review queue,
//     overrides, escalation, halt and contest, and a reviewer console.
//   - explain: Shapley explanations (exact, kernel, permutation, linear),
//     counterfactuals and reason codes; explain/tree for tree ensembles.
//   - fairness: group-fairness metrics that match fairlearn, confidence
//     intervals, a streaming monitor and mitigation.
//   - drift: two-sample drift tests, streaming change detectors and a
//     feature-drift monitor.
//   - aims/genai: generative AI under the same controls — GenAI
//     semantic-convention telemetry around any model client, guardrails
//     whose results are evidence (block, redact, hold for review),
//     interaction, feedback and evaluation records, redaction.
//
// Everything is also emitted as OpenTelemetry logs, metrics and spans
// through the providers the application configured, so an ordinary
// OpenTelemetry Collector carries the evidence. Every record that is
// evidence for a control carries the attribute aims.control.id.
//
// # Annex A controls and the packages that give evidence for them
//
//	Control                                   Package / feature
//	A.3.2   AI roles and responsibilities     oversight (Authorizer), inventory
//	A.4.2-5 Resources, data, tooling          inventory (Register, CycloneDX ML-BOM)
//	A.5.2-4 Impact assessment                 inventory (Classify), fairness
//	A.6.2.4 Verification and validation       fairness, explain, drift (batch tests)
//	A.6.2.6 Operation and monitoring          drift.Monitor, fairness.Monitor, inventory heartbeat
//	A.6.2.7 Technical documentation           inventory (model card, Annex IV skeleton)
//	A.6.2.8 Recording of event logs           aims.DecisionLog, ledger, aimsaudit, aims/genai (interaction records)
//	A.7.4   Quality of data                   fairness, drift, fairness mitigation
//	A.7.5   Data provenance                   inventory
//	A.8.2   Information for users             aims.Discloser, explain (reason codes)
//	A.8.3-5 Reporting, incidents, information aims.IncidentBook, oversight (Contest, Halt), explain (counterfactuals)
//	A.9.2-4 Responsible and intended use      oversight (Gate, review, halt), inventory
//	A.10.2-3 Value chain, suppliers           inventory (value-chain role, third-party models)
//
// aims.Controls returns the full catalog of the 38 controls with their
// crosswalks to EU AI Act articles and NIST AI RMF functions.
//
// # Quick start
//
// A service meets aimskit through one handle for its AI system, an
// aims.System: inventory.Register returns one (embedded in the
// Registration), aims.NewSystem builds one without an inventory. Decisions
// are created from it and are clean from the moment they exist: the subject
// is pseudonymised, inputs and attributions outside the allow-list never
// enter the record, so the gate, the ticket stores, the reviewer console,
// OpenTelemetry, the ledger and the audit report only see the clean record.
//
//	// At start-up: register the system (risk class from its use case), gate it, disclose it.
//	reg, err := inventory.Register(ctx, system, inventory.WithSystemOptions(
//		aims.WithLedger(led), aims.WithPseudonymizer(pseud),
//		aims.WithAllowList(aims.NewAllowList("income")),
//		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true})))
//	defer reg.Close(ctx)
//	gate, err := oversight.New(ctx, reg, oversight.WithPolicy(oversight.AdverseOutcome()))
//	defer gate.Close(ctx)
//	disc, err := reg.NewDiscloser(aims.Disclosure{Kind: aims.DisclosureAutomatedDecision})
//	mux.Handle("POST /v1/applications", disc.Middleware(handler))
//
//	// Per request: create the clean record, let oversight route and record it.
//	d, err := reg.NewDecision(ctx, aims.Draft{Subject: customerID, Inputs: features,
//		Output: "deny", Score: &score, Explanation: e.Record(reasons)})
//	out, err := gate.Submit(ctx, d) // apply, hold for a human, or block — each step recorded
//
// The attribute keys, event names and metric names are public in
// aims/semconv, so a service puts the same keys on its own spans.
//
// The README lists every attribute, event and metric name; the example
// service in examples/creditscore wires every package together.
package aimskit
