package oversight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Contest opens a review of a decision at the request of the person it
// affects (EU AI Act Art. 86, GDPR Art. 22(3)). decisionID is the ID of
// any decision the Gate routed (applied, blocked or reviewed; see
// WithDecisionIndex), of its review record or of an earlier contest's
// record; decisions the Gate never saw are looked up through the
// DecisionFinder. The new ticket (Kind contest) holds the decision as it
// stands. Whoever submitted the decision (ContextWithSubmitter) and every
// reviewer who voted on it or on an earlier contest of it are excluded
// from the contest. A decision has at most one open
// contest: a second Contest while one is open returns
// ErrAlreadyContested. Resolving it is linked to the contested decision:
// approve upholds it, override changes it, reject annuls it (the reject
// output, see WithRejectOutput).
//
// The grounds go into the decision log's record of the contest (the
// ledger line), never into spans, event attributes or the body of an
// OpenTelemetry log record, since they may contain personal data.
func (g *Gate) Contest(ctx context.Context, decisionID, grounds string) (_ Ticket, err error) {
	ctx, span := g.tel.tracer.Start(ctx, semconv.SpanOversightContest, trace.WithAttributes(
		semconv.AimsOversightRelatedDecision.String(decisionID)))
	defer func() { endSpan(span, err) }()
	if g.closed.Load() {
		return Ticket{}, ErrClosed
	}
	grounds = strings.TrimSpace(grounds)
	if grounds == "" {
		return Ticket{}, g.refuse(ctx, "", Reviewer{}, aims.ActionContest,
			fmt.Errorf("%w: contest of decision %s has no grounds", ErrReasonRequired, decisionID))
	}
	if err := checkReasonLength("the grounds of the contest of decision "+decisionID, grounds); err != nil {
		return Ticket{}, g.refuse(ctx, "", Reviewer{}, aims.ActionContest, err)
	}
	c, err := g.findContested(ctx, decisionID)
	if err != nil {
		return Ticket{}, g.refuse(ctx, "", Reviewer{}, aims.ActionContest, err)
	}
	if err := g.roomFor(ctx, KindContest); err != nil {
		return Ticket{}, g.refuse(ctx, "", Reviewer{}, aims.ActionContest, fmt.Errorf("oversight: contest of decision %s: %w", decisionID, err))
	}
	d := c.standing.Decision
	// A decision found through a DecisionFinder may come from anywhere;
	// it is cleaned like a submitted one before a ticket holds it.
	if err := g.cleaner.Clean(&d); err != nil {
		return Ticket{}, g.refuse(ctx, "", Reviewer{}, aims.ActionContest, err)
	}
	if err := g.roomForContestOf(ctx, d.Subject); err != nil {
		return Ticket{}, g.refuse(ctx, "", Reviewer{}, aims.ActionContest, fmt.Errorf("oversight: contest of decision %s: %w", decisionID, err))
	}
	recID, err := newRecordID()
	if err != nil {
		return Ticket{}, err
	}
	excluded, err := g.earlierReviewers(ctx, &c)
	if err != nil {
		return Ticket{}, err
	}
	now := g.now()
	t := Ticket{
		Kind: KindContest, Decision: d, Risk: g.riskOf(d.SystemID),
		Submitter: "subject:" + d.Subject, Policy: "contest", Reason: "contested by the affected person",
		Grounds: grounds, State: StatePending, CreatedAt: now, Deadline: now.Add(g.cfg.deadlines[0]),
		Excluded: excluded, ContestOf: c.root.ID,
	}
	if d.Subject == "" {
		t.Submitter = ""
	} else {
		t.Submitter = canonID(t.Submitter)
	}
	// The n-th contest of a decision has a derived ID, so that of two
	// concurrent contests only one Create succeeds; the root ticket then
	// lists it.
	n := len(c.root.Contests)
	if c.unlinked != "" {
		// A closed contest its opener did not get to list: list it first.
		if err := g.linkContest(ctx, c.root.ID, c.unlinked); err != nil {
			return Ticket{}, err
		}
		n++
	}
	t.ID = contestTicketID(c.root.ID, n)
	rec := followUp(&d, recID, now, aims.OversightOutcome{
		Action: aims.ActionContest, Reason: grounds, Policy: "contest", TicketID: t.ID,
	})
	// The contest and the duty to record it are stored together.
	holdRecords(&t, now, rec)
	if err := g.store.Create(ctx, t); err != nil {
		if errors.Is(err, ErrTicketExists) {
			err = fmt.Errorf("%w: decision %s got another contest meanwhile", ErrAlreadyContested, decisionID)
			return Ticket{}, g.refuse(ctx, "", Reviewer{}, aims.ActionContest, err)
		}
		return Ticket{}, fmt.Errorf("oversight: storing contest of %s: %w", decisionID, err)
	}
	linkErr := g.linkContest(ctx, c.root.ID, t.ID)
	// (If linking failed, the contest is open and found all the same:
	// findChain looks for the next derived ID; only the list is behind.)
	g.tel.emit(ctx, semconv.EventOversightContested, semconv.ControlExternalReporting, otellog.SeverityInfo,
		append(ticketAttrs(&t), semconv.AimsOversightRelatedDecision.String(d.ID))...)
	if err := g.record(ctx, t.ID, []aims.Decision{rec}); err != nil {
		return t, errors.Join(linkErr, fmt.Errorf("oversight: contest ticket %s opened but recording it failed (Sweep retries it): %w", t.ID, err))
	}
	if linkErr != nil {
		return t, linkErr
	}
	t.Unrecorded, t.RecordingUntil = nil, time.Time{}
	return t, nil
}

