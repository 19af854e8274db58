package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// ErrUncovered is returned (wrapped) by Open for a ledger holding records
// that no signed checkpoint covers where a crash cannot explain them:
// records after a clean shutdown's closed checkpoint, or records without
// any checkpoint history. Signing them silently would vouch for whatever
// someone wrote into the directory while the service was down. Verify the
// ledger against checkpoints kept outside the host, then open it
// WithAdoption to adopt them with a recorded reason.
var ErrUncovered = errors.New("ledger: records no signed checkpoint covers")

// entryPrefix starts every entry the ledger writes itself; Append refuses
// records that start with it, so an entry cannot be forged through Append
// and readers can tell entries from records without parsing every line.
var entryPrefix = []byte(`{"aims_ledger_entry":`)

// Adoption is the entry Open writes into the ledger when it adopts records
// that no signed checkpoint covered, before it signs a checkpoint over
// them: the records First to Last were not signed when written, so the
// evidence says so, and Verify and the audit report show it.
type Adoption struct {
	// Entry is always "adoption".
	Entry string `json:"aims_ledger_entry"`
	// First is the sequence number of the first adopted record.
	First int64 `json:"first"`
	// Last is the sequence number of the last adopted record.
	Last int64 `json:"last"`
	// Reason says why they were adopted: a crash of the previous run, or
	// the reason given to WithAdoption.
	Reason string `json:"reason"`
	// Explicit is set when an operator adopted the records (WithAdoption)
	// because no crash explains them.
	Explicit bool `json:"explicit"`
	// AfterSize is the size of the latest checkpoint before the adopted
	// range (zero when there was none).
	AfterSize int64 `json:"after_size"`
	// AfterRoot is the base64 root of that checkpoint (empty when there
	// was none).
	AfterRoot string `json:"after_root,omitempty"`
	// Time is when the records were adopted.
	Time time.Time `json:"time"`
	// Seq is the sequence number of the adoption entry itself; it is set
	// by the readers, not stored.
	Seq int64 `json:"-"`
}

// isEntry reports whether a record is one of the ledger's own entries.
func isEntry(record []byte) bool { return bytes.HasPrefix(record, entryPrefix) }

// parseAdoption parses an adoption entry found at seq.
func parseAdoption(record []byte, seq int64) (Adoption, error) {
	var a Adoption
	if err := json.Unmarshal(record, &a); err != nil {
		return a, fmt.Errorf("malformed ledger entry: %v", err)
	}
	if a.Entry != "adoption" {
		return a, fmt.Errorf("unknown ledger entry %q", a.Entry)
	}
	a.Seq = seq
	return a, nil
}

// adoptionReason decides whether Open may adopt the records after the
// latest checkpoint (l.last; hadHistory says whether there was one) and
// returns the reason to record, or an error wrapping ErrUncovered.
func (l *Ledger) adoptionReason(hadHistory bool) (reason string, explicit bool, err error) {
	first, last := l.last.Size, l.tree.n-1
	switch {
	case !hadHistory:
		if l.cfg.adoption == "" {
			return "", false, fmt.Errorf("%w: %s holds %d records but no checkpoint history (%s is missing); it may have been deleted to hide rewritten records: verify the ledger against checkpoints kept outside the host (aimsaudit verify --checkpoints), then open it WithAdoption(reason)",
				ErrUncovered, l.dir, l.tree.n, checkpointsFile)
		}
		return l.cfg.adoption, true, nil
	case l.last.Closed:
		if l.cfg.adoption == "" {
			return "", false, fmt.Errorf("%w: records %d to %d of %s were appended after the ledger was closed cleanly (checkpoint of %d records signed %s), so its writer did not write them: verify the ledger, then open it WithAdoption(reason)",
				ErrUncovered, first, last, l.dir, l.last.Size, l.last.Time.Format(time.RFC3339))
		}
		return l.cfg.adoption, true, nil
	default:
		return fmt.Sprintf("crash recovery: records %d to %d were written after the last checkpoint (%d records, signed %s) by a run that stopped without closing the ledger",
			first, last, l.last.Size, l.last.Time.Format(time.RFC3339)), false, nil
	}
}

// adopt writes the adoption entry for the records after l.last, makes it
// durable, signs a checkpoint over everything and reports the adoption as
// a warning log record. It runs in Open, before the writer starts.
func (l *Ledger) adopt(reason string, explicit bool) error {
	a := Adoption{
		Entry:     "adoption",
		First:     l.last.Size,
		Last:      l.tree.n - 1,
		Reason:    reason,
		Explicit:  explicit,
		AfterSize: l.last.Size,
		Time:      l.cfg.now().UTC(),
	}
	if l.lastNote != nil {
		a.AfterRoot = base64.StdEncoding.EncodeToString(l.last.Root[:])
	}
	rec, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("ledger: encoding adoption entry: %w", err)
	}
	seq := l.tree.n
	if err := l.writeRecord(rec); err != nil {
		return fmt.Errorf("ledger: writing adoption entry: %w", err)
	}
	if err := l.checkpoint(false); err != nil {
		return err
	}
	var r log.Record
	r.SetEventName(semconv.EventLedgerAdoption)
	r.SetTimestamp(a.Time)
	r.SetSeverity(log.SeverityWarn)
	r.SetSeverityText("WARN")
	r.SetBody(attribute.StringValue(fmt.Sprintf("ledger %s: adopted records %d to %d, which no signed checkpoint covered, with the adoption entry at record %d: %s", l.origin, a.First, a.Last, seq, reason)))
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlEventLogs),
		semconv.AimsLedgerOrigin.String(l.origin),
		semconv.AimsLedgerSeq.Int64(seq),
		semconv.AimsLedgerAdoptedFirst.Int64(a.First),
		semconv.AimsLedgerAdoptedLast.Int64(a.Last),
		semconv.AimsLedgerAdoptionReason.String(reason),
	)
	l.logger.Emit(context.Background(), r)
	return nil
}
