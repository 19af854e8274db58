package aims

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	lognoop "go.opentelemetry.io/otel/log/noop"
	metricnoop "go.opentelemetry.io/otel/metric/noop"

	"github.com/aimskit/aimskit/aims/ledger"
)

// benchDecision is a typical decision: model, pseudonymous subject, two
// allow-listed inputs, score, reason codes, oversight and trace context.
func benchDecision(b *testing.B) Decision {
	d := testDecision(b)
	d.Inputs = map[string]any{"income": 41000.0, "region": "north"}
	d.TraceID, d.SpanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	return d
}

// BenchmarkRecord measures DecisionLog.Record with a no-op LoggerProvider:
// (a) without a ledger, (b) with a ledger in group-commit mode and (c)
// with a ledger that fsyncs every record. With a ledger, the time to make
// every queued record durable (Flush) is inside the timed region.
func BenchmarkRecord(b *testing.B) {
	run := func(b *testing.B, led *ledger.Ledger) {
		opts := []DecisionLogOption{WithLoggerProvider(lognoop.NewLoggerProvider()), WithMeterProvider(metricnoop.NewMeterProvider()),
			WithAllowList(NewAllowList("income", "region"))}
		if led != nil {
			opts = append(opts, WithLedger(led))
		}
		dl, err := NewDecisionLog(opts...)
		if err != nil {
			b.Fatal(err)
		}
		d := benchDecision(b)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := dl.Record(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
		if led != nil {
			if err := led.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if err := dl.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("no-ledger", func(b *testing.B) { run(b, nil) })
	b.Run("ledger-group-commit", func(b *testing.B) {
		led, _ := testLedger(b, b.TempDir())
		run(b, led)
	})
	b.Run("ledger-fsync-per-record", func(b *testing.B) {
		led, _ := testLedger(b, b.TempDir(), ledger.WithDurability(ledger.SyncEveryRecord))
		run(b, led)
	})
}

// BenchmarkSlogJSON is the yardstick for BenchmarkRecord: log/slog's JSON
// handler writing the same fields to the same kind of buffered file.
func BenchmarkSlogJSON(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "slog.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 256<<10)
	logger := slog.New(slog.NewJSONHandler(w, nil))
	d := benchDecision(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		logger.LogAttrs(ctx, slog.LevelInfo, "aims.decision",
			slog.String("schema_version", d.SchemaVersion),
			slog.String("id", d.ID),
			slog.Time("time", d.Time),
			slog.String("system_id", d.SystemID),
			slog.String("system_version", d.SystemVersion),
			slog.Group("model", slog.String("name", d.Model.Name), slog.String("version", d.Model.Version)),
			slog.String("subject", d.Subject),
			slog.Group("inputs", slog.Float64("income", d.Inputs["income"].(float64)), slog.String("region", d.Inputs["region"].(string))),
			slog.String("output", d.Output),
			slog.Float64("score", *d.Score),
			slog.Bool("adverse", d.Adverse),
			slog.Group("explanation", slog.String("method", d.Explanation.Method),
				slog.Group("reason_codes",
					slog.Group("0", slog.Int("rank", 1), slog.String("code", d.Explanation.ReasonCodes[0].Code), slog.String("description", d.Explanation.ReasonCodes[0].Description)),
					slog.Group("1", slog.Int("rank", 2), slog.String("code", d.Explanation.ReasonCodes[1].Code), slog.String("description", d.Explanation.ReasonCodes[1].Description)))),
			slog.Group("oversight", slog.String("action", string(d.Oversight.Action)), slog.String("policy", d.Oversight.Policy)),
			slog.String("trace_id", d.TraceID),
			slog.String("span_id", d.SpanID),
		)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}
