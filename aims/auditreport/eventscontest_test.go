package auditreport_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/oversight"
)

// TestContestEventsAreNotHeldDecisionReviews drives a real Gate whose
// oversight events go through the OpenTelemetry SDK and its OTLP/HTTP
// exporter into the OTLP/JSON file writer, with no ledger: the report's
// counts come from the collector's events. Two decisions are held; a
// reviewer approves the first, the second stays open. The person the
// first decision is about contests it; a reviewer upholds that contest.
// A third decision, applied, is contested and nobody resolves the contest
// before its deadline, after an escalation. So, by what was done: two held,
// one approved, one open, two contests, one upheld, one expired, one
// escalated; no held decision expired or was escalated.
func TestContestEventsAreNotHeldDecisionReviews(t *testing.T) {
	ctx := context.Background()
	otelDir := t.TempDir()
	sink, err := otlpfile.Start(otelDir)
	require.NoError(t, err)
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(sink.Endpoint()+"/v1/logs"))
	require.NoError(t, err)
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))

	pseud, err := aims.NewPseudonymizer([]byte("a 32-byte key from a secret store"), "k1")
	require.NoError(t, err)
	sys, err := aims.NewSystem("s", aims.WithPseudonymizer(pseud), aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}))
	require.NoError(t, err)
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	route := oversight.RouteReview
	policy := oversight.Policy(func(context.Context, oversight.Candidate) oversight.Verdict {
		return oversight.Verdict{Route: route, Policy: "test"}
	})
	g, err := oversight.New(ctx, sys, oversight.WithClock(clock.Now), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithDeadlines(time.Hour, time.Hour),
		oversight.WithPolicy(policy), oversight.WithLoggerProvider(lp))
	require.NoError(t, err)
	submit := func(output string) oversight.Outcome {
		d, err := sys.NewDecision(ctx, aims.Draft{Subject: "person-" + output, Output: output})
		require.NoError(t, err)
		d.Time = clock.Now()
		out, err := g.Submit(ctx, d)
		require.NoError(t, err)
		return out
	}
	first := submit("approve")
	submit("deny") // stays open
	_, err = g.Approve(ctx, first.Ticket.ID, alice, "fine")
	require.NoError(t, err)
	c, err := g.Contest(ctx, first.Decision.ID, "I disagree")
	require.NoError(t, err)
	_, err = g.Approve(ctx, c.ID, bob, "decision stands")
	require.NoError(t, err)
	route = oversight.RouteApply
	applied := submit("approve")
	c2, err := g.Contest(ctx, applied.Decision.ID, "wrong")
	require.NoError(t, err)
	for range 2 {
		clock.Advance(time.Hour + time.Minute)
		_, err = g.Status(ctx, c2.ID)
		require.NoError(t, err)
	}
	st, err := g.Status(ctx, c2.ID)
	require.NoError(t, err)
	require.NotEqual(t, aims.ActionReview, st.Action, "ground truth: the contest is no longer open")
	require.NoError(t, g.Close(ctx))
	require.NoError(t, sys.Close(ctx))
	require.NoError(t, lp.Shutdown(ctx))
	require.NoError(t, sink.Close(ctx))

	in, err := auditreport.Load(ctx, auditreport.LoadOptions{OTelDir: otelDir, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Nil(t, in.Decisions, "no ledger: the collector's events are the source")
	r, err := auditreport.Build(in)
	require.NoError(t, err)
	o := r.Oversight
	require.True(t, o.Available)
	assert.Equal(t, 2, o.Held, "held")
	assert.Equal(t, 1, o.Approved, "one held decision approved; the upheld contest is not an approval of a held decision")
	assert.Equal(t, 1, o.Open, "the second held decision is still open")
	assert.Zero(t, o.Expired, "no held decision expired: the contest did")
	assert.Zero(t, o.Escalated, "no held decision was escalated: the contest was")
	assert.Equal(t, 2, o.Contested, "contests")
	assert.Equal(t, 1, o.ContestsUpheld, "contests upheld")
	assert.Equal(t, 1, o.ContestsExpired, "contests expired")
	assert.Equal(t, 1, o.ContestsEscalated, "contests escalated")
}

// TestEventsCountAHeldDecisionByItsFinalState: with the fail-safe "hold",
// a held decision whose deadline passed stays held until a reviewer acts.
// Two decisions are held; the first passes its deadline (expired, still
// held) and a reviewer then approves it; the second is held after that and
// nobody has reviewed it yet. From the collector's events alone (no
// ledger): two held, one approved, none expired (the expired one was
// resolved since), one open, as the ledger would count them.
func TestEventsCountAHeldDecisionByItsFinalState(t *testing.T) {
	ctx := context.Background()
	otelDir := t.TempDir()
	sink, err := otlpfile.Start(otelDir)
	require.NoError(t, err)
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(sink.Endpoint()+"/v1/logs"))
	require.NoError(t, err)
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	pseud, err := aims.NewPseudonymizer([]byte("a 32-byte key from a secret store"), "k1")
	require.NoError(t, err)
	sys, err := aims.NewSystem("s", aims.WithPseudonymizer(pseud), aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}))
	require.NoError(t, err)
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	g, err := oversight.New(ctx, sys, oversight.WithClock(clock.Now), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithDeadlines(time.Hour), oversight.WithFailSafe(oversight.FailSafeHold),
		oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")), oversight.WithLoggerProvider(lp))
	require.NoError(t, err)
	submit := func(output string) oversight.Outcome {
		d, err := sys.NewDecision(ctx, aims.Draft{Subject: "person-" + output, Output: output})
		require.NoError(t, err)
		d.Time = clock.Now()
		out, err := g.Submit(ctx, d)
		require.NoError(t, err)
		return out
	}
	first := submit("approve")
	clock.Advance(time.Hour + time.Minute)
	_, err = g.Status(ctx, first.Ticket.ID)
	require.NoError(t, err)
	_, err = g.Approve(ctx, first.Ticket.ID, alice, "fine")
	require.NoError(t, err, "ground truth: under the fail-safe hold the expired decision is still reviewable")
	second := submit("deny")
	st, err := g.Status(ctx, second.Ticket.ID)
	require.NoError(t, err)
	require.Equal(t, aims.ActionReview, st.Action, "ground truth: the second decision is still held")
	require.NoError(t, g.Close(ctx))
	require.NoError(t, sys.Close(ctx))
	require.NoError(t, lp.Shutdown(ctx))
	require.NoError(t, sink.Close(ctx))

	in, err := auditreport.Load(ctx, auditreport.LoadOptions{OTelDir: otelDir, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	r, err := auditreport.Build(in)
	require.NoError(t, err)
	o := r.Oversight
	assert.Equal(t, 2, o.Held, "held")
	assert.Equal(t, 1, o.Approved, "approved")
	assert.Zero(t, o.Expired, "the expired decision was approved since: it is counted by its final state")
	assert.Equal(t, 1, o.Open, "the second decision is open")
}

// TestEventsCountTicketsWaitingForASecondVote: a high-risk system needs
// two reviewers' approval (four-eyes). Two decisions are held; one
// reviewer approves the first, which now waits for a second reviewer; the
// second has no vote. From the collector's events alone: two held, both
// open, one vote that resolved nothing, and one open ticket waiting for
// another reviewer's vote.
func TestEventsCountTicketsWaitingForASecondVote(t *testing.T) {
	ctx := context.Background()
	otelDir := t.TempDir()
	sink, err := otlpfile.Start(otelDir)
	require.NoError(t, err)
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(sink.Endpoint()+"/v1/logs"))
	require.NoError(t, err)
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	pseud, err := aims.NewPseudonymizer([]byte("a 32-byte key from a secret store"), "k1")
	require.NoError(t, err)
	sys, err := aims.NewSystem("s", aims.WithPseudonymizer(pseud), aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}))
	require.NoError(t, err)
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	g, err := oversight.New(ctx, sys, oversight.WithClock(clock.Now), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskHigh), oversight.WithDeadlines(time.Hour),
		oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")), oversight.WithLoggerProvider(lp))
	require.NoError(t, err)
	var held []oversight.Outcome
	for _, output := range []string{"approve", "deny"} {
		d, err := sys.NewDecision(ctx, aims.Draft{Subject: "person-" + output, Output: output})
		require.NoError(t, err)
		d.Time = clock.Now()
		out, err := g.Submit(ctx, d)
		require.NoError(t, err)
		held = append(held, out)
	}
	out, err := g.Approve(ctx, held[0].Ticket.ID, alice, "fine")
	require.NoError(t, err)
	require.Equal(t, aims.ActionReview, out.Action, "ground truth: one approval of two; the ticket waits")
	require.NoError(t, g.Close(ctx))
	require.NoError(t, sys.Close(ctx))
	require.NoError(t, lp.Shutdown(ctx))
	require.NoError(t, sink.Close(ctx))

	in, err := auditreport.Load(ctx, auditreport.LoadOptions{OTelDir: otelDir, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	r, err := auditreport.Build(in)
	require.NoError(t, err)
	o := r.Oversight
	assert.Equal(t, 2, o.Held, "held")
	assert.Equal(t, 2, o.Open, "open")
	assert.Equal(t, 1, o.PartialApprovals, "votes that resolved nothing")
	assert.Equal(t, 1, o.Waiting, "open tickets waiting for another reviewer's vote")
}
