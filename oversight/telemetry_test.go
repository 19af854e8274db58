package oversight_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
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
	events := map[string]bool{}
	for _, r := range h.logs.Records() {
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
	for _, s := range h.spans() {
		for _, kv := range s.Attributes {
			if !known(string(kv.Key), semconv.KindAttribute) {
				t.Errorf("span %s: attribute %s is not in the semconv catalog", s.Name, kv.Key)
			}
		}
	}
}

// TestFailedOperationSpansHaveErrorStatus checks that every oversight
// operation that returns an error ends its span with status Error and the
// error recorded once (an exception event): refusals, which also emit
// aims.oversight.refused, as much as a closed gate, a change that took
// effect but whose decision record the Recorder refused, and a ticket
// expired without its record.
func TestFailedOperationSpansHaveErrorStatus(t *testing.T) {
	ctx := context.Background()
	errDisk := errors.New("disk full")
	review := []oversight.Option{oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithDeadlines(time.Minute)}
	held := func(t *testing.T, h *harness) oversight.Outcome {
		t.Helper()
		o, err := h.gate.Submit(ctx, decision(t, "credit", "deny", 0.2, 0.5, true))
		if err != nil || o.Ticket == nil {
			t.Fatalf("Submit: %v, %+v; want a ticket", err, o)
		}
		return o
	}
	for _, tc := range []struct {
		name string
		span string
		opts []oversight.Option
		run  func(t *testing.T, h *harness) error
	}{
		{"halt refused: no reason", "oversight.halt", []oversight.Option{oversight.WithSystems("credit")},
			func(_ *testing.T, h *harness) error { return h.gate.Halt(ctx, "credit", carol, " ") }},
		{"halt on a closed gate", "oversight.halt", nil, func(_ *testing.T, h *harness) error {
			_ = h.gate.Close(ctx)
			return h.gate.Halt(ctx, "credit", carol, "bias incident", oversight.Force())
		}},
		{"halt took effect, record refused", "oversight.halt", []oversight.Option{oversight.WithSystems("credit")},
			func(_ *testing.T, h *harness) error {
				h.rec.fail = errDisk
				return h.gate.Halt(ctx, "credit", carol, "bias incident")
			}},
		{"resume took effect, record refused", "oversight.resume", []oversight.Option{oversight.WithSystems("credit")},
			func(t *testing.T, h *harness) error {
				if err := h.gate.Halt(ctx, "credit", carol, "bias incident"); err != nil {
					t.Fatal(err)
				}
				h.rec.fail = errDisk
				return h.gate.Resume(ctx, "credit", carol, "fixed")
			}},
		{"contest refused: no grounds", "oversight.contest", nil, func(t *testing.T, h *harness) error {
			_, err := h.gate.Contest(ctx, "0190b1e4-0000-7000-8000-000000000000", "")
			return err
		}},
		{"contest on a closed gate", "oversight.contest", nil, func(_ *testing.T, h *harness) error {
			_ = h.gate.Close(ctx)
			_, err := h.gate.Contest(ctx, "0190b1e4-0000-7000-8000-000000000000", "wrong income")
			return err
		}},
		{"contest opened, record refused", "oversight.contest", nil, func(t *testing.T, h *harness) error {
			o, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
			if err != nil {
				t.Fatal(err)
			}
			h.rec.fail = errDisk
			_, err = h.gate.Contest(ctx, o.Decision.ID, "wrong income")
			return err
		}},
		{"review on a closed gate", "oversight.review", review, func(t *testing.T, h *harness) error {
			o := held(t, h)
			_ = h.gate.Close(ctx)
			_, err := h.gate.Approve(ctx, o.Ticket.ID, bob, "checked")
			return err
		}},
		{"review accepted, record refused", "oversight.review", review, func(t *testing.T, h *harness) error {
			o := held(t, h)
			h.rec.fail = errDisk
			_, err := h.gate.Approve(ctx, o.Ticket.ID, bob, "checked")
			return err
		}},
		{"expiry, record refused", "oversight.expire", review, func(t *testing.T, h *harness) error {
			held(t, h)
			h.clock.Advance(2 * time.Minute)
			h.rec.fail = errDisk
			_, err := h.gate.Sweep(ctx)
			return err
		}},
		{"submit, record refused", "oversight.submit", nil, func(t *testing.T, h *harness) error {
			h.rec.fail = errDisk
			_, err := h.gate.Submit(ctx, decision(t, "credit", "approve", 0.9, 0.5, false))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts...)
			err := tc.run(t, h)
			if err == nil {
				t.Fatal("no error")
			}
			found := false
			for _, s := range h.spans() {
				if s.Name != tc.span {
					continue
				}
				found = true
				exceptions := 0
				for _, e := range s.Events {
					if e.Name == "exception" {
						exceptions++
					}
				}
				if s.Status.Code != codes.Error || exceptions != 1 {
					t.Errorf("returned %q; span %s ended with status %v (%q) and %d exception events, want Error and 1",
						err, s.Name, s.Status.Code, s.Status.Description, exceptions)
				}
			}
			if !found {
				t.Errorf("no %s span", tc.span)
			}
		})
	}
}
