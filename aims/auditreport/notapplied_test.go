package auditreport_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/oversight"
)

// refusingLog models aims.DecisionLog with a ledger that refuses writes
// while broken: Record emits first and then fails with
// aims.ErrNotLedgered; RecordEmitted writes to the ledger only.
type refusingLog struct {
	mu     sync.Mutex
	broken bool
	ledger []aims.Decision
}

func (r *refusingLog) Record(_ context.Context, d aims.Decision) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken {
		return fmt.Errorf("decision %s %w: ledger closed", d.ID, aims.ErrNotLedgered)
	}
	r.ledger = append(r.ledger, d)
	return nil
}

func (r *refusingLog) RecordEmitted(_ context.Context, d aims.Decision) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken {
		return errors.New("ledger closed")
	}
	r.ledger = append(r.ledger, d)
	return nil
}

// TestReportCountsADecisionTheLedgerRefusedAsNotApplied: a gate applies
// two decisions; the ledger refuses the second's record after it was
// emitted, so the gate does not apply it, and once the ledger is back its
// Sweep writes the decision and the record that says it was not applied.
// The report counts one applied decision and the other as not applied,
// each decision once.
func TestReportCountsADecisionTheLedgerRefusedAsNotApplied(t *testing.T) {
	ctx := context.Background()
	rec := &refusingLog{}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	g, err := oversight.New(ctx, rec, oversight.WithClock(func() time.Time { return now }), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithPolicy(oversight.Always(oversight.RouteApply, "all")))
	require.NoError(t, err)
	defer func() { _ = g.Close(ctx) }()
	submit := func() (oversight.Outcome, error) {
		d, err := aims.NewDecision(ctx, "s")
		require.NoError(t, err)
		d.Output = "approve"
		return g.Submit(ctx, d)
	}
	out, err := submit()
	require.NoError(t, err)
	require.True(t, out.Applied)
	rec.mu.Lock()
	rec.broken = true
	rec.mu.Unlock()
	out2, err := submit()
	require.ErrorIs(t, err, aims.ErrNotLedgered)
	require.False(t, out2.Applied, "ground truth: the gate did not apply the second decision")
	rec.mu.Lock()
	rec.broken = false
	rec.mu.Unlock()
	_, err = g.Sweep(ctx)
	require.NoError(t, err)

	r, err := auditreport.Build(&auditreport.Input{Decisions: rec.ledger})
	require.NoError(t, err)
	assert.Equal(t, 2, r.Decisions.Total, "two decisions, each counted once")
	assert.Equal(t, 1, r.Oversight.Applied, "only the first decision was applied")
	assert.Equal(t, r.Decisions.Total, r.Oversight.Applied+r.Oversight.Blocked+r.Oversight.Held+r.Oversight.Ungated, "each decision counted once by its route")
	assert.Equal(t, 1, r.Oversight.Blocked, "the decision not applied counts with those not let through")
	outcomes := map[string]int{}
	for _, c := range r.Decisions.Outcomes {
		outcomes[c.Label] = c.N
	}
	assert.Equal(t, 1, outcomes["approve"], "the outcomes: %v", outcomes)
	assert.Equal(t, 1, outcomes[auditreport.OutcomeBlocked], "the outcomes: %v", outcomes)
}

// TestReportBlockedDecisionSubmittedAgainIsOneDecision: a gate blocks a
// decision; it is submitted again under its ID and the policy now holds
// it. Whatever the gate does with the retry, the ledger must not hold two
// different decision records under the decision's one ID (the report
// would call them a duplicate ID "with different content", two
// decisions).
func TestReportBlockedDecisionSubmittedAgainIsOneDecision(t *testing.T) {
	ctx := context.Background()
	rec := &refusingLog{}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	route := oversight.RouteBlock
	policy := func(context.Context, oversight.Candidate) oversight.Verdict {
		return oversight.Verdict{Route: route, Policy: "test"}
	}
	g, err := oversight.New(ctx, rec, oversight.WithClock(func() time.Time { return now }), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithPolicy(policy))
	require.NoError(t, err)
	defer func() { _ = g.Close(ctx) }()
	d, err := aims.NewDecision(ctx, "s")
	require.NoError(t, err)
	d.Output = "approve"
	out, err := g.Submit(ctx, d)
	require.NoError(t, err)
	require.False(t, out.Applied)
	route = oversight.RouteReview
	now = now.Add(time.Minute)
	_, _ = g.Submit(ctx, d) // held or refused: both leave evidence

	var same []string
	for _, r := range rec.ledger {
		if r.ID == d.ID {
			same = append(same, string(r.Oversight.Action))
		}
	}
	assert.Len(t, same, 1, "ledger records under the decision's ID: %v", same)
	r, err := auditreport.Build(&auditreport.Input{Decisions: rec.ledger})
	require.NoError(t, err)
	assert.Zero(t, r.Decisions.DuplicateIDs, "duplicates: %v", r.Decisions.Duplicates)
	assert.Equal(t, 1, r.Decisions.Total, "one decision")
}

