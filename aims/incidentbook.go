package aims

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// IncidentBook keeps the incidents of one AI system and their corrective
// actions (A.3.3 reporting of concerns, A.8.4 communication of incidents,
// Clause 10.2 nonconformity and corrective action, EU AI Act Art. 73
// serious-incident reporting). People open incidents (Open, or the HTTP API
// of Handler); the system opens them from alarms (Raise, AlarmHandler), from
// halts and from contests that changed a decision (oversight.WithIncidents). Every change
// writes exactly one management-system record of type incident through the
// system's decision log (one ledger line and one aims.management.incident
// log record), whose Data is the incident as it stands after the change: the
// ledger is the book's history and its source of truth, and Restore rebuilds
// the book from it after a restart. A ledger Prune that would delete the
// latest record of an incident that is not closed first has the book write
// it again, unchanged, in a record marked as carried forward.
//
// An incident moves one state at a time, open → investigating →
// corrective_action → verified → closed (Update). It is not verified
// without a corrective action and a verification note, and not closed
// without a root cause, nor, when it is a serious incident of a high-risk
// system (or of one whose risk level is unspecified, which ranks as high),
// before it was reported to the authority (MarkReported).
//
// The book keeps every incident that is not closed in memory, at most
// WithMaxOpenIncidents of them, and the latest closed ones
// (WithMaxClosedIncidents); older closed incidents stay in the ledger only.
// With every field at its limit (MaxIncidentText, MaxIncidentDecisions, …)
// an incident takes about 115 KB of heap (measured), so the defaults bound
// the book at about 145 MB however hostile its clients; a typical incident
// takes 1–2 KB.
// It is safe for concurrent use; changes are serialised, so the records of
// one incident are in the ledger in the order they were made. With
// WithDeadlineCheck it owns a goroutine: Close stops it.
type IncidentBook struct {
	sys    *System
	cfg    incidentConfig
	logger log.Logger

	// writeMu serialises changes: each is validated against the current
	// state, recorded and then applied while it is held.
	writeMu sync.Mutex
	// mu guards the maps below; readers take it only briefly.
	mu          sync.RWMutex
	open        map[string]*bookEntry
	byKey       map[string]string // alarm key → ID of the incident that is not closed
	closed      map[string]Incident
	closedOrder []string // IDs of closed, oldest first

	isClosed  atomic.Bool
	closeOnce sync.Once
	stopLoop  context.CancelFunc
	done      chan struct{}
	// unhookPrune removes carryForward from the ledger's Prune hooks.
	unhookPrune func()
}

// bookEntry is an incident that is not closed, with the deadline events
// already emitted for it.
type bookEntry struct {
	inc              Incident
	warned, overdue  bool
	deadlineNotified time.Time // the deadline the flags refer to
	carriedAt        time.Time // when carryForward last wrote it again
}

// Defaults of the incident book.
const (
	// DefaultMaxOpenIncidents is how many incidents that are not closed a
	// book holds unless WithMaxOpenIncidents says otherwise.
	DefaultMaxOpenIncidents = 1000
	// DefaultMaxClosedIncidents is how many closed incidents a book keeps
	// in memory (for Get and List) unless WithMaxClosedIncidents says
	// otherwise.
	DefaultMaxClosedIncidents = 256
)

// Limits of the fields of an incident, in bytes of UTF-8 (or in entries).
// Longer input is an error naming the field, never truncated silently.
const (
	// MaxIncidentTitle bounds Title.
	MaxIncidentTitle = 200
	// MaxIncidentText bounds Description, RootCause, CorrectiveAction and
	// Verification.
	MaxIncidentText = 8192
	// MaxIncidentNote bounds a transition's note.
	MaxIncidentNote = 2048
	// MaxIncidentName bounds an actor, an owner and a risk ID.
	MaxIncidentName = 128
	// MaxIncidentDecisions bounds the decisions linked to one incident.
	MaxIncidentDecisions = 1000
	// MaxIncidentRisks bounds the risks linked to one incident.
	MaxIncidentRisks = 100
)

