package otlpfile_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/internal/otelcoltest"
)

// What emitThroughExporters sent, to compare with what is read back.
type emitted struct {
	parent, child trace.SpanContext
	linked        trace.SpanContext
	logTime       time.Time
	eventTime     time.Time
	before, after time.Time // around the emission, for SDK-set timestamps
}

var (
	t0     = time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC)
	linked = trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled, Remote: true,
	})
)

// emitThroughExporters sends logs, metrics and traces with the OpenTelemetry
// SDK and its OTLP/HTTP (protobuf) exporters to the OTLP endpoint, which
// writes them as OTLP/JSON lines: the aims/otlpfile sink or a real
// collector's file exporter.
func emitThroughExporters(t *testing.T, endpoint string) emitted {
	t.Helper()
	ctx := context.Background()
	res := resource.NewSchemaless(attribute.String("service.name", "creditscore"), attribute.String("aims.system.id", "credit-scoring"))
	var e emitted
	e.before = time.Now()

	traceExp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint+"/v1/traces"))
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(traceExp), sdktrace.WithResource(res))
	logExp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(endpoint+"/v1/logs"))
	require.NoError(t, err)
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(logExp)), sdklog.WithResource(res))
	metricExp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(endpoint+"/v1/metrics"))
	require.NoError(t, err)
	// The reader exports once, at shutdown.
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExp, sdkmetric.WithInterval(time.Hour))), sdkmetric.WithResource(res))

	tracer := tp.Tracer("github.com/aimskit/aimskit/oversight", trace.WithInstrumentationVersion("0.3.0"))
	pctx, parent := tracer.Start(ctx, "gate", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(t0),
		trace.WithAttributes(attribute.Int64("aims.gate.queue", 1<<60), attribute.Float64("aims.decision.score", math.Inf(1))))
	cctx, child := tracer.Start(pctx, "explain", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(t0.Add(time.Millisecond)),
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("link.why", "retry")}}))
	e.eventTime = t0.Add(2 * time.Millisecond)
	child.AddEvent("aims.explanation.ready", trace.WithTimestamp(e.eventTime), trace.WithAttributes(attribute.StringSlice("aims.reason.codes", []string{"R1", "R2"})))
	child.SetStatus(codes.Error, "model timed out")

	logger := lp.Logger("github.com/aimskit/aimskit/aims", log.WithInstrumentationVersion("0.1.0"))
	var rec log.Record
	e.logTime = t0.Add(3 * time.Millisecond)
	rec.SetTimestamp(e.logTime)
	rec.SetEventName("aims.decision")
	rec.SetSeverity(log.SeverityInfo)
	rec.SetSeverityText("INFO")
	rec.SetBody(attribute.MapValue(
		attribute.String("id", "d-1"),
		attribute.Float64("score", 0.25),
		attribute.Slice("tags", attribute.Int64Value(7), attribute.BoolValue(true)),
	))
	rec.AddAttributes(
		attribute.String("aims.control.id", "A.6.2.8"),
		attribute.Int64("n", 1<<60),
		attribute.Float64("nan", math.NaN()),
		attribute.Float64("neg.inf", math.Inf(-1)),
		attribute.Bool("aims.decision.adverse", true),
		attribute.ByteSlice("digest", []byte{0xde, 0xad, 0xbe, 0xef}),
		attribute.Map("nested", attribute.String("k", "v")),
	)
	logger.Emit(cctx, rec)
	var plain log.Record // no timestamp: the SDK sets only the observed one
	plain.SetBody(attribute.StringValue("GET /healthz 200"))
	logger.Emit(ctx, plain)

	child.End(trace.WithTimestamp(t0.Add(4 * time.Millisecond)))
	parent.End(trace.WithTimestamp(t0.Add(5 * time.Millisecond)))
	e.parent, e.child, e.linked = parent.SpanContext(), child.SpanContext(), linked

	meter := mp.Meter("github.com/aimskit/aimskit/drift")
	gauge, err := meter.Float64Gauge("aims.drift.score", metric.WithUnit("1"))
	require.NoError(t, err)
	gauge.Record(ctx, 0.31, metric.WithAttributes(attribute.String("aims.drift.feature", "income")))
	counter, err := meter.Int64Counter("aims.decisions", metric.WithUnit("{decision}"))
	require.NoError(t, err)
	counter.Add(ctx, 3)
	counter.Add(ctx, 4)
	hist, err := meter.Float64Histogram("aims.oversight.review.duration", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(1, 5))
	require.NoError(t, err)
	for _, v := range []float64{0.5, 2, 7} {
		hist.Record(ctx, v)
	}

	require.NoError(t, tp.Shutdown(ctx))
	require.NoError(t, lp.Shutdown(ctx))
	require.NoError(t, mp.Shutdown(ctx))
	e.after = time.Now()
	return e
}

