// Package oteltest gives tests an OpenTelemetry SDK wired to in-memory
// readers, so they can assert the names and attributes of what a package
// emitted. Only _test.go files import it: library code stays on the API.
package oteltest

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Logs is a LoggerProvider that keeps every emitted record in memory.
type Logs struct {
	Provider *sdklog.LoggerProvider
	exp      *LogExporter
}

// NewLogs returns a Logs whose provider is shut down when the test ends.
//
// At the end of the test, each record of an aimskit instrumentation scope
// must match the published conventions (aims/semconv's catalog): a
// catalogued event name under the scope of a package it is catalogued
// for, catalogued attribute keys of the catalogued value types, and the
// scope's name, version and schema URL (see LogProblems).
//
// The provider keeps duplicate attribute keys (the SDK's de-duplication
// is off, as services may configure it to save its cost), and the test
// fails at its end if a record has one: every record aimskit emits must
// carry each key once, which is what makes that configuration safe.
func NewLogs(t testing.TB) *Logs {
	exp := &LogExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)), sdklog.WithAllowKeyDuplication())
	t.Cleanup(func() {
		_ = lp.Shutdown(context.Background())
		for _, m := range LogProblems(exp.Records()) {
			t.Errorf("oteltest: %s", m)
		}
		for _, r := range exp.Records() {
			if k, dup := duplicateKey(&r); dup {
				t.Errorf("oteltest: log record %q carries attribute %s twice", r.EventName(), k)
			}
		}
	})
	return &Logs{Provider: lp, exp: exp}
}

// duplicateKey returns a key that r carries more than once.
func duplicateKey(r *sdklog.Record) (attribute.Key, bool) {
	seen := map[attribute.Key]bool{}
	var dup attribute.Key
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if seen[kv.Key] {
			dup = kv.Key
			return false
		}
		seen[kv.Key] = true
		return true
	})
	return dup, dup != ""
}

// Records returns a copy of the records emitted so far.
func (l *Logs) Records() []sdklog.Record { return l.exp.Records() }

// Events returns the records with the given event name.
func (l *Logs) Events(name string) []sdklog.Record {
	var out []sdklog.Record
	for _, r := range l.Records() {
		if r.EventName() == name {
			out = append(out, r)
		}
	}
	return out
}

// Attrs returns a record's attributes as a map from key to value.
func Attrs(r sdklog.Record) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = kv.Value
		return true
	})
	return m
}

// LogExporter is an sdklog.Exporter that keeps clones of every exported
// record in memory, for tests that build their own LoggerProvider.
type LogExporter struct {
	mu      sync.Mutex
	records []sdklog.Record
}

// Records returns a copy of the records exported so far.
func (e *LogExporter) Records() []sdklog.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sdklog.Record(nil), e.records...)
}

// Export keeps clones of recs.
func (e *LogExporter) Export(_ context.Context, recs []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range recs {
		e.records = append(e.records, r.Clone())
	}
	return nil
}

// Shutdown does nothing.
func (e *LogExporter) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing: records are kept as they are exported.
func (e *LogExporter) ForceFlush(context.Context) error { return nil }

// Metrics is a MeterProvider read on demand by a manual reader.
type Metrics struct {
	Provider *sdkmetric.MeterProvider
	reader   *sdkmetric.ManualReader

	mu       sync.Mutex
	reported map[string]bool // problems already reported, once each
}

// NewMetrics returns a Metrics whose provider is shut down when the test
// ends, after a last collection whose metrics of aimskit's scopes must
// match the published conventions, each under the scope of a package it is
// published for (see MetricProblems).
func NewMetrics(t testing.TB) *Metrics {
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	m := &Metrics{Provider: mp, reader: r}
	t.Cleanup(func() {
		var rm metricdata.ResourceMetrics
		if err := r.Collect(context.Background(), &rm); err == nil {
			m.check(t, rm)
		}
		_ = mp.Shutdown(context.Background())
	})
	return m
}

// Collect reads the current metric data. What it reads is checked against
// the published conventions too, as the last collection is: a gauge whose
// callback is gone by the end of the test (its component was closed) is
// checked only here.
func (m *Metrics) Collect(t testing.TB) metricdata.ResourceMetrics {
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collecting metrics: %v", err)
	}
	m.check(t, rm)
	return rm
}

// check reports the problems of rm (MetricProblems) not reported yet.
func (m *Metrics) check(t testing.TB, rm metricdata.ResourceMetrics) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range MetricProblems(rm) {
		if m.reported[p] {
			continue
		}
		if m.reported == nil {
			m.reported = map[string]bool{}
		}
		m.reported[p] = true
		t.Errorf("oteltest: %s", p)
	}
}

// Reader returns the manual reader, for tests whose helpers collect
// through it; the check at test end still runs, but a collection made
// through the reader is not checked itself, as one made by Collect is.
func (m *Metrics) Reader() *sdkmetric.ManualReader { return m.reader }

// Find returns the metric with the given name, or false.
func (m *Metrics) Find(t testing.TB, name string) (metricdata.Metrics, bool) {
	rm := m.Collect(t)
	for _, sm := range rm.ScopeMetrics {
		for _, mm := range sm.Metrics {
			if mm.Name == name {
				return mm, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// Traces is a TracerProvider recording ended spans in memory.
type Traces struct {
	Provider *sdktrace.TracerProvider
	Recorder *tracetest.SpanRecorder
}

// NewTraces returns a Traces whose provider is shut down when the test
// ends; then the spans of aimskit's scopes must match the published
// conventions: name and kind, the scope of a package the span is
// published for, and attributes (see SpanProblems).
func NewTraces(t testing.TB) *Traces {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		for _, m := range SpanProblems(rec.Ended()) {
			t.Errorf("oteltest: %s", m)
		}
	})
	return &Traces{Provider: tp, Recorder: rec}
}
