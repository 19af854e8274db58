package oversight

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Gate routes candidate decisions to apply, review or block, keeps held
// decisions as tickets in its Store, and carries out reviewer actions,
// escalation, halts and contests. Several Gates (in one process or many)
// may share one Store. A Gate is safe for concurrent use; Close stops its
// background sweeper.
//
// Evidence guarantee: every change of a ticket is committed in the Store
// with its decision records, and those are written to the Recorder before
// anything is told of the change; a record the Recorder refused, or that a
// crash kept from it, is written by a later Sweep of any Gate on the same
// store, once (see the package documentation, Evidence).
type Gate struct {
	cfg   config
	store Store
	rec   Recorder
	// cleaner applies the privacy policy before anything stores a decision.
	cleaner Cleaner
	tel     *instruments
	// deferIndex is the store's DeferredIndexer when the recorder can find
	// again what a crash takes from it (DurableFinder); nil otherwise.
	deferIndex DeferredIndexer
	// recovery is that recorder: the decisions of routed tickets the
	// store's previous run lost are read from it, for IDs of the loss
	// window [lossFrom, lossTo] only (recovers).
	recovery         DecisionFinder
	lossFrom, lossTo time.Time
	lossOK           bool
	// deferClear is the store's DeferredUpdater when the recorder is a
	// DurableFinder that finds every recorded decision (as for
	// deferIndex): records written on the held path and by reviewers are
	// then taken off their tickets with the store's next commit
	// (recordHeld); nil otherwise.
	deferClear DeferredUpdater
	// recFinder is the Recorder when it finds decisions: Sweep asks it
	// whether a record it is about to write again is there already.
	recFinder DecisionFinder
	// emRec is the Recorder when it can keep a record it emitted already
	// (EmittedRecorder): Sweep writes such records with it.
	emRec EmittedRecorder

	haltMu  sync.RWMutex
	halted  map[string]Halt
	nHalted atomic.Int32
	// sharedHalts says the store is a HaltStore.
	sharedHalts bool
	// born is the monotonic origin of haltReadAt and haltChangedAt.
	born time.Time
	// haltReadAt is when (g.mono) the read of the shared halts that
	// halted reflects began; 0 before the first read.
	haltReadAt atomic.Int64
	// haltChangedAt is when this Gate last changed halted itself (Halt,
	// Resume); a read begun earlier must not overwrite it. Under haltMu.
	haltChangedAt int64
	// haltRefreshMu guards haltFlight, the re-read of stale halts under
	// way, which the Submits that find them stale share.
	haltRefreshMu sync.Mutex
	haltFlight    *haltFlight
	// life ends at Close; background reads (haltFlight) end with it.
	life    context.Context
	endLife context.CancelFunc

	waitMu sync.Mutex
	// waiters are the Awaits of a ticket, by ticket ID; an entry lives
	// only while an Await waits, so IDs a client makes up leave nothing.
	waiters map[string]*waiter

	closed    atomic.Bool
	stopSweep chan struct{}
	sweepDone chan struct{}
	// sweepCtx is the parent of the sweeper's contexts; Close cancels it
	// once the sweep in progress finished or Close gave up waiting.
	sweepCtx    context.Context
	cancelSweep context.CancelFunc
	closeOnce   sync.Once
}

// Outcome is where a decision stands after Submit, a reviewer action, Await
// or Status.
type Outcome struct {
	// Action is apply, block, review (still held), approve, reject,
	// override, or expire (deadline passed, fail-safe deny).
	Action aims.OversightAction
	// Applied says whether Decision takes effect. Only apply, approve and
	// override apply; everything else does not.
	Applied bool
	// Decision is the decision as it stands, with its oversight outcome;
	// after an override its Output is the reviewers', after a rejection
	// the reject output (WithRejectOutput) with the model's output as
	// Oversight.OriginalOutput.
	Decision aims.Decision
	// Ticket is the review ticket, when there is one.
	Ticket *Ticket
	// Vote is, after a reviewer action, the vote it cast. A vote that did
	// not resolve the ticket leaves the Outcome Pending: its Decision is
	// the vote's record (marked "k of n" in the aims.oversight.approvals
	// attribute), never a resolution.
	Vote *Vote
	// Escalated says that the vote conflicted with an earlier vote at the
	// ticket's level, so the ticket went to the next escalation level
	// instead of resolving.
	Escalated bool
}

