// Package inventory keeps the AI-system inventory of an AI management system
// (ISO/IEC 42001 Annex A.4 resources, A.6.2.7 technical documentation, A.8.2
// information for users) and maps systems to the EU AI Act risk tiers
// (Regulation (EU) 2024/1689, Art. 5, Art. 6 and Annex III, Art. 50).
//
// A service describes itself with a [System] and calls [Register] at
// start-up. Registration validates the description, emits an OpenTelemetry
// log record (event aims.inventory.registration) whose body carries the whole
// description, keeps the system in a process-local [Registry], and sends a
// periodic heartbeat record until [Registration.Close]. Because everything
// travels as ordinary OTLP logs, [FromOTLP] can rebuild the organisation-wide
// inventory from the output of an OpenTelemetry Collector file exporter, so
// the inventory is never stale. A record that cannot be entered — a
// registration whose description cannot be decoded or does not validate,
// a record without a system ID — is refused there and reported with where
// it was found and why ([Inventory.Refused]), so one faulty or hostile
// service cannot keep the inventory from being built, nor make it
// unservable, for the other systems; only input that is not Collector
// output at all, or cannot be read, fails the whole rebuild.
//
// The description also publishes the public verifier keys of the system's
// decision ledger ([System].LedgerKeys): the registration record, the model
// card, the Annex IV skeleton, the ML-BOM and the handler carry them, so an
// auditor takes the key from the inventory and never from a file beside
// the ledger, which whoever rewrites the ledger could replace too.
//
// [Classify] turns a structured [UseCase] into a risk tier with the rationale
// and the article references. A model the system uses may be a
// general-purpose AI model (Art. 3(63)), such as a hosted large language
// model: [Model].GeneralPurpose records that, with its training compute and
// whether it has systemic risk and on which ground (Art. 51, with the
// provider's arguments against it, Art. 52), whether it is open source and
// whether its provider is established outside the Union, and
// [ClassifyGeneralPurposeModel] lists the obligations of its provider
// (Art. 53 with the open-source exemption of Art. 53(2), the authorised
// representative of Art. 54, Art. 52 and Art. 55 for systemic risk). The
// system built on such a model keeps its own risk tier.
//
// From a registered system the package derives a model card
// ([NewModelCard]), an Annex IV-style technical-documentation skeleton that
// marks what is still missing ([NewTechnicalDocumentation]) and a
// CycloneDX 1.6 ML-BOM ([CycloneDX]). [Handler] serves all of it over
// HTTP, the governance equivalent of a /metrics endpoint.
//
// The classification is a structured first assessment that documents its
// reasoning; it does not replace a legal assessment of the concrete system.
package inventory