// TestReportBlockedDecisionAppliedOnRetryIsOneDecision: a gate blocks a
// decision; it is submitted again under its ID and the policy now lets it
// through. The ledger must not hold a block and an apply record under the
// decision's one ID: the report would count a decision both blocked and
// applied.
func TestReportBlockedDecisionAppliedOnRetryIsOneDecision(t *testing.T) {
	ctx := context.Background()
	rec := &refusingLog{}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	route := oversight.RouteBlock
	policy := func(context.Context, oversight.Candidate) oversight.Verdict {
		return oversight.Verdict{Route: route, Policy: "test"}
	}
	g, err := oversight.New(ctx, rec, oversight.WithClock(func() time.Time { return now }), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithPolicy(policy))
	require.NoError(t, err)
	defer func() { _ = g.Close(ctx) }()
	d, err := aims.NewDecision(ctx, "s")
	require.NoError(t, err)
	d.Output = "approve"
	_, err = g.Submit(ctx, d)
	require.NoError(t, err)
	route = oversight.RouteApply
	now = now.Add(time.Minute)
	_, _ = g.Submit(ctx, d) // applied or refused: both leave evidence

	var same []string
	for _, r := range rec.ledger {
		if r.ID == d.ID {
			same = append(same, string(r.Oversight.Action))
		}
	}
	assert.Len(t, same, 1, "ledger records under the decision's ID: %v", same)
	r, err := auditreport.Build(&auditreport.Input{Decisions: rec.ledger})
	require.NoError(t, err)
	assert.Zero(t, r.Decisions.DuplicateIDs, "duplicates: %v", r.Decisions.Duplicates)
	assert.Equal(t, 1, r.Oversight.Applied+r.Oversight.Blocked, "one decision, one route")
}

// findingLog is a refusingLog that finds the decisions in its ledger, as
// aims.DecisionLog does (oversight.DecisionFinder).
type findingLog struct{ refusingLog }

func (r *findingLog) FindDecision(_ context.Context, id string) (aims.Decision, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.ledger {
		if d.ID == id {
			return d, nil
		}
	}
	return aims.Decision{}, fmt.Errorf("%w: %s", aims.ErrDecisionNotRecorded, id)
}

// TestReportSameRouteRetryIsOneDecision: a client times out after the gate
// applied (or blocked) its decision and submits it again; the policy
// routes it the same way. The report must count one decision, with no
// duplicate ID.
func TestReportSameRouteRetryIsOneDecision(t *testing.T) {
	for _, route := range []oversight.Route{oversight.RouteApply, oversight.RouteBlock} {
		t.Run(route.String(), func(t *testing.T) {
			ctx := context.Background()
			rec := &findingLog{}
			now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			g, err := oversight.New(ctx, rec, oversight.WithClock(func() time.Time { return now }), oversight.WithSweepInterval(0),
				oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithPolicy(oversight.Always(route, "all")))
			require.NoError(t, err)
			defer func() { _ = g.Close(ctx) }()
			d, err := aims.NewDecision(ctx, "s")
			require.NoError(t, err)
			d.Output = "approve"
			first, err := g.Submit(ctx, d)
			require.NoError(t, err)
			now = now.Add(5 * time.Second)
			again, err := g.Submit(ctx, d)
			require.NoError(t, err)
			assert.Equal(t, first.Applied, again.Applied, "the retry's outcome is the first's")

			r, err := auditreport.Build(&auditreport.Input{Decisions: rec.ledger})
			require.NoError(t, err)
			assert.Zero(t, r.Decisions.DuplicateIDs, "duplicates: %v", r.Decisions.Duplicates)
			assert.Equal(t, 1, r.Decisions.Total, "one decision")
			assert.Equal(t, 1, r.Oversight.Applied+r.Oversight.Blocked, "one decision, one route")
		})
	}
}
