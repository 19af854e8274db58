package fairness

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestMonitorEventsCarryTraceContext: a threshold crossing brought about
// by ObserveContext, ObserveFinalContext or ObserveLabelContext is emitted
// with the caller's context, so the event carries the trace ID of the
// request's span, and the alarm handler gets that span too.
func TestMonitorEventsCarryTraceContext(t *testing.T) {
	tracer := oteltest.NewTraces(t).Provider.Tracer("test")
	var mu sync.Mutex
	var handled []trace.TraceID
	handler := func(ctx context.Context, _ Alarm) {
		mu.Lock()
		handled = append(handled, trace.SpanContextFromContext(ctx).TraceID())
		mu.Unlock()
	}
	span := func() (context.Context, trace.TraceID) {
		ctx, s := tracer.Start(context.Background(), "request")
		s.End()
		return ctx, s.SpanContext().TraceID()
	}
	// check wants the monitor's threshold events, in order, to carry want.
	check := func(tel *telemetry, want ...trace.TraceID) {
		t.Helper()
		var got []trace.TraceID
		for _, r := range tel.logs.Records() {
			if r.EventName() == semconv.EventFairnessThreshold {
				got = append(got, r.TraceID())
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d threshold events, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("threshold event %d has trace ID %s, want the request's %s", i, got[i], want[i])
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(handled) != len(want) {
			t.Fatalf("%d alarms handled, want %d", len(handled), len(want))
		}
		for i := range want {
			if handled[i] != want[i] {
				t.Errorf("alarm %d handled with trace ID %s, want the request's %s", i, handled[i], want[i])
			}
		}
		handled = nil
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Demographic parity: a decision crosses, a review's final outcome recovers.
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"g"}, append(tel.opts(), WithMinGroupDecisions(1), WithFinalIntervals(0),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8}), WithAlarmHandler(handler))...)
	must(err)
	defer m.Close(context.Background())
	must(m.Observe("a", []string{"F"}, 1))
	must(m.Observe("b", []string{"M"}, 1))
	ctx1, id1 := span()
	must(m.ObserveContext(ctx1, "c", []string{"M"}, 0)) // M selected 1 of 2, F 1 of 1: ratio 0.5
	ctx2, id2 := span()
	must(m.ObserveFinalContext(ctx2, "c", 1)) // ratio 1 again
	check(tel, id1, id2)

	// Equal opportunity: a label crosses.
	tel = newTelemetry(t)
	m2, err := NewMonitor([]string{"g"}, append(tel.opts(), WithMinGroupDecisions(1), WithFinalIntervals(0),
		WithThreshold(Threshold{Disparity: EqualOpportunityDifference, Limit: 0.3}), WithAlarmHandler(handler))...)
	must(err)
	defer m2.Close(context.Background())
	must(m2.Observe("a", []string{"F"}, 1))
	must(m2.Observe("b", []string{"M"}, 0))
	must(m2.ObserveLabel("b", 1)) // TPR M 0, F without positives (0): no difference
	ctx3, id3 := span()
	must(m2.ObserveLabelContext(ctx3, "a", 1)) // TPR F 1, M 0
	check(tel, id3)
}
