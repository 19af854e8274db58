package otlpfile

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func TestSinkWritesCollectorShapedJSON(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(dir)
	require.NoError(t, err)
	ctx := context.Background()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", s.Endpoint())

	logExp, err := otlploghttp.New(ctx)
	require.NoError(t, err)
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(logExp)))
	metricExp, err := otlpmetrichttp.New(ctx)
	require.NoError(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExp)))
	tp := sdktrace.NewTracerProvider()

	sctx, span := tp.Tracer("t").Start(ctx, "request")
	var rec log.Record
	rec.SetEventName("aims.decision")
	rec.AddAttributes(attribute.String("aims.control.id", "A.6.2.8"), attribute.Int64("n", 1<<60))
	lp.Logger("scope").Emit(sctx, rec)
	span.End()
	counter, err := mp.Meter("m").Int64Counter("aims.decisions")
	require.NoError(t, err)
	counter.Add(ctx, 3)

	require.NoError(t, lp.Shutdown(ctx))
	require.NoError(t, mp.Shutdown(ctx))
	require.NoError(t, s.Close(ctx))

	f, err := os.Open(filepath.Join(dir, "logs.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	logs, err := ReadLogs(f)
	require.NoError(t, err)
	require.Len(t, logs, 1)
	assert.Equal(t, "aims.decision", logs[0].EventName)
	assert.Equal(t, span.SpanContext().TraceID().String(), logs[0].TraceID, "trace IDs are hex as in the OTLP JSON mapping")
	assert.Equal(t, span.SpanContext().SpanID().String(), logs[0].SpanID)
	assert.Equal(t, int64(1<<60), logs[0].Attributes["n"], "64-bit integers survive")

	mf, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	require.NoError(t, err)
	defer mf.Close()
	pts, err := ReadMetrics(mf)
	require.NoError(t, err)
	require.NotEmpty(t, pts)
	assert.Equal(t, "aims.decisions", pts[len(pts)-1].Metric)
	assert.Equal(t, 3.0, pts[len(pts)-1].Value)
}
