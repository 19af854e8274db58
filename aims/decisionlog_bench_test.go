package aims

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	lognoop "go.opentelemetry.io/otel/log/noop"
	metricnoop "go.opentelemetry.io/otel/metric/noop"

	"github.com/aimskit/aimskit/aims/ledger"
)

// benchInputs are the allow-listed input features of benchDecision.
var benchInputs = []string{"income", "debt_ratio", "employment_years", "region", "has_guarantor"}

// benchDecision is a realistic reviewed credit decision: model,
// pseudonymous subject, five allow-listed inputs, score and threshold, an
// explanation with seven attributions and four reason codes, a reviewer's
// oversight outcome and trace context.
func benchDecision(b *testing.B) Decision {
	d, err := NewDecision(context.Background(), "credit-scoring")
	if err != nil {
		b.Fatal(err)
	}
	d.SystemVersion = "2.3.1"
	d.Model = ModelRef{Name: "gbm-credit", Version: "2026.11.2"}
	d.Subject = "hs256:k1:0123456789abcdef0123456789abcdef"
	d.Inputs = map[string]any{"income": 41000.0, "debt_ratio": 0.43, "employment_years": 2.5, "region": "north", "has_guarantor": false}
	d.Output = "deny"
	d.Score = ptr(0.3125)
	d.Threshold = ptr(0.5)
	d.Adverse = true
	d.Explanation = &Explanation{
		Method: "tree", BaseValue: 0.5731, Prediction: 0.3125,
		Attributions: []Attribution{
			{Feature: "income", Contribution: -0.1412}, {Feature: "debt_ratio", Contribution: -0.0897},
			{Feature: "employment_years", Contribution: -0.0421}, {Feature: "region", Contribution: 0.0113},
			{Feature: "has_guarantor", Contribution: -0.0264}, {Feature: "open_accounts", Contribution: 0.0078},
			{Feature: "late_payments", Contribution: -0.0803},
		},
		ReasonCodes: []ReasonCode{
			{Rank: 1, Code: "R01", Feature: "income", Description: "Income too low for the amount requested", Direction: "adverse", Contribution: -0.1412},
			{Rank: 2, Code: "R07", Feature: "debt_ratio", Description: "Debt-to-income ratio too high", Direction: "adverse", Contribution: -0.0897},
			{Rank: 3, Code: "R12", Feature: "late_payments", Description: "Recent late payments", Direction: "adverse", Contribution: -0.0803},
			{Rank: 4, Code: "R03", Feature: "employment_years", Description: "Short employment history", Direction: "adverse", Contribution: -0.0421},
		},
	}
	d.Oversight = &OversightOutcome{Action: ActionApprove, Reviewer: "alice@lender.example", Reason: "income verified, ratio confirmed",
		Policy: "adverse-needs-review", Time: d.Time.Add(90 * time.Second), TicketID: "01936f8e-1b2c-7d3e-8f40-123456789abc",
		ReviewLatency: 90 * time.Second}
	d.TraceID, d.SpanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	return d
}

