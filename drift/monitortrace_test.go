package drift

import (
	"context"
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestOutcomeChangeEventCarriesTraceContext: the aims.drift.change event
// of the outcome detector is emitted with the context given to
// ObserveOutcomeContext, so it carries the trace ID of the span of the
// request whose label signalled the change.
func TestOutcomeChangeEventCarriesTraceContext(t *testing.T) {
	tracer := oteltest.NewTraces(t).Provider.Tracer("test")
	rng := rand.New(rand.NewPCG(4, 4))
	tel := newTelemetry(t)
	m, err := NewMonitor(testProfiles(t, rng), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	var want []trace.TraceID
	for i := range 3000 {
		p := 0.1
		if i >= 1000 {
			p = 0.5
		}
		ctx, span := tracer.Start(context.Background(), "label")
		s, err := m.ObserveOutcomeContext(ctx, rng.Float64() < p)
		span.End()
		if err != nil {
			t.Fatal(err)
		}
		if s == SignalDrift {
			want = append(want, span.SpanContext().TraceID())
		}
	}
	if len(want) == 0 {
		t.Fatal("DDM did not flag an error rate going from 10% to 50%")
	}
	var got []trace.TraceID
	for _, r := range tel.logs.Records() {
		if r.EventName() == semconv.EventDriftChange {
			got = append(got, r.TraceID())
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d change events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change event %d has trace ID %s, want the request's %s", i, got[i], want[i])
		}
	}
}