// Errors of the incident book. Errors about a field's value wrap
// ErrInvalidIncident and name the field; refused state changes wrap
// ErrIncidentState.
var (
	// ErrIncidentNotFound is returned for an ID the book does not hold (it
	// never existed, or it is a closed incident older than the closed ones
	// kept in memory).
	ErrIncidentNotFound = errors.New("aims: no such incident")
	// ErrTooManyIncidents is returned when opening an incident would
	// exceed WithMaxOpenIncidents.
	ErrTooManyIncidents = errors.New("aims: too many open incidents")
	// ErrIncidentBookClosed is returned by changes after Close.
	ErrIncidentBookClosed = errors.New("aims: incident book is closed")
	// ErrInvalidIncident is wrapped by errors about an input value.
	ErrInvalidIncident = errors.New("aims: invalid incident input")
	// ErrIncidentState is wrapped by refused changes of an incident's
	// state or of a closed incident.
	ErrIncidentState = errors.New("aims: incident change not allowed")
)

// incidentError is an error about one field of an incident change.
type incidentError struct {
	field string
	kind  error
	msg   string
}

func (e *incidentError) Error() string { return e.msg }
func (e *incidentError) Unwrap() error { return e.kind }

func invalid(id, field, format string, args ...any) error {
	return newIncidentError(ErrInvalidIncident, id, field, format, args...)
}

func refused(id, field, format string, args ...any) error {
	return newIncidentError(ErrIncidentState, id, field, format, args...)
}

func newIncidentError(kind error, id, field, format string, args ...any) error {
	what := "aims: incident"
	if id != "" {
		what += " " + id
	}
	return &incidentError{field: field, kind: kind, msg: what + ": " + field + ": " + fmt.Sprintf(format, args...)}
}

// NewIncidentBook returns the incident book of sys. It holds nothing until
// incidents are opened or restored (Restore).
func NewIncidentBook(sys *System, opts ...IncidentOption) (*IncidentBook, error) {
	if sys == nil {
		return nil, errors.New("aims: NewIncidentBook: nil System")
	}
	c := incidentConfig{
		maxOpen: DefaultMaxOpenIncidents, maxClosed: DefaultMaxClosedIncidents,
		lead: map[SeriousKind]time.Duration{
			SeriousOther: 48 * time.Hour, SeriousDeath: 48 * time.Hour, SeriousWidespread: 12 * time.Hour,
		},
		now: time.Now, alarmSeverity: SeverityMedium, onError: otel.Handle,
		newTicker: func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		},
	}
	for _, o := range opts {
		if o != nil {
			o.applyIncident(&c)
		}
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	b := &IncidentBook{sys: sys, cfg: c, logger: sys.tel.logger(),
		open: map[string]*bookEntry{}, byKey: map[string]string{}, closed: map[string]Incident{}}
	if c.interval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		b.stopLoop, b.done = cancel, make(chan struct{})
		go b.loop(ctx)
	}
	b.hookPrune()
	return b, nil
}

// System returns the system the book belongs to.
func (b *IncidentBook) System() *System { return b.sys }