// logDecisionSlog writes d's fields with logger as a service would with
// log/slog alone, in slog's fastest style (LogAttrs, GroupAttrs): one
// attribute per field, groups for nested values and one group per list
// element, since slog has no list of objects.
func logDecisionSlog(ctx context.Context, logger *slog.Logger, d *Decision) {
	keys := make([]string, 0, len(d.Inputs))
	for k := range d.Inputs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	inputs := make([]slog.Attr, len(keys))
	for i, k := range keys {
		inputs[i] = slog.Any(k, d.Inputs[k])
	}
	e := d.Explanation
	attrs := make([]slog.Attr, len(e.Attributions))
	for i, a := range e.Attributions {
		attrs[i] = slog.GroupAttrs(a.Feature, slog.Float64("contribution", a.Contribution))
	}
	codes := make([]slog.Attr, len(e.ReasonCodes))
	for i, r := range e.ReasonCodes {
		codes[i] = slog.GroupAttrs(r.Code, slog.Int("rank", r.Rank), slog.String("feature", r.Feature),
			slog.String("description", r.Description), slog.String("direction", r.Direction), slog.Float64("contribution", r.Contribution))
	}
	o := d.Oversight
	logger.LogAttrs(ctx, slog.LevelInfo, "aims.decision",
		slog.String("schema_version", d.SchemaVersion),
		slog.String("id", d.ID),
		slog.Time("time", d.Time),
		slog.String("system_id", d.SystemID),
		slog.String("system_version", d.SystemVersion),
		slog.GroupAttrs("model", slog.String("name", d.Model.Name), slog.String("version", d.Model.Version)),
		slog.String("subject", d.Subject),
		slog.GroupAttrs("inputs", inputs...),
		slog.String("output", d.Output),
		slog.Float64("score", *d.Score),
		slog.Float64("threshold", *d.Threshold),
		slog.Bool("adverse", d.Adverse),
		slog.GroupAttrs("explanation", slog.String("method", e.Method), slog.Float64("base_value", e.BaseValue),
			slog.Float64("prediction", e.Prediction), slog.GroupAttrs("attributions", attrs...), slog.GroupAttrs("reason_codes", codes...)),
		slog.GroupAttrs("oversight", slog.String("action", string(o.Action)), slog.String("reviewer", o.Reviewer),
			slog.String("reason", o.Reason), slog.String("policy", o.Policy), slog.Time("time", o.Time),
			slog.String("ticket_id", o.TicketID), slog.Int64("review_latency_ns", int64(o.ReviewLatency))),
		slog.String("trace_id", d.TraceID),
		slog.String("span_id", d.SpanID),
	)
}

// BenchmarkRecord measures DecisionLog.Record of benchDecision side by
// side with its yardstick from DESIGN.md: log/slog's JSON handler writing
// the same fields to a buffered file in a temporary directory (slog-json).
// The DecisionLog has no-op OpenTelemetry providers and (a) no ledger,
// (b) a ledger in its default mode, where Record returns once the decision
// is fsynced and concurrent callers share one fsync (group commit), with 1
// and with 64 callers, (c) the queue-only mode, Record returning once the
// decision is queued (the CPU cost of recording, comparable with slog's
// buffered writes), with 1 and 64 callers, or (d) a ledger that fsyncs
// every record. With a ledger, the time to make every queued record
// durable (Flush) is inside the timed region, as is slog's final flush of
// its buffer.
//
// Compare runs with benchstat:
//
//	go test ./aims -run '^$' -bench '^BenchmarkRecord$' -benchmem -count=6 > new.txt
func BenchmarkRecord(b *testing.B) {
	b.Run("slog-json", func(b *testing.B) {
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
			logDecisionSlog(ctx, logger, &d)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	})
	// run records with callers goroutines (1: a plain loop).
	run := func(b *testing.B, led *ledger.Ledger, callers int) {
		opts := []DecisionLogOption{WithLoggerProvider(lognoop.NewLoggerProvider()), WithMeterProvider(metricnoop.NewMeterProvider()),
			WithAllowList(NewAllowList(benchInputs...)), WithAttributionPolicy(AttributionsAll)}
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
		if callers == 1 {
			for i := 0; i < b.N; i++ {
				if err := dl.Record(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		} else {
			b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := dl.Record(ctx, d); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		if led != nil {
			// Count the queue-only mode's deferred work too.
			if err := led.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if err := dl.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("no-ledger", func(b *testing.B) { run(b, nil, 1) })
	// The default: Record returns once the decision is fsynced; one caller
	// pays a whole fsync, many callers share one.
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("ledger-durable-callers=%d", callers), func(b *testing.B) {
			led, _ := testLedger(b, b.TempDir())
			run(b, led, callers)
		})
		b.Run(fmt.Sprintf("ledger-queue-only-callers=%d", callers), func(b *testing.B) {
			led, _ := testLedger(b, b.TempDir(), ledger.WithWaitDurable(false))
			run(b, led, callers)
		})
	}
	b.Run("ledger-fsync-per-record", func(b *testing.B) {
		led, _ := testLedger(b, b.TempDir(), ledger.WithDurability(ledger.SyncEveryRecord))
		run(b, led, 1)
	})
}