// Pending reports whether the decision is still held for review.
func (o Outcome) Pending() bool { return o.Action == aims.ActionReview }

// New returns a Gate that writes every state change to rec. It reads the
// halts shared through the store (see HaltStore) before it returns, within
// ctx: a Gate never starts without knowing which systems are halted.
//
// rec is normally the *aims.System of the AI system being gated (or its
// inventory.Registration). The Gate then cleans every decision with the
// system's privacy policy before anything stores it (Cleaner), takes the
// system's risk level and telemetry providers unless options say
// otherwise, and refuses overrides to outcomes the system does not declare
// (OutcomeChecker).
//
// The store must be an UnrecordedLister (the three built-in stores are):
// New refuses one that is not, since what its tickets hold could not be
// found again.
func New(ctx context.Context, rec Recorder, opts ...Option) (*Gate, error) {
	if ctx == nil {
		return nil, errors.New("oversight: New needs a context")
	}
	if rec == nil {
		return nil, errors.New("oversight: New needs a Recorder (the aims decision log)")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if cfg.store == nil {
		cfg.store = NewMemoryStore()
	}
	// Every change is committed with its records on the ticket; a store
	// that cannot list them would leave what a failed write or a crash
	// left there with nothing to find it, so the evidence would be lost
	// without a word.
	if _, ok := cfg.store.(UnrecordedLister); !ok {
		return nil, fmt.Errorf("oversight: the store %T cannot list the records its tickets hold before they are written (it is not an oversight.UnrecordedLister), so records a failed write or a crash left would never reach the Recorder", cfg.store)
	}
	cfg.fromSystem(rec)
	if oc, ok := rec.(OutcomeChecker); ok && cfg.rejectSet {
		if _, err := oc.CheckOutcome(cfg.rejectOutput); err != nil {
			return nil, fmt.Errorf("oversight: WithRejectOutput: %w: %v", ErrOutcomeNotDeclared, err)
		}
	}
	// A recorder that finds decisions is the finder of last resort; one
	// whose finding reads a durable log (an aims.System) is used only to
	// recover what a store writing behind lost in a crash, since each
	// lookup of an unknown ID would read the whole log.
	var durable DurableFinder
	if cfg.finder == nil {
		if df, ok := rec.(DurableFinder); ok {
			durable = df
		} else if f, ok := rec.(DecisionFinder); ok {
			cfg.finder = f
		}
	}
	tel, err := newInstruments(&cfg, cfg.store)
	if err != nil {
		return nil, fmt.Errorf("oversight: creating instruments: %w", err)
	}
	g := &Gate{
		cfg:     cfg,
		store:   cfg.store,
		rec:     rec,
		cleaner: cleanerOf(rec),
		tel:     tel,
		halted:  map[string]Halt{},
		waiters: map[string]*waiter{},
		born:    time.Now(),
	}
	g.life, g.endLife = context.WithCancel(context.Background())
	g.recFinder, _ = rec.(DecisionFinder)
	g.emRec, _ = rec.(EmittedRecorder)
	_, g.sharedHalts = cfg.store.(HaltStore)
	if durable != nil && durable.FindsEveryRecorded() {
		if di, ok := cfg.store.(DeferredIndexer); ok {
			g.deferIndex, g.recovery = di, durable
			g.lossFrom, g.lossTo, g.lossOK = di.IndexLoss()
		}
		if du, ok := cfg.store.(DeferredUpdater); ok && g.recFinder != nil {
			g.deferClear = du
		}
	}
	// No bound of our own on top of ctx: the caller knows how long its
	// start-up may take, and a shared store's driver bounds its connects.
	if err := g.refreshHalts(ctx); err != nil {
		_ = tel.reg.Unregister()
		return nil, err
	}
	if cfg.sweepInterval > 0 {
		g.sweepCtx, g.cancelSweep = context.WithCancel(context.Background())
		g.stopSweep = make(chan struct{})
		g.sweepDone = make(chan struct{})
		go g.sweepLoop(cfg.sweepInterval)
	}
	return g, nil
}

// Close stops the background sweeper, wakes every Await (which then
// returns ErrClosed) and unregisters the metric callback. It waits for a
// sweep in progress to finish, or for ctx to end, whichever comes first;
// when ctx ends first it returns ctx's error and cancels the sweep,
// which finishes on its own (a later Close waits for it again). It does not close the Store.
// Calls on the Gate after Close return ErrClosed.
func (g *Gate) Close(ctx context.Context) error {
	g.closeOnce.Do(func() {
		g.closed.Store(true)
		g.endLife()
		if g.stopSweep != nil {
			close(g.stopSweep)
		}
		_ = g.tel.reg.Unregister()
		g.waitMu.Lock()
		for id, w := range g.waiters {
			close(w.ch)
			delete(g.waiters, id)
		}
		g.waitMu.Unlock()
	})
	if g.sweepDone == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case <-g.sweepDone:
		g.cancelSweep()
		return nil
	case <-ctx.Done():
		g.cancelSweep()
		return fmt.Errorf("oversight: closing the gate: a sweep is still running: %w", ctx.Err())
	}
}

