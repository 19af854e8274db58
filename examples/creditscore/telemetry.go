package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aimskit/aimskit/aims/otlpfile"
)

// telemetry owns the OpenTelemetry SDK of the example service. With
// OTEL_EXPORTER_OTLP_ENDPOINT set it exports OTLP over HTTP to a collector;
// otherwise it writes every signal as OTLP/JSON lines into a local folder
// (the collector file exporter's format), so the example needs no server.
type telemetry struct {
	tp       *sdktrace.TracerProvider
	mp       *sdkmetric.MeterProvider
	lp       *sdklog.LoggerProvider
	sink     *otlpfile.Sink
	Endpoint string // where telemetry goes, for the start-up banner
}

func setupTelemetry(ctx context.Context, dir string, res *resource.Resource, metricInterval time.Duration, extra sdktrace.SpanProcessor) (*telemetry, error) {
	t := &telemetry{}
	var (
		spanExp   sdktrace.SpanExporter
		metricExp sdkmetric.Exporter
		logExp    sdklog.Exporter
		err       error
	)
	ep := os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	if ep == "" {
		// No collector: receive our own OTLP on loopback and write it as
		// OTLP/JSON lines, the same files a collector's file exporter writes.
		sink, err := otlpfile.Start(dir)
		if err != nil {
			return nil, err
		}
		t.sink = sink
		ep = sink.Endpoint()
		t.Endpoint = "OTLP/JSON files in " + dir
	} else {
		t.Endpoint = "OTLP " + ep
	}
	if spanExp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(ep+"/v1/traces")); err != nil {
		return nil, err
	}
	if metricExp, err = otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(ep+"/v1/metrics")); err != nil {
		return nil, err
	}
	if logExp, err = otlploghttp.New(ctx, otlploghttp.WithEndpointURL(ep+"/v1/logs")); err != nil {
		return nil, err
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithBatcher(spanExp), sdktrace.WithResource(res)}
	if extra != nil {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(extra))
	}
	t.tp = sdktrace.NewTracerProvider(tpOpts...)
	t.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithView(httpServerMetricsView()),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExp, sdkmetric.WithInterval(metricInterval))))
	// Key de-duplication off: every record here comes from aimskit, which
	// never repeats a key (internal/oteltest fails any test whose records
	// do), and the SDK's de-duplication rebuilds a map per attribute, a
	// third of a decision event's cost.
	t.lp = sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithAllowKeyDuplication(),
		sdklog.WithProcessor(sdklog.NewBatchProcessor(logExp,
			sdklog.WithExportInterval(500*time.Millisecond), sdklog.WithMaxQueueSize(65536))))
	otel.SetTracerProvider(t.tp)
	otel.SetMeterProvider(t.mp)
	otel.SetLoggerProvider(t.lp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return t, nil
}

// httpServerMetricsView keeps only bounded attributes on otelhttp's HTTP
// server metrics (http.server.request.duration and the request and
// response body-size histograms). Left alone, otelhttp takes server.address
// and server.port from the request's Host header, which the client writes:
// every made-up Host would be a new series, each holding the client's
// string, until the SDK's cardinality limit (2,000 series per instrument)
// sends every later request, real ones included, to the overflow series.
// otelhttp.WithServerName does not close this on its own: a name without
// a port still leaves server.port to the Host header (otelhttp v0.72). The
// view bounds the series whatever the instrumentation records: of each
// measurement it keeps the method
// (otelhttp maps unknown ones to _OTHER), the status code and the route
// (both the service's), the scheme, and the protocol name and version
// (net/http serves HTTP/1.0, 1.1 and 2 only). Spans keep server.address
// from the Host header: a span attribute is per request, not a series.
func httpServerMetricsView() sdkmetric.View {
	return sdkmetric.NewView(sdkmetric.Instrument{Name: "http.server.*"},
		sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter(
			"http.request.method", "http.response.status_code", "http.route",
			"url.scheme", "network.protocol.name", "network.protocol.version")})
}

// newResource describes the service and carries the inventory's resource
// attributes, so every record can be joined to the AI system.
func newResource(extra ...attribute.KeyValue) (*resource.Resource, error) {
	attrs := append([]attribute.KeyValue{
		attribute.String("service.name", "creditscore"),
		attribute.String("service.version", systemVersion),
	}, extra...)
	return resource.Merge(resource.Default(), resource.NewSchemaless(attrs...))
}

// Shutdown flushes and stops every provider, then closes the local files.
func (t *telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	// Logs last: shutting down the others may still emit records.
	if err := t.tp.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("traces: %w", err))
	}
	if err := t.mp.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("metrics: %w", err))
	}
	if err := t.lp.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("logs: %w", err))
	}
	if t.sink != nil {
		if err := t.sink.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("local OTLP files: %w", err))
		}
	}
	return errors.Join(errs...)
}

// checkpointsHint names where an auditor finds the ledger's checkpoints as
// the telemetry received them: the local log file when the service writes
// its own telemetry to dir, the collector's output otherwise.
func (t *telemetry) checkpointsHint(dir string) string {
	if t.sink != nil {
		return shellQuote(filepath.Join(dir, "logs.jsonl"))
	}
	return "COLLECTOR_LOGS_FILE"
}
