package fairness

import (
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
	minGroup    int64
	thresholds  []Threshold
	now         func() time.Time
	errs        []error
}

func (c *monitorConfig) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("fairness: "+format, args...))
}

// newMonitorConfig applies opts over the defaults and returns the errors
// the options recorded.
func newMonitorConfig(opts []MonitorOption) (monitorConfig, error) {
	c := monitorConfig{countWindow: 10_000, maxPending: 100_000, maxGroups: 64, minGroup: 30, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.applyMonitor(&c)
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

// WithCountWindow makes the window the last n decisions (default 10,000);
// n must be positive.
func WithCountWindow(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 {
			c.fail("WithCountWindow: window %d must be positive", n)
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
// be positive.
func WithMaxPending(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 {
			c.fail("WithMaxPending: %d must be positive", n)
			return
		}
		c.maxPending = n
	})
}

// WithMaxGroups bounds the number of distinct groups (default 64); n must
// be positive.
func WithMaxGroups(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 {
			c.fail("WithMaxGroups: %d must be positive", n)
			return
		}
		c.maxGroups = n
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
