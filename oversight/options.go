package oversight

import (
	"fmt"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/internal/telemetry"
)

// FailSafe is what happens to a held decision when its last deadline
// passes without a review. There is deliberately no "approve".
type FailSafe int

const (
	// FailSafeDeny expires the ticket: the decision is not applied.
	FailSafeDeny FailSafe = iota
	// FailSafeHold keeps the decision held (state overdue) until a
	// reviewer acts; Await returns ErrHeld.
	FailSafeHold
)

// String returns deny or hold.
func (f FailSafe) String() string {
	if f == FailSafeHold {
		return "hold"
	}
	return "deny"
}

type config struct {
	store         Store
	policy        Policy
	authorizer    Authorizer
	risk          map[string]aims.RiskLevel
	deadlines     []time.Duration
	failSafe      FailSafe
	haltRoute     Route
	clock         func() time.Time
	lease         time.Duration
	pollInterval  time.Duration
	sweepInterval time.Duration
	haltRefresh   time.Duration
	onResolved    func(Outcome)
	finder        DecisionFinder
	rejectOutput  string          // the output a rejected decision records (WithRejectOutput)
	rejectSet     bool            // WithRejectOutput was given
	systems       map[string]bool // systems registered with WithSystems
	noIndex       bool            // WithDecisionIndex(false)
	providers     telemetry.Providers
	incidents     *aims.IncidentBook // WithIncidents
	maxOpen       int                // WithMaxOpenTickets
	maxContests   int                // WithMaxOpenContestsPerSubject
	// errs collects the invalid arguments of options; New reports them all.
	errs []error
}

func defaultConfig() config {
	return config{
		policy:        Strictest(RiskAtLeast(aims.RiskHigh), AdverseOutcome()),
		authorizer:    AllOf(RoleBased("reviewer", "supervisor"), FourEyes()),
		risk:          map[string]aims.RiskLevel{},
		rejectOutput:  DefaultRejectOutput,
		systems:       map[string]bool{},
		deadlines:     []time.Duration{15 * time.Minute, 15 * time.Minute},
		failSafe:      FailSafeDeny,
		haltRoute:     RouteBlock,
		clock:         time.Now,
		lease:         5 * time.Minute,
		pollInterval:  time.Second,
		sweepInterval: 10 * time.Second,
		haltRefresh:   time.Second,
		maxOpen:       DefaultMaxOpenTickets,
		maxContests:   DefaultMaxOpenContestsPerSubject,
	}
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// Option configures a Gate. An option given an invalid argument makes New
// return an error naming it.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// DefaultMaxOpenTickets is how many open tickets (pending or overdue,
// held decisions and contests together) the review queue holds unless
// WithMaxOpenTickets says otherwise.
const DefaultMaxOpenTickets = 10_000

// WithMaxOpenTickets bounds the review queue: the open tickets (pending
// or overdue) of the store the Gate uses, counted with Store.CountOpen.
// Held decisions may fill it up to n less a tenth; the last tenth is kept
// for contests, so that a flood of held decisions (one client posting
// application after application the policy holds) cannot keep the people
// affected from contesting theirs. Beyond the bound, Submit refuses a
// decision the policy holds, and Contest refuses a contest, with
// ErrQueueFull; a decision applied or blocked is not affected. The bound
// is checked before each ticket is created, so concurrent Submits on
// several Gates may pass it by a few. n must be at least 10; default
// DefaultMaxOpenTickets.
func WithMaxOpenTickets(n int) Option {
	return optionFunc(func(c *config) {
		if n < 10 {
			c.fail("oversight: WithMaxOpenTickets(%d): the bound must be at least 10", n)
			return
		}
		c.maxOpen = n
	})
}

// DefaultMaxOpenContestsPerSubject is how many open contests one person
// (a decision's Subject) may have unless WithMaxOpenContestsPerSubject
// says otherwise.
const DefaultMaxOpenContestsPerSubject = 3

// WithMaxOpenContestsPerSubject bounds the open contests of one person:
// the contests of decisions with the same Subject (the keyed pseudonym of
// the person affected) that are pending or overdue. Contests of decisions
// without a Subject are bounded by WithMaxOpenTickets only. Without it, one client contesting decision
// after decision could spend the tenth of the queue kept for contests
// (WithMaxOpenTickets) and leave nobody else room to contest. Beyond it,
// Contest refuses with ErrTooManyContests (an ErrQueueFull) and stores
// and records nothing; the person may contest again once one of their
// contests is resolved. The bound is checked before the contest is
// stored, so concurrent contests of one person's decisions may pass it by
// a few. The store counts the contests (ContestCounter, which the
// built-in stores implement; another store's open tickets are listed and
// counted). n must be at least 1; default
// DefaultMaxOpenContestsPerSubject.
func WithMaxOpenContestsPerSubject(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.fail("oversight: WithMaxOpenContestsPerSubject(%d): the bound must be at least 1", n)
			return
		}
		c.maxContests = n
	})
}

// WithStore sets the ticket store; default a new MemoryStore. The Gate does
// not close it.
//
// The store is what replicas share. A MemoryStore serves the Gates of one
// process, and oversight/boltstore (the embedded store) serves one
// replica: its file is locked by one process. A fleet of replicas uses
// oversight/postgres: with it, a halt and a resume pressed on any replica
// stop and restart decisions on every replica (within WithHaltRefresh), and
// a decision made on one can be contested through another and the contest
// reviewed on a third.
func WithStore(s Store) Option {
	return optionFunc(func(c *config) {
		if s == nil {
			c.fail("oversight: WithStore(nil)")
			return
		}
		c.store = s
	})
}

