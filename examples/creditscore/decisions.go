package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// decisionLookup finds where a decision stands by its decision ID, whether
// it was applied automatically, held and reviewed, or contested since;
// oversight.Gate.Decision answers it for every decision the gate routed.
type decisionLookup interface {
	Decision(ctx context.Context, decisionID string) (oversight.Outcome, error)
}

var (
	errUnknownDecision = errors.New("no such decision")
	errNotFinal        = errors.New("the decision is still held for review")
	errLabelled        = errors.New("the decision's outcome was already reported")
)

// decisionBook keeps the decisions of this process by their IDs, as they
// stand: submitted, held, resolved by reviewers, contested; every one
// still held, and the latest maxFinalDecisions final ones. It also keeps,
// in memory only, what the monitors need and the decision record does not
// hold: the applicant's groups (sex is never recorded) for the fairness
// monitor, and which decisions' real outcomes were reported. Lookups and
// contests by decision ID go to the gate (Gate.Decision and its default
// decision finder). A production service would keep this in its
// database.
type decisionBook struct {
	mu    sync.Mutex
	byID  map[string]*bookEntry
	alias map[string]string // review and contest record ID -> decision ID
	// held maps the decisions held for review whose resolution the book
	// has not seen to their ticket IDs: what the fleet's catch-up asks the
	// shared store about, without walking every decision ever made.
	held map[string]string
	// finals are the IDs of the final decisions, oldest first from
	// finalHead on: beyond maxFinalDecisions the oldest is forgotten.
	finals    []string
	finalHead int
	// observe feeds the fairness monitor the final outcome of a decision,
	// once, when it is known (at submission for automatic ones, at
	// resolution for held ones).
	observe func(id string, groups []string, approved bool)
}

type bookEntry struct {
	out      oversight.Outcome
	groups   []string
	final    bool // applied, blocked, or resolved by a person
	observed bool // the fairness monitor has seen its final outcome
	labelled bool
	// aliases are the review and contest record IDs pointing to it.
	aliases []string
}

// maxFinalDecisions bounds the final decisions the book keeps: anyone
// may post applications, so the book must not grow with them. A final
// decision is kept for the report of its real outcome, which the fairness
// monitor accepts only for its last 100,000 decisions (its default
// WithMaxPending); beyond that the oldest is forgotten, and its outcome,
// reported later, is refused as unknown. Decisions held for review are
// kept until they are final (the gate's WithMaxOpenTickets bounds them).
const maxFinalDecisions = 100_000

// finalLocked notes that decision id became final, forgetting the oldest
// final decision beyond maxFinalDecisions. b.mu is held.
func (b *decisionBook) finalLocked(id string) {
	b.finals = append(b.finals, id)
	for len(b.finals)-b.finalHead > maxFinalDecisions {
		old := b.finals[b.finalHead]
		b.finals[b.finalHead] = ""
		b.finalHead++
		if e := b.byID[old]; e != nil && e.final {
			for _, a := range e.aliases {
				delete(b.alias, a)
			}
			delete(b.byID, old)
		}
	}
	if b.finalHead > len(b.finals)/2 {
		b.finals = append([]string(nil), b.finals[b.finalHead:]...)
		b.finalHead = 0
	}
}

func newDecisionBook(observe func(id string, groups []string, approved bool)) *decisionBook {
	return &decisionBook{byID: map[string]*bookEntry{}, alias: map[string]string{}, held: map[string]string{}, observe: observe}
}

// approved says whether a final outcome grants the loan.
func approved(out oversight.Outcome) bool { return out.Applied && out.Decision.Output == "approve" }

// prepare registers a decision before it is submitted, so a reviewer who
// resolves it before Submit returns finds it here.
func (b *decisionBook) prepare(d aims.Decision, groups []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.byID[d.ID] = &bookEntry{out: oversight.Outcome{Action: aims.ActionReview, Decision: d}, groups: groups}
}

// forget drops a decision whose submission failed.
func (b *decisionBook) forget(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.byID, id)
}

// submitted records what Submit returned.
func (b *decisionBook) submitted(out oversight.Outcome) {
	b.mu.Lock()
	e := b.byID[out.Decision.ID]
	if e == nil || e.final { // resolved already, in the reviewer's goroutine
		b.mu.Unlock()
		return
	}
	e.out = out
	if out.Pending() {
		if out.Ticket != nil {
			b.held[out.Decision.ID] = out.Ticket.ID
		}
		b.mu.Unlock()
		return
	}
	e.final = true
	b.finalLocked(out.Decision.ID)
	b.observeLocked(out.Decision.ID, e)
}

// observeLocked feeds the monitor once and unlocks b.
func (b *decisionBook) observeLocked(id string, e *bookEntry) {
	first := !e.observed
	e.observed = true
	groups, ok := e.groups, approved(e.out)
	b.mu.Unlock()
	if first && b.observe != nil {
		b.observe(id, groups, ok)
	}
}

// resolved records a resolved or expired ticket (oversight.WithOnResolved).
// The decision's entry keeps its own ID; its outcome becomes the final one.
func (b *decisionBook) resolved(out oversight.Outcome) {
	if out.Ticket == nil {
		return
	}
	b.mu.Lock()
	id := b.original(out.Ticket.Decision.ID)
	e := b.byID[id]
	if e == nil {
		b.mu.Unlock()
		return
	}
	if _, ok := b.alias[out.Decision.ID]; !ok && out.Decision.ID != id {
		b.alias[out.Decision.ID] = id
		e.aliases = append(e.aliases, out.Decision.ID)
	}
	delete(b.held, id)
	e.out = out
	if !e.final {
		e.final = true
		b.finalLocked(id)
	}
	b.observeLocked(id, e)
}

func (b *decisionBook) original(id string) string {
	for range 8 { // records chain: contest of a review of a decision
		o, ok := b.alias[id]
		if !ok {
			break
		}
		id = o
	}
	return id
}

// heldTickets returns the ticket IDs of held decisions whose resolution
// the book has not seen, of the decisions ids or, without ids, of any; at
// most limit.
func (b *decisionBook) heldTickets(limit int, ids ...string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	if len(ids) > 0 {
		for _, id := range ids {
			if t, ok := b.held[id]; ok && len(out) < limit {
				out = append(out, t)
			}
		}
		return out
	}
	for _, t := range b.held {
		if len(out) == limit {
			break
		}
		out = append(out, t)
	}
	return out
}

// label marks the decision's real outcome as reported, once, and returns
// whether its final outcome granted the loan.
func (b *decisionBook) label(id string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.byID[id]
	switch {
	case e == nil:
		return false, fmt.Errorf("%w: %s", errUnknownDecision, id)
	case !e.final:
		return false, fmt.Errorf("%w: %s", errNotFinal, id)
	case e.labelled:
		return false, fmt.Errorf("%w: %s", errLabelled, id)
	}
	e.labelled = true
	return approved(e.out), nil
}

// unlabel undoes label when the monitors refused the label.
func (b *decisionBook) unlabel(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.byID[id]; e != nil {
		e.labelled = false
	}
}
