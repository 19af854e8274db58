package tree

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Option configures batch computations and explainers.
type Option func(*config)

type config struct {
	workers     int
	class       int
	outputSpace bool
	names       []string
	// recursive forces Algorithm 2's recursion instead of the leaf tables
	// (tests check that both agree).
	recursive bool
	tp        trace.TracerProvider
	mp        metric.MeterProvider
}

func newConfig(opts []Option) config {
	c := config{tp: otel.GetTracerProvider(), mp: otel.GetMeterProvider()}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithWorkers sets how many goroutines share a batch of rows; n <= 0 (the
// default) means runtime.GOMAXPROCS(0).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithClass selects the output group (class) an explainer or model view
// reports for multi-class models. The default is group 0.
func WithClass(k int) Option { return func(c *config) { c.class = k } }

// WithOutputSpace makes a model view or interventional explainer work in
// the objective's output space (probabilities for logistic and softmax
// models) instead of margin space.
func WithOutputSpace() Option { return func(c *config) { c.outputSpace = true } }

// WithTracerProvider sets the provider of the tracer that records a span
// per batch explanation. The default is otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithFeatureNames names the features in explanations. The default is the
// names stored in the model file, else x0, x1, ….
func WithFeatureNames(names ...string) Option {
	return func(c *config) { c.names = append([]string(nil), names...) }
}

// withRecursion makes TreeSHAP use the recursion of Algorithm 2 even when
// leaf tables are available.
func withRecursion() Option { return func(c *config) { c.recursive = true } }

// WithMeterProvider sets the provider of the meter that counts explanations
// and records their duration (semconv aims.explain.explanations and
// aims.explain.duration, as package explain). The default is
// otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}