// WithPolicy sets the routing policy; default
// Strictest(RiskAtLeast(aims.RiskHigh), AdverseOutcome()).
func WithPolicy(p Policy) Option {
	return optionFunc(func(c *config) {
		if p == nil {
			c.fail("oversight: WithPolicy(nil)")
			return
		}
		c.policy = p
	})
}

// WithAuthorizer sets who may act on what; default
// AllOf(RoleBased("reviewer", "supervisor"), FourEyes()).
func WithAuthorizer(a Authorizer) Option {
	return optionFunc(func(c *config) {
		if a == nil {
			c.fail("oversight: WithAuthorizer(nil)")
			return
		}
		c.authorizer = a
	})
}

// WithRiskLevel tells the Gate the risk level of a system (normally from
// the inventory). Systems the Gate does not know are
// aims.RiskUnspecified, which ranks as high.
func WithRiskLevel(systemID string, level aims.RiskLevel) Option {
	return optionFunc(func(c *config) {
		if systemID == "" {
			c.fail("oversight: WithRiskLevel needs a system ID")
			return
		}
		c.risk[systemID] = level
	})
}

// WithDeadlines sets the review time per escalation level: the first
// reviewers have perLevel[0], then the ticket escalates to level 1 with
// perLevel[1], and so on; after the last, the fail-safe applies. Default
// 15 minutes for reviewers, then 15 minutes for supervisors.
func WithDeadlines(perLevel ...time.Duration) Option {
	return optionFunc(func(c *config) {
		if len(perLevel) == 0 {
			c.fail("oversight: WithDeadlines needs at least one duration")
			return
		}
		for i, d := range perLevel {
			if d <= 0 {
				c.fail("oversight: deadline for level %d is %v; it must be positive", i, d)
				return
			}
		}
		c.deadlines = append([]time.Duration(nil), perLevel...)
	})
}

// WithFailSafe sets what happens at the last deadline; default FailSafeDeny.
func WithFailSafe(f FailSafe) Option {
	return optionFunc(func(c *config) {
		if f != FailSafeDeny && f != FailSafeHold {
			c.fail("oversight: unknown fail-safe %d", int(f))
			return
		}
		c.failSafe = f
	})
}

// WithHaltRoute sets what happens to decisions of a halted system:
// RouteBlock (default) or RouteReview (hold every decision for a human).
func WithHaltRoute(r Route) Option {
	return optionFunc(func(c *config) {
		if r != RouteBlock && r != RouteReview {
			c.fail("oversight: halted systems can only block or hold decisions, not %v", r)
			return
		}
		c.haltRoute = r
	})
}

// WithClock sets the clock used for deadlines and leases (tests).
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now == nil {
			c.fail("oversight: WithClock(nil)")
			return
		}
		c.clock = now
	})
}

// WithClaimLease sets how long a reviewer's claim on a ticket lasts;
// default 5 minutes.
func WithClaimLease(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.fail("oversight: claim lease %v must be positive", d)
			return
		}
		c.lease = d
	})
}

// WithPollInterval sets how often Await re-reads the store, to notice
// resolutions made by other Gates sharing the store; default 1s.
func WithPollInterval(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.fail("oversight: poll interval %v must be positive", d)
			return
		}
		c.pollInterval = d
	})
}

// WithSweepInterval sets how often a background goroutine escalates and
// expires overdue tickets (Gate.Sweep); 0 disables it, leaving it to
// explicit Sweep calls and to the lazy checks in Await and reviewer
// actions. Default 10s. Close stops the goroutine.
func WithSweepInterval(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.fail("oversight: sweep interval %v must not be negative", d)
			return
		}
		c.sweepInterval = d
	})
}

// WithHaltRefresh bounds how stale a Gate's copy of the halts shared
// through a HaltStore may be when Submit decides: Submit re-reads them
// (one query on a shared store) when the copy is older than d. A halt or
// resume pressed on another replica therefore takes effect here within d
// (plus the read itself). Default 1s; 0 reads the store on every Submit,
// so halts take effect on every replica at once, at the price of one read
// per decision. Without a HaltStore it has no effect.
func WithHaltRefresh(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.fail("oversight: halt refresh %v must not be negative", d)
			return
		}
		c.haltRefresh = d
	})
}

// WithOnResolved registers a callback called (synchronously, in the
// goroutine that caused it) whenever this Gate resolves or expires a
// ticket. It must not block. nil removes it. It is called after the
// Gate attempted to write the resolution's records to the Recorder, never
// before; if that write failed the resolution stands all the same (the
// reviewer's call returns the error) and f is still called.
func WithOnResolved(f func(Outcome)) Option {
	return optionFunc(func(c *config) { c.onResolved = f })
}

// WithDecisionFinder sets where Contest and Decision look up decisions
// that never went through a ticket; every unknown ID is looked up there.
// nil (the default) uses the Recorder when it is a DecisionFinder, except
// one that reads a durable log (a DurableFinder such as aims.System): that
// one is read only to recover the decisions whose routed tickets a store
// writing its index behind lost in a crash (DeferredIndexer.IndexLoss),
// so made-up IDs never cost a read of the whole log.
func WithDecisionFinder(f DecisionFinder) Option {
	return optionFunc(func(c *config) { c.finder = f })
}

// WithTracerProvider sets the tracer provider; nil or absent means the
// global one (otel.GetTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.providers.TP = tp })
}

// WithMeterProvider sets the meter provider; nil or absent means the
// global one (otel.GetMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.providers.MP = mp })
}

// WithLoggerProvider sets the logger provider for events; nil or absent
// means the global one (otel.GetLoggerProvider).
func WithLoggerProvider(lp otellog.LoggerProvider) Option {
	return optionFunc(func(c *config) { c.providers.LP = lp })
}
