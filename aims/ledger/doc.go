// Package ledger is the tamper-evident, crash-safe, append-only store
// behind aims.DecisionLog (ISO/IEC 42001 Annex A.6.2.8 event logs; EU AI
// Act Art. 12 record-keeping and Art. 19/26(6) retention).
//
// # Layout on disk
//
// A ledger is one directory written by one instance of one AI system:
//
//	seg-00000000000000000000.jsonl   records 0 …
//	seg-00000000000000001000.jsonl   records 1000 … (rotated by size or age)
//	checkpoints.jsonl                every signed checkpoint, oldest first
//	checkpoint                       the latest signed checkpoint
//	cosigned.jsonl                   checkpoints cosigned by witnesses (WithWitnesses)
//	witnesses.json                   per witness, the tree it last cosigned
//
// Each record is one JSON line
//
//	{"seq":17,"leaf":"<hex SHA-256 leaf hash>","record":{…the decision…}}
//
// where seq is the record's index in the log and leaf is the RFC 6962 /
// RFC 9162 leaf hash SHA-256(0x00 || record bytes) of the exact bytes of
// the record value. The leaves form a Merkle tree whose math is done by
// golang.org/x/mod/sumdb/tlog. Every N records, every T seconds and on
// Close the ledger signs a checkpoint in the C2SP signed-note checkpoint
// format (https://c2sp.org/tlog-checkpoint) with Ed25519
// (golang.org/x/mod/sumdb/note):
//
//	aimskit.ledger/<system>/<instance>
//	<tree size>
//	<base64 root hash>
//	time <RFC 3339 time>
//	closed                  (only on the checkpoint of a clean Close)
//
//	— <key name> <base64 signature>
//
// A new ledger signs an empty checkpoint at once, so the history exists
// from the first record on. Every checkpoint is also emitted as an
// aims.ledger.checkpoint log record whose body is the signed note: the
// copies that reach the OpenTelemetry Collector are kept outside the
// ledger's host.
//
// # Durability
//
// [Ledger.Append] returns once its record is on disk. The writer shares
// one fsync among every record that arrived while the previous fsync ran
// (group commit), so concurrent callers keep throughput. A crash loses
// nothing Append acknowledged. The queue-only mode, WithWaitDurable(false),
// returns once the record is queued; a crash can then lose up to a queue of
// acknowledged records.
//
// # Restart vouches only for what it can
//
// Records after the latest checkpoint when Open runs were written but not
// signed. When a crash of the previous run explains them, Open adopts them
// with an [Adoption] entry in the ledger (range and reason) and an
// aims.ledger.adoption warning, then signs over them; Verify lists every
// adoption. Records after a clean Close's closed checkpoint, or a ledger
// whose checkpoint history is missing, are not what a crash leaves: Open
// refuses them ([ErrUncovered]) unless [WithAdoption] gives the reason,
// which is recorded the same way.
//
// # What verification proves
//
// [Verify] recomputes every leaf and the tree, checks each checkpoint's
// signature with the public verifier key only, checks that every
// checkpoint is consistent with the earlier ones (RFC 6962 consistency
// proofs) and that every record is covered by a signed checkpoint. A
// naive edit, a deleted or reordered record, a truncated or removed
// segment and an unsigned appended record are located at the exact
// segment, line and sequence number. An attacker who also rewrites the
// leaf and seq fields cannot forge the signed root: verification then
// reports the checkpoint whose root no longer matches and the range of
// sequence numbers it covers, since a Merkle root alone cannot say which
// leaf changed.
//
// The directory alone cannot prove it was not rolled back, emptied, or
// rebuilt by someone holding the signing key: all of those are
// self-consistent. [VerifyOptions.External] takes the checkpoints kept
// outside the host (the Collector's aims.ledger.checkpoint records, an
// auditor's copies) and fails a ledger that holds fewer records than one
// covers or hashes to another root at its size; [VerifyOptions.Witnesses]
// requires checkpoints cosigned by independent witnesses (C2SP
// tlog-witness, k of n), which an insider cannot get for a rebuilt
// ledger. Verify streams: its memory is the tree's frontier (one hash per
// level), not the number of records.
//
// # Keys
//
// The private key that signs checkpoints comes from a file outside the
// ledger directory ([LoadSigner]), the environment ([SignerFromEnv]), or
// stays in a KMS, HSM or similar and signs through a crypto.Signer
// ([NewCryptoSigner]). The public verifier key ([CryptoSigner.VerifierKey],
// [VerifierKeyOf]) must reach auditors by another path than the ledger
// itself (the inventory registration, the Statement of Applicability): a
// key stored beside the ledger proves nothing, since whoever rewrites the
// ledger can replace that key too.
//
// # Witnesses
//
// A signature by the ledger's own key proves nothing against whoever holds
// that key: a rebuilt or rolled-back ledger signs just as well. Opened
// [WithWitnesses], the ledger submits each checkpoint in the background to
// witnesses (C2SP tlog-witness), which cosign it only if it is consistent
// with what they cosigned before; package aims/ledger/witness has the HTTP
// client and the k-of-n [WitnessPolicy] an auditor checks the cosigned
// checkpoints of cosigned.jsonl against.
//
// # Torn and corrupt lines
//
// Recovery in [Open], [Scan], [Verify] and [Ledger.Prune] read the files
// through one reader with one rule, so the same bytes are classified the
// same way whoever reads them, as a [*LineError] naming the file, line,
// byte offset and record:
//
//   - a last line without its terminating newline is a torn write
//     ([Torn], [ErrTorn]) and is never taken for a record;
//   - a complete line that does not parse, holds the wrong sequence number
//     or whose leaf hash does not match its record is corrupt ([Corrupt],
//     [ErrCorrupt]): a modification or a disk fault, never torn.
//
// Open moves aside, to a ".torn-<n>" file, only what a crash can leave:
// a torn last line of checkpoints.jsonl or cosigned.jsonl, the leaf
// hashes a Prune was saving for a segment it had not yet removed, and
// damage among the records of the last segment that no checkpoint covers
// (a killed process tears the last line; a machine crash in a mode that
// does not fsync every record can leave garbage over the unsynced tail).
// It reports each as what it is, in an aims.ledger.recovery error log
// record, a metric and [Ledger.Recovered]. Damage anywhere else makes
// Open refuse the ledger without changing it. Verify reports the first
// damaged line; with AllowPending it skips what Open would move aside (a
// running writer also leaves a torn last line between two flushes), and
// says so in the [Report]. Scan stops at a damaged line after handing
// over every record before it.
//
// Writing a record takes no network hop: records are written by one
// goroutine and made durable by group commit (the default), fsync per
// record, or left to the OS. Open takes a context because recovery reads
// every segment.
package ledger
