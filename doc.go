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
//	A.6.2.8 Recording of event logs           aims.DecisionLog, ledger, aimsaudit
//	A.7.4   Quality of data                   fairness, drift, fairness mitigation
//	A.7.5   Data provenance                   inventory
//	A.8.2   Information for users             aims.Discloser, explain (reason codes)
//	A.8.3-5 Reporting, incidents, information oversight (Contest, Halt), explain (counterfactuals)
//	A.9.2-4 Responsible and intended use      oversight (Gate, review, halt), inventory
//	A.10.2-3 Value chain, suppliers           inventory (value-chain role, third-party models)
//
// aims.Controls returns the full catalog of the 38 controls with their
// crosswalks to EU AI Act articles and NIST AI RMF functions.
//
// # Quick start
//
//	// At start-up: say what is disclosed, and where decisions are logged.
//	disc, err := aims.NewDiscloser(aims.Disclosure{
//		Kind:     aims.DisclosureAutomatedDecision,
//		SystemID: "credit-scoring",
//		InfoURL:  "https://lending.example/ai",
//	})
//	if err != nil { ... }
//	pseud, err := aims.NewPseudonymizer(key, "2026q4")
//	if err != nil { ... }
//	allow := aims.NewAllowList("income", "term_months")
//	http.Handle("/v1/decisions", disc.Middleware(handler))
//
//	// Per request: build the decision record.
//	d, err := aims.NewDecision(ctx, "credit-scoring") // UUIDv7, time, trace IDs
//	d.Subject = pseud.Pseudonym(applicant.CustomerID)
//	d.Inputs, err = allow.Filter(features)
//	d.Output, d.Score = "deny", &score
//	// … explain it, gate it through oversight, record it in the decision log.
//
// The README lists every attribute, event and metric name; the example
// service in examples/creditscore wires every package together.
package aimskit
