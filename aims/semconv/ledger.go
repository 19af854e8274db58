package semconv

import "go.opentelemetry.io/otel/attribute"

// ScopeLedger is the instrumentation scope of package aims/ledger, the
// tamper-evident decision ledger.
const ScopeLedger = ScopeAims + "/ledger"

// ControlEventLogs is the ISO/IEC 42001 Annex A control that the decision
// log and its ledger are evidence for: A.6.2.8, AI system recording of
// event logs.
const ControlEventLogs = "A.6.2.8"

// Attribute keys of the decision ledger.
const (
	// AimsLedgerOrigin is the checkpoint origin line of a ledger: it names
	// the AI system and the instance that writes the ledger.
	AimsLedgerOrigin = attribute.Key("aims.ledger.origin")
	// AimsLedgerSegment is the file name of a ledger segment.
	AimsLedgerSegment = attribute.Key("aims.ledger.segment")
	// AimsLedgerSeq is the sequence number (Merkle leaf index) of a ledger record.
	AimsLedgerSeq = attribute.Key("aims.ledger.seq")
	// AimsLedgerTreeSize is the number of records covered by a checkpoint.
	AimsLedgerTreeSize = attribute.Key("aims.ledger.tree_size")
	// AimsLedgerTornBytes is the number of bytes of a torn last line moved aside on recovery.
	AimsLedgerTornBytes = attribute.Key("aims.ledger.torn_bytes")
	// AimsLedgerTornFile is where a torn last line was moved on recovery.
	AimsLedgerTornFile = attribute.Key("aims.ledger.torn_file")
	// AimsLedgerRootHash is the base64 Merkle root hash a checkpoint signs.
	AimsLedgerRootHash = attribute.Key("aims.ledger.root_hash")
	// AimsLedgerAdoptedFirst is the first record of a range adopted at restart.
	AimsLedgerAdoptedFirst = attribute.Key("aims.ledger.adopted.first")
	// AimsLedgerAdoptedLast is the last record of a range adopted at restart.
	AimsLedgerAdoptedLast = attribute.Key("aims.ledger.adopted.last")
	// AimsLedgerAdoptionReason says why records no checkpoint covered were adopted.
	AimsLedgerAdoptionReason = attribute.Key("aims.ledger.adoption.reason")
	// AimsLedgerWitness is the name of the witness a record is about.
	AimsLedgerWitness = attribute.Key("aims.ledger.witness")
	// AimsLedgerWitnesses lists the names of the witnesses that cosigned a
	// checkpoint.
	AimsLedgerWitnesses = attribute.Key("aims.ledger.witnesses")
)

// Event names of the decision ledger.
const (
	// EventLedgerRecovery reports that a ledger found and moved aside a torn
	// last line (a record cut short by a crash) when it was opened.
	EventLedgerRecovery = "aims.ledger.recovery"
	// EventLedgerCheckpoint carries every signed checkpoint (the signed
	// note is the body) out of the host, so an auditor can detect a
	// rollback, truncation or rebuilt ledger from the telemetry alone.
	EventLedgerCheckpoint = "aims.ledger.checkpoint"
	// EventLedgerAdoption reports that Open adopted records no checkpoint
	// covered (after a crash, or explicitly with ledger.WithAdoption) and
	// wrote an adoption entry naming the range and the reason.
	EventLedgerAdoption = "aims.ledger.adoption"
	// EventLedgerCheckpointCosigned carries a checkpoint cosigned by
	// witnesses: its body is the signed note with the ledger's signature
	// and the witnesses' cosignatures, as appended to cosigned.jsonl.
	EventLedgerCheckpointCosigned = "aims.ledger.checkpoint.cosigned"
	// EventLedgerWitnessError reports that a witness did not cosign a
	// checkpoint: it was unreachable, or it refused (an ERROR when it holds
	// a view of the ledger the checkpoint is not consistent with).
	EventLedgerWitnessError = "aims.ledger.witness.error"
)

// Metric names of the decision ledger.
const (
	// MetricLedgerQueueDepth is the number of records waiting to be written.
	MetricLedgerQueueDepth = "aims.ledger.queue.depth"
	// MetricLedgerWritten counts records written to the ledger.
	MetricLedgerWritten = "aims.ledger.records.written"
	// MetricLedgerDropped counts records dropped because the queue was full
	// (only in drop mode; the default mode blocks instead).
	MetricLedgerDropped = "aims.ledger.records.dropped"
	// MetricLedgerCheckpoints counts signed checkpoints written.
	MetricLedgerCheckpoints = "aims.ledger.checkpoints"
	// MetricLedgerTornRecords counts torn last lines found and moved aside on open.
	MetricLedgerTornRecords = "aims.ledger.recovery.torn"
	// MetricLedgerErrors counts write, sync and checkpoint errors.
	MetricLedgerErrors = "aims.ledger.errors"
	// MetricLedgerWitnessCosignatures counts checkpoints a witness cosigned.
	MetricLedgerWitnessCosignatures = "aims.ledger.witness.cosignatures"
	// MetricLedgerWitnessErrors counts checkpoints a witness did not cosign
	// (unreachable, timed out or refused).
	MetricLedgerWitnessErrors = "aims.ledger.witness.errors"
)

