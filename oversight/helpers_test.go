package oversight_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// fakeRecorder is an in-memory decision log.
type fakeRecorder struct {
	mu       sync.Mutex
	recs     []aims.Decision
	attempts []oversight.Attempt
	fail     error
}

func (r *fakeRecorder) RecordAttempt(_ context.Context, a oversight.Attempt) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, a)
	return nil
}

func (r *fakeRecorder) Record(_ context.Context, d aims.Decision) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	if err := d.Validate(); err != nil {
		return err
	}
	r.recs = append(r.recs, d)
	return nil
}

// testPrivacy keeps what the test decisions carry, so tests that are not
// about privacy see their decisions unchanged.
var testPrivacy = aims.PrivacyPolicy{Inputs: aims.NewAllowList("income", "region"), Attributions: aims.AttributionsAll}

// Clean applies testPrivacy, as a System's policy would be applied.
func (r *fakeRecorder) Clean(d *aims.Decision) error { return testPrivacy.Clean(d) }

func (r *fakeRecorder) FindDecision(_ context.Context, id string) (aims.Decision, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.recs {
		if d.ID == id {
			return d, nil
		}
	}
	return aims.Decision{}, fmt.Errorf("%w: %s", oversight.ErrDecisionNotFound, id)
}

func (r *fakeRecorder) all() []aims.Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]aims.Decision(nil), r.recs...)
}

// actions lists the oversight actions recorded, in order.
func (r *fakeRecorder) actions() []aims.OversightAction {
	var out []aims.OversightAction
	for _, d := range r.all() {
		out = append(out, d.Oversight.Action)
	}
	return out
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type harness struct {
	gate   *oversight.Gate
	rec    *fakeRecorder
	clock  *fakeClock
	store  oversight.Store
	traces *oteltest.Traces
	logs   *oteltest.Logs
	reader *sdkmetric.ManualReader
}

var (
	alice = oversight.Reviewer{ID: "alice", Roles: []string{"reviewer"}}
	bob   = oversight.Reviewer{ID: "bob", Roles: []string{"reviewer"}}
	carol = oversight.Reviewer{ID: "carol", Roles: []string{"supervisor"}}
	mallo = oversight.Reviewer{ID: "mallory"}
)

func newHarness(t *testing.T, opts ...oversight.Option) *harness {
	t.Helper()
	// oteltest's providers check, at the end of the test, everything the
	// gate emitted against the README's published table (names, span
	// kinds, instruments, units, attribute keys and types, scopes).
	// Cleanups run last registered first: the metrics are checked while the
	// gate is still open (Close unregisters the callbacks of the queue
	// depth, override and agreement rate gauges, so a collection after it
	// would leave them unchecked), then the gate closes, and only then are
	// spans and log records checked, with whatever Close emitted.
	traces, logs := oteltest.NewTraces(t), oteltest.NewLogs(t)
	h := &harness{
		rec:    &fakeRecorder{},
		clock:  &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		traces: traces,
		logs:   logs,
	}
	t.Cleanup(func() {
		if h.gate != nil {
			_ = h.gate.Close(context.Background())
		}
	})
	metrics := oteltest.NewMetrics(t)
	h.reader = metrics.Reader()
	h.store = oversight.NewMemoryStore()
	base := []oversight.Option{
		oversight.WithStore(h.store),
		oversight.WithClock(h.clock.Now),
		oversight.WithSweepInterval(0),
		oversight.WithPollInterval(5 * time.Millisecond),
		oversight.WithTracerProvider(traces.Provider),
		oversight.WithLoggerProvider(logs.Provider),
		oversight.WithMeterProvider(metrics.Provider),
		oversight.WithRiskLevel("credit", aims.RiskLimited),
		oversight.WithRiskLevel("hiring", aims.RiskHigh),
		oversight.WithRiskLevel("spam", aims.RiskMinimal),
	}
	g, err := oversight.New(context.Background(), h.rec, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.gate = g
	return h
}

// spans returns the spans the gate has ended so far.
func (h *harness) spans() tracetest.SpanStubs {
	return tracetest.SpanStubsFromReadOnlySpans(h.traces.Recorder.Ended())
}

// events returns the attributes of every event with the given name.
func (h *harness) events(name string) []map[string]attribute.Value {
	var out []map[string]attribute.Value
	for _, r := range h.logs.Events(name) {
		out = append(out, oteltest.Attrs(r))
	}
	return out
}

// decision builds a valid candidate decision.
func decision(t testing.TB, system, output string, score, threshold float64, adverse bool) aims.Decision {
	t.Helper()
	d, err := aims.NewDecision(context.Background(), system)
	if err != nil {
		t.Fatal(err)
	}
	d.Output = output
	d.Score = &score
	d.Threshold = &threshold
	d.Adverse = adverse
	d.Subject = "hs256:0123456789abcdef0123456789abcdef"
	d.Inputs = map[string]any{"income": 42000.0, "region": "north"}
	d.Explanation = &aims.Explanation{
		Method: "tree", BaseValue: 0.4, Prediction: score,
		ReasonCodes: []aims.ReasonCode{{Rank: 1, Code: "R01", Feature: "income", Description: "Income below typical approved range", Direction: "adverse", Contribution: -0.12}},
		Counterfactuals: []aims.Counterfactual{{Summary: "approved if income ≥ 52,000", Outcome: "approve",
			Changes: []aims.FeatureChange{{Feature: "income", From: 42000, To: 52000}}}},
	}
	return d
}

// metricValue returns the sum (counters, gauges) or count (histograms) of
// a metric, over all its data points whose attributes contain match.
func (h *harness) metricValue(t *testing.T, name string, match ...attribute.KeyValue) (float64, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := false
	total := 0.0
	has := func(set attribute.Set) bool {
		for _, kv := range match {
			v, ok := set.Value(kv.Key)
			if !ok || v != kv.Value {
				return false
			}
		}
		return true
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != semconv.ScopeOversight {
			continue
		}
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range data.DataPoints {
					if has(p.Attributes) {
						found, total = true, total+float64(p.Value)
					}
				}
			case metricdata.Gauge[int64]:
				for _, p := range data.DataPoints {
					if has(p.Attributes) {
						found, total = true, total+float64(p.Value)
					}
				}
			case metricdata.Gauge[float64]:
				for _, p := range data.DataPoints {
					if has(p.Attributes) {
						found, total = true, total+p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range data.DataPoints {
					if has(p.Attributes) {
						found, total = true, total+float64(p.Count)
					}
				}
			}
		}
	}
	return total, found
}

func (h *harness) spanNames() map[string]int {
	out := map[string]int{}
	for _, s := range h.spans() {
		out[s.Name]++
	}
	return out
}
