package drift

import (
	"context"
	"errors"
	"fmt"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
	itel "github.com/aimskit/aimskit/internal/telemetry"
)

// MonitorOption configures [NewMonitor].
type MonitorOption interface{ applyMonitor(*monitorConfig) }

type monitorOptionFunc func(*monitorConfig)

func (f monitorOptionFunc) applyMonitor(c *monitorConfig) { f(c) }

type monitorConfig struct {
	tel         itel.Providers
	window      int
	maxAge      time.Duration
	interval    time.Duration
	minObs      int
	share       float64
	correction  Correction
	prediction  string
	numTest     NumericTest
	catTest     CategoricalTest
	outcome     func() (Detector, error)
	outcomeName string
	outcomeWin  int
	now         func() time.Time
	controlID   string
	onAlarm     func(context.Context, Alarm)
	// exportWindows emits each evaluation's windows (WithWindowExport).
	exportWindows bool
	errs          []error
}

func (c *monitorConfig) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("drift: "+format, args...))
}

// newMonitorConfig applies opts over the defaults and returns the errors
// the options recorded.
func newMonitorConfig(opts []MonitorOption) (monitorConfig, error) {
	c := monitorConfig{window: 1000, minObs: 30, share: 0.5, correction: CorrectionNone, prediction: "prediction",
		numTest: (*NumericProfile).AutoTest, catTest: (*CategoricalProfile).AutoTest,
		outcomeName: "ddm", outcome: func() (Detector, error) { return NewDDM(DefaultDDM()) },
		outcomeWin: 1000, now: time.Now, controlID: semconv.ControlDriftMonitoring}
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

// WithLoggerProvider sets the logger provider of the drift events; nil
// (or no option) means the global provider.
func WithLoggerProvider(lp otellog.LoggerProvider) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) { c.tel.LP = lp })
}

// WithCountWindow keeps the last n observations per feature (default
// 1000); n must be in 2..[MaxMonitorWindow]. It also bounds memory when a
// time window is used.
func WithCountWindow(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 2 || n > MaxMonitorWindow {
			c.fail("WithCountWindow: window %d not in 2..%d", n, MaxMonitorWindow)
			return
		}
		c.window = n
	})
}

// WithTimeWindow tests only observations younger than d (still at most the
// count window, so memory stays bounded); 0 means no age limit.
func WithTimeWindow(d time.Duration) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if d < 0 {
			c.fail("WithTimeWindow: negative window %v", d)
			return
		}
		c.maxAge = d
	})
}

// WithInterval evaluates every d in a background goroutine that Close stops.
// Without it (or with 0) the monitor evaluates only when [Monitor.Evaluate]
// is called, and once more on Close.
func WithInterval(d time.Duration) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if d < 0 {
			c.fail("WithInterval: negative interval %v", d)
			return
		}
		c.interval = d
	})
}

// WithMinObservations skips features with fewer observations in the window
// (default 30); n must be at least 1 and at most the count window.
func WithMinObservations(n int) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if n < 1 {
			c.fail("WithMinObservations: %d, need at least 1", n)
			return
		}
		c.minObs = n
	})
}

// WithDatasetShare sets the share of drifted features at or above which the
// dataset drifts (default 0.5, Evidently's); it must lie in (0, 1].
func WithDatasetShare(s float64) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if !(s > 0 && s <= 1) {
			c.fail("WithDatasetShare: share %g not in (0, 1]", s)
			return
		}
		c.share = s
	})
}

// WithCorrection sets the multiple-testing correction across features
// (default [CorrectionNone]); an unknown correction is an error.
func WithCorrection(corr Correction) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		switch corr {
		case CorrectionNone, CorrectionBonferroni, CorrectionBH:
			c.correction = corr
		default:
			c.fail("WithCorrection: unknown correction %q", corr)
		}
	})
}

// WithPredictionFeature names the profile that [Monitor.ObservePrediction]
// feeds (default "prediction"); the name must not be empty.
func WithPredictionFeature(name string) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if name == "" {
			c.fail("WithPredictionFeature: empty name")
			return
		}
		c.prediction = name
	})
}

// WithNumericTest replaces the numeric test (default [NumericProfile.AutoTest]).
//
// The default follows Evidently and chooses by the reference's size: for a
// reference of more than 1,000 values it is the normed Wasserstein
// distance with a 0.1 threshold. On a small window that choice is noisy:
// with 100–300 current values the distance of an undrifted feature
// reaches 0.05–0.2, so a monitor evaluated often alarms, and with an alarm
// handler opens incidents, without any drift (measured on the credit
// example). For small windows evaluated often, use a test with a p-value
// and a strict threshold, e.g. KS at p ≤ 1e-4:
//
//	drift.WithNumericTest(func(p *drift.NumericProfile, cur []float64) (drift.Result, error) {
//		r, err := p.KS(cur, drift.WithKSThreshold(1e-4))
//		return r.Result, err
//	})
func WithNumericTest(t NumericTest) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if t == nil {
			c.fail("WithNumericTest: nil test")
			return
		}
		c.numTest = t
	})
}

// WithCategoricalTest replaces the categorical test (default [CategoricalProfile.AutoTest]).
func WithCategoricalTest(t CategoricalTest) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if t == nil {
			c.fail("WithCategoricalTest: nil test")
			return
		}
		c.catTest = t
	})
}

// WithOutcomeDetector sets the detector fed by [Monitor.ObserveOutcome]
// (default DDM with river's defaults); name appears in events and must
// not be empty.
func WithOutcomeDetector(name string, newDetector func() (Detector, error)) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		switch {
		case name == "":
			c.fail("WithOutcomeDetector: empty name")
		case newDetector == nil:
			c.fail("WithOutcomeDetector: nil detector constructor for %q", name)
		default:
			c.outcomeName, c.outcome = name, newDetector
		}
	})
}

// WithClock sets the time source (tests); now must not be nil.
func WithClock(now func() time.Time) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if now == nil {
			c.fail("WithClock: nil clock")
			return
		}
		c.now = now
	})
}

// WithControlID overrides the Annex A control drift events are evidence for
// (default A.6.2.6); the ID must not be empty.
func WithControlID(id string) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if id == "" {
			c.fail("WithControlID: empty control ID")
			return
		}
		c.controlID = id
	})
}