// Close stops the deadline loop (WithDeadlineCheck), waiting for it to
// exit or for ctx to end, whichever comes first. Afterwards changes return
// ErrIncidentBookClosed; Get and List keep working. Close does not close
// the System. Close is idempotent.
func (b *IncidentBook) Close(ctx context.Context) error {
	b.closeOnce.Do(func() {
		b.isClosed.Store(true)
		if b.unhookPrune != nil {
			b.unhookPrune()
		}
		if b.stopLoop != nil {
			b.stopLoop()
		}
	})
	if b.done != nil {
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (b *IncidentBook) now() time.Time { return b.cfg.now().UTC() }

// IncidentReport is what opens an incident: a person's report, or a contest
// that changed a decision or a halt, reported by oversight.
type IncidentReport struct {
	// Title is a one-line description (required, at most
	// MaxIncidentTitle bytes).
	Title string
	// Description says what happened (at most MaxIncidentText bytes).
	Description string
	// Severity grades the incident (required).
	Severity IncidentSeverity
	// Serious is the EU AI Act Art. 73 classification; SeriousNone if not
	// serious (or not yet known: Classify changes it).
	Serious SeriousKind
	// Source is SourcePerson (the default), SourceUserReport,
	// SourceContest or SourceHalt; incidents from monitor alarms are
	// opened by Raise.
	Source IncidentSource
	// By is who opens the incident (required).
	By string
	// Owner is who is responsible for handling it.
	Owner string
	// Decisions are the IDs of the affected decisions.
	Decisions []string
	// Risks are the IDs of the register's risks the incident realises.
	Risks []string
	// AwareAt is when the organisation became aware of the incident, the
	// start of the Art. 73 period; zero means now. It may not be in the
	// future.
	AwareAt time.Time
}

// Open opens an incident and records it. The returned Incident has a fresh
// UUIDv7 ID, state open and, for a serious incident of a high-risk system
// or of one whose risk level is unspecified, its Art. 73 ReportDeadline.
func (b *IncidentBook) Open(ctx context.Context, r IncidentReport) (Incident, error) {
	if b.isClosed.Load() {
		return Incident{}, ErrIncidentBookClosed
	}
	if r.Source == "" {
		r.Source = SourcePerson
	}
	switch r.Source {
	case SourcePerson, SourceUserReport, SourceContest, SourceHalt:
	default:
		return Incident{}, invalid("", "source", "%q; Open takes person, user_report, contest or halt (alarms go through Raise)", r.Source)
	}
	now := b.now()
	in := Incident{Severity: r.Severity, Serious: r.Serious, State: IncidentOpen, Source: r.Source, AwareAt: now}
	var err error
	if in.Title, err = oneLine("", "title", r.Title, MaxIncidentTitle, true); err != nil {
		return Incident{}, err
	}
	if in.Description, err = text("", "description", r.Description, MaxIncidentText); err != nil {
		return Incident{}, err
	}
	if in.OpenedBy, err = oneLine("", "by", r.By, MaxIncidentName, true); err != nil {
		return Incident{}, err
	}
	if in.Owner, err = oneLine("", "owner", r.Owner, MaxIncidentName, false); err != nil {
		return Incident{}, err
	}
	if err := checkClass("", in.Severity, in.Serious); err != nil {
		return Incident{}, err
	}
	if in.Decisions, err = addDecisions("", nil, r.Decisions); err != nil {
		return Incident{}, err
	}
	if in.Risks, err = addRisks("", nil, r.Risks); err != nil {
		return Incident{}, err
	}
	if !r.AwareAt.IsZero() {
		if r.AwareAt.After(now) {
			return Incident{}, invalid("", "aware_at", "%s is in the future", r.AwareAt.Format(time.RFC3339))
		}
		in.AwareAt = r.AwareAt.UTC()
	}
	people := r.Source == SourcePerson || r.Source == SourceUserReport
	summary := fmt.Sprintf("incident opened (%s", in.Severity)
	if in.Serious != SeriousNone {
		summary += ", serious: " + string(in.Serious)
	}
	summary += "): " + in.Title
	return b.openIncident(ctx, in, people, summary)
}

// openIncident gives in an ID, a deadline and its opening transition,
// records it and adds it to the book.
func (b *IncidentBook) openIncident(ctx context.Context, in Incident, people bool, summary string) (Incident, error) {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	return b.openLocked(ctx, in, people, summary)
}

// openLocked is openIncident with writeMu held.
func (b *IncidentBook) openLocked(ctx context.Context, in Incident, people bool, summary string) (Incident, error) {
	if b.isClosed.Load() {
		return Incident{}, ErrIncidentBookClosed
	}
	if err := b.roomFor(people); err != nil {
		return Incident{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Incident{}, fmt.Errorf("aims: incident: %w", err)
	}
	in.ID = id.String()
	b.setDeadline(&in)
	in.Transition = IncidentTransition{To: IncidentOpen, By: in.OpenedBy, At: b.now()}
	if err := b.record(ctx, &in, summary); err != nil {
		return Incident{}, err
	}
	b.mu.Lock()
	b.open[in.ID] = &bookEntry{inc: in}
	if in.AlarmKey != "" {
		b.byKey[in.AlarmKey] = in.ID
	}
	b.mu.Unlock()
	return cloneIncident(in), nil
}

// roomFor reports ErrTooManyIncidents when the book cannot take another
// open incident; writeMu held.
func (b *IncidentBook) roomFor(people bool) error {
	b.mu.RLock()
	n := len(b.open)
	b.mu.RUnlock()
	limit := b.cfg.maxOpen
	if people {
		limit -= b.cfg.maxOpen / 10
	}
	if n >= limit {
		return fmt.Errorf("%w: the book holds %d incidents that are not closed (limit %d for these; close some, or raise WithMaxOpenIncidents)",
			ErrTooManyIncidents, n, limit)
	}
	return nil
}

// setDeadline sets the Art. 73 deadline of in from its AwareAt, its
// serious kind and the system's risk level.
func (b *IncidentBook) setDeadline(in *Incident) {
	in.ReportDeadline = nil
	if d, ok := ReportDeadlineFor(b.sys.RiskLevel(), in.Serious, in.AwareAt); ok {
		in.ReportDeadline = &d
	}
}

// IncidentUpdate is one step of an incident's handling: a move to the next
// state, the findings that go with it, or both.
type IncidentUpdate struct {
	// To is the next state (NextIncidentState of the current one); empty
	// records the other fields without changing the state.
	To IncidentState
	// By is who makes the change (required).
	By string
	// Note says why, or what was done (at most MaxIncidentNote bytes).
	Note string
	// RootCause, CorrectiveAction and Verification replace the incident's
	// values when not empty (at most MaxIncidentText bytes each).
	RootCause, CorrectiveAction, Verification string
}

// Update applies u to incident id and records it. A move must go to the
// next state: skipping one, going back or staying is an error naming the
// field "to" (wrapping ErrIncidentState). Verified needs a corrective
// action and a verification (given now or before); closed needs a root
// cause, and a serious incident with an Art. 73 deadline must have been
// reported first.
func (b *IncidentBook) Update(ctx context.Context, id string, u IncidentUpdate) (Incident, error) {
	return b.change(ctx, id, u.By, func(in *Incident) (string, error) {
		note, err := text(in.ID, "note", u.Note, MaxIncidentNote)
		if err != nil {
			return "", err
		}
		var what []string
		for _, f := range []struct {
			name string
			val  string
			dst  *string
		}{{"root_cause", u.RootCause, &in.RootCause}, {"corrective_action", u.CorrectiveAction, &in.CorrectiveAction},
			{"verification", u.Verification, &in.Verification}} {
			v, err := text(in.ID, f.name, f.val, MaxIncidentText)
			if err != nil {
				return "", err
			}
			if v != "" && v != *f.dst {
				*f.dst = v
				what = append(what, strings.ReplaceAll(f.name, "_", " "))
			}
		}
		in.Transition.Note = note
		if u.To == "" {
			if len(what) == 0 && note == "" {
				return "", invalid(in.ID, "to", "empty, and nothing else to record")
			}
			s := "incident updated"
			if len(what) > 0 {
				s += ": " + strings.Join(what, ", ") + " recorded"
			}
			return withNote(s, note), nil
		}
		if err := checkMove(in, u.To); err != nil {
			return "", err
		}
		switch u.To {
		case IncidentVerified:
			if in.CorrectiveAction == "" {
				return "", refused(in.ID, "corrective_action", "missing; an incident is not verified without the corrective action taken")
			}
			if in.Verification == "" {
				return "", refused(in.ID, "verification", "missing; say how the corrective action was verified effective")
			}
		case IncidentClosed:
			if in.RootCause == "" {
				return "", refused(in.ID, "root_cause", "missing; an incident is not closed without one")
			}
			if in.ReportDeadline != nil && in.ReportedAt == nil {
				system := "a high-risk system"
				if b.sys.RiskLevel() != RiskHigh {
					system = "a system of unspecified risk level, which ranks as high-risk,"
				}
				return "", refused(in.ID, "reported_at", "missing; a serious incident of %s is not closed before it is reported to the authority (EU AI Act Art. 73, deadline %s)",
					system, in.ReportDeadline.Format(time.RFC3339))
			}
		}
		in.State = u.To
		return withNote(fmt.Sprintf("incident %s → %s", in.Transition.From, u.To), note), nil
	})
}

// checkMove refuses a move of in to anything but its next state.
func checkMove(in *Incident, to IncidentState) error {
	states := IncidentStates()
	from, target := slices.Index(states, in.State), slices.Index(states, to)
	next, _ := NextIncidentState(in.State)
	switch {
	case target < 0:
		return invalid(in.ID, "to", "%q is not a state (open, investigating, corrective_action, verified, closed)", to)
	case target == from:
		return refused(in.ID, "to", "the incident is already %s", to)
	case target < from:
		return refused(in.ID, "to", "%s cannot go back to %s", in.State, to)
	case to != next:
		return refused(in.ID, "to", "%q skips %q; an incident moves one state at a time (open → investigating → corrective_action → verified → closed)", to, next)
	}
	return nil
}

// Assign makes owner responsible for incident id.
func (b *IncidentBook) Assign(ctx context.Context, id, owner, by string) (Incident, error) {
	return b.change(ctx, id, by, func(in *Incident) (string, error) {
		o, err := oneLine(in.ID, "owner", owner, MaxIncidentName, true)
		if err != nil {
			return "", err
		}
		if o == in.Owner {
			return "", nil
		}
		in.Owner = o
		return "owner set to " + o, nil
	})
}

// LinkDecisions links the decisions (by decision ID, a UUID) to incident
// id. IDs already linked are left alone; when every one is, nothing is
// recorded.
func (b *IncidentBook) LinkDecisions(ctx context.Context, id, by string, decisionIDs ...string) (Incident, error) {
	return b.change(ctx, id, by, func(in *Incident) (string, error) {
		if len(decisionIDs) == 0 {
			return "", invalid(in.ID, "decisions", "empty")
		}
		n := len(in.Decisions)
		var err error
		if in.Decisions, err = addDecisions(in.ID, in.Decisions, decisionIDs); err != nil {
			return "", err
		}
		if added := len(in.Decisions) - n; added > 0 {
			return fmt.Sprintf("linked %d decision(s)", added), nil
		}
		return "", nil
	})
}

// LinkRisks links risks of the risk register (by risk ID) to incident id.
// IDs already linked are left alone; when every one is, nothing is
// recorded.
func (b *IncidentBook) LinkRisks(ctx context.Context, id, by string, riskIDs ...string) (Incident, error) {
	return b.change(ctx, id, by, func(in *Incident) (string, error) {
		if len(riskIDs) == 0 {
			return "", invalid(in.ID, "risks", "empty")
		}
		n := len(in.Risks)
		var err error
		if in.Risks, err = addRisks(in.ID, in.Risks, riskIDs); err != nil {
			return "", err
		}
		if n == len(in.Risks) {
			return "", nil
		}
		return "linked risk(s) " + strings.Join(in.Risks[n:], ", "), nil
	})
}

// MarkReported records that incident id was reported to the market
// surveillance authority at at (zero means now; not in the future, not
// before AwareAt). An incident is reported once.
func (b *IncidentBook) MarkReported(ctx context.Context, id, by string, at time.Time, note string) (Incident, error) {
	return b.change(ctx, id, by, func(in *Incident) (string, error) {
		n, err := text(in.ID, "note", note, MaxIncidentNote)
		if err != nil {
			return "", err
		}
		if in.ReportedAt != nil {
			return "", refused(in.ID, "reported_at", "already reported at %s", in.ReportedAt.Format(time.RFC3339))
		}
		now := b.now()
		if at.IsZero() {
			at = now
		}
		at = at.UTC()
		switch {
		case at.After(now):
			return "", invalid(in.ID, "at", "%s is in the future", at.Format(time.RFC3339))
		case at.Before(in.AwareAt):
			return "", invalid(in.ID, "at", "%s is before the incident's aware_at %s", at.Format(time.RFC3339), in.AwareAt.Format(time.RFC3339))
		}
		in.ReportedAt = &at
		in.Transition.Note = n
		s := "reported to the market surveillance authority at " + at.Format(time.RFC3339)
		if in.ReportDeadline != nil && at.After(*in.ReportDeadline) {
			s += " (after the Art. 73 deadline " + in.ReportDeadline.Format(time.RFC3339) + ")"
		}
		return withNote(s, n), nil
	})
}

// Classify changes the severity and the Art. 73 classification of incident
// id (an alarm opens incidents that are not serious; the investigation may
// find otherwise). The reporting deadline is recomputed from AwareAt.
func (b *IncidentBook) Classify(ctx context.Context, id, by string, severity IncidentSeverity, serious SeriousKind, note string) (Incident, error) {
	return b.change(ctx, id, by, func(in *Incident) (string, error) {
		n, err := text(in.ID, "note", note, MaxIncidentNote)
		if err != nil {
			return "", err
		}
		if err := checkClass(in.ID, severity, serious); err != nil {
			return "", err
		}
		if severity == in.Severity && serious == in.Serious {
			return "", nil
		}
		in.Severity, in.Serious = severity, serious
		b.setDeadline(in)
		s := "classified " + string(severity) + ", not serious"
		if serious != SeriousNone {
			s = "classified " + string(severity) + ", serious: " + string(serious)
		}
		in.Transition.Note = n
		return withNote(s, n), nil
	})
}

// change applies fn to a copy of incident id and records the result. fn
// returns the record's summary, or "" when nothing changed (then nothing
// is recorded and the current incident is returned).
func (b *IncidentBook) change(ctx context.Context, id, by string, fn func(in *Incident) (string, error)) (Incident, error) {
	actor, err := oneLine(id, "by", by, MaxIncidentName, true)
	if err != nil {
		return Incident{}, err
	}
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	in, _, err := b.changeLocked(ctx, id, actor, fn)
	return in, err
}

// changeLocked is change with writeMu held and a checked actor; it also
// reports whether a record was written.
func (b *IncidentBook) changeLocked(ctx context.Context, id, actor string, fn func(in *Incident) (string, error)) (Incident, bool, error) {
	if b.isClosed.Load() {
		return Incident{}, false, ErrIncidentBookClosed
	}
	b.mu.RLock()
	e, ok := b.open[id]
	var cur Incident
	if ok {
		cur = cloneIncident(e.inc)
	}
	_, wasClosed := b.closed[id]
	b.mu.RUnlock()
	switch {
	case wasClosed:
		return Incident{}, false, refused(id, "state", "the incident is closed; open a new one")
	case !ok:
		return Incident{}, false, fmt.Errorf("%w: %q", ErrIncidentNotFound, id)
	}
	next := cloneIncident(cur)
	next.Transition = IncidentTransition{From: cur.State, To: cur.State, By: actor, At: b.now()}
	summary, err := fn(&next)
	if err != nil {
		return Incident{}, false, err
	}
	if summary == "" {
		return cur, false, nil
	}
	next.Transition.To = next.State
	if err := b.record(ctx, &next, summary); err != nil {
		return Incident{}, false, err
	}
	b.commit(next)
	return cloneIncident(next), true, nil
}

// commit puts the recorded incident in into the book; writeMu held.
func (b *IncidentBook) commit(in Incident) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.open[in.ID]
	if in.State != IncidentClosed {
		e := &bookEntry{inc: in}
		if old != nil && in.ReportDeadline != nil && old.inc.ReportDeadline != nil && in.ReportDeadline.Equal(*old.inc.ReportDeadline) {
			e.warned, e.overdue, e.deadlineNotified = old.warned, old.overdue, old.deadlineNotified
		}
		b.open[in.ID] = e
		if in.AlarmKey != "" {
			b.byKey[in.AlarmKey] = in.ID
		}
		return
	}
	delete(b.open, in.ID)
	if in.AlarmKey != "" && b.byKey[in.AlarmKey] == in.ID {
		delete(b.byKey, in.AlarmKey)
	}
	b.keepClosed(in)
}

// keepClosed adds a closed incident to the bounded closed history; mu held.
func (b *IncidentBook) keepClosed(in Incident) {
	if b.cfg.maxClosed == 0 {
		return
	}
	if _, ok := b.closed[in.ID]; !ok {
		b.closedOrder = append(b.closedOrder, in.ID)
	}
	b.closed[in.ID] = in
	for len(b.closedOrder) > b.cfg.maxClosed {
		delete(b.closed, b.closedOrder[0])
		b.closedOrder = b.closedOrder[1:]
	}
	if cap(b.closedOrder) > 4*b.cfg.maxClosed+16 {
		b.closedOrder = slices.Clone(b.closedOrder)
	}
}

// record validates in and writes its management record; writeMu held.
// The write is not cancelled with ctx: a change is either recorded and
// applied, or neither (a cancelled wait could leave a record in the
// ledger that the book did not apply).
func (b *IncidentBook) record(ctx context.Context, in *Incident, summary string) error {
	return b.writeRecord(ctx, in, in.Transition.At, in.Transition.By, summary)
}

// writeRecord is record with the record's time and actor given (a carry
// forward, see carryForward, is no change of the incident).
func (b *IncidentBook) writeRecord(ctx context.Context, in *Incident, at time.Time, actor, summary string) error {
	if err := in.Validate(); err != nil {
		return err
	}
	r, err := b.sys.NewManagementRecord(RecordIncident, in.ID, in)
	if err != nil {
		return err
	}
	r.Time = at
	r.State = string(in.State)
	r.Actor = actor
	r.Summary = clip(summary, 300)
	r.Controls = incidentControls(in.Source)
	r.Clauses = []string{"10.2"}
	if in.Serious != SeriousNone {
		r.Clauses = append(r.Clauses, "EU AI Act Art. 73")
	}
	r.Decisions = slices.Clone(in.Decisions)
	if err := b.sys.RecordManagement(context.WithoutCancel(ctx), r); err != nil {
		return fmt.Errorf("aims: incident %s: %w", in.ID, err)
	}
	return nil
}

// incidentControls are the Annex A controls an incident record evidences:
// A.8.4 always, and the control of the way it was opened.
func incidentControls(s IncidentSource) []string {
	c := []string{semconv.ControlIncidentCommunication}
	switch s {
	case SourcePerson, SourceUserReport, SourceContest:
		c = append(c, semconv.ControlReportingConcerns)
	case SourceDriftAlarm, SourceFairnessAlarm:
		c = append(c, semconv.ControlDriftMonitoring)
	case SourceHalt:
		c = append(c, semconv.ControlResponsibleUse)
	}
	return c
}

// Get returns incident id: any incident that is not closed, or one of the
// latest closed ones.
func (b *IncidentBook) Get(id string) (Incident, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if e, ok := b.open[id]; ok {
		return cloneIncident(e.inc), true
	}
	if in, ok := b.closed[id]; ok {
		return cloneIncident(in), true
	}
	return Incident{}, false
}

// IncidentFilter selects incidents for List. Zero fields select all.
type IncidentFilter struct {
	// States selects incidents in any of these states.
	States []IncidentState
	// Source selects incidents opened this way.
	Source IncidentSource
	// AlarmKey selects the incidents of one alarm.
	AlarmKey string
}

// List returns the incidents the filter selects, newest first: every
// incident that is not closed, and the latest closed ones.
func (b *IncidentBook) List(f IncidentFilter) []Incident {
	match := func(in *Incident) bool {
		return (len(f.States) == 0 || slices.Contains(f.States, in.State)) &&
			(f.Source == "" || in.Source == f.Source) && (f.AlarmKey == "" || in.AlarmKey == f.AlarmKey)
	}
	b.mu.RLock()
	out := make([]Incident, 0, len(b.open))
	for _, e := range b.open {
		if match(&e.inc) {
			out = append(out, cloneIncident(e.inc))
		}
	}
	for _, in := range b.closed {
		if match(&in) {
			out = append(out, cloneIncident(in))
		}
	}
	b.mu.RUnlock()
	// UUIDv7 IDs sort by the time the incident was opened.
	slices.SortFunc(out, func(a, b Incident) int { return strings.Compare(b.ID, a.ID) })
	return out
}
