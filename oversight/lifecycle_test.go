package oversight_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	lognoop "go.opentelemetry.io/otel/log/noop"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// slowHalts is a store whose Halts waits for its context to end, like a
// database that does not answer.
type slowHalts struct{ *oversight.MemoryStore }

func (s slowHalts) Halts(ctx context.Context) ([]oversight.Halt, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestNewReadsHaltsWithinItsContext(t *testing.T) {
	store := slowHalts{oversight.NewMemoryStore()}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := oversight.New(ctx, &fakeRecorder{}, oversight.WithStore(store)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("New on a store that does not answer: %v, want the context's deadline", err)
	}
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := oversight.New(cancelled, &fakeRecorder{}, oversight.WithStore(store)); !errors.Is(err, context.Canceled) {
		t.Fatalf("New with a cancelled context: %v", err)
	}
	var noCtx context.Context
	if _, err := oversight.New(noCtx, &fakeRecorder{}); err == nil {
		t.Fatal("New accepted a nil context")
	}
}

// stuckSweep is a store whose Overdue blocks until release is closed, so a
// sweep stays in progress.
type stuckSweep struct {
	*oversight.MemoryStore
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (s *stuckSweep) Overdue(ctx context.Context, now time.Time, limit int) ([]oversight.Ticket, error) {
	s.once.Do(func() { close(s.entered) })
	<-s.release
	return s.MemoryStore.Overdue(ctx, now, limit)
}

func TestCloseHonoursItsContextAndWakesWaiters(t *testing.T) {
	store := &stuckSweep{MemoryStore: oversight.NewMemoryStore(), entered: make(chan struct{}), release: make(chan struct{})}
	ctx := context.Background()
	g, err := oversight.New(ctx, &fakeRecorder{}, oversight.WithStore(store), oversight.WithSweepInterval(time.Millisecond),
		oversight.WithPolicy(oversight.Always(oversight.RouteReview, "test")))
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	if err != nil {
		t.Fatal(err)
	}
	awaited := make(chan error, 1)
	go func() {
		_, err := g.Await(ctx, out.Ticket.ID)
		awaited <- err
	}()
	<-store.entered // a sweep is in progress and cannot finish

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.Close(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close while a sweep is stuck: %v, want the context's deadline", err)
	}
	if err := <-awaited; !errors.Is(err, oversight.ErrClosed) {
		t.Fatalf("Await across Close: %v, want ErrClosed", err)
	}
	if _, err := g.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true)); !errors.Is(err, oversight.ErrClosed) {
		t.Fatalf("Submit after Close: %v", err)
	}
	close(store.release)
	if err := g.Close(ctx); err != nil {
		t.Fatalf("Close once the sweep can finish: %v", err)
	}
}

func TestNilOptionsAreIgnoredAndBadOnesAllReported(t *testing.T) {
	ctx := context.Background()
	g, err := oversight.New(ctx, &fakeRecorder{}, nil, oversight.WithSweepInterval(0), nil)
	if err != nil {
		t.Fatalf("nil options: %v", err)
	}
	_ = g.Close(ctx)
	_, err = oversight.New(ctx, &fakeRecorder{}, oversight.WithClaimLease(0), oversight.WithSweepInterval(0), oversight.WithPollInterval(-time.Second))
	if err == nil || !strings.Contains(err.Error(), "claim lease 0s must be positive") ||
		!strings.Contains(err.Error(), "poll interval -1s must be positive") {
		t.Fatalf("two bad options: %v; want both named", err)
	}

	h := newHarness(t)
	if _, err := oversight.NewConsole(h.gate, oversight.TrustedHeader("a", "b"), nil); err != nil {
		t.Fatalf("nil console option: %v", err)
	}
	_, err = oversight.NewConsole(h.gate, oversight.TrustedHeader("a", "b"), oversight.WithBasePath("review/"), oversight.WithViewerRoles())
	if err == nil || !strings.Contains(err.Error(), `base path "review/"`) || !strings.Contains(err.Error(), "WithViewerRoles needs at least one role") {
		t.Fatalf("two bad console options: %v; want both named", err)
	}
}

// TestNilProvidersMeanTheGlobalOnes: WithTracerProvider(nil) and its
// siblings are not errors; the Gate emits through the global providers.
func TestNilProvidersMeanTheGlobalOnes(t *testing.T) {
	// oteltest's providers check what the gate emitted through the global
	// ones against the README's table at test end.
	traces, logs, metrics := oteltest.NewTraces(t), oteltest.NewLogs(t), oteltest.NewMetrics(t)
	reader := metrics.Reader()
	otel.SetTracerProvider(traces.Provider)
	otel.SetMeterProvider(metrics.Provider)
	otel.SetLoggerProvider(logs.Provider)
	t.Cleanup(func() {
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
		otel.SetMeterProvider(metricnoop.NewMeterProvider())
		otel.SetLoggerProvider(lognoop.NewLoggerProvider())
	})

	ctx := context.Background()
	g, err := oversight.New(ctx, &fakeRecorder{}, oversight.WithSweepInterval(0), oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithTracerProvider(nil), oversight.WithMeterProvider(nil), oversight.WithLoggerProvider(nil))
	if err != nil {
		t.Fatalf("nil providers: %v", err)
	}
	defer g.Close(ctx)
	if _, err := g.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true)); err != nil {
		t.Fatal(err)
	}
	submits := 0
	for _, s := range tracetest.SpanStubsFromReadOnlySpans(traces.Recorder.Ended()) {
		if s.Name == "oversight.submit" {
			submits++
			if s.InstrumentationScope.Name != semconv.ScopeOversight || s.InstrumentationScope.SchemaURL != semconv.SchemaURL {
				t.Errorf("span scope %+v", s.InstrumentationScope)
			}
		}
	}
	if submits != 1 {
		t.Errorf("%d oversight.submit spans on the global tracer provider, want 1", submits)
	}
	if n := len(logs.Events(semconv.EventOversightRouted)); n != 1 {
		t.Errorf("%d routed events on the global logger provider, want 1", n)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	routed := false
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			routed = routed || (sm.Scope.Name == semconv.ScopeOversight && m.Name == semconv.MetricOversightRouted)
		}
	}
	if !routed {
		t.Error("no routed metric on the global meter provider")
	}
}

// TestTicketsCarryTheAimsRiskLevel: the Gate's risk levels are
// aims.RiskLevel, stored on the ticket as the tier's name.
func TestTicketsCarryTheAimsRiskLevel(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.RiskAtLeast(aims.RiskHigh)))
	ctx := context.Background()
	out, err := h.gate.Submit(ctx, decision(t, "hiring", "reject", 0.2, 0.5, true))
	if err != nil || out.Ticket == nil {
		t.Fatalf("high-risk decision not held: %+v, %v", out, err)
	}
	if out.Ticket.Risk != aims.RiskHigh || out.Ticket.Risk.String() != "high" {
		t.Fatalf("ticket risk %q, want high", out.Ticket.Risk)
	}
	// Four-eyes asks two approvers of a high-risk decision.
	if o, err := h.gate.Approve(ctx, out.Ticket.ID, alice, "ok"); err != nil || !o.Pending() {
		t.Fatalf("first approval of a high-risk decision: %+v, %v; want still pending", o, err)
	}
	if o, err := h.gate.Approve(ctx, out.Ticket.ID, bob, "ok"); err != nil || o.Action != aims.ActionApprove {
		t.Fatalf("second approval: %+v, %v", o, err)
	}
}
