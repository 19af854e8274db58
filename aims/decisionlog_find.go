package aims

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aimskit/aimskit/aims/ledger"
)

// ErrDecisionNotRecorded is returned by FindDecision when the decision log
// has no decision with the ID asked for (or no ledger to look in).
var ErrDecisionNotRecorded = errors.New("aims: no such decision in the decision log")

// errFound stops the ledger scan at the decision looked for.
var errFound = errors.New("found")

// FindDecision returns the decision recorded with id, read back from the
// ledger: the record as it was written, with its oversight outcome. It is
// the durable lookup an oversight gate falls back on for a decision its
// store does not know (for example one whose index entry a crash lost),
// so the ledger is the source of truth for what was decided.
//
// It reads the ledger's segments from the newest on (ledger.ScanNewestFirst),
// so a recent decision is found after the newest segment, while an ID the
// ledger does not hold costs a read of the whole ledger: it is meant for
// the rare lookup that nothing faster answers, not for the request path.
// A decision recorded twice (a retried Submit) is found as last recorded.
// Without a ledger it returns ErrDecisionNotRecorded. With a queue-only
// ledger (ledger.WithWaitDurable(false)), Record returns before its record
// is written, so FindDecision first flushes the ledger: a record Record
// accepted is found, and a gate asking whether a retried decision was
// recorded does not record it twice. A failed flush is returned as it is,
// never as "not recorded".
func (l *DecisionLog) FindDecision(ctx context.Context, id string) (Decision, error) {
	if l.ledger == nil {
		return Decision{}, fmt.Errorf("%w: %s (the decision log keeps no ledger)", ErrDecisionNotRecorded, id)
	}
	if id == "" {
		return Decision{}, fmt.Errorf("%w: empty decision ID", ErrDecisionNotRecorded)
	}
	if !l.ledger.WaitsDurable() {
		if err := l.ledger.Flush(ctx); err != nil {
			return Decision{}, fmt.Errorf("aims: looking up decision %s: writing the queued records first: %w", id, err)
		}
	}
	// Decisions are encoded by encoding/json, which writes the ID as
	// "id":"…" with no space; only records holding that text are decoded.
	// An ID that JSON would escape is matched by its decoded form.
	needle, err := json.Marshal(id)
	if err != nil {
		return Decision{}, fmt.Errorf("aims: decision ID %q: %w", id, err)
	}
	needle = append([]byte(`"id":`), needle...)
	var (
		found    Decision
		foundSeg string // the segment found holds: read to its end for a later record
	)
	err = ledger.ScanNewestFirst(l.ledger.Dir(), func(r ledger.ScannedRecord) error {
		if foundSeg != "" && r.Segment != foundSeg {
			return errFound // an older segment: found is the last record
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !bytes.Contains(r.Record, needle) {
			return nil
		}
		var d Decision
		if json.Unmarshal(r.Record, &d) != nil || d.ID != id || d.SchemaVersion != DecisionSchemaVersion {
			return nil // a management record, or the text inside another member
		}
		found, foundSeg = d, r.Segment
		return nil
	})
	switch {
	case errors.Is(err, errFound) || (err == nil && foundSeg != ""):
		return found, nil
	case err == nil:
		return Decision{}, fmt.Errorf("%w: %s", ErrDecisionNotRecorded, id)
	default:
		return Decision{}, fmt.Errorf("aims: looking up decision %s in the ledger: %w", id, err)
	}
}

// FindsEveryRecorded reports whether FindDecision finds every decision
// whose Record returned without error, also after the process crashed:
// the log has a ledger that acknowledges only durable records (the
// ledger's default). An oversight gate then need not make its own index
// of decisions durable before it answers; the ledger already is.
func (l *DecisionLog) FindsEveryRecorded() bool {
	return l.ledger != nil && l.ledger.WaitsDurable()
}

// FindDecision returns the decision recorded with id from the system's
// ledger (DecisionLog.FindDecision).
func (s *System) FindDecision(ctx context.Context, id string) (Decision, error) {
	return s.log.FindDecision(ctx, id)
}

// FindsEveryRecorded reports whether FindDecision finds every decision
// Record accepted, also after a crash (DecisionLog.FindsEveryRecorded).
func (s *System) FindsEveryRecorded() bool { return s.log.FindsEveryRecorded() }
