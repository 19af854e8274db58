package oversight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	otellog "go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Halt is an active stop of an AI system.
type Halt struct {
	SystemID string    `json:"system_id"` // the halted system
	By       string    `json:"by"`        // the identity that pressed the stop button
	Reason   string    `json:"reason"`    // why, as given (required)
	Since    time.Time `json:"since"`     // when the halt began
	// Forced says the system was not known to the Gate that halted it
	// (see Force).
	Forced bool `json:"forced,omitempty"`
}

// HaltOption modifies a Halt.
type HaltOption interface{ applyHalt(*haltConfig) }

type haltConfig struct{ force bool }

type haltOptionFunc func(*haltConfig)

func (f haltOptionFunc) applyHalt(c *haltConfig) { f(c) }

// Force lets Halt stop a system the Gate does not know (not its Recorder's
// system, not given WithRiskLevel or WithSystems), for example one gated
// by another service sharing the store. The halt and its record say it
// was forced.
func Force() HaltOption { return haltOptionFunc(func(c *haltConfig) { c.force = true }) }

// knows reports whether systemID is a system this Gate gates.
func (g *Gate) knows(systemID string) bool {
	if g.cfg.systems[systemID] {
		return true
	}
	_, ok := g.cfg.risk[systemID]
	return ok
}

// HaltStore is implemented by stores that share halts between the Gates
// using them (all three built-in stores do). With it, a halt or resume
// pressed on one replica takes effect there at once and reaches the
// others' Submit within WithHaltRefresh (default 1s; 0 makes every Submit
// read the store, so it reaches them at once); Sweep, New and the
// background sweeper also re-read the halts. Halted and Halts report this
// Gate's copy without reading the store. Without a HaltStore, halts are
// local to one Gate.
type HaltStore interface {
	// SetHalt records an active halt of h.SystemID, replacing any earlier one.
	SetHalt(ctx context.Context, h Halt) error
	// ClearHalt removes the halt of systemID; it reports whether there was one.
	ClearHalt(ctx context.Context, systemID string) (bool, error)
	// Halts lists the active halts.
	Halts(ctx context.Context) ([]Halt, error)
}

// HaltTicketStore is a HaltStore that commits a halt or a resume together
// with the ticket holding its decision record (Kind halt, closed from the
// start, the record in Unrecorded), in one atomic write: the change never
// stands without the duty to record it, and Sweep writes what a failed
// write or a crash left (see Gate.Sweep). The three built-in stores
// implement it. With a HaltStore that does not, the Gate creates that
// ticket right after the halt or resume, so a crash in between loses the
// record.
type HaltTicketStore interface {
	HaltStore
	// SetHaltWith stores h like SetHalt and creates t like Store.Create,
	// both or neither: ErrTicketExists, and no halt stored, if t's ID is
	// taken.
	SetHaltWith(ctx context.Context, h Halt, t Ticket) error
	// ClearHaltWith removes the halt of systemID like ClearHalt and, when
	// there was one, creates t like Store.Create, both or neither. It
	// reports whether there was a halt; without one nothing is stored.
	ClearHaltWith(ctx context.Context, systemID string, t Ticket) (bool, error)
}

// haltTicket is the ticket holding d, the record of a halt or resume,
// until it is written (holdRecords).
func haltTicket(d *aims.Decision, now time.Time) Ticket {
	t := Ticket{
		ID: uuid.NewSHA1(routedNamespace, []byte("halt/"+d.ID)).String(), Kind: KindHalt,
		Decision: *d, Policy: string(d.Oversight.Action), Reason: d.Oversight.Reason,
		State: StateResolved, CreatedAt: now, Deadline: now,
		Resolution: &Resolution{
			Action: d.Oversight.Action, Reviewer: d.Oversight.Reviewer, Reason: d.Oversight.Reason,
			Time: now, Decision: *d,
		},
	}
	holdRecords(&t, now, *d)
	return t
}

// haltedInfo reports whether systemID is halted. The common case (nothing
// halted) costs one atomic load.
func (g *Gate) haltedInfo(systemID string) (Halt, bool) {
	if g.nHalted.Load() == 0 {
		return Halt{}, false
	}
	g.haltMu.RLock()
	h, ok := g.halted[systemID]
	g.haltMu.RUnlock()
	return h, ok
}

// Halted reports whether systemID is halted, as this Gate knows it.
func (g *Gate) Halted(systemID string) bool {
	_, ok := g.haltedInfo(systemID)
	return ok
}

// Halts lists the systems halted as this Gate knows it, by system ID.
func (g *Gate) Halts() []Halt {
	g.haltMu.RLock()
	out := make([]Halt, 0, len(g.halted))
	for _, h := range g.halted {
		out = append(out, h)
	}
	g.haltMu.RUnlock()
	slices.SortFunc(out, func(a, b Halt) int { return strings.Compare(a.SystemID, b.SystemID) })
	return out
}

