package otlpfile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aimskit/aimskit/aims/otlpfile"
)

var (
	decisionFileOnce sync.Once
	decisionFile     []byte
	decisionFileErr  error
)

// decisionLogs returns collector-format OTLP/JSON holding 10,000
// aims.decision records shaped like those DecisionLog emits (event name,
// decision JSON body, the same attributes, the trace context), sent through
// the SDK's batch processor and OTLP/HTTP exporter to the aims/otlpfile
// sink, so the lines are batches of 512 records as a collector receives them.
func decisionLogs(b *testing.B) []byte {
	decisionFileOnce.Do(func() { decisionFile, decisionFileErr = emitDecisions(b.TempDir(), 10000) })
	if decisionFileErr != nil {
		b.Fatal(decisionFileErr)
	}
	return decisionFile
}

func emitDecisions(dir string, n int) ([]byte, error) {
	ctx := context.Background()
	sink, err := otlpfile.Start(dir)
	if err != nil {
		return nil, err
	}
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(sink.Endpoint()+"/v1/logs"))
	if err != nil {
		return nil, err
	}
	res := resource.NewSchemaless(attribute.String("service.name", "creditscore"), attribute.String("aims.system.id", "credit-scoring"),
		attribute.String("aims.system.version", "2.3.1"), attribute.String("aims.system.instance", "pod-1"))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(exp, sdklog.WithMaxQueueSize(n))))
	tp := sdktrace.NewTracerProvider()
	logger := lp.Logger("github.com/aimskit/aimskit/aims", log.WithInstrumentationVersion("0.1.0"))
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := range n {
		sctx, span := tp.Tracer("bench").Start(ctx, "decide")
		sc := span.SpanContext()
		at := t0.Add(time.Duration(i) * time.Second)
		id := fmt.Sprintf("01936a00-0000-7000-8000-%012d", i)
		outcome, adverse := "approve", false
		if i%3 == 0 {
			outcome, adverse = "deny", true
		}
		score := float64(i%1000) / 1000
		body, err := json.Marshal(map[string]any{
			"id": id, "time": at, "systemId": "credit-scoring", "systemVersion": "2.3.1", "schemaVersion": "1",
			"model":   map[string]any{"name": "gbm-credit", "version": "7"},
			"subject": "hs256:Yk3tJ1m2Qe0yP7bK4vX9sLwZ8cR5nA6dF1gH2jK3lM4", "output": outcome, "score": score, "adverse": adverse,
			"inputs": map[string]any{"income": 52000 + float64(i%5000), "employment_years": float64(i % 30), "region": "north"},
			"explanation": map[string]any{"method": "kernel-shap", "reasonCodes": []map[string]any{
				{"code": "R01", "feature": "income", "text": "Income below the approved range", "contribution": -0.21},
				{"code": "R07", "feature": "employment_years", "text": "Short employment history", "contribution": -0.08},
			}},
			"traceId": sc.TraceID().String(), "spanId": sc.SpanID().String(),
		})
		if err != nil {
			return nil, err
		}
		var r log.Record
		r.SetEventName("aims.decision")
		r.SetTimestamp(at)
		r.SetSeverity(log.SeverityInfo)
		r.SetSeverityText("INFO")
		r.SetBody(attribute.StringValue(string(body)))
		r.AddAttributes(
			attribute.String("aims.control.id", "A.6.2.8"), attribute.String("aims.decision.id", id),
			attribute.String("aims.system.id", "credit-scoring"), attribute.String("aims.decision.outcome", outcome),
			attribute.String("aims.decision.schema", "1"), attribute.Bool("aims.decision.adverse", adverse),
			attribute.String("aims.system.version", "2.3.1"), attribute.String("aims.system.instance", "pod-1"),
			attribute.String("aims.model.name", "gbm-credit"), attribute.String("aims.model.version", "7"),
			attribute.String("aims.subject.pseudonym", "hs256:Yk3tJ1m2Qe0yP7bK4vX9sLwZ8cR5nA6dF1gH2jK3lM4"),
			attribute.Float64("aims.decision.score", score), attribute.Float64("aims.input.income", 52000+float64(i%5000)),
			attribute.String("aims.input.region", "north"), attribute.String("aims.explanation.method", "kernel-shap"),
			attribute.StringSlice("aims.reason.codes", []string{"R01", "R07"}),
		)
		logger.Emit(sctx, r)
		span.End()
	}
	if err := lp.Shutdown(ctx); err != nil {
		return nil, err
	}
	if err := sink.Close(context.Background()); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, "logs.jsonl"))
}

// BenchmarkReadDecisionLogs decodes the 10,000 decision records of
// decisionLogs, as the audit report and aimsaudit export --otlp do. Besides
// wall time it reports the CPU time per record, which a machine shared
// with other work disturbs less.
func BenchmarkReadDecisionLogs(b *testing.B) {
	data := decisionLogs(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		n := 0
		if err := otlpfile.EachLog(bytes.NewReader(data), func(r otlpfile.LogRecord) error {
			if r.EventName == "aims.decision" {
				n++
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != 10000 {
			b.Fatalf("%d decisions read, want 10000", n)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N)/10000, "cpu-ns/record")
}
