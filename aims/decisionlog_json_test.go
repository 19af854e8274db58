package aims

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func ptr[T any](v T) *T { return &v }

// richDecision fills every field, with strings that JSON encoders escape
// differently (HTML characters, control bytes, U+2028) and floats at the
// edges of the exponent format.
func richDecision() Decision {
	return Decision{
		SchemaVersion: DecisionSchemaVersion,
		ID:            "01936f8e-1b2c-7d3e-8f40-123456789abc",
		Time:          time.Date(2026, 11, 23, 17, 4, 5, 123456789, time.UTC),
		SystemID:      "credit-scoring",
		SystemVersion: "2.3.1",
		Model:         ModelRef{Name: "gbm", Version: "7"},
		Subject:       "hs256:k1:0123456789abcdef0123456789abcdef",
		Inputs:        map[string]any{"income": 52000.0, "region": "north <&> \"quoted\"", "student": false, "tiny": 1e-9, "huge": 1e22, "neg": -0.5},
		Output:        "approve",
		Score:         ptr(0.731),
		Threshold:     ptr(math.Copysign(0, -1)),
		Adverse:       true,
		Explanation: &Explanation{
			Method: "tree", BaseValue: 0.2, Prediction: 0.731,
			Attributions: []Attribution{{Feature: "income", Contribution: 0.4}, {Feature: "age", Contribution: -1.5e-7}},
			ReasonCodes:  []ReasonCode{{Rank: 1, Code: "R01", Feature: "income", Description: "Income too low\nsee notice", Direction: "adverse", Contribution: 0.4}, {Rank: 2, Code: "R02", Description: "x"}},
			Counterfactuals: []Counterfactual{
				{Summary: "approved if income ≥ 52,000", Changes: []FeatureChange{{Feature: "income", From: 40000, To: 52000}}, Outcome: "approve"},
				{Summary: "bare"},
			},
		},
		Oversight: &OversightOutcome{Action: ActionOverride, Reviewer: "alice", Reason: "manual\tcheck", Policy: "p1",
			Time: time.Date(2026, 11, 23, 17, 5, 0, 0, time.FixedZone("CET", 3600)), TicketID: "t-1", OriginalOutput: "deny",
			ReviewLatency: 1500 * time.Millisecond, RelatedDecisionID: "x"},
		TraceID:    "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:     "00f067aa0ba902b7",
		Attributes: map[string]string{"b": "2", "a": "1", "\u2028odd\x01": "line\u2029sep </script>"},
	}
}

// TestLedgerBytesAreJSONMarshal records a rich decision and checks that
// the ledger entry and the log record body are byte for byte
// encoding/json.Marshal of the decision, and that an auditor who decodes
// the entry and marshals it again gets the same bytes.
func TestLedgerBytesAreJSONMarshal(t *testing.T) {
	logs := oteltest.NewLogs(t)
	dir := t.TempDir()
	led, _ := testLedger(t, dir)
	d := richDecision()
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithLedger(led),
		WithAllowList(NewAllowList("income", "region", "student", "tiny", "huge", "neg")), WithAttributionPolicy(AttributionsAll))
	if err != nil {
		t.Fatal(err)
	}
	if err := dl.Record(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if err := dl.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, esc := range []string{`\u003c\u0026\u003e`, `\u2028`, `\u2029`, `\u0001`, `1e-9`, `1e+22`, `-0`} {
		if !strings.Contains(string(want), esc) {
			t.Fatalf("test decision does not exercise %s: %s", esc, want)
		}
	}
	var entries []string
	err = ledger.Scan(dir, func(r ledger.ScannedRecord) error {
		entries = append(entries, string(r.Record))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0] != string(want) {
		t.Fatalf("ledger entries %q,\nwant [%s]", entries, want)
	}
	// The log record's body is the same encoding of the decision, less
	// the reviewer's reason, which stays in the ledger
	// (OversightOutcome.PersonalReason).
	emitted := d
	o := *d.Oversight
	o.Reason = ""
	emitted.Oversight = &o
	wantBody, err := json.Marshal(emitted)
	if err != nil {
		t.Fatal(err)
	}
	if ev := logs.Events(semconv.EventDecision); len(ev) != 1 || ev[0].Body().AsString() != string(wantBody) {
		t.Fatalf("log record body differs from the ledger entry less the reviewer's reason")
	}
	var back Decision
	if err := json.Unmarshal([]byte(entries[0]), &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != entries[0] {
		t.Fatalf("re-marshalled entry differs:\n got %s\nwant %s", again, entries[0])
	}
}

// TestNonFiniteNumbersAreRefused checks that a decision holding NaN or an
// infinity anywhere is refused with an error naming the field, and that
// nothing of it is emitted or written.
func TestNonFiniteNumbersAreRefused(t *testing.T) {
	cases := []struct {
		name string
		set  func(d *Decision)
		want string
	}{
		{"score", func(d *Decision) { d.Score = ptr(math.NaN()) }, "score"},
		{"threshold", func(d *Decision) { d.Threshold = ptr(math.Inf(1)) }, "threshold"},
		{"input", func(d *Decision) { d.Inputs["income"] = math.Inf(-1) }, `"income"`},
		{"base value", func(d *Decision) { d.Explanation.BaseValue = math.Inf(1) }, "base value"},
		{"prediction", func(d *Decision) { d.Explanation.Prediction = math.NaN() }, "prediction"},
		{"attribution", func(d *Decision) { d.Explanation.Attributions[1].Contribution = math.NaN() }, `attribution of "age"`},
		{"reason code", func(d *Decision) { d.Explanation.ReasonCodes[0].Contribution = math.Inf(-1) }, `reason code "R01"`},
		{"counterfactual", func(d *Decision) { d.Explanation.Counterfactuals[0].Changes[0].To = math.NaN() }, `counterfactual change of "income"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := richDecision()
			c.set(&d)
			if _, err := appendDecisionJSON(nil, &d); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("appendDecisionJSON: error %v, want one naming %s", err, c.want)
			}

			logs := oteltest.NewLogs(t)
			dir := t.TempDir()
			led, _ := testLedger(t, dir)
			dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithLedger(led),
				WithAllowList(NewAllowList("income", "region", "student", "tiny", "huge", "neg")), WithAttributionPolicy(AttributionsAll))
			if err != nil {
				t.Fatal(err)
			}
			err = dl.Record(context.Background(), d)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Record: error %v, want one naming %s", err, c.want)
			}
			if err := dl.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := len(logs.Records()); n != 0 {
				t.Errorf("%d log records emitted for a refused decision", n)
			}
			n := 0
			if err := ledger.Scan(dir, func(ledger.ScannedRecord) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d ledger entries written for a refused decision", n)
			}
		})
	}
}

func TestAppendDecisionJSONRefusesInputTypes(t *testing.T) {
	d := richDecision()
	d.Inputs = map[string]any{"x": 1}
	if _, err := appendDecisionJSON(nil, &d); err == nil || !strings.Contains(err.Error(), `input "x" has type int`) {
		t.Errorf("error %v", err)
	}
	d = richDecision()
	d.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := appendDecisionJSON(nil, &d); err == nil {
		t.Error("a year beyond 9999 was encoded")
	}
}
