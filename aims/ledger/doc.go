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
//
//	— <key name> <base64 signature>
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
// a torn last line of checkpoints.jsonl, and damage among the records of
// the last segment that no checkpoint covers (a killed process tears the
// last line; a machine crash in a mode that does not fsync every record
// can leave garbage over the unsynced tail). It reports each as what it
// is, in an aims.ledger.recovery error log record, a metric and
// [Ledger.Recovered]. Damage anywhere else makes Open refuse the ledger
// without changing it. Verify reports the first damaged line; with
// AllowPending it skips a torn last line that no checkpoint covers, as a
// running writer leaves one between two flushes. Scan stops at a damaged
// line after handing over every record before it.
//
// Writing a record takes no network hop: records are queued, written by
// one goroutine, and made durable by fsync per record, by group commit
// every few milliseconds (the default), or left to the OS. Open takes a
// context because recovery reads every segment.
package ledger
