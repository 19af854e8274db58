package ledger

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Witnesses anchor a ledger beyond its host. A witness (C2SP tlog-witness)
// remembers the latest checkpoint it cosigned for each origin and cosigns
// a new one only when it is consistent with that: an RFC 6962 consistency
// proof shows the old tree is a prefix of the new one. A ledger rebuilt,
// truncated or forked after a witness cosigned it can therefore no longer
// collect that witness's cosignature, and an auditor who requires k of n
// cosignatures (WitnessPolicy) detects it without having kept anything.
//
// A ledger opened WithWitnesses submits every checkpoint it signs to each
// witness in the background; see WithWitnesses for what it stores and
// emits.

// Witness is one witness that cosigns the ledger's checkpoints, typically
// a *witness.Client speaking the C2SP tlog-witness protocol over HTTP.
type Witness interface {
	// Name identifies the witness in the ledger's state file
	// (witnesses.json), its metrics and its log records. It must be unique
	// among the ledger's witnesses and stable across restarts.
	Name() string
	// AddCheckpoint asks the witness to cosign signedCheckpoint (a signed
	// note), given the size of the checkpoint it last cosigned for this
	// ledger (0 if none) and the consistency proof from that size to the
	// new one. It returns the witness's cosignatures: signed-note signature
	// lines ("— name base64\n"). When the witness's last cosigned size is
	// not oldSize it returns a *WitnessSizeError.
	AddCheckpoint(ctx context.Context, oldSize int64, proof tlog.TreeProof, signedCheckpoint []byte) (cosignatures []byte, err error)
}

// WitnessSizeError is the error of a witness that refused a checkpoint
// because it last cosigned a checkpoint of another size than the old size
// it was given (a 409 Conflict answer, C2SP tlog-witness). The ledger
// retries once from that size.
type WitnessSizeError struct {
	// Size is the size of the latest checkpoint the witness cosigned for
	// this ledger's origin.
	Size int64
}

// Error says which size the witness knows.
func (e *WitnessSizeError) Error() string {
	return fmt.Sprintf("witness last cosigned a checkpoint of size %d", e.Size)
}

// DefaultWitnessTimeout bounds one request to one witness.
const DefaultWitnessTimeout = 10 * time.Second

// WithWitnesses submits every checkpoint the ledger signs to the given
// witnesses, in the background: never on the writer's goroutine, never on
// Append's path. Checkpoints signed while a submission is in flight are
// superseded by the latest one. For each witness the ledger keeps, in
// witnesses.json in its directory, the size it last cosigned and the
// hashes needed to prove consistency from there (O(log n) of them), so a
// restarted ledger carries on without rereading its records; it rereads
// only the records added since.
//
// Each checkpoint cosigned by at least one witness is appended (and
// fsynced) to cosigned.jsonl in the ledger directory, one {"note": …} line
// holding the ledger's signed note with every witness's cosignature lines
// added, and emitted as an aims.ledger.checkpoint.cosigned log record whose
// body is that note. A witness that fails or refuses is counted
// (aims.ledger.witness.errors) and reported as an aims.ledger.witness.error
// log record; it never fails the ledger. Close submits the final checkpoint
// and waits for it until its context is done.
//
// Each witness needs a distinct, non-empty Name.
func WithWitnesses(ws ...Witness) Option {
	return optionFunc(func(c *config) {
		for _, w := range ws {
			if w == nil {
				c.invalid("WithWitnesses: witness is nil")
				continue
			}
			name := w.Name()
			if name == "" {
				c.invalid("WithWitnesses: a witness has an empty name")
				continue
			}
			dup := false
			for _, o := range c.witnesses {
				dup = dup || o.Name() == name
			}
			if dup {
				c.invalid("WithWitnesses: two witnesses are named %q", name)
				continue
			}
			c.witnesses = append(c.witnesses, w)
		}
	})
}

// WithWitnessTimeout bounds each request to a witness (default
// DefaultWitnessTimeout). It must be positive.
func WithWitnessTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.invalid("WithWitnessTimeout: timeout %v must be positive", d)
			return
		}
		c.witnessTimeout = d
	})
}
