package oteltest

import (
	"context"
	"sync"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Pushed is a MeterProvider and a LoggerProvider set up as in production:
// a periodic metric reader and a batching log processor, both with an
// interval of an hour, so nothing reaches their in-memory exporters unless
// someone flushes (ForceFlush or Shutdown). Tests use it to check that a
// component's Close hands its final state to the exporters itself.
type Pushed struct {
	MeterProvider  *sdkmetric.MeterProvider
	LoggerProvider *sdklog.LoggerProvider
	metrics        *MetricExporter
	logs           *LogExporter
}

// NewPushed returns a Pushed whose providers are shut down when the test
// ends. Shutting down flushes them; then the metrics of every export and
// the exported log records of aimskit's scopes must match the published
// conventions, as with NewMetrics and NewLogs (see MetricProblems and
// LogProblems): tests of a component's final export go through Pushed
// alone, and would otherwise leave its names unchecked.
func NewPushed(t testing.TB) *Pushed {
	p := &Pushed{metrics: &MetricExporter{}, logs: &LogExporter{}}
	p.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(
		sdkmetric.NewPeriodicReader(p.metrics, sdkmetric.WithInterval(time.Hour))))
	p.LoggerProvider = sdklog.NewLoggerProvider(sdklog.WithProcessor(
		sdklog.NewBatchProcessor(p.logs, sdklog.WithExportInterval(time.Hour))))
	t.Cleanup(func() {
		_ = p.MeterProvider.Shutdown(context.Background())
		_ = p.LoggerProvider.Shutdown(context.Background())
		pub, err := readPublished()
		if err != nil {
			t.Errorf("oteltest: reading the published conventions: %v", err)
			return
		}
		for _, m := range pub.pushedProblems(p.Exports(), p.Records()) {
			t.Errorf("oteltest: %s", m)
		}
	})
	return p
}

// pushedProblems lists where the metrics of exports and the log records
// recs differ from the published conventions. A cumulative metric is in
// every export, so a problem is listed once, however many exports repeat
// it. Every export is checked, not only the last: the SDK may reuse an
// export's buffers, but what it then holds is still a collection's.
func (pub published) pushedProblems(exports []metricdata.ResourceMetrics, recs []sdklog.Record) []string {
	var out []string
	seen := map[string]bool{}
	add := func(ms []string) {
		for _, m := range ms {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	for _, rm := range exports {
		add(pub.metricProblems(rm))
	}
	add(pub.logProblems(recs))
	return out
}

// Exports returns the metric exports received so far, oldest first. The
// SDK may reuse an export's buffers for the next one: inspect an export
// before flushing again.
func (p *Pushed) Exports() []metricdata.ResourceMetrics { return p.metrics.Exports() }

// Records returns the log records exported so far.
func (p *Pushed) Records() []sdklog.Record { return p.logs.Records() }

// MetricExporter is an sdkmetric.Exporter that keeps every export in
// memory.
type MetricExporter struct {
	mu      sync.Mutex
	exports []metricdata.ResourceMetrics
}

// Temporality implements sdkmetric.Exporter (cumulative).
func (e *MetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

// Aggregation implements sdkmetric.Exporter (the default aggregations).
func (e *MetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

// Export implements sdkmetric.Exporter.
func (e *MetricExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.exports = append(e.exports, *rm)
	return nil
}

// ForceFlush implements sdkmetric.Exporter.
func (e *MetricExporter) ForceFlush(context.Context) error { return nil }

// Shutdown implements sdkmetric.Exporter.
func (e *MetricExporter) Shutdown(context.Context) error { return nil }

// Exports returns the exports received so far, oldest first.
func (e *MetricExporter) Exports() []metricdata.ResourceMetrics {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]metricdata.ResourceMetrics(nil), e.exports...)
}
