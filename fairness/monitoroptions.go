package fairness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	itel "github.com/aimskit/aimskit/internal/telemetry"
)

// MonitorOption configures NewMonitor.
type MonitorOption interface{ applyMonitor(*monitorConfig) }

type monitorOptionFunc func(*monitorConfig)

func (f monitorOptionFunc) applyMonitor(c *monitorConfig) { f(c) }

type monitorConfig struct {
	tel         itel.Providers
	countWindow int
	timeWindow  time.Duration
	buckets     int
	maxPending  int
	maxGroups   int
	maxLevels   int
	maxValueLen int
	levels      map[string][]string
	minGroup    int64
	// finalReplicates is the bootstrap replicates of the intervals Close
	// computes and exports (0: none).
	finalReplicates int
	thresholds      []Threshold
	onAlarm         func(context.Context, Alarm)
	now             func() time.Time
	errs            []error
}

func (c *monitorConfig) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("fairness: "+format, args...))
}

// newMonitorConfig applies opts over the defaults and returns the errors
// the options recorded.
func newMonitorConfig(opts []MonitorOption) (monitorConfig, error) {
	c := monitorConfig{countWindow: 10_000, maxPending: 100_000, maxGroups: 64, minGroup: 30, now: time.Now,
		maxLevels: DefaultMaxLevels, maxValueLen: DefaultMaxValueLength, finalReplicates: DefaultFinalReplicates}
	for _, o := range opts {
		if o != nil {
			o.applyMonitor(&c)
		}
	}
	if c.timeWindow > 0 && c.buckets*c.maxGroups > MaxMonitorCells {
		c.fail("WithTimeWindow: %d buckets × %d groups is more than %d cells", c.buckets, c.maxGroups, MaxMonitorCells)
	}
	for f, lv := range c.levels {
		for _, l := range lv {
			if len(l) > c.maxValueLen {
				c.fail("WithGroupLevels: level %.20q… of %q is longer than the %d-byte value limit", l, f, c.maxValueLen)
			}
		}
	}
	return c, errors.Join(c.errs...)
}

// WithMeterProvider sets the meter provider of the monitor's gauges; nil
// (or no option) means the global provider.
func WithMeterProvider(mp metric.MeterProvider) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) { c.tel.MP = mp })
}

// WithLoggerProvider sets the logger provider of the threshold events;
// nil (or no option) means the global provider.
func WithLoggerProvider(lp otellog.LoggerProvider) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) { c.tel.LP = lp })
}

// Bounds of the monitor's size parameters: an option beyond them is an
// error of NewMonitor, so a configuration mistake cannot allocate without
// limit.
const (
	// MaxMonitorWindow is the largest count window (WithCountWindow).
	MaxMonitorWindow = 1 << 24
	// MaxMonitorPending is the largest pending-label set (WithMaxPending).
	MaxMonitorPending = 1 << 22
	// MaxMonitorGroups is the largest number of groups (WithMaxGroups).
	MaxMonitorGroups = 4096
	// MaxMonitorLevels is the largest number of levels per sensitive
	// feature, declared (WithGroupLevels) or learnt (WithMaxLevels).
	MaxMonitorLevels = 4096
	// MaxMonitorValueLength is the largest value-length limit
	// (WithMaxValueLength).
	MaxMonitorValueLength = 1024
	// MaxMonitorCells bounds buckets × groups of a time window.
	MaxMonitorCells = 1 << 24
)

// WithCountWindow makes the window the last n decisions (default 10,000);
// n must be in 1..MaxMonitorWindow.
func WithCountWindow(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 || n > MaxMonitorWindow {
			c.fail("WithCountWindow: window %d not in 1..%d", n, MaxMonitorWindow)
			return
		}
		c.countWindow, c.timeWindow = n, 0
	})
}

// WithTimeWindow makes the window the decisions of the last d, kept in
// the given number of buckets (the window slides one bucket at a time).
// d must be positive and hold 1..65536 buckets of at least a nanosecond.
func WithTimeWindow(d time.Duration, buckets int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		switch {
		case d <= 0:
			c.fail("WithTimeWindow: window %v must be positive", d)
		case buckets < 1 || buckets > 1<<16:
			c.fail("WithTimeWindow: needs 1..65536 buckets, got %d", buckets)
		case d/time.Duration(buckets) <= 0:
			c.fail("WithTimeWindow: window %v is too short for %d buckets", d, buckets)
		default:
			c.timeWindow, c.buckets, c.countWindow = d, buckets, 0
		}
	})
}

// WithMaxPending bounds the decisions waiting for a label (default
// 100,000); the oldest is forgotten when a new one would exceed it. n must
// be in 1..MaxMonitorPending.
func WithMaxPending(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 || n > MaxMonitorPending {
			c.fail("WithMaxPending: %d not in 1..%d", n, MaxMonitorPending)
			return
		}
		c.maxPending = n
	})
}

// WithMaxGroups bounds the number of distinct groups, combinations of one
// level per sensitive feature (default 64); n must be in
// 2..MaxMonitorGroups. The last slot is kept for the group whose every
// level is OverflowLevel: a decision whose combination would exceed the
// bound is counted there (and in the aims.fairness.limit_reached counter,
// limit "groups"), never rejected.
func WithMaxGroups(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 2 || n > MaxMonitorGroups {
			c.fail("WithMaxGroups: %d not in 2..%d", n, MaxMonitorGroups)
			return
		}
		c.maxGroups = n
	})
}