func (g *Gate) now() time.Time { return g.cfg.clock().UTC() }

// riskOf returns the configured risk level of a system.
func (g *Gate) riskOf(systemID string) aims.RiskLevel { return g.cfg.risk[systemID] }

type submitterKey struct{}

// ContextWithSubmitter marks ctx with the identity (a person or a service
// account) submitting decisions, so that four-eyes can keep that identity
// from reviewing them. Without it the submitter is "system:<system ID>".
func ContextWithSubmitter(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, submitterKey{}, id)
}

// submitterFrom returns the normalised submitter identity of ctx.
func submitterFrom(ctx context.Context, d *aims.Decision) (string, error) {
	if id, ok := ctx.Value(submitterKey{}).(string); ok && strings.TrimSpace(id) != "" {
		n, err := NormalizeID(id)
		if err != nil {
			return "", fmt.Errorf("oversight: submitter: %w", err)
		}
		return n, nil
	}
	return canonID("system:" + d.SystemID), nil
}

// explicitSubmitter returns the normalised submitter ctx names
// (ContextWithSubmitter), or "" when it names none or a malformed one.
func explicitSubmitter(ctx context.Context) string {
	id, _ := ctx.Value(submitterKey{}).(string)
	return canonID(id)
}

// recordedBeforeLossHeld refuses to hold decision d for review when a
// store writing its index behind may have lost, in a crash, the routed
// ticket of d and the durable decision log holds a record of d (applied,
// blocked, or held already: a second record under its ID would make two
// decisions of one, and a reviewer could reject a decision in effect), or
// cannot be read (recordedBeforeLoss). The log is asked only for
// decision IDs made in the window of the loss (lossFinder), so a held
// decision costs no read of the log otherwise.
func (g *Gate) recordedBeforeLossHeld(ctx context.Context, d *aims.Decision) error {
	f := g.lossFinder(d.ID)
	if f == nil {
		return nil
	}
	prior, err := recordedBeforeLoss(ctx, f, d)
	if prior != nil {
		return fmt.Errorf("%w: decision %s was recorded already (as %q, before the store's last crash); a new decision needs a new ID", ErrTicketExists, d.ID, prior.Oversight.Action)
	}
	return err
}

