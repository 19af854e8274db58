package inventory

import (
	"github.com/aimskit/aimskit/aims"

	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/telemetry"
)

// DefaultHeartbeatInterval is the heartbeat interval when none is configured.
const DefaultHeartbeatInterval = time.Minute

// Option configures [Register].
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	lp       log.LoggerProvider
	registry *Registry
	interval time.Duration
	instance string
	now      func() time.Time
	sysOpts  []aims.SystemOption
	deploy   deploymentConfig
}

// WithLoggerProvider sets the LoggerProvider the inventory records, and
// the records of the returned System, are emitted through; nil means
// otel.GetLoggerProvider().
func WithLoggerProvider(lp log.LoggerProvider) Option {
	return optionFunc(func(c *config) { c.lp = lp })
}

// WithRegistry adds the registration to r, the process-local registry that
// [Handler] serves. Without it the registration is kept in a registry of its
// own that nobody else sees.
func WithRegistry(r *Registry) Option {
	return optionFunc(func(c *config) { c.registry = r })
}

// WithHeartbeatInterval sets how often a heartbeat record is sent. Zero or a
// negative interval disables heartbeats. The default is
// [DefaultHeartbeatInterval].
func WithHeartbeatInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.interval = d })
}

// WithInstance sets the instance identifier (attribute aims.system.instance)
// of this replica, e.g. the pod name. The default is the instance of the
// ledger given in [WithSystemOptions], or else a random UUID.
func WithInstance(id string) Option {
	return optionFunc(func(c *config) { c.instance = id })
}

// WithSystemOptions configures the [aims.System] that Register returns:
// its privacy policy, decision log and ledger, declared outcomes and
// telemetry providers (aims.WithPrivacy, aims.WithLedger,
// aims.WithOutcomes, …). Identity, version and risk level come from the
// registered description and need no options.
func WithSystemOptions(opts ...aims.SystemOption) Option {
	return optionFunc(func(c *config) { c.sysOpts = append(c.sysOpts, opts...) })
}

// withClock replaces time.Now, so tests can emit records at chosen times.
func withClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.now = now })
}

// Registration is the handle of one registered system in this process: the
// [aims.System] a service creates its decisions from (embedded, so
// reg.NewDecision, reg.Record and reg.RiskLevel work directly, and
// reg.System is what an oversight gate is built on), plus the inventory's
// heartbeat and retirement. It is safe for concurrent use.
type Registration struct {
	*aims.System

	logger   log.Logger
	registry *Registry
	instance string
	interval time.Duration
	now      func() time.Time
	attrs    []attribute.KeyValue // identity attributes on every record

	mu            sync.Mutex
	sys           System
	registeredAt  time.Time
	lastHeartbeat time.Time
	retiredAt     time.Time
	retireReason  string
	closed        bool

	// beatCtx is the heartbeat goroutine's context, also given to its
	// Emit calls; stopBeat cancels it (stopHeartbeat), so the goroutine
	// ends and an exporter that honours its context gives up a stalled
	// heartbeat export. done is closed when the goroutine has ended.
	beatCtx  context.Context
	stopBeat context.CancelFunc
	done     chan struct{}
}