// checkFiles reads the OTLP/JSON files in dir and compares every value
// with what emitThroughExporters sent.
func checkFiles(t *testing.T, dir string, e emitted) {
	t.Helper()
	open := func(name string) *os.File {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		return f
	}

	// The file holds the OTLP/JSON forms this reader must undo.
	raw, err := os.ReadFile(filepath.Join(dir, "logs.jsonl"))
	require.NoError(t, err)
	for _, form := range []string{`"traceId":"` + e.child.TraceID().String() + `"`, `"doubleValue":"NaN"`, `"intValue":"1152921504606846976"`, `"severityNumber":9`} {
		assert.Contains(t, string(raw), form)
	}

	logs, err := otlpfile.ReadLogs(open("logs.jsonl"))
	require.NoError(t, err)
	require.Len(t, logs, 2)
	d, plain := logs[0], logs[1]
	if d.EventName != "aims.decision" { // the collector may batch them in either order
		d, plain = plain, d
	}
	assert.Equal(t, "aims.decision", d.EventName)
	assert.Equal(t, "github.com/aimskit/aimskit/aims", d.Scope)
	assert.Equal(t, "0.1.0", d.ScopeVersion)
	assert.Equal(t, "creditscore", otlpfile.String(d.Resource, "service.name"))
	assert.Equal(t, e.logTime, d.Time)
	assert.Equal(t, int(log.SeverityInfo), d.Severity)
	assert.Equal(t, "INFO", d.SeverityText)
	assert.Equal(t, e.child.TraceID().String(), d.TraceID, "hex trace ID of the span the record was emitted in")
	assert.Equal(t, e.child.SpanID().String(), d.SpanID)
	assert.Equal(t, map[string]any{"id": "d-1", "score": 0.25, "tags": []any{int64(7), true}}, d.Body)
	assert.Equal(t, "A.6.2.8", otlpfile.String(d.Attributes, "aims.control.id"))
	assert.Equal(t, int64(1<<60), d.Attributes["n"], "64-bit integers survive the decimal-string encoding")
	assert.True(t, math.IsNaN(d.Attributes["nan"].(float64)), "NaN is written as \"NaN\"")
	assert.Equal(t, math.Inf(-1), d.Attributes["neg.inf"])
	assert.Equal(t, true, d.Attributes["aims.decision.adverse"])
	assert.Equal(t, []byte{0xde, 0xad, 0xbe, 0xef}, d.Attributes["digest"])
	assert.Equal(t, map[string]any{"k": "v"}, d.Attributes["nested"])
	assert.Equal(t, "GET /healthz 200", plain.Body)
	assert.Empty(t, plain.TraceID)
	assert.False(t, plain.Time.Before(e.before) || plain.Time.After(e.after),
		"a record without a timestamp takes its observed one: %v not in [%v, %v]", plain.Time, e.before, e.after)

	spans, err := otlpfile.ReadSpans(open("traces.jsonl"))
	require.NoError(t, err)
	require.Len(t, spans, 2)
	byName := map[string]otlpfile.Span{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	p, c := byName["gate"], byName["explain"]
	assert.Equal(t, e.parent.TraceID().String(), p.TraceID)
	assert.Equal(t, e.parent.SpanID().String(), p.SpanID)
	assert.Empty(t, p.ParentSpanID, "a root span has no parent")
	assert.Equal(t, int(trace.SpanKindServer), p.Kind)
	assert.Equal(t, t0, p.Start)
	assert.Equal(t, t0.Add(5*time.Millisecond), p.End)
	assert.Equal(t, int64(1<<60), p.Attributes["aims.gate.queue"])
	assert.Equal(t, math.Inf(1), p.Attributes["aims.decision.score"])
	assert.Equal(t, "github.com/aimskit/aimskit/oversight", p.Scope)
	assert.Equal(t, "0.3.0", p.ScopeVersion)
	assert.Equal(t, "credit-scoring", otlpfile.String(p.Resource, "aims.system.id"))

	assert.Equal(t, e.child.TraceID().String(), c.TraceID)
	assert.Equal(t, e.child.SpanID().String(), c.SpanID)
	assert.Equal(t, e.parent.SpanID().String(), c.ParentSpanID)
	assert.Equal(t, int(trace.SpanKindClient), c.Kind)
	assert.Equal(t, 2, c.StatusCode, "error")
	assert.Equal(t, "model timed out", c.StatusMessage)
	require.Len(t, c.Events, 1)
	assert.Equal(t, otlpfile.SpanEvent{Time: e.eventTime, Name: "aims.explanation.ready",
		Attributes: map[string]any{"aims.reason.codes": []any{"R1", "R2"}}}, c.Events[0])
	require.Len(t, c.Links, 1)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", c.Links[0].TraceID)
	assert.Equal(t, "00f067aa0ba902b7", c.Links[0].SpanID)
	assert.Equal(t, "retry", otlpfile.String(c.Links[0].Attributes, "link.why"))

	pts, err := otlpfile.ReadMetrics(open("metrics.jsonl"))
	require.NoError(t, err)
	byMetric := map[string]otlpfile.Point{}
	for _, pt := range pts {
		byMetric[pt.Metric] = pt
	}
	require.Len(t, byMetric, 3, "%+v", pts)
	g := byMetric["aims.drift.score"]
	assert.Equal(t, "gauge", g.Kind)
	assert.Equal(t, 0.31, g.Value)
	assert.Equal(t, "1", g.Unit)
	assert.Equal(t, "income", otlpfile.String(g.Attributes, "aims.drift.feature"))
	assert.Equal(t, "github.com/aimskit/aimskit/drift", g.Scope)
	assert.False(t, g.Time.Before(e.before) || g.Time.After(e.after), "point time %v", g.Time)
	s := byMetric["aims.decisions"]
	assert.Equal(t, "sum", s.Kind)
	assert.Equal(t, 7.0, s.Value)
	h := byMetric["aims.oversight.review.duration"]
	assert.Equal(t, "histogram", h.Kind)
	assert.Equal(t, uint64(3), h.Count)
	assert.Equal(t, 9.5, h.Sum)
	assert.Equal(t, []float64{1, 5}, h.Bounds)
	assert.Equal(t, []uint64{1, 1, 1}, h.BucketCounts)
}

// TestReadsWhatRealExportersWrite reads lines written from real OTLP
// exporters' requests by the aims/otlpfile sink, which writes the
// collector's file-exporter format.
func TestReadsWhatRealExportersWrite(t *testing.T) {
	dir := t.TempDir()
	sink, err := otlpfile.Start(dir)
	require.NoError(t, err)
	e := emitThroughExporters(t, sink.Endpoint())
	require.NoError(t, sink.Close(context.Background()))
	checkFiles(t, dir, e)
}

// TestReadsWhatARealCollectorWrites reads the files a real OpenTelemetry
// Collector's file exporter (format: json) writes from the same requests.
// It runs only when AIMSKIT_OTELCOL names the collector .ci/collector.sh
// builds.
func TestReadsWhatARealCollectorWrites(t *testing.T) {
	col := otelcoltest.Start(t)
	e := emitThroughExporters(t, col.HTTPEndpoint)
	col.Stop() // flushes the batch processor and the file exporters
	checkFiles(t, col.OutDir, e)
}
