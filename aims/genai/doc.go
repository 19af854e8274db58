// Package genai puts generative-AI services (chat assistants, text and
// media generators backed by any LLM client) under the same controls as
// scored decisions.
//
//   - [Client] wraps whatever model client a service uses (a [Model]: one
//     method, no vendor SDK) and emits the OpenTelemetry GenAI semantic
//     conventions: one client span per operation with the gen_ai.*
//     attributes, and the gen_ai.client.token.usage and
//     gen_ai.client.operation.duration histograms.
//   - [Assistant] runs one conversation turn under governance: input and
//     output [Guardrail] checks, each result emitted as an
//     aims.guardrail.result event and kept in the turn's record; a failed
//     check blocks, redacts or holds the response for human review through
//     a [Holder] (an oversight gate, in the examples); and one interaction
//     record per turn in the system's decision log and ledger.
//   - Content is captured by a [ContentPolicy]: by default digests and
//     lengths only; opt-in redacted text, with e-mail addresses, phone
//     numbers, IBANs (mod-97 checked) and card numbers (Luhn checked)
//     replaced before anything is stored or emitted ([Redact]).
//   - Transparency: the human-readable interaction notice once per
//     conversation ([TurnResult.Notice]; a [NoticeTracker] makes it go
//     with the first answer the person gets under concurrent, refused
//     and failed turns), and machine-readable marking of
//     generated content in response headers and JSON metadata
//     (aims.Discloser: the AI-Disclosure header and AttachJSON), never in
//     the visible text; generated media get a JSON sidecar
//     [MediaManifest] (there is no widely used Go library for C2PA).
//   - End-user feedback, problem reports and evaluation results are
//     records too ([Assistant.Feedback], [Assistant.Evaluate]).
//
// Records have their own schema version, [SchemaVersion]; [ParseRecord]
// reads them back from a ledger line.
package genai
