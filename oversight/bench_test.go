package oversight_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// BenchmarkSubmitApply is the cost a Gate adds to every request when no
// human is needed: validation, three routing policies, a span and a counter
// (no-op telemetry providers) and the call to the Recorder (discarding).
// Every iteration submits a new decision ID (one string allocation): a
// resubmitted ID is a retry, which takes the conflict path, not the
// common one.
func BenchmarkSubmitApply(b *testing.B) {
	b.Run("decision-index", func(b *testing.B) { benchSubmitApply(b, true) })
	b.Run("no-index", func(b *testing.B) { benchSubmitApply(b, false) })
}

// benchSubmitApply submits a decision the policy applies; with index set
// (the default) the gate also stores it, so it can be found and contested
// by its decision ID without any wiring.
func benchSubmitApply(b *testing.B, index bool) {
	band, _ := oversight.ScoreBand(0.05)
	g, err := oversight.New(context.Background(), oversight.RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		oversight.WithSweepInterval(0), oversight.WithDecisionIndex(index),
		oversight.WithRiskLevel("credit", aims.RiskLimited),
		oversight.WithPolicy(oversight.Strictest(oversight.RiskAtLeast(aims.RiskHigh), oversight.AdverseOutcome(), band)))
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close(context.Background())
	d := decision(b, "credit", "approve", 0.9, 0.5, false)
	ctx := context.Background()
	next := freshIDs()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d.ID = next()
		out, err := g.Submit(ctx, d)
		if err != nil || !out.Applied {
			b.Fatal(out, err)
		}
	}
}

// BenchmarkSubmitApplyParallel is the same under concurrent requests.
func BenchmarkSubmitApplyParallel(b *testing.B) {
	g, err := oversight.New(context.Background(), oversight.RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("credit", aims.RiskLimited),
		oversight.WithPolicy(oversight.Strictest(oversight.RiskAtLeast(aims.RiskHigh), oversight.AdverseOutcome())))
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close(context.Background())
	d := decision(b, "credit", "approve", 0.9, 0.5, false)
	next := freshIDs()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		d := d
		for pb.Next() {
			d.ID = next()
			if out, err := g.Submit(ctx, d); err != nil || !out.Applied {
				b.Error(out, err)
				return
			}
		}
	})
}

// BenchmarkSubmitApplySDK is the apply path with the OpenTelemetry SDK
// installed (every span sampled and recorded, a metric reader attached, no
// exporter), the cost in a service that traces every request.
func BenchmarkSubmitApplySDK(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	g, err := oversight.New(context.Background(), oversight.RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		oversight.WithSweepInterval(0), oversight.WithTracerProvider(tp), oversight.WithMeterProvider(mp),
		oversight.WithRiskLevel("credit", aims.RiskLimited),
		oversight.WithPolicy(oversight.Strictest(oversight.RiskAtLeast(aims.RiskHigh), oversight.AdverseOutcome())))
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close(context.Background())
	d := decision(b, "credit", "approve", 0.9, 0.5, false)
	ctx := context.Background()
	next := freshIDs()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d.ID = next()
		if out, err := g.Submit(ctx, d); err != nil || !out.Applied {
			b.Fatal(out, err)
		}
	}
}

// freshIDs returns a source of new decision IDs (UUIDs differing in their
// last six bytes), safe for concurrent use, each costing one allocation.
func freshIDs() func() string {
	base := uuid.Must(uuid.NewV7())
	var n atomic.Uint64
	return func() string {
		u, c := base, n.Add(1)
		for i := 15; i >= 10; i-- {
			u[i], c = byte(c), c>>8
		}
		return u.String()
	}
}

// BenchmarkSubmitHeld is the cost of a decision held for review on the
// memory store: the ticket, with the decision's record stored on it, its
// write to the Recorder (discarding) and taking the record off again.
func BenchmarkSubmitHeld(b *testing.B) {
	g, err := oversight.New(context.Background(), oversight.RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		oversight.WithSweepInterval(0), oversight.WithMaxOpenTickets(1<<30),
		oversight.WithPolicy(oversight.AdverseOutcome()))
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close(context.Background())
	d := decision(b, "credit", "deny", 0.2, 0.5, true)
	ctx := context.Background()
	next := freshIDs()
	b.ReportAllocs()
	for b.Loop() {
		d.ID = next()
		out, err := g.Submit(ctx, d)
		if err != nil || !out.Pending() {
			b.Fatal(out, err)
		}
	}
}