var _ = register(
	Entry{Name: ScopeLedger, Kind: KindScope, Package: "aims/ledger", Brief: "instrumentation scope of package aims/ledger"},
	Entry{Name: string(AimsLedgerOrigin), Kind: KindAttribute, Type: "string", Package: "aims/ledger", Brief: "checkpoint origin of a ledger (system and instance)"},
	Entry{Name: string(AimsLedgerSegment), Kind: KindAttribute, Type: "string", Package: "aims/ledger", Brief: "ledger segment file name"},
	Entry{Name: string(AimsLedgerSeq), Kind: KindAttribute, Type: "int", Package: "aims/ledger", Brief: "sequence number (Merkle leaf index) of a ledger record"},
	Entry{Name: string(AimsLedgerTreeSize), Kind: KindAttribute, Type: "int", Package: "aims/ledger", Brief: "records covered by a checkpoint"},
	Entry{Name: string(AimsLedgerTornBytes), Kind: KindAttribute, Type: "int", Package: "aims/ledger", Brief: "bytes of a torn last line moved aside on recovery"},
	Entry{Name: string(AimsLedgerTornFile), Kind: KindAttribute, Type: "string", Package: "aims/ledger", Brief: "file a torn last line was moved to"},
	Entry{Name: string(AimsLedgerRootHash), Kind: KindAttribute, Type: "string", Package: "aims/ledger", Brief: "base64 Merkle root hash signed by a checkpoint"},
	Entry{Name: string(AimsLedgerAdoptedFirst), Kind: KindAttribute, Type: "int", Package: "aims/ledger", Brief: "first record of a range adopted at restart"},
	Entry{Name: string(AimsLedgerAdoptedLast), Kind: KindAttribute, Type: "int", Package: "aims/ledger", Brief: "last record of a range adopted at restart"},
	Entry{Name: string(AimsLedgerAdoptionReason), Kind: KindAttribute, Type: "string", Package: "aims/ledger", Brief: "why records no checkpoint covered were adopted"},
	Entry{Name: EventLedgerCheckpoint, Kind: KindEvent, Package: "aims/ledger", Brief: "a signed checkpoint, the signed note as body (A.6.2.8)"},
	Entry{Name: EventLedgerAdoption, Kind: KindEvent, Package: "aims/ledger", Brief: "records no checkpoint covered adopted at restart, with range and reason (A.6.2.8)"},
	Entry{Name: string(AimsLedgerWitness), Kind: KindAttribute, Type: "string", Package: "aims/ledger", Brief: "name of a witness of the ledger"},
	Entry{Name: string(AimsLedgerWitnesses), Kind: KindAttribute, Type: "string[]", Package: "aims/ledger", Brief: "names of the witnesses that cosigned a checkpoint"},
	Entry{Name: EventLedgerRecovery, Kind: KindEvent, Package: "aims/ledger", Brief: "torn last line found and moved aside on open (A.6.2.8)"},
	Entry{Name: EventLedgerCheckpointCosigned, Kind: KindEvent, Package: "aims/ledger", Brief: "checkpoint cosigned by witnesses; body is the cosigned note (A.6.2.8)"},
	Entry{Name: EventLedgerWitnessError, Kind: KindEvent, Package: "aims/ledger", Brief: "a witness did not cosign a checkpoint: unreachable, or refused it"},
	Entry{Name: MetricLedgerQueueDepth, Kind: KindMetric, Type: "updowncounter", Unit: "{record}", Package: "aims/ledger", Brief: "records queued, not yet written"},
	Entry{Name: MetricLedgerWritten, Kind: KindMetric, Type: "counter", Unit: "{record}", Package: "aims/ledger", Brief: "records written to the ledger"},
	Entry{Name: MetricLedgerDropped, Kind: KindMetric, Type: "counter", Unit: "{record}", Package: "aims/ledger", Brief: "records dropped on a full queue (drop mode only)"},
	Entry{Name: MetricLedgerCheckpoints, Kind: KindMetric, Type: "counter", Unit: "{checkpoint}", Package: "aims/ledger", Brief: "signed checkpoints written"},
	Entry{Name: MetricLedgerTornRecords, Kind: KindMetric, Type: "counter", Unit: "{record}", Package: "aims/ledger", Brief: "torn last lines moved aside on open"},
	Entry{Name: MetricLedgerErrors, Kind: KindMetric, Type: "counter", Unit: "{error}", Package: "aims/ledger", Brief: "ledger write, sync and checkpoint errors"},
	Entry{Name: MetricLedgerWitnessCosignatures, Kind: KindMetric, Type: "counter", Unit: "{cosignature}", Package: "aims/ledger", Brief: "checkpoints cosigned, per witness"},
	Entry{Name: MetricLedgerWitnessErrors, Kind: KindMetric, Type: "counter", Unit: "{error}", Package: "aims/ledger", Brief: "checkpoints a witness did not cosign, per witness"},
)
