package oversight

import (
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
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
	store          Store
	policy         Policy
	authorizer     Authorizer
	risk           map[string]RiskLevel
	deadlines      []time.Duration
	failSafe       FailSafe
	haltRoute      Route
	clock          func() time.Time
	lease          time.Duration
	pollInterval   time.Duration
	sweepInterval  time.Duration
	onResolved     func(Outcome)
	finder         DecisionFinder
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	loggerProvider otellog.LoggerProvider
}

func defaultConfig() config {
	return config{
		policy:         Strictest(RiskAtLeast(RiskHigh), AdverseOutcome()),
		authorizer:     AllOf(RoleBased("reviewer", "supervisor"), FourEyes()),
		risk:           map[string]RiskLevel{},
		deadlines:      []time.Duration{15 * time.Minute, 15 * time.Minute},
		failSafe:       FailSafeDeny,
		haltRoute:      RouteBlock,
		clock:          time.Now,
		lease:          5 * time.Minute,
		pollInterval:   time.Second,
		sweepInterval:  10 * time.Second,
		tracerProvider: otel.GetTracerProvider(),
		meterProvider:  otel.GetMeterProvider(),
		loggerProvider: otel.GetLoggerProvider(),
	}
}

// Option configures a Gate.
type Option func(*config) error

// WithStore sets the ticket store; default a new MemoryStore. The Gate does
// not close it.
func WithStore(s Store) Option {
	return func(c *config) error {
		if s == nil {
			return fmt.Errorf("oversight: WithStore(nil)")
		}
		c.store = s
		return nil
	}
}

// WithPolicy sets the routing policy; default
// Strictest(RiskAtLeast(RiskHigh), AdverseOutcome()).
func WithPolicy(p Policy) Option {
	return func(c *config) error {
		if p == nil {
			return fmt.Errorf("oversight: WithPolicy(nil)")
		}
		c.policy = p
		return nil
	}
}

// WithAuthorizer sets who may act on what; default
// AllOf(RoleBased("reviewer", "supervisor"), FourEyes()).
func WithAuthorizer(a Authorizer) Option {
	return func(c *config) error {
		if a == nil {
			return fmt.Errorf("oversight: WithAuthorizer(nil)")
		}
		c.authorizer = a
		return nil
	}
}

// WithRiskLevel tells the Gate the risk level of a system (normally from
// the inventory). Systems the Gate does not know are RiskUnspecified,
// which ranks as high.
func WithRiskLevel(systemID string, level RiskLevel) Option {
	return func(c *config) error {
		if systemID == "" {
			return fmt.Errorf("oversight: WithRiskLevel needs a system ID")
		}
		c.risk[systemID] = level
		return nil
	}
}

// WithDeadlines sets the review time per escalation level: the first
// reviewers have perLevel[0], then the ticket escalates to level 1 with
// perLevel[1], and so on; after the last, the fail-safe applies. Default
// 15 minutes for reviewers, then 15 minutes for supervisors.
func WithDeadlines(perLevel ...time.Duration) Option {
	return func(c *config) error {
		if len(perLevel) == 0 {
			return fmt.Errorf("oversight: WithDeadlines needs at least one duration")
		}
		for i, d := range perLevel {
			if d <= 0 {
				return fmt.Errorf("oversight: deadline for level %d is %v; it must be positive", i, d)
			}
		}
		c.deadlines = append([]time.Duration(nil), perLevel...)
		return nil
	}
}

// WithFailSafe sets what happens at the last deadline; default FailSafeDeny.
func WithFailSafe(f FailSafe) Option {
	return func(c *config) error {
		if f != FailSafeDeny && f != FailSafeHold {
			return fmt.Errorf("oversight: unknown fail-safe %d", int(f))
		}
		c.failSafe = f
		return nil
	}
}

// WithHaltRoute sets what happens to decisions of a halted system:
// RouteBlock (default) or RouteReview (hold every decision for a human).
func WithHaltRoute(r Route) Option {
	return func(c *config) error {
		if r != RouteBlock && r != RouteReview {
			return fmt.Errorf("oversight: halted systems can only block or hold decisions, not %v", r)
		}
		c.haltRoute = r
		return nil
	}
}

// WithClock sets the clock used for deadlines and leases (tests).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("oversight: WithClock(nil)")
		}
		c.clock = now
		return nil
	}
}

// WithClaimLease sets how long a reviewer's claim on a ticket lasts;
// default 5 minutes.
func WithClaimLease(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("oversight: claim lease %v must be positive", d)
		}
		c.lease = d
		return nil
	}
}

// WithPollInterval sets how often Await re-reads the store, to notice
// resolutions made by other Gates sharing the store; default 1s.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("oversight: poll interval %v must be positive", d)
		}
		c.pollInterval = d
		return nil
	}
}

// WithSweepInterval sets how often a background goroutine escalates and
// expires overdue tickets (Gate.Sweep); 0 disables it, leaving it to
// explicit Sweep calls and to the lazy checks in Await and reviewer
// actions. Default 10s. Close stops the goroutine.
func WithSweepInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("oversight: sweep interval %v must not be negative", d)
		}
		c.sweepInterval = d
		return nil
	}
}

// WithOnResolved registers a callback called (synchronously, in the
// goroutine that caused it) whenever this Gate resolves or expires a
// ticket. It must not block.
func WithOnResolved(f func(Outcome)) Option {
	return func(c *config) error {
		c.onResolved = f
		return nil
	}
}

// WithDecisionFinder sets where Contest looks up decisions that never went
// through a ticket.
func WithDecisionFinder(f DecisionFinder) Option {
	return func(c *config) error {
		c.finder = f
		return nil
	}
}

// WithTracerProvider sets the tracer provider; default otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		if tp == nil {
			return fmt.Errorf("oversight: WithTracerProvider(nil)")
		}
		c.tracerProvider = tp
		return nil
	}
}

// WithMeterProvider sets the meter provider; default otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) error {
		if mp == nil {
			return fmt.Errorf("oversight: WithMeterProvider(nil)")
		}
		c.meterProvider = mp
		return nil
	}
}

// WithLoggerProvider sets the logger provider for events; default
// otel.GetLoggerProvider().
func WithLoggerProvider(lp otellog.LoggerProvider) Option {
	return func(c *config) error {
		if lp == nil {
			return fmt.Errorf("oversight: WithLoggerProvider(nil)")
		}
		c.loggerProvider = lp
		return nil
	}
}