// Register validates sys, records it in the registry given by
// [WithRegistry], emits an aims.inventory.registration log record whose body
// carries the whole description, and starts a heartbeat that emits an
// aims.inventory.heartbeat record every interval until [Registration.Close]
// or [Registration.Retire]. When sys.RiskLevel is empty it is filled in from
// [Classify] of sys.UseCase.
//
// A high-risk system registered as deployed must bring its approved
// impact assessment ([WithImpactAssessment]) and its deployment
// authorisation by two people other than the submitter
// ([WithDeploymentAuthorisation]), and an approved change record
// ([WithChanges]) for every registered model that differs from the
// authorised one; otherwise Register fails closed with an error naming
// what is missing, so that the previously authorised version keeps
// serving (EU AI Act Art. 9 and 17 change control). Below high risk a
// model that differs without an approved change is admitted and recorded
// as an unapproved change with a warning. The records given are bound
// into the registration ([System].Deployment and the attributes of the
// registration record) and written through the returned System's
// RecordManagement: the assessment, the authorisation, and each change
// (every replica's registration writes them to its ledger, so each ledger
// holds the evidence its deployment relied on). Records given are checked
// for consistency with the description at every risk level: an
// assessment or authorisation of another system or version, or an
// authorisation relying on another assessment digest, is an error.
//
// The validation error names every problem found (see [System.Validate]).
func Register(ctx context.Context, sys System, opts ...Option) (*Registration, error) {
	cfg := config{interval: DefaultHeartbeatInterval, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if cfg.registry == nil {
		cfg.registry = NewRegistry()
	}
	if err := sys.Validate(); err != nil {
		return nil, err
	}
	sys = sys.clone()
	sys.RiskLevel = sys.effectiveRiskLevel()
	if sys.Lifecycle == StageRetired {
		return nil, &FieldError{Field: "lifecycleStage", Problem: "a retired system cannot be registered; register it in another stage"}
	}
	plan, err := checkDeployment(sys, cfg.deploy)
	if err != nil {
		return nil, err
	}
	sys.Deployment = plan.evidence
	body, err := systemValue(sys)
	if err != nil {
		return nil, err
	}
	sysOpts := []aims.SystemOption{aims.WithVersion(sys.Version), aims.WithRiskLevel(sys.RiskLevel), aims.WithLoggerProvider(cfg.lp)}
	if len(sys.Models) == 1 {
		sysOpts = append(sysOpts, aims.WithModel(sys.Models[0].Name, sys.Models[0].Version))
	}
	if cfg.instance != "" {
		sysOpts = append(sysOpts, aims.WithInstance(cfg.instance))
	}
	handle, err := aims.NewSystem(sys.ID, append(sysOpts, cfg.sysOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("inventory: system %q: %w", sys.ID, err)
	}

	r := &Registration{
		System:   handle,
		logger:   telemetry.Providers{LP: handle.LoggerProvider()}.Logger(semconv.ScopeInventory),
		registry: cfg.registry,
		instance: handle.Instance(),
		interval: cfg.interval,
		now:      cfg.now,
		sys:      sys,
		done:     make(chan struct{}),
	}
	// Not derived from ctx: the heartbeat outlives Register's call.
	r.beatCtx, r.stopBeat = context.WithCancel(context.Background())
	r.attrs = []attribute.KeyValue{
		semconv.AimsSystemID.String(sys.ID),
		semconv.AimsSystemVersion.String(sys.Version),
		semconv.AimsSystemInstance.String(r.instance),
		semconv.AimsRiskLevel.String(string(sys.RiskLevel)),
	}
	r.registeredAt = r.now()
	if err := cfg.registry.add(r); err != nil {
		r.stopBeat()
		_ = handle.Close(ctx)
		return nil, err
	}
	for _, rec := range plan.records {
		if err := rec.Record(ctx, handle); err != nil {
			r.stopBeat()
			cfg.registry.remove(r)
			return nil, errors.Join(fmt.Errorf("inventory: system %q: writing the deployment records: %w", sys.ID, err), handle.Close(ctx))
		}
	}

	var rec log.Record
	rec.SetEventName(semconv.EventInventoryRegistration)
	rec.SetTimestamp(r.registeredAt)
	rec.SetSeverity(log.SeverityInfo)
	rec.SetBody(body)
	rec.AddAttributes(r.attrs...)
	rec.AddAttributes(
		semconv.AimsControlID.String(ControlRegistration),
		semconv.AimsControlIDs.StringSlice(registrationControls(&sys)),
		semconv.AimsInventorySchemaVersion.String(SchemaVersion),
		semconv.AimsInventorySystemName.String(sys.Name),
		semconv.AimsInventoryLifecycleStage.String(string(sys.Lifecycle)),
		semconv.AimsInventoryHeartbeatInterval.Float64(max(r.interval, 0).Seconds()),
	)
	if ev := sys.Deployment; ev != nil {
		if ev.ImpactAssessmentDigest != "" {
			rec.AddAttributes(semconv.AimsImpactAssessmentID.String(ev.ImpactAssessmentID),
				semconv.AimsImpactAssessmentDigest.String(ev.ImpactAssessmentDigest))
		}
		if ev.AuthorisationID != "" {
			rec.AddAttributes(semconv.AimsDeploymentAuthorisationID.String(ev.AuthorisationID),
				semconv.AimsDeploymentAuthorisationDigest.String(ev.AuthorisationDigest))
		}
		if plan.unapproved > 0 {
			rec.AddAttributes(semconv.AimsChangeUnapproved.Int(plan.unapproved))
		}
	}
	r.logger.Emit(ctx, rec)

	if r.interval > 0 {
		go r.beat()
	} else {
		close(r.done)
	}
	return r, nil
}

// beat is the heartbeat goroutine. It owns nothing but the ticker and ends
// when beatCtx is cancelled, once the Emit of a heartbeat in progress (which
// gets beatCtx) has returned.
func (r *Registration) beat() {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-r.beatCtx.Done():
			return
		case <-t.C:
			if r.beatCtx.Err() != nil { // stopped while the tick was ready too
				return
			}
			_ = r.Heartbeat(r.beatCtx)
		}
	}
}