// notHeld refuses to route decisionID without review when it has a
// review ticket (open or decided). Only a Gate without a decision index
// (WithDecisionIndex(false)) needs it: with the index, storing the routed
// ticket refuses a held decision atomically (index).
func (g *Gate) notHeld(ctx context.Context, decisionID string) error {
	t, err := g.store.Get(ctx, decisionTicketID(decisionID))
	switch {
	case errors.Is(err, ErrTicketNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("oversight: looking up decision %s: %w", decisionID, err)
	case t.Kind != KindReview:
		return nil
	}
	return heldError(&t)
}

// Submit routes a candidate decision. Apply: the decision is recorded with
// an apply outcome and Applied is true. Block: recorded, not applied.
// Review: a ticket is opened and the Outcome is Pending; wait for it with
// Await, poll with Status, or get called back (WithOnResolved).
//
// The Gate writes the decision, with its oversight outcome, to the
// Recorder itself, on every route; the application does not record it
// again. While the decision's system is halted, Submit blocks (or holds)
// every decision without asking the policy. With a HaltStore, Submit
// first re-reads the shared halts when its copy is older than
// WithHaltRefresh (default 1s), so a halt pressed on another replica
// stops this one within that bound; if they cannot be read, Submit
// refuses the decision (nothing is stored or applied). Concurrent Submits
// share one re-read, and each waits for it only until its own ctx ends.
// If the decision record cannot be written, Submit returns the error and
// nothing is applied (when the Recorder emitted the decision as applied
// all the same, aims.ErrNotLedgered, the Gate also records that it was not
// applied, and the decision can no longer be submitted under its ID); a held decision stays in the queue, its record
// stored on its ticket, and a later Sweep writes it (see Gate.Sweep). A decision is held at most once: submitting it again
// under the same ID while it has a review ticket (whatever the policy
// says this time, and also once the ticket is decided), or after it was
// applied or blocked (unless the record of that route could not be
// written), and being held, returns ErrTicketExists; so does submitting
// again, routed another way, a decision whose apply or block was recorded
// (a blocked decision is never applied under its ID on a retry). This holds also for
// concurrent Submits of one decision that the policies route differently
// (two replicas, a sampling policy): the decision's review and routed
// tickets share one ID, so the store lets one route win; without the
// decision index (WithDecisionIndex(false)) an applied decision leaves no
// ticket, so only a review ticket stored before the apply is seen.
//
// Retries: submitting again, routed the same way, a decision that was
// applied or blocked (a client timed out) writes no second record. When
// the Recorder (a DecisionFinder; otherwise the WithDecisionFinder
// finder) finds the decision's record, Submit returns the earlier outcome as
// recorded and writes, emits and counts nothing. A different decision
// under the same ID (anything but its oversight outcome and trace context
// differs) is refused with ErrTicketExists. A decision with no record yet
// is recorded by the retry, unless the Submit that routed it first may
// still be writing it (for a minute after it stored its ticket): the
// retry is then refused, nothing stored, and may be sent again later. A
// failed lookup refuses the retry with its error, nothing stored. Without
// a DecisionFinder, or without the decision index, nothing tells whether
// the first record was written and the retry is recorded again: a
// duplicate record is visible to an auditor (the audit report flags the
// ID), an applied decision with no record would not be.
func (g *Gate) Submit(ctx context.Context, d aims.Decision) (_ Outcome, err error) {
	if g.closed.Load() {
		return Outcome{}, ErrClosed
	}
	// Clean first: the policy, the ticket, the store, the console, Outcome
	// and the log all see the clean record, never the raw one.
	if err := g.cleaner.Clean(&d); err != nil {
		return Outcome{}, fmt.Errorf("oversight: decision %s refused, nothing stored: %w", d.ID, err)
	}
	if err := d.Validate(); err != nil {
		return Outcome{}, fmt.Errorf("oversight: invalid decision: %w", err)
	}
	ctx, span := g.tel.tracer.Start(ctx, semconv.SpanOversightSubmit)
	defer func() { endSpan(span, err) }()
	recording := span.IsRecording()
	if recording {
		span.SetAttributes(semconv.AimsSystemID.String(d.SystemID), semconv.AimsDecisionID.String(d.ID))
	}

	if err := g.freshHalts(ctx); err != nil {
		return Outcome{}, fmt.Errorf("oversight: decision %s refused, nothing stored: %w", d.ID, err)
	}
	risk := g.riskOf(d.SystemID)
	var v Verdict
	if h, ok := g.haltedInfo(d.SystemID); ok {
		v = Verdict{Route: g.cfg.haltRoute, Policy: "halt", Reason: "system halted: " + h.Reason}
	} else {
		v = g.cfg.policy(ctx, Candidate{Decision: d, Risk: risk})
		if v.Policy == "" {
			v.Policy = "custom"
		}
		if v.Route < RouteApply || v.Route > RouteBlock {
			err := fmt.Errorf("oversight: policy %q returned unknown route %d", v.Policy, int(v.Route))
			return Outcome{}, err
		}
	}
	if recording {
		span.SetAttributes(semconv.AimsOversightRoute.String(v.Route.String()), semconv.AimsOversightPolicy.String(v.Policy))
	}
	now := g.now()
	d.Oversight = &aims.OversightOutcome{Action: v.Route.action(), Policy: v.Policy, Reason: v.Reason, Time: now}

	// One decision, one route: its review ticket and its routed ticket
	// have one ID (decisionTicketID), so a retry cannot open a second
	// review that reviewers could resolve the other way, nor hold a
	// decision that was applied, nor release (or route twice) a decision
	// held for review when the policy routes it otherwise (a sampling
	// policy draws again, or another replica's policy differs): the
	// store's Create lets one route win.
	var ticket *Ticket
	if v.Route != RouteReview && g.cfg.noIndex {
		// Without the index nothing is stored for this route, so only a
		// look at the review ticket can refuse a held decision.
		if err := g.notHeld(ctx, d.ID); err != nil {
			return Outcome{}, err
		}
	}
	if v.Route == RouteReview {
		if err := g.recordedBeforeLossHeld(ctx, &d); err != nil {
			return Outcome{}, err
		}
		if err := g.roomFor(ctx, KindReview); err != nil {
			return Outcome{}, fmt.Errorf("oversight: decision %s refused, nothing stored: %w", d.ID, err)
		}
		submitter, err := submitterFrom(ctx, &d)
		if err != nil {
			return Outcome{}, err
		}
		t := Ticket{
			ID: decisionTicketID(d.ID), Kind: KindReview, Decision: d, Risk: risk,
			Submitter: submitter, Policy: v.Policy, Reason: v.Reason,
			State: StatePending, CreatedAt: now, Deadline: now.Add(g.cfg.deadlines[0]),
		}
		t.Decision.Oversight.TicketID = t.ID
		d.Oversight.TicketID = t.ID
		// The held decision is reviewable once the ticket is stored, so
		// its record is stored with it and written like a reviewer
		// action's: what a failed write or a crash leaves, Sweep writes.
		holdRecords(&t, now, d)
		err = g.store.Create(ctx, t)
		if errors.Is(err, ErrTicketExists) {
			err = g.hold(ctx, t)
			if errors.Is(err, ErrTicketExists) {
				return Outcome{}, err
			}
		}
		if err != nil {
			return Outcome{}, fmt.Errorf("oversight: storing ticket for decision %s: %w", d.ID, err)
		}
		ticket = &t
	} else if !g.cfg.noIndex {
		// A store writing its index behind may have lost, in a crash,
		// the routed ticket of a decision whose record the durable log
		// holds: for IDs of that window only, the log says whether this
		// is a retry.
		if f := g.lossFinder(d.ID); f != nil {
			prior, err := recordedBeforeLoss(ctx, f, &d)
			if err != nil || prior != nil {
				return retryOutcome(prior), err
			}
		}
		// Keep the decision, already resolved, so that it can be found and
		// contested by its ID without any wiring (WithDecisionIndex).
		rt := routedTicket(&d, risk, v, now)
		// The submitter may not review a contest of the decision either.
		rt.Submitter = explicitSubmitter(ctx)
		prior, err := g.index(ctx, rt)
		if err != nil {
			return Outcome{}, fmt.Errorf("oversight: indexing decision %s: %w", d.ID, err)
		}
		if prior != nil {
			// A retry of a decision recorded on this route: the answer
			// is the record's, and nothing is written, emitted or
			// counted again.
			return retryOutcome(prior), nil
		}
	}
	if ticket != nil {
		if err := g.recordHeld(ctx, ticket.ID, []aims.Decision{d}); err != nil {
			// A held ticket stays in the queue: a reviewer may still
			// resolve it, and Sweep writes its record.
			return Outcome{Action: d.Oversight.Action, Decision: d, Ticket: ticket},
				fmt.Errorf("oversight: decision %s held (ticket %s) but recording it failed (Sweep retries it): %w", d.ID, ticket.ID, err)
		}
		ticket.Unrecorded, ticket.RecordingUntil = nil, time.Time{}
	} else if err := g.rec.Record(ctx, d); err != nil {
		// Not applied, and the evidence must say so (notApplied).
		err = fmt.Errorf("oversight: recording decision %s (not applied): %w", d.ID, err)
		return Outcome{Action: d.Oversight.Action, Decision: d}, errors.Join(err, g.notApplied(ctx, d, err))
	}
	g.tel.routed.Add(ctx, 1, g.tel.routeOpts[v.Route])
	if v.Route != RouteApply && g.tel.enabled(ctx, semconv.EventOversightRouted, otellog.SeverityInfo) {
		// On the stack: a held decision (a third of the credit example's)
		// should not pay a heap slice for its event.
		var stack [6]attribute.KeyValue
		attrs := append(stack[:0],
			semconv.AimsDecisionID.String(d.ID), semconv.AimsSystemID.String(d.SystemID),
			semconv.AimsOversightRoute.String(v.Route.String()), semconv.AimsOversightPolicy.String(v.Policy),
			semconv.AimsOversightReason.String(v.Reason),
		)
		if ticket != nil {
			attrs = append(attrs, semconv.AimsOversightTicketID.String(ticket.ID))
		}
		g.tel.emit(ctx, semconv.EventOversightRouted, semconv.ControlResponsibleUse, otellog.SeverityInfo, attrs...)
	}
	return Outcome{Action: d.Oversight.Action, Applied: v.Route == RouteApply, Decision: d, Ticket: ticket}, nil
}

// Status returns where a ticket stands now (polling). It escalates or
// expires the ticket first if its deadline has passed.
func (g *Gate) Status(ctx context.Context, ticketID string) (Outcome, error) {
	if g.closed.Load() {
		return Outcome{}, ErrClosed
	}
	t, err := g.store.Get(ctx, ticketID)
	if err != nil {
		return Outcome{}, err
	}
	if t.State == StatePending && !g.now().Before(t.Deadline) {
		if t, err = g.expire(ctx, ticketID); err != nil {
			return Outcome{}, err
		}
	}
	return outcomeOf(&t), nil
}

// Await waits until the ticket is resolved or expired, ctx ends, or the
// final deadline passes. It escalates the ticket at each missed deadline
// and applies the fail-safe at the last: with FailSafeDeny it returns the
// expire outcome (not applied); with FailSafeHold it returns the pending
// outcome and ErrHeld. When ctx ends first it returns the pending outcome
// and ctx's error; the ticket stays open. An Await keeps nothing in the
// Gate once it returns, so awaiting ticket IDs a client names (unknown,
// resolved, or given up on) does not grow the Gate's memory.
func (g *Gate) Await(ctx context.Context, ticketID string) (Outcome, error) {
	for {
		if g.closed.Load() {
			return Outcome{}, ErrClosed
		}
		out, done, err := g.awaitOnce(ctx, ticketID)
		if done {
			return out, err
		}
	}
}

// awaitOnce is one round of Await: it reads the ticket and waits for its
// next change, its deadline or the poll interval. done says Await returns
// out and err. The waiter it subscribes is gone when it returns.
func (g *Gate) awaitOnce(ctx context.Context, ticketID string) (out Outcome, done bool, err error) {
	// Subscribe before reading, so a resolution between the read and
	// the wait is not missed.
	w := g.subscribe(ticketID)
	defer g.unsubscribe(ticketID, w)
	t, err := g.store.Get(ctx, ticketID)
	if err != nil {
		return Outcome{}, true, err
	}
	if !t.Open() {
		return outcomeOf(&t), true, nil
	}
	if t.State == StateOverdue {
		return outcomeOf(&t), true, fmt.Errorf("%w (ticket %s)", ErrHeld, t.ID)
	}
	now := g.now()
	if !now.Before(t.Deadline) {
		if _, err := g.expire(ctx, ticketID); err != nil {
			return outcomeOf(&t), true, err
		}
		return Outcome{}, false, nil
	}
	timer := time.NewTimer(min(t.Deadline.Sub(now), g.cfg.pollInterval))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return outcomeOf(&t), true, ctx.Err()
	case <-w.ch:
	case <-timer.C:
	}
	return Outcome{}, false, nil
}

