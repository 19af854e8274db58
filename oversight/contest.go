package oversight

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Contest opens a review of a decision at the request of the person it
// affects (EU AI Act Art. 86, GDPR Art. 22(3)). The decision is looked up
// among the Gate's tickets (by its own ID or the ID of its review record)
// and then through the DecisionFinder. The new ticket (Kind contest) holds
// the decision as it stands; reviewers of the contested decision are
// excluded from it. Resolving it is linked to the contested decision:
// approve upholds it, override changes it, reject annuls it.
//
// The grounds go into the decision log, not into telemetry, since they may
// contain personal data.
func (g *Gate) Contest(ctx context.Context, decisionID, grounds string) (Ticket, error) {
	ctx, span := g.tel.tracer.Start(ctx, "oversight.contest", trace.WithAttributes(
		semconv.AimsOversightRelatedDecision.String(decisionID)))
	defer span.End()
	if g.closed.Load() {
		return Ticket{}, ErrClosed
	}
	grounds = strings.TrimSpace(grounds)
	if grounds == "" {
		return Ticket{}, g.refuse(ctx, span, "", Reviewer{}, aims.ActionContest,
			fmt.Errorf("%w: contest of decision %s has no grounds", ErrReasonRequired, decisionID))
	}
	d, excluded, err := g.findContested(ctx, decisionID)
	if err == nil {
		// A decision found through a DecisionFinder may come from anywhere;
		// it is cleaned like a submitted one before a ticket holds it.
		err = g.cleaner.Clean(&d)
	}
	if err != nil {
		return Ticket{}, g.refuse(ctx, span, "", Reviewer{}, aims.ActionContest, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Ticket{}, err
	}
	recID, err := newRecordID()
	if err != nil {
		return Ticket{}, err
	}
	now := g.now()
	t := Ticket{
		ID: id.String(), Kind: KindContest, Decision: d, Risk: g.riskOf(d.SystemID),
		Submitter: "subject:" + d.Subject, Policy: "contest", Reason: "contested by the affected person",
		Grounds: grounds, State: StatePending, CreatedAt: now, Deadline: now.Add(g.cfg.deadlines[0]),
		Excluded: excluded,
	}
	if d.Subject == "" {
		t.Submitter = ""
	}
	if err := g.store.Create(ctx, t); err != nil {
		return Ticket{}, fmt.Errorf("oversight: storing contest of %s: %w", decisionID, err)
	}
	rec := followUp(&d, recID, now, aims.OversightOutcome{
		Action: aims.ActionContest, Reason: grounds, Policy: "contest", TicketID: t.ID,
	})
	g.tel.emit(ctx, semconv.EventOversightContested, semconv.ControlExternalReporting, otellog.SeverityInfo,
		append(ticketAttrs(&t), semconv.AimsOversightRelatedDecision.String(d.ID))...)
	if err := g.rec.Record(ctx, rec); err != nil {
		return t, fmt.Errorf("oversight: contest ticket %s opened but recording it failed: %w", t.ID, err)
	}
	return t, nil
}

// findContested returns the decision as it stands and the reviewers who
// took part in it.
func (g *Gate) findContested(ctx context.Context, decisionID string) (aims.Decision, []string, error) {
	if decisionID == "" {
		return aims.Decision{}, nil, fmt.Errorf("%w: empty decision ID", ErrDecisionNotFound)
	}
	tickets, err := g.store.FindByDecision(ctx, decisionID)
	if err != nil {
		return aims.Decision{}, nil, err
	}
	if len(tickets) > 0 {
		t := tickets[len(tickets)-1]
		if t.Open() {
			return aims.Decision{}, nil, fmt.Errorf("oversight: decision %s is still under review (ticket %s); it can be contested once decided", decisionID, t.ID)
		}
		var excluded []string
		for _, v := range t.Votes {
			excluded = append(excluded, v.Reviewer)
		}
		return t.Resolution.Decision, excluded, nil
	}
	if g.cfg.finder == nil {
		return aims.Decision{}, nil, fmt.Errorf("%w: %s has no review ticket and no DecisionFinder is configured", ErrDecisionNotFound, decisionID)
	}
	d, err := g.cfg.finder.FindDecision(ctx, decisionID)
	if err != nil {
		return aims.Decision{}, nil, fmt.Errorf("%w: %s: %v", ErrDecisionNotFound, decisionID, err)
	}
	var excluded []string
	if d.Oversight != nil && d.Oversight.Reviewer != "" {
		excluded = append(excluded, d.Oversight.Reviewer)
	}
	return d, excluded, nil
}