// ErrClosed is returned by operations on a closed or retired registration.
var ErrClosed = errors.New("inventory: registration is closed")

// Heartbeat emits one aims.inventory.heartbeat record now. The heartbeat
// goroutine calls it every interval; call it yourself to report liveness at
// moments of your choosing.
func (r *Registration) Heartbeat(ctx context.Context) error {
	r.mu.Lock()
	if r.closed || !r.retiredAt.IsZero() {
		r.mu.Unlock()
		return ErrClosed
	}
	now := r.now()
	r.lastHeartbeat = now
	r.mu.Unlock()

	var rec log.Record
	rec.SetEventName(semconv.EventInventoryHeartbeat)
	rec.SetTimestamp(now)
	rec.SetSeverity(log.SeverityInfo)
	rec.AddAttributes(r.attrs...)
	rec.AddAttributes(semconv.AimsControlID.String(ControlHeartbeat))
	r.logger.Emit(ctx, rec)
	return nil
}

// Retire records the decommissioning of the system: it stops the heartbeat,
// marks the system retired in the registry (where it stays listed until
// Close) and emits an aims.inventory.retirement record with the reason,
// after the last heartbeat record. Retiring twice is an error.
//
// Retire waits for a heartbeat being emitted to finish. If ctx ends first
// (the log exporter has stalled), Retire returns an error wrapping
// ctx.Err() and retires nothing: the system is not marked retired and no
// record is emitted, so Retire can be called again; the heartbeat is
// stopped all the same (its goroutine ends on its own once its Emit, whose
// context is cancelled, returns).
func (r *Registration) Retire(ctx context.Context, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return &FieldError{Field: "reason", Problem: "a retirement needs a reason"}
	}
	if err := r.checkRetirable(); err != nil {
		return err
	}
	// Stopped first, so that a Retire that gives up leaves the system
	// unretired and no heartbeat follows the retirement record.
	if err := r.stopHeartbeat(ctx); err != nil {
		return fmt.Errorf("inventory: system %q not retired: its heartbeat was still being emitted: %w", r.sys.ID, err)
	}
	r.mu.Lock()
	if err := r.retirableLocked(); err != nil { // a concurrent Retire or Close
		r.mu.Unlock()
		return err
	}
	now := r.now()
	r.retiredAt = now
	r.retireReason = reason
	r.sys.Lifecycle = StageRetired
	r.mu.Unlock()

	var rec log.Record
	rec.SetEventName(semconv.EventInventoryRetirement)
	rec.SetTimestamp(now)
	rec.SetSeverity(log.SeverityInfo)
	rec.AddAttributes(r.attrs...)
	rec.AddAttributes(
		semconv.AimsControlID.String(ControlRetirement),
		semconv.AimsInventoryRetirementReason.String(reason),
		semconv.AimsInventoryLifecycleStage.String(string(StageRetired)),
	)
	r.logger.Emit(ctx, rec)
	return nil
}