// mono is the monotonic time since the Gate was made, in nanoseconds,
// never 0.
func (g *Gate) mono() int64 { return int64(time.Since(g.born)) + 1 }

// refreshHalts reloads the shared halts from a HaltStore. A read begun
// before a newer read, or before this Gate's own latest Halt or Resume,
// is dropped: it must not bring back an older state.
func (g *Gate) refreshHalts(ctx context.Context) error {
	hs, ok := g.store.(HaltStore)
	if !ok {
		return nil
	}
	start := g.mono()
	list, err := hs.Halts(ctx)
	if err != nil {
		return fmt.Errorf("oversight: reading halts: %w", err)
	}
	m := make(map[string]Halt, len(list))
	for _, h := range list {
		m[h.SystemID] = h
	}
	g.haltMu.Lock()
	if start >= g.haltChangedAt && start >= g.haltReadAt.Load() {
		g.halted = m
		g.nHalted.Store(int32(len(m)))
		g.haltReadAt.Store(start)
	}
	g.haltMu.Unlock()
	return nil
}

// haltReadTimeout bounds a shared re-read of the halts (haltFlight), which
// runs under no caller's context: a store that does not answer within it
// fails the read, and the next Submit starts another.
const haltReadTimeout = 30 * time.Second

// haltFlight is one re-read of the shared halts, which every Submit that
// finds its copy stale meanwhile waits for.
type haltFlight struct {
	done chan struct{}
	err  error // set before done is closed
}

// freshHalts re-reads the shared halts when this Gate's copy is older
// than WithHaltRefresh. One read runs at a time, detached from the
// caller that started it, and each caller waits for it only as long as
// its own context lets it: a caller whose context never ends, caught in a
// slow read, holds up no one else, and one whose context ends early does
// not fail the read for the others.
func (g *Gate) freshHalts(ctx context.Context) error {
	if !g.sharedHalts {
		return nil
	}
	every := int64(g.cfg.haltRefresh)
	if every == 0 {
		return g.refreshHalts(ctx)
	}
	if g.mono()-g.haltReadAt.Load() < every {
		return nil
	}
	g.haltRefreshMu.Lock()
	if g.mono()-g.haltReadAt.Load() < every {
		g.haltRefreshMu.Unlock()
		return nil // another caller just read them
	}
	f := g.haltFlight
	if f == nil {
		f = &haltFlight{done: make(chan struct{})}
		g.haltFlight = f
		// The caller's values (its trace) without its cancellation, ended
		// by the bound or by Close.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), haltReadTimeout)
		stop := context.AfterFunc(g.life, cancel)
		go func() {
			defer cancel()
			defer stop()
			err := g.refreshHalts(rctx)
			g.haltRefreshMu.Lock()
			f.err = err
			g.haltFlight = nil
			g.haltRefreshMu.Unlock()
			close(f.done)
		}()
	}
	g.haltRefreshMu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("oversight: waiting for the shared halts to be read: %w", ctx.Err())
	}
}

// Halt is the stop button (EU AI Act Art. 14(4)(e)): from now on every
// decision of systemID is blocked (or held, see WithHaltRoute) without
// asking the policy, and under the block route a decision held for review
// before the halt cannot be approved until the system is resumed
// (ErrHalted; it may still be rejected or overridden). Any identified person may press it, and a reason is
// required; the halt is recorded and emitted. systemID must be a system
// the Gate knows (its Recorder's system, or one given WithRiskLevel or
// WithSystems) unless the Force option is given, and is refused
// (ErrInvalidID) unless it is 1 to 128 letters, digits or . _ - : / @.
// With a HaltStore the halt is shared with every Gate on the same store
// (see HaltStore). The halt's record is stored with the halt, on a closed
// ticket of KindHalt (see HaltTicketStore); if the Recorder refuses it,
// Halt returns the error and a later Sweep writes it, as for a reviewer
// action. Resume does the same for the resume's record.
func (g *Gate) Halt(ctx context.Context, systemID string, by Reviewer, reason string, opts ...HaltOption) error {
	var hc haltConfig
	for _, o := range opts {
		if o != nil {
			o.applyHalt(&hc)
		}
	}
	return g.setHalt(ctx, systemID, by, reason, true, hc.force)
}

// Resume lifts a halt. Like Halt it needs an identity and a reason, and it
// is recorded.
func (g *Gate) Resume(ctx context.Context, systemID string, by Reviewer, reason string) error {
	return g.setHalt(ctx, systemID, by, reason, false, false)
}

