package tree

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	itel "github.com/aimskit/aimskit/internal/telemetry"
)

// Option configures batch computations and explainers.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	workers     int // 0: GOMAXPROCS
	class       int
	outputSpace bool
	names       []string
	maxFeatures int // WithMaxFeatures; 0: DefaultMaxFeatures
	// recursive forces Algorithm 2's recursion instead of the leaf tables
	// (tests check that both agree).
	recursive bool
	tel       itel.Providers
	errs      []error
}

// newConfig applies opts and returns the errors the options recorded, so
// a bad option fails before any work.
func newConfig(opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c, errors.Join(c.errs...)
}

// WithWorkers sets how many goroutines share a batch of rows (n >= 1);
// the default is runtime.GOMAXPROCS(0).
func WithWorkers(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("tree: WithWorkers: %d workers, need at least 1", n))
			return
		}
		c.workers = n
	})
}

// WithClass selects the output group (class) an explainer or model view
// reports for multi-class models. The default is group 0; a negative
// group is an error, as is one the model does not have.
func WithClass(k int) Option {
	return optionFunc(func(c *config) {
		if k < 0 {
			c.errs = append(c.errs, fmt.Errorf("tree: WithClass: class %d is negative", k))
			return
		}
		c.class = k
	})
}

// DefaultMaxFeatures is the most features an explainer accepts in a
// model unless WithMaxFeatures says otherwise. Every explanation holds a
// value per feature, and the explainer a name per feature: a model file
// whose num_feature claims a billion features loads in a megabyte, but
// explaining it would take gigabytes per call.
const DefaultMaxFeatures = 1 << 20

// WithMaxFeatures sets the most features an explainer accepts in a
// model (n >= 1; default DefaultMaxFeatures). NewPathDependent and
// NewInterventional refuse a model with more, naming both numbers.
func WithMaxFeatures(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("tree: WithMaxFeatures: %d, need at least 1", n))
			return
		}
		c.maxFeatures = n
	})
}

// WithOutputSpace makes a model view or interventional explainer work in
// the objective's output space (probabilities for logistic and softmax
// models) instead of margin space.
func WithOutputSpace() Option { return optionFunc(func(c *config) { c.outputSpace = true }) }

// WithTracerProvider sets the provider of the tracer that records a span
// per batch explanation; nil or no option means the global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tel.TP = tp })
}

// WithFeatureNames names the features in explanations, one name per
// feature. The default is the names stored in the model file, else x0,
// x1, ….
func WithFeatureNames(names ...string) Option {
	return optionFunc(func(c *config) { c.names = append([]string(nil), names...) })
}

// withRecursion makes TreeSHAP use the recursion of Algorithm 2 even when
// leaf tables are available.
func withRecursion() Option { return optionFunc(func(c *config) { c.recursive = true }) }

// WithMeterProvider sets the provider of the meter that counts explanations
// and records their duration (semconv aims.explain.explanations and
// aims.explain.duration, as package explain); nil or no option means the
// global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.tel.MP = mp })
}

// withWorkerCount passes an explainer's worker count (0: GOMAXPROCS) on
// to the batch computations it runs.
func withWorkerCount(n int) Option { return optionFunc(func(c *config) { c.workers = n }) }