// waiter is the channel the Awaits of one ticket wait on, closed at the
// ticket's next change made by this Gate, and how many Awaits hold it.
type waiter struct {
	ch chan struct{}
	n  int
}

// subscribe returns the waiter of ticketID, which the caller must give
// back with unsubscribe.
func (g *Gate) subscribe(id string) *waiter {
	g.waitMu.Lock()
	defer g.waitMu.Unlock()
	w, ok := g.waiters[id]
	if !ok {
		w = &waiter{ch: make(chan struct{})}
		if g.closed.Load() {
			close(w.ch)
			return w
		}
		g.waiters[id] = w
	}
	w.n++
	return w
}

// unsubscribe gives w back; the last Await to give it back removes it.
func (g *Gate) unsubscribe(id string, w *waiter) {
	g.waitMu.Lock()
	defer g.waitMu.Unlock()
	w.n--
	if w.n <= 0 && g.waiters[id] == w {
		delete(g.waiters, id)
	}
}

// notify wakes the waiters of ticketID.
func (g *Gate) notify(id string) {
	g.waitMu.Lock()
	if w, ok := g.waiters[id]; ok {
		close(w.ch)
		delete(g.waiters, id)
	}
	g.waitMu.Unlock()
}

// roomFor checks that the review queue has room for another ticket of
// kind (see WithMaxOpenTickets): held decisions leave the last tenth of
// the bound to contests.
func (g *Gate) roomFor(ctx context.Context, kind TicketKind) error {
	limit := g.cfg.maxOpen
	if kind != KindContest {
		limit -= g.cfg.maxOpen / 10
	}
	n, err := g.store.CountOpen(ctx)
	if err != nil {
		return fmt.Errorf("oversight: counting the open tickets: %w", err)
	}
	if n >= limit {
		return fmt.Errorf("%w: %d open tickets, at most %d for a %s (WithMaxOpenTickets)", ErrQueueFull, n, limit, kind)
	}
	return nil
}

// outcomeOf says where a ticket's decision stands.
func outcomeOf(t *Ticket) Outcome {
	tc := *t
	if t.Resolution != nil && !t.Open() {
		return Outcome{Action: t.Resolution.Action, Applied: t.Resolution.Applied, Decision: t.Resolution.Decision, Ticket: &tc}
	}
	return Outcome{Action: aims.ActionReview, Decision: t.Decision, Ticket: &tc}
}

// newRecordID returns a fresh decision ID for a review, escalation or
// contest record.
func newRecordID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("oversight: record ID: %w", err)
	}
	return id.String(), nil
}

// followUp is the record of an oversight action on an earlier decision: a
// copy of orig with a new ID and time, linked to orig.
func followUp(orig *aims.Decision, id string, now time.Time, o aims.OversightOutcome) aims.Decision {
	d := *orig
	d.ID = id
	d.Time = now
	// The follow-up belongs to the trace of the action that makes it (the
	// decision log takes it from the action's context); the original's
	// trace stays on the original, linked by RelatedDecisionID.
	d.TraceID, d.SpanID = "", ""
	o.RelatedDecisionID = orig.ID
	o.Time = now
	d.Oversight = &o
	return d
}