// checkRetirable returns the error Retire gives a retired or closed
// registration.
func (r *Registration) checkRetirable() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.retirableLocked()
}

// retirableLocked is checkRetirable with r.mu held.
func (r *Registration) retirableLocked() error {
	if !r.retiredAt.IsZero() {
		return fmt.Errorf("inventory: system %q is already retired", r.sys.ID)
	}
	if r.closed {
		return ErrClosed
	}
	return nil
}

// Close stops the heartbeat, waits for its goroutine to end, removes the
// system from the registry and closes the System (its decision log and
// ledger, which signs its final checkpoint). It does not retire the
// system: a replica that shuts down is not a decommissioning. Close is
// idempotent.
//
// The heartbeat goroutine ends once a heartbeat it is emitting has been
// handed to the log exporter; its Emit's context is cancelled, so an
// exporter that honours it gives up at once. If ctx ends before the
// goroutine has ended (an exporter that ignores its context has stalled),
// Close goes on all the same and returns ctx.Err() (joined with any error
// of the System's Close): the registration is closed and out of the
// registry, and the goroutine ends on its own when the export returns; it
// emits no further heartbeat. A later Close waits for it again.
func (r *Registration) Close(ctx context.Context) error {
	hbErr := r.stopHeartbeat(ctx)
	r.mu.Lock()
	already := r.closed
	r.closed = true
	r.mu.Unlock()
	if !already {
		r.registry.remove(r)
	}
	err := r.System.Close(ctx)
	if hbErr == nil || errors.Is(err, hbErr) {
		return err
	}
	if err == nil {
		return hbErr
	}
	return errors.Join(hbErr, err)
}

// stopHeartbeat stops the heartbeat goroutine and waits for it to end,
// until ctx ends: then it returns ctx.Err(), and the goroutine ends on its
// own. A goroutine that has already ended counts even if ctx has ended.
func (r *Registration) stopHeartbeat(ctx context.Context) error {
	r.stopBeat()
	select {
	case <-r.done:
		return nil
	default:
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Description returns a copy of the registered description, with the risk
// level filled in and the lifecycle stage "retired" after Retire.
func (r *Registration) Description() System {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sys.clone()
}

// ResourceAttributes returns the attributes that identify this system and
// replica (aims.system.id, aims.system.version, aims.system.instance,
// aims.risk.level). Merge them into the service's OpenTelemetry resource so
// that every span, metric and log of the service can be attributed to the
// registered AI system.
func (r *Registration) ResourceAttributes() []attribute.KeyValue {
	return append([]attribute.KeyValue(nil), r.attrs...)
}

// entry is the registry's view of the registration.
func (r *Registration) entry() Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := r.registeredAt
	if r.lastHeartbeat.After(seen) {
		seen = r.lastHeartbeat
	}
	return Entry{
		System:       r.sys.clone(),
		Versions:     []string{r.sys.Version},
		RegisteredAt: r.registeredAt,
		LastSeen:     seen,
		Instances: []Instance{{
			ID: r.instance, Version: r.sys.Version, LastHeartbeat: r.lastHeartbeat, LastSeen: seen,
		}},
		Retired:          !r.retiredAt.IsZero(),
		RetiredAt:        r.retiredAt,
		RetirementReason: r.retireReason,
	}
}
