package oversight

import (
	"context"
	"errors"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// Recorder receives every decision record the Gate produces: the routed
// decision (apply, review, block), each reviewer action, escalations,
// expiries, halts and contests. aims.DecisionLog satisfies it.
type Recorder interface {
	// Record keeps d. An error does not undo the action d records; the
	// Gate reports it, wrapped.
	Record(ctx context.Context, d aims.Decision) error
}

// EmittedRecorder is implemented by Recorders whose Record emits a
// decision (an aims.decision log record, a count) before keeping it, and
// emits it also when keeping it fails: that error wraps
// aims.ErrNotLedgered. The Gate notes such a record on its ticket
// (Ticket.Emitted), and writes it again (Sweep) with RecordEmitted, which
// keeps it without emitting or counting it a second time. aims.System and
// aims.DecisionLog implement it.
type EmittedRecorder interface {
	// RecordEmitted keeps d, which an earlier Record emitted but did not
	// keep, without emitting it again.
	RecordEmitted(ctx context.Context, d aims.Decision) error
}

// RecorderFunc adapts a function to the Recorder interface.
type RecorderFunc func(ctx context.Context, d aims.Decision) error

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, d aims.Decision) error { return f(ctx, d) }

// DecisionFinder looks up a recorded decision by ID. Contest uses it for
// decisions that never went through a review ticket (applied
// automatically). If the Recorder also implements DecisionFinder, the Gate
// uses it unless WithDecisionFinder says otherwise.
type DecisionFinder interface {
	// FindDecision returns the decision recorded with id. When there is
	// none its error wraps ErrDecisionNotFound (or
	// aims.ErrDecisionNotRecorded, which aims.DecisionLog returns); any
	// other error means the finder could not tell (an I/O error), and the
	// Gate then acts as if the record might be there: Sweep, for one,
	// does not write it again but retries later.
	FindDecision(ctx context.Context, id string) (aims.Decision, error)
}

// notRecorded reports whether err, from DecisionFinder.FindDecision, says
// that there is no such decision (rather than that the lookup failed).
func notRecorded(err error) bool {
	return errors.Is(err, ErrDecisionNotFound) || errors.Is(err, aims.ErrDecisionNotRecorded)
}

// DurableFinder is a DecisionFinder that finds every decision whose
// Record returned without error, also after a crash: an aims.System (or
// aims.DecisionLog) whose ledger acknowledges only durable records. With
// one, the Gate may keep its decision index (WithDecisionIndex) in a
// store that makes routed tickets durable later (DeferredIndexer): an
// entry a crash loses is found again through the finder, which reads the
// durable record.
type DurableFinder interface {
	DecisionFinder
	// FindsEveryRecorded reports whether the guarantee holds for this
	// finder as configured.
	FindsEveryRecorded() bool
}

// Attempt is a refused attempt to act: an unknown ticket, acting twice, an
// override without a reason, a reviewer without the role, a submitter
// reviewing their own decision, an expired ticket, a halt without a reason.
// Nothing was changed.
type Attempt struct {
	Time     time.Time            `json:"time"`                // when the attempt was refused
	TicketID string               `json:"ticket_id,omitempty"` // the ticket acted on; empty for a halt or a contest
	Reviewer string               `json:"reviewer,omitempty"`  // the identity that tried; empty for none (or a contest)
	Action   aims.OversightAction `json:"action"`              // what was attempted
	// Refusal classifies the refusal (unknown_ticket, already_resolved,
	// already_acted, expired, reason_required, reason_too_long, output_required,
	// unauthenticated, forbidden, claimed, closed, invalid_id,
	// outcome_not_declared, already_contested, unknown_system, halted, error).
	Refusal string `json:"refusal"`
	// Error is the error returned to the caller.
	Error string `json:"error"`
}

// AttemptRecorder is implemented by Recorders that also keep refused
// attempts (for example in the audit log next to the decisions). Every
// refused attempt is in any case emitted as an aims.oversight.refused
// event and counted.
type AttemptRecorder interface {
	// RecordAttempt stores a refused attempt; its error is joined to the
	// refusal returned to the caller.
	RecordAttempt(ctx context.Context, a Attempt) error
}
