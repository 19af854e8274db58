package oversight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// brokenFinder is a decision log that cannot be read.
type brokenFinder struct{}

var errLogUnreadable = errors.New("ledger: read segment: input/output error")

func (brokenFinder) FindDecision(context.Context, string) (aims.Decision, error) {
	return aims.Decision{}, errLogUnreadable
}

// A lookup that failed is not an answer that the decision does not exist:
// Decision and Contest report the failure (the service's fault, retried
// later), not ErrDecisionNotFound (the caller's), so a person contesting
// a real decision is not told, nor recorded as having claimed, that it
// does not exist.
func TestFinderFailureIsNotDecisionNotFound(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, oversight.WithDecisionFinder(brokenFinder{}))
	id := decision(t, "credit", "deny", 0.3, 0.5, true).ID
	_, err := h.gate.Decision(ctx, id)
	if errors.Is(err, oversight.ErrDecisionNotFound) || !errors.Is(err, errLogUnreadable) {
		t.Errorf("Decision: %v; want the lookup's error, not ErrDecisionNotFound", err)
	}
	_, err = h.gate.Contest(ctx, id, "the income is wrong")
	if errors.Is(err, oversight.ErrDecisionNotFound) || !errors.Is(err, errLogUnreadable) {
		t.Errorf("Contest: %v; want the lookup's error, not ErrDecisionNotFound", err)
	}
}
