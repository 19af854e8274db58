package main

import (
	"context"
	"errors"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aimskit/aimskit/aims/otlpfile"
)

// telemetry is the OpenTelemetry SDK of the example: OTLP over HTTP to the
// collector at OTEL_EXPORTER_OTLP_ENDPOINT when that is set, otherwise to
// a loopback receiver that writes OTLP/JSON lines into dir (the format of
// a collector's file exporter), so that the example needs no server.
type telemetry struct {
	tp   *sdktrace.TracerProvider
	mp   *sdkmetric.MeterProvider
	lp   *sdklog.LoggerProvider
	sink *otlpfile.Sink
	// where says where the telemetry goes, for the banner.
	where string
}

func startTelemetry(ctx context.Context, dir string, attrs ...attribute.KeyValue) (*telemetry, error) {
	t := &telemetry{}
	ep := os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	t.where = "OTLP " + ep
	if ep == "" {
		sink, err := otlpfile.Start(dir)
		if err != nil {
			return nil, err
		}
		t.sink, ep, t.where = sink, sink.Endpoint(), "OTLP/JSON files in "+dir
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		append([]attribute.KeyValue{attribute.String("service.name", "chatassistant")}, attrs...)...))
	if err != nil {
		return nil, errors.Join(err, t.Shutdown(ctx))
	}
	spans, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(ep+"/v1/traces"))
	if err != nil {
		return nil, errors.Join(err, t.Shutdown(ctx))
	}
	metrics, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(ep+"/v1/metrics"))
	if err != nil {
		return nil, errors.Join(err, t.Shutdown(ctx))
	}
	logs, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(ep+"/v1/logs"))
	if err != nil {
		return nil, errors.Join(err, t.Shutdown(ctx))
	}
	t.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(spans), sdktrace.WithResource(res))
	t.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithView(httpServerMetricsView()),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics, sdkmetric.WithInterval(5*time.Second))))
	t.lp = sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(logs)))
	return t, nil
}

// Shutdown flushes every signal (logs last: the others may still emit),
// then closes the local files.
func (t *telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	if t.tp != nil {
		errs = append(errs, t.tp.Shutdown(ctx))
	}
	if t.mp != nil {
		errs = append(errs, t.mp.Shutdown(ctx))
	}
	if t.lp != nil {
		errs = append(errs, t.lp.Shutdown(ctx))
	}
	if t.sink != nil {
		errs = append(errs, t.sink.Close(ctx))
	}
	return errors.Join(errs...)
}

// httpServerMetricsView keeps only bounded attributes on otelhttp's HTTP
// server metrics (http.server.request.duration and the body-size
// histograms). Left alone, otelhttp takes server.address and server.port
// from the request's Host header, which the client writes: every made-up
// Host would be a new series holding the client's string, until the SDK's
// cardinality limit (2,000 series per instrument) sends every later
// request, real ones included, to the overflow series. otelhttp's
// WithServerName does not close this (a name without a port still leaves
// server.port to the Host header); the view does, whatever the
// instrumentation records. It keeps the method (otelhttp maps unknown ones
// to _OTHER), the status code and route (the service's), the scheme, and
// the protocol name and version (net/http serves HTTP/1.0, 1.1 and 2
// only). Spans keep server.address from the Host header: a span attribute
// is per request, not a series.
func httpServerMetricsView() sdkmetric.View {
	return sdkmetric.NewView(sdkmetric.Instrument{Name: "http.server.*"},
		sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter(
			"http.request.method", "http.response.status_code", "http.route",
			"url.scheme", "network.protocol.name", "network.protocol.version")})
}
