package fairness

import (
	"errors"
	"fmt"
)

// DefaultMinGroupSize is the group size below which values are flagged
// Small unless WithMinGroupSize says otherwise.
const DefaultMinGroupSize = 30

// Option configures NewFrame and the functions that build on it
// (Bootstrap, Reweigh, FitThresholdOptimizer).
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	metrics      []Metric
	pos          *int
	minGroupSize int64
	rows         []int // bootstrap resample, internal
	errs         []error
}

// newConfig applies opts over the defaults and returns the errors the
// options recorded, so a bad option fails before any row is read.
func newConfig(opts []Option) (config, error) {
	c := config{minGroupSize: DefaultMinGroupSize}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.metrics == nil {
		c.metrics = Metrics()
	}
	return c, errors.Join(c.errs...)
}

// WithMetrics selects the metrics of the frame (default: the predefined
// confusion-count metrics, see Metrics). Metrics that are not listed can
// still be read from a frame when they need only counts. Every metric
// needs a name, appears once, and all calibration metrics of one frame
// share one bin count.
func WithMetrics(ms ...Metric) Option {
	return optionFunc(func(c *config) {
		if len(ms) == 0 {
			c.errs = append(c.errs, errors.New("fairness: WithMetrics: no metrics given"))
			return
		}
		names := map[string]bool{}
		bins := 0
		for _, m := range ms {
			switch {
			case m.name == "":
				c.errs = append(c.errs, errors.New("fairness: WithMetrics: a metric has no name"))
				return
			case names[m.name]:
				c.errs = append(c.errs, fmt.Errorf("fairness: WithMetrics: metric %q is listed twice", m.name))
				return
			case m.badParam != "":
				c.errs = append(c.errs, fmt.Errorf("fairness: WithMetrics: metric %q: %s", m.name, m.badParam))
				return
			case m.kind == kindCalibration && (m.bins < 1 || m.bins > MaxCalibrationBins):
				c.errs = append(c.errs, fmt.Errorf("fairness: WithMetrics: metric %q needs 1..%d bins, has %d", m.name, MaxCalibrationBins, m.bins))
				return
			case m.kind == kindCalibration && bins != 0 && bins != m.bins:
				c.errs = append(c.errs, fmt.Errorf("fairness: WithMetrics: one frame supports one calibration bin count, got %d and %d", bins, m.bins))
				return
			}
			names[m.name] = true
			if m.kind == kindCalibration {
				bins = m.bins
			}
		}
		c.metrics = append([]Metric(nil), ms...)
	})
}

// WithPosLabel declares the positive label. Labels and predictions may
// then hold this value and one other value (the negative label).
func WithPosLabel(label int) Option {
	return optionFunc(func(c *config) { c.pos = &label })
}

// WithMinGroupSize sets the number of rows below which a group's values
// are flagged Small (unreliable); default DefaultMinGroupSize, 0 flags
// none. A negative size is an error.
func WithMinGroupSize(n int) Option {
	return optionFunc(func(c *config) {
		if n < 0 {
			c.errs = append(c.errs, fmt.Errorf("fairness: WithMinGroupSize: %d is negative", n))
			return
		}
		c.minGroupSize = int64(n)
	})
}

// withRows makes the frame count the given rows (a bootstrap resample)
// instead of every row once.
func withRows(rows []int) Option {
	return optionFunc(func(c *config) { c.rows = rows })
}