// roomForContestOf checks that the person subject has fewer open
// contests than WithMaxOpenContestsPerSubject allows. A decision without
// a Subject names nobody to count its contests against: they are bounded
// by WithMaxOpenTickets only, since counting them all as one person would
// let a few contests shut out every other contest of such decisions.
func (g *Gate) roomForContestOf(ctx context.Context, subject string) error {
	if subject == "" {
		return nil
	}
	n, err := g.countOpenContests(ctx, subject)
	if err != nil {
		return fmt.Errorf("oversight: counting the open contests of the decision's subject: %w", err)
	}
	if n >= g.cfg.maxContests {
		return fmt.Errorf("%w: the decision's subject has %d open contests, at most %d (WithMaxOpenContestsPerSubject)", ErrTooManyContests, n, g.cfg.maxContests)
	}
	return nil
}

// countOpenContests counts the open contests of subject, through the
// store's ContestCounter if it has one.
func (g *Gate) countOpenContests(ctx context.Context, subject string) (int, error) {
	if cc, ok := g.store.(ContestCounter); ok {
		return cc.CountOpenContests(ctx, subject)
	}
	open, err := g.store.Open(ctx, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range open {
		if isContestOf(&open[i], subject) {
			n++
		}
	}
	return n, nil
}

// isContestOf says whether t is an open contest of a decision of subject.
func isContestOf(t *Ticket, subject string) bool {
	return t.Kind == KindContest && t.Open() && t.Decision.Subject == subject
}

// linkContest adds contestID to the contest list of the root ticket.
func (g *Gate) linkContest(ctx context.Context, rootID, contestID string) error {
	_, err := g.store.Update(ctx, rootID, func(x *Ticket) error {
		if slices.Contains(x.Contests, contestID) {
			return errNoChange
		}
		x.Contests = append(x.Contests, contestID)
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return fmt.Errorf("oversight: listing contest %s on ticket %s: %w", contestID, rootID, err)
	}
	return nil
}

// findContested returns what the Gate knows of the contested decision,
// keeping a decision found only through the DecisionFinder as a routed
// ticket so that its contests have a place to be counted.
func (g *Gate) findContested(ctx context.Context, decisionID string) (chain, error) {
	if decisionID == "" {
		return chain{}, fmt.Errorf("%w: empty decision ID", ErrDecisionNotFound)
	}
	c, found, err := g.findChain(ctx, decisionID)
	if err != nil {
		return chain{}, err
	}
	if !found {
		finder := g.finderFor(decisionID)
		if finder == nil {
			return chain{}, fmt.Errorf("%w: the gate never routed %s and no DecisionFinder is configured", ErrDecisionNotFound, decisionID)
		}
		d, err := finder.FindDecision(ctx, decisionID)
		if err != nil {
			if !notRecorded(err) {
				// The lookup failed: the decision may exist.
				return chain{}, fmt.Errorf("oversight: looking up decision %s in the decision log: %w", decisionID, err)
			}
			return chain{}, fmt.Errorf("%w: %s: %v", ErrDecisionNotFound, decisionID, err)
		}
		if err := g.cleaner.Clean(&d); err != nil {
			return chain{}, err
		}
		rt := routedTicket(&d, g.riskOf(d.SystemID), Verdict{Route: RouteApply}, g.now())
		if err := g.store.Create(ctx, rt); err != nil && !errors.Is(err, ErrTicketExists) {
			return chain{}, fmt.Errorf("oversight: keeping decision %s: %w", decisionID, err)
		}
		if c, found, err = g.findChain(ctx, d.ID); err != nil {
			return chain{}, err
		}
		if !found {
			return chain{}, fmt.Errorf("%w: %s", ErrDecisionNotFound, decisionID)
		}
	}
	if c.root.Kind == KindHalt {
		return chain{}, fmt.Errorf("%w: %s is the record of a %s of system %q, not a decision", ErrDecisionNotFound, decisionID, c.root.Policy, c.root.Decision.SystemID)
	}
	if c.root.Open() {
		return chain{}, fmt.Errorf("oversight: decision %s is still under review (ticket %s); it can be contested once decided", decisionID, c.root.ID)
	}
	if c.latest.Kind == KindContest && c.latest.Open() {
		return chain{}, fmt.Errorf("%w: decision %s has an open contest (ticket %s)", ErrAlreadyContested, decisionID, c.latest.ID)
	}
	return c, nil
}

// earlierReviewers lists, normalised, whoever submitted the decision,
// everyone who voted on it or on an earlier contest of it, and the
// reviewer named in its record.
func (g *Gate) earlierReviewers(ctx context.Context, c *chain) ([]string, error) {
	var out []string
	add := func(id string) {
		if n := canonID(id); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	addTicket := func(t *Ticket) {
		for _, v := range t.Votes {
			add(v.Reviewer)
		}
		for _, id := range t.Excluded {
			add(id)
		}
		if t.Resolution != nil {
			add(t.Resolution.Reviewer)
			if o := t.Resolution.Decision.Oversight; o != nil {
				add(o.Reviewer)
			}
		}
	}
	// Four-eyes: the submitter of the decision does not review it, neither
	// when it is held nor when it is contested. The default submitter
	// (the system itself) is nobody who could review.
	if s := c.root.Submitter; s != "" && !sameID(s, "system:"+c.root.Decision.SystemID) {
		add(s)
	}
	addTicket(&c.root)
	ids := c.root.Contests
	if c.unlinked != "" {
		ids = append(slices.Clip(ids), c.unlinked)
	}
	for _, id := range ids {
		t, err := g.store.Get(ctx, id)
		if errors.Is(err, ErrTicketNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		addTicket(&t)
	}
	if o := c.standing.Decision.Oversight; o != nil {
		add(o.Reviewer)
	}
	return out, nil
}
