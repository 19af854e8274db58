package oversight

import (
	"errors"
	"fmt"
)

// Errors returned by the Gate and the stores. They are wrapped with
// details (which ticket, which reviewer, which role); test with errors.Is.
var (
	// ErrTicketNotFound: no ticket with that ID exists in the store.
	ErrTicketNotFound = errors.New("oversight: ticket not found")
	// ErrTicketExists: a ticket with that ID is already in the store.
	ErrTicketExists = errors.New("oversight: ticket already exists")
	// ErrQueueEmpty: no open ticket is available to claim.
	ErrQueueEmpty = errors.New("oversight: no open ticket to claim")
	// ErrAlreadyResolved: the ticket was already approved, rejected or overridden.
	ErrAlreadyResolved = errors.New("oversight: ticket already resolved")
	// ErrAlreadyActed: this reviewer already acted on the ticket.
	ErrAlreadyActed = errors.New("oversight: reviewer already acted on this ticket")
	// ErrTicketExpired: the ticket's final deadline passed and the fail-safe denied it.
	ErrTicketExpired = errors.New("oversight: ticket expired")
	// ErrReasonRequired: an override (or halt, or contest) needs a reason.
	ErrReasonRequired = errors.New("oversight: a reason is required")
	// ErrReasonTooLong: a reason or contest grounds longer than
	// MaxReasonBytes.
	ErrReasonTooLong = errors.New("oversight: reason too long")
	// ErrOutputRequired: an override needs a new output that differs from the model's.
	ErrOutputRequired = errors.New("oversight: an override needs a new output")
	// ErrOutcomeNotDeclared: an override to an output the system does not
	// declare (aims.WithOutcomes).
	ErrOutcomeNotDeclared = errors.New("oversight: the system does not declare that outcome")
	// ErrUnauthenticated: the reviewer has no identity.
	ErrUnauthenticated = errors.New("oversight: reviewer is not authenticated")
	// ErrForbidden: the Authorizer refused the reviewer.
	ErrForbidden = errors.New("oversight: reviewer is not allowed to act")
	// ErrClaimed: another reviewer holds an unexpired claim on the ticket.
	ErrClaimed = errors.New("oversight: ticket is claimed by another reviewer")
	// ErrHeld: the final deadline passed and the fail-safe keeps the
	// decision held; it is not applied until a reviewer acts.
	ErrHeld = errors.New("oversight: review deadline passed; decision stays held")
	// ErrDecisionNotFound: Contest could not find the decision.
	ErrDecisionNotFound = errors.New("oversight: decision not found")
	// ErrInvalidID: a reviewer, submitter or system ID is malformed
	// (control characters, too long, or characters a system ID may not
	// hold).
	ErrInvalidID = errors.New("oversight: invalid identity")
	// ErrUnknownSystem: Halt named a system the Gate does not know (see
	// WithSystems and Force).
	ErrUnknownSystem = errors.New("oversight: unknown system")
	// ErrAlreadyContested: the decision has a contest that is still open;
	// there is at most one open contest per decision.
	ErrAlreadyContested = errors.New("oversight: decision already contested")
	// ErrClosed: the Gate was closed.
	ErrClosed = errors.New("oversight: gate closed")
	// ErrQueueFull: the review queue holds as many open tickets as the
	// Gate allows (WithMaxOpenTickets); the decision was not held (nothing
	// stored, recorded or applied) or the contest not opened. A service
	// answers it with 503 and Retry-After.
	ErrQueueFull = errors.New("oversight: the review queue is full")
	// ErrTooManyContests: the person the contested decision affects (its
	// Subject) already has as many open contests as the Gate allows
	// (WithMaxOpenContestsPerSubject); the contest was not opened. It
	// wraps ErrQueueFull. A service answers it with 429: that person may
	// contest again once one of their contests is resolved.
	ErrTooManyContests = fmt.Errorf("%w: too many open contests of one person", ErrQueueFull)
	// ErrHalted: the decision's system is halted, so the model's output of a
	// held decision may not be approved (see Gate.Halt).
	ErrHalted = errors.New("oversight: system halted")
)

// errNoChange tells a Store.Update that the function left the ticket as it
// was, so nothing needs to be written.
var errNoChange = errors.New("oversight: no change")
