package oversight

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aimskit/aimskit/aims"
)

// Reviewer is an authenticated person acting on tickets. Authentication is
// the application's job (see Authenticator for the console); the Gate
// trusts the identity it is given, normalised (NormalizeID) before any
// comparison.
type Reviewer struct {
	ID    string   `json:"id"`              // the authenticated identity; empty means unauthenticated
	Roles []string `json:"roles,omitempty"` // roles the Authorizer checks (see HasRole)
}

// HasRole reports whether r holds role.
func (r Reviewer) HasRole(role string) bool { return slices.Contains(r.Roles, role) }

func (r Reviewer) hasAnyRole(roles []string) bool {
	return slices.ContainsFunc(roles, r.HasRole)
}

// Authorizer decides who may act on which ticket.
type Authorizer interface {
	// Authorize returns nil if r may take action on t, else an error
	// wrapping ErrForbidden that says why. It must not modify t.
	Authorize(ctx context.Context, r Reviewer, action aims.OversightAction, t *Ticket) error
	// RequiredApprovals is how many distinct reviewers must agree (the
	// same approval, rejection or override to the same output) before the
	// ticket resolves; at least 1.
	RequiredApprovals(t *Ticket) int
}

// LevelLimiter is implemented by Authorizers that allow a reviewer only up
// to some escalation level; Gate.Claim uses it to hand reviewers only
// tickets they may act on.
type LevelLimiter interface {
	// MaxLevel is the highest level r may act on, AnyLevel for no limit,
	// or NoLevel if r may act on none.
	MaxLevel(r Reviewer) int
}

// NoLevel is what LevelLimiter.MaxLevel returns for a reviewer who may not
// act at any escalation level.
const NoLevel = -2

// roleAuthorizer implements RoleBased.
type roleAuthorizer struct{ levels []string }

// RoleBased allows a reviewer to act on a ticket at escalation level L if
// the reviewer holds the role for level L or for any higher level:
// RoleBased("reviewer", "supervisor") lets reviewers and supervisors act
// on fresh tickets and only supervisors on escalated ones. Tickets
// escalated beyond the last level need the last role.
func RoleBased(levelRoles ...string) Authorizer {
	return roleAuthorizer{levels: append([]string(nil), levelRoles...)}
}

func (a roleAuthorizer) Authorize(_ context.Context, r Reviewer, _ aims.OversightAction, t *Ticket) error {
	if len(a.levels) == 0 {
		return fmt.Errorf("%w: no reviewer roles are configured", ErrForbidden)
	}
	from := min(t.Level, len(a.levels)-1)
	for _, role := range a.levels[from:] {
		if r.HasRole(role) {
			return nil
		}
	}
	return fmt.Errorf("%w: reviewer %q has none of the roles %q needed at escalation level %d",
		ErrForbidden, r.ID, a.levels[from:], t.Level)
}

func (roleAuthorizer) RequiredApprovals(*Ticket) int { return 1 }

// MaxLevel implements LevelLimiter: the role for level j lets a reviewer
// act on levels 0..j, and the last role on every level.
func (a roleAuthorizer) MaxLevel(r Reviewer) int {
	for j := len(a.levels) - 1; j >= 0; j-- {
		if r.HasRole(a.levels[j]) {
			if j == len(a.levels)-1 {
				return AnyLevel
			}
			return j
		}
	}
	return NoLevel
}

// fourEyes implements FourEyes.
type fourEyes struct{}

// FourEyes enforces the four-eyes principle: nobody reviews a decision
// they submitted, nor a ticket they are excluded from (the submitter or a
// reviewer of a contested decision), and decisions of high-risk (or unspecified-risk)
// systems need two distinct reviewers who agree. Identities are compared
// normalised (NormalizeID).
func FourEyes() Authorizer { return fourEyes{} }

func (fourEyes) Authorize(_ context.Context, r Reviewer, _ aims.OversightAction, t *Ticket) error {
	if t.Submitter != "" && sameID(r.ID, t.Submitter) {
		return fmt.Errorf("%w: reviewer %q submitted this decision and may not review it (four-eyes)", ErrForbidden, r.ID)
	}
	if slices.ContainsFunc(t.Excluded, func(id string) bool { return sameID(id, r.ID) }) {
		return fmt.Errorf("%w: reviewer %q is excluded from ticket %s (submitted or reviewed the contested decision)", ErrForbidden, r.ID, t.ID)
	}
	return nil
}

func (fourEyes) RequiredApprovals(t *Ticket) int {
	if t.Risk.AtLeast(aims.RiskHigh) {
		return 2
	}
	return 1
}

// sod implements SegregationOfDuties.
type sod struct{ roles []string }

// SegregationOfDuties refuses reviewers who hold a role incompatible with
// reviewing, either globally (role "developer") or for the ticket's
// system (role "developer:<system ID>"): those who build or operate a
// system do not sign off its decisions.
func SegregationOfDuties(incompatibleRoles ...string) Authorizer {
	return sod{roles: append([]string(nil), incompatibleRoles...)}
}

func (s sod) Authorize(_ context.Context, r Reviewer, _ aims.OversightAction, t *Ticket) error {
	for _, role := range s.roles {
		if r.HasRole(role) || r.HasRole(role+":"+t.Decision.SystemID) {
			return fmt.Errorf("%w: reviewer %q holds role %q, incompatible with reviewing system %q (segregation of duties)",
				ErrForbidden, r.ID, role, t.Decision.SystemID)
		}
	}
	return nil
}

func (sod) RequiredApprovals(*Ticket) int { return 1 }

// allOf implements AllOf.
type allOf []Authorizer

// AllOf requires every authorizer to allow; the required number of
// approvals is the largest any of them asks for.
func AllOf(authorizers ...Authorizer) Authorizer {
	return allOf(append([]Authorizer(nil), authorizers...))
}

func (as allOf) Authorize(ctx context.Context, r Reviewer, action aims.OversightAction, t *Ticket) error {
	var errs []error
	for _, a := range as {
		if err := a.Authorize(ctx, r, action, t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// MaxLevel implements LevelLimiter: the tightest limit of the members
// that have one.
func (as allOf) MaxLevel(r Reviewer) int {
	limit := AnyLevel
	for _, a := range as {
		ll, ok := a.(LevelLimiter)
		if !ok {
			continue
		}
		m := ll.MaxLevel(r)
		switch {
		case m == NoLevel:
			return NoLevel
		case m == AnyLevel:
		case limit == AnyLevel || m < limit:
			limit = m
		}
	}
	return limit
}

func (as allOf) RequiredApprovals(t *Ticket) int {
	n := 1
	for _, a := range as {
		n = max(n, a.RequiredApprovals(t))
	}
	return n
}
