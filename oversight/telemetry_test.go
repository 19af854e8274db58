package oversight_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/oversight"
)

// TestTelemetryNamesAreCatalogued drives every kind of state change and
// checks that each metric, event and attribute key emitted is documented in
// aims/semconv, and that every event carries aims.control.id.
func TestTelemetryNamesAreCatalogued(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithDeadlines(time.Minute, time.Minute))
	ctx := context.Background()
	a, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
	b, _ := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.3, 0.5, true))
	_, _ = h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
	if _, err := h.gate.Override(ctx, a.Ticket.ID, bob, "approve", "checked"); err != nil {
		t.Fatal(err)
	}
	_, _ = h.gate.Approve(ctx, a.Ticket.ID, alice, "late") // refused
	h.clock.Advance(2 * time.Minute)
	_, _ = h.gate.Sweep(ctx) // escalate b
	h.clock.Advance(2 * time.Minute)
	_, _ = h.gate.Sweep(ctx) // expire b
	_ = h.gate.Halt(ctx, "credit", alice, "test")
	_ = h.gate.Resume(ctx, "credit", carol, "test over")
	if _, err := h.gate.Contest(ctx, a.Decision.ID, "grounds"); err != nil {
		t.Fatal(err)
	}
	_ = b

	type key struct {
		name string
		kind semconv.Kind
	}
	catalogued := map[key]bool{}
	for _, e := range semconv.Catalog() {
		catalogued[key{e.Name, e.Kind}] = true
	}
	known := func(name string, kind semconv.Kind) bool { return catalogued[key{name, kind}] }
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	metrics := 0
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != semconv.ScopeOversight || sm.Scope.Version != semconv.Version || sm.Scope.SchemaURL != semconv.SchemaURL {
			t.Errorf("scope %s %s %s", sm.Scope.Name, sm.Scope.Version, sm.Scope.SchemaURL)
		}
		for _, m := range sm.Metrics {
			metrics++
			if !known(m.Name, semconv.KindMetric) {
				t.Errorf("metric %s is not in the semconv catalog", m.Name)
			}
		}
	}
	if metrics < 8 {
		t.Errorf("only %d metrics emitted", metrics)
	}
	h.logs.mu.Lock()
	defer h.logs.mu.Unlock()
	events := map[string]bool{}
	for _, r := range h.logs.recs {
		events[r.EventName()] = true
		if !known(r.EventName(), semconv.KindEvent) {
			t.Errorf("event %s is not in the semconv catalog", r.EventName())
		}
		hasControl := false
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			k := string(kv.Key)
			if k == string(semconv.AimsControlID) && strings.HasPrefix(kv.Value.AsString(), "A.") {
				hasControl = true
			}
			if !known(k, semconv.KindAttribute) {
				t.Errorf("event %s: attribute %s is not in the semconv catalog", r.EventName(), k)
			}
			return true
		})
		if !hasControl {
			t.Errorf("event %s has no aims.control.id", r.EventName())
		}
	}
	for _, want := range []string{semconv.EventOversightRouted, semconv.EventOversightReviewed, semconv.EventOversightRefused,
		semconv.EventOversightEscalated, semconv.EventOversightExpired, semconv.EventOversightHalted,
		semconv.EventOversightResumed, semconv.EventOversightContested} {
		if !events[want] {
			t.Errorf("no %s event", want)
		}
	}
	for _, s := range h.spans.GetSpans() {
		for _, kv := range s.Attributes {
			if !known(string(kv.Key), semconv.KindAttribute) {
				t.Errorf("span %s: attribute %s is not in the semconv catalog", s.Name, kv.Key)
			}
		}
	}
}