func (g *Gate) setHalt(ctx context.Context, systemID string, by Reviewer, reason string, halt, force bool) (err error) {
	action, name := aims.ActionResume, semconv.SpanOversightResume
	if halt {
		action, name = aims.ActionHalt, semconv.SpanOversightHalt
	}
	ctx, span := g.tel.tracer.Start(ctx, name)
	defer func() { endSpan(span, err) }()
	span.SetAttributes(semconv.AimsSystemID.String(systemID), semconv.AimsOversightReviewer.String(by.ID))
	if g.closed.Load() {
		return ErrClosed
	}
	reason = strings.TrimSpace(reason)
	nb, err := normalizeReviewer(by)
	if err != nil {
		return g.refuse(ctx, "", by, action, err)
	}
	by = nb
	if err := validSystemID(systemID); err != nil {
		return g.refuse(ctx, "", by, action, fmt.Errorf("oversight: %s: %w", action, err))
	}
	if reason == "" {
		return g.refuse(ctx, "", by, action, fmt.Errorf("%w: %s of %q by %q", ErrReasonRequired, action, systemID, by.ID))
	}
	if err := checkReasonLength(fmt.Sprintf("the reason for the %s of %q", action, systemID), reason); err != nil {
		return g.refuse(ctx, "", by, action, err)
	}
	forced := false
	if halt && !g.knows(systemID) {
		if !force {
			return g.refuse(ctx, "", by, action, fmt.Errorf("%w: %q is not a system this gate gates (register it with WithSystems, or halt it with Force)", ErrUnknownSystem, systemID))
		}
		forced = true
	}
	d, err := aims.NewDecision(ctx, systemID)
	if err != nil {
		return err
	}
	now := g.now()
	h := Halt{SystemID: systemID, By: by.ID, Reason: reason, Since: now, Forced: forced}
	d.Time = now
	d.Output = "halted"
	event := semconv.EventOversightHalted
	if !halt {
		d.Output = "resumed"
		event = semconv.EventOversightResumed
	}
	d.Oversight = &aims.OversightOutcome{Action: action, Reviewer: by.ID, Reason: reason, Time: now}
	if forced {
		d.Attributes = withAttr(d.Attributes, "aims.oversight.halt.forced", "true")
	}
	// The change and the ticket holding its record are stored together
	// (HaltTicketStore); a store that cannot do both at once gets the
	// ticket right after the change.
	rt := haltTicket(&d, now)
	hts, atomic := g.store.(HaltTicketStore)
	hs, shared := g.store.(HaltStore)
	var keepErr error // the change stands, its record's ticket is not stored
	if halt {
		switch {
		case atomic:
			err = hts.SetHaltWith(ctx, h, rt)
		case shared:
			if err = hs.SetHalt(ctx, h); err == nil {
				keepErr = g.store.Create(ctx, rt)
			}
		default:
			err = g.store.Create(ctx, rt)
		}
		if err != nil {
			return fmt.Errorf("oversight: storing halt of %q: %w", systemID, err)
		}
	} else {
		was := g.Halted(systemID)
		switch {
		case atomic:
			was, err = hts.ClearHaltWith(ctx, systemID, rt)
		case shared:
			if was, err = hs.ClearHalt(ctx, systemID); err == nil && was {
				keepErr = g.store.Create(ctx, rt)
			}
		case was:
			err = g.store.Create(ctx, rt)
		}
		if err != nil {
			return fmt.Errorf("oversight: clearing halt of %q: %w", systemID, err)
		}
		if !was {
			return g.refuse(ctx, "", by, action, fmt.Errorf("oversight: system %q is not halted", systemID))
		}
	}
	g.haltMu.Lock()
	if halt {
		g.halted[systemID] = h
	} else {
		delete(g.halted, systemID)
	}
	g.nHalted.Store(int32(len(g.halted)))
	g.haltChangedAt = g.mono()
	g.haltMu.Unlock()

	if halt {
		g.tel.halts.Add(ctx, 1, metricAttrs(semconv.AimsSystemID.String(systemID)))
	}
	g.tel.emit(ctx, event, semconv.ControlResponsibleUse, otellog.SeverityWarn,
		semconv.AimsSystemID.String(systemID), semconv.AimsOversightAction.String(string(action)),
		semconv.AimsOversightReviewer.String(by.ID), semconv.AimsDecisionID.String(d.ID))
	// (The reason is free text that may hold personal data: it is in the
	// decision log's record, the ledger, only.)
	if keepErr != nil {
		// No ticket holds the record: it is written now or reported.
		if err := g.rec.Record(ctx, d); err != nil {
			return errors.Join(fmt.Errorf("oversight: %s of %q took effect but recording it failed, and storing its record for a retry failed too (%v): %w", action, systemID, keepErr, err),
				g.haltIncident(ctx, h, halt, &d))
		}
	} else if err := g.record(ctx, rt.ID, []aims.Decision{d}); err != nil {
		return errors.Join(fmt.Errorf("oversight: %s of %q took effect but recording it failed (Sweep retries it): %w", action, systemID, err),
			g.haltIncident(ctx, h, halt, &d))
	}
	return g.haltIncident(ctx, h, halt, &d)
}