// OverflowLevel is the level a decision is counted under when its value of
// a sensitive feature is not a declared level (WithGroupLevels), is beyond
// the first WithMaxLevels values seen of an undeclared feature, or when its
// combination of levels would exceed WithMaxGroups. The overflow group is
// reported like any other (e.g. "sex=F,region=__other__"), so decisions
// are never dropped and the client cannot create series.
const OverflowLevel = "__other__"

// Defaults of the group bounds.
const (
	// DefaultMaxLevels is how many distinct values of a feature without
	// declared levels become levels (the first seen); later ones overflow.
	DefaultMaxLevels = 16
	// DefaultMaxValueLength is the byte limit of a group value of a
	// feature without declared levels; longer values are truncated (at a
	// UTF-8 boundary) and counted.
	DefaultMaxValueLength = 64
)

// WithGroupLevels declares the levels of a sensitive feature (e.g.
// WithGroupLevels("sex", "female", "male")): a decision with any other
// value is counted under OverflowLevel and in the aims.fairness.limit_reached
// counter (limit "levels"). Declaring the levels of every feature is the
// recommended configuration when group values come from client input. The
// feature must be one given to NewMonitor; levels must be non-empty,
// distinct, not OverflowLevel, at most the value-length limit, and at most
// MaxMonitorLevels of them. A later option for the same feature replaces an
// earlier one.
func WithGroupLevels(feature string, levels ...string) MonitorOption {
	lv := append([]string(nil), levels...)
	return monitorOptionFunc(func(c *monitorConfig) {
		if len(lv) == 0 || len(lv) > MaxMonitorLevels {
			c.fail("WithGroupLevels: feature %q needs 1..%d levels, got %d", feature, MaxMonitorLevels, len(lv))
			return
		}
		seen := make(map[string]bool, len(lv))
		for _, l := range lv {
			switch {
			case l == "":
				c.fail("WithGroupLevels: feature %q has an empty level", feature)
				return
			case l == OverflowLevel:
				c.fail("WithGroupLevels: feature %q declares the reserved level %q", feature, OverflowLevel)
				return
			case seen[l]:
				c.fail("WithGroupLevels: feature %q declares level %q twice", feature, l)
				return
			}
			seen[l] = true
		}
		if c.levels == nil {
			c.levels = map[string][]string{}
		}
		c.levels[feature] = lv
	})
}

// WithMaxLevels sets how many distinct values of a feature without
// declared levels become levels (default DefaultMaxLevels): the first n
// seen; any later value is counted under OverflowLevel. n must be in
// 1..MaxMonitorLevels.
func WithMaxLevels(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 || n > MaxMonitorLevels {
			c.fail("WithMaxLevels: %d not in 1..%d", n, MaxMonitorLevels)
			return
		}
		c.maxLevels = n
	})
}

// WithMaxValueLength sets the byte limit of a group value of a feature
// without declared levels (default DefaultMaxValueLength); a longer value is
// truncated at a UTF-8 boundary and counted in aims.fairness.limit_reached
// (limit "value_length"). n must be in 1..MaxMonitorValueLength.
func WithMaxValueLength(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 || n > MaxMonitorValueLength {
			c.fail("WithMaxValueLength: %d not in 1..%d", n, MaxMonitorValueLength)
			return
		}
		c.maxValueLen = n
	})
}

// WithMinGroupDecisions sets how many decisions (for selection rates) or
// labelled decisions (for TPR/FPR) a group needs in the window before it
// takes part in disparities (default 30); n must not be negative.
func WithMinGroupDecisions(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 0 {
			c.fail("WithMinGroupDecisions: %d is negative", n)
			return
		}
		c.minGroup = int64(n)
	})
}

// WithThreshold adds an alarm on a disparity. The disparity must be one
// the monitor tracks and the limit a number; an empty ControlID means
// DefaultControlID, a zero Hysteresis DefaultHysteresis.
func WithThreshold(t Threshold) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		switch {
		case !validDisparity(t.Disparity):
			c.fail("WithThreshold: unknown disparity %q", t.Disparity)
			return
		case math.IsNaN(t.Limit):
			c.fail("WithThreshold: the limit on %s is NaN", t.Disparity)
			return
		case math.IsNaN(t.Hysteresis):
			c.fail("WithThreshold: the hysteresis on %s is NaN", t.Disparity)
			return
		}
		if t.ControlID == "" {
			t.ControlID = DefaultControlID
		}
		switch {
		case t.Hysteresis == 0:
			t.Hysteresis = DefaultHysteresis
		case t.Hysteresis < 0:
			t.Hysteresis = 0
		}
		c.thresholds = append(c.thresholds, t)
	})
}

// WithClock replaces time.Now (for tests of time windows); now must not
// be nil.
func WithClock(now func() time.Time) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if now == nil {
			c.fail("WithClock: nil clock")
			return
		}
		c.now = now
	})
}

// DefaultFinalReplicates is the number of bootstrap replicates of the
// intervals Close computes unless WithFinalIntervals says otherwise.
const DefaultFinalReplicates = 1000

// WithFinalIntervals sets the bootstrap replicates of the intervals Close
// computes over the final window (Monitor.Intervals with seed 1 and 95%
// confidence) and exports once, with the final gauges, as
// aims.fairness.interval.lower and aims.fairness.interval.upper: per group
// and rate (attributes aims.fairness.group.name, aims.fairness.rate) and
// per disparity (aims.fairness.disparity). Default
// DefaultFinalReplicates; 0 turns them off; at most
// MaxBootstrapReplicates.
func WithFinalIntervals(replicates int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if replicates < 0 || replicates > MaxBootstrapReplicates {
			c.fail("WithFinalIntervals: %d replicates not in 0..%d", replicates, MaxBootstrapReplicates)
			return
		}
		c.finalReplicates = replicates
	})
}
