// Package witness lets a ledger's checkpoints be cosigned by witnesses
// and lets an auditor require those cosignatures.
//
// A witness (C2SP tlog-witness, https://c2sp.org/tlog-witness) keeps the
// latest checkpoint it cosigned for each log and cosigns a new one only if
// a consistency proof shows the old tree is a prefix of the new one. Its
// cosignature (C2SP tlog-cosignature) is one more signature line on the
// checkpoint's signed note. A ledger rolled back, truncated, rebuilt or
// forked after a witness saw it can no longer obtain that witness's
// cosignature, so a checkpoint carrying cosignatures of k of n independent
// witnesses was seen, consistently, beyond the host.
//
// Client submits checkpoints to one witness over HTTP; it is the
// ledger.Witness that ledger.WithWitnesses takes. Policy (ParsePolicy) is
// the auditor's side: which witnesses are trusted, with which keys, and
// how many must have cosigned (k of n, in groups); Policy.Satisfied is the
// ledger.WitnessPolicy the verifier takes, and Policy.Clients builds the
// Clients for the witnesses that have a URL. Cosignatures are verified
// with github.com/transparency-dev/formats/note, the maintained
// implementation of cosignature/v1.
package witness
