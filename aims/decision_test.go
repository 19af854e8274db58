package aims

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func TestNewDecisionCarriesIDTimeAndTrace(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	defer span.End()

	before := time.Now().UTC()
	d, err := NewDecision(ctx, "credit-scoring")
	require.NoError(t, err)
	id, err := uuid.Parse(d.ID)
	require.NoError(t, err)
	assert.Equal(t, uuid.Version(7), id.Version())
	assert.False(t, d.Time.Before(before.Add(-time.Millisecond)))
	assert.Equal(t, span.SpanContext().TraceID().String(), d.TraceID)
	assert.Equal(t, span.SpanContext().SpanID().String(), d.SpanID)
	assert.Equal(t, DecisionSchemaVersion, d.SchemaVersion)

	_, err = NewDecision(ctx, "")
	assert.ErrorContains(t, err, "system ID")
}

func TestDecisionJSONRoundTrip(t *testing.T) {
	p, err := NewPseudonymizer([]byte("0123456789abcdef-secret"), "k1")
	require.NoError(t, err)
	allow := NewAllowList("income", "region", "employed")
	inputs, err := allow.Filter(map[string]any{"income": 52000, "region": "north", "employed": true, "name": "Jane Roe"})
	require.NoError(t, err)
	score, thr := 0.41, 0.5
	d := Decision{
		SchemaVersion: DecisionSchemaVersion,
		ID:            "0190a3d2-8a4e-7c3b-9f1e-2b3c4d5e6f70",
		Time:          time.Date(2026, 11, 23, 10, 4, 5, 123456789, time.UTC),
		SystemID:      "credit-scoring",
		SystemVersion: "1.4.2",
		Model:         ModelRef{Name: "gbt", Version: "2026-11-01"},
		Subject:       p.Pseudonym("customer-4711"),
		Inputs:        inputs,
		Output:        "deny",
		Score:         &score,
		Threshold:     &thr,
		Adverse:       true,
		Explanation: &Explanation{
			Method: "tree", BaseValue: 0.2, Prediction: 0.41,
			Attributions: []Attribution{{Feature: "income", Contribution: -0.3}},
			ReasonCodes:  []ReasonCode{{Rank: 1, Code: "R01", Feature: "income", Description: "Income too low", Direction: "adverse", Contribution: -0.3}},
			Counterfactuals: []Counterfactual{{Summary: "approved if income ≥ 61,000", Outcome: "approve",
				Changes: []FeatureChange{{Feature: "income", From: 52000, To: 61000}}}},
		},
		Oversight: &OversightOutcome{Action: ActionOverride, Reviewer: "alice", Reason: "documented extra income",
			Time: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC), OriginalOutput: "deny", ReviewLatency: 3 * time.Minute},
		TraceID:    "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:     "00f067aa0ba902b7",
		Attributes: map[string]string{"channel": "web"},
	}
	require.NoError(t, d.Validate())
	assert.NotContains(t, d.Inputs, "name", "non-allow-listed input must be dropped")

	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"schema_version":"aims.decision/v1"`)
	assert.NotContains(t, string(b), "customer-4711")
	assert.NotContains(t, string(b), "Jane Roe")

	var back Decision
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, d, back)
	require.NoError(t, back.Validate())
}

func TestDecisionValidateRejectsBadRecords(t *testing.T) {
	good := func() Decision {
		d, err := NewDecision(context.Background(), "sys")
		require.NoError(t, err)
		d.Output = "approve"
		return d
	}
	nan := math.NaN()
	cases := map[string]struct {
		mut  func(*Decision)
		want string
	}{
		"no system":      {func(d *Decision) { d.SystemID = "" }, "system_id"},
		"bad id":         {func(d *Decision) { d.ID = "42" }, "not a UUID"},
		"no output":      {func(d *Decision) { d.Output = "" }, "no output"},
		"nan score":      {func(d *Decision) { d.Score = &nan }, "non-finite score"},
		"schema":         {func(d *Decision) { d.SchemaVersion = "v0" }, "schema_version"},
		"no time":        {func(d *Decision) { d.Time = time.Time{} }, "no time"},
		"input type":     {func(d *Decision) { d.Inputs = map[string]any{"x": []int{1}} }, `input "x"`},
		"oversight void": {func(d *Decision) { d.Oversight = &OversightOutcome{} }, "without an action"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := good()
			require.NoError(t, d.Validate())
			c.mut(&d)
			assert.ErrorContains(t, d.Validate(), c.want)
		})
	}
}

func TestPseudonymizer(t *testing.T) {
	k1 := []byte("first-key-0123456789")
	k2 := []byte("second-key-0123456789")
	p1, err := NewPseudonymizer(k1, "")
	require.NoError(t, err)
	p1b, err := NewPseudonymizer(k1, "")
	require.NoError(t, err)
	p2, err := NewPseudonymizer(k2, "")
	require.NoError(t, err)

	assert.Equal(t, p1.Pseudonym("alice"), p1b.Pseudonym("alice"), "same key, same pseudonym")
	assert.NotEqual(t, p1.Pseudonym("alice"), p2.Pseudonym("alice"), "other key, other pseudonym")
	assert.NotEqual(t, p1.Pseudonym("alice"), p1.Pseudonym("bob"))
	assert.True(t, strings.HasPrefix(p1.Pseudonym("alice"), "hs256:"))
	assert.Len(t, p1.Pseudonym("alice"), len("hs256:")+32)

	withID, err := NewPseudonymizer(k1, "2026q4")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(withID.Pseudonym("alice"), "hs256:2026q4:"))

	_, err = NewPseudonymizer(nil, "")
	assert.ErrorContains(t, err, "empty")
	_, err = NewPseudonymizer([]byte("short"), "")
	assert.ErrorContains(t, err, "at least")
	_, err = NewPseudonymizer(k1, "a:b")
	assert.Error(t, err)
}

func TestAllowListFilter(t *testing.T) {
	a := NewAllowList("age", "income")
	got, err := a.Filter(map[string]any{"age": int64(41), "income": float32(1.5), "ssn": "123"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"age": 41.0, "income": 1.5}, got)

	_, err = a.Filter(map[string]any{"age": math.Inf(1)})
	assert.ErrorContains(t, err, "finite")
	_, err = a.Filter(map[string]any{"age": struct{}{}})
	assert.ErrorContains(t, err, "type")

	var none AllowList
	got, err = none.Filter(map[string]any{"age": 3})
	require.NoError(t, err)
	assert.Nil(t, got)
	assert.Equal(t, []string{"age", "income"}, a.Names())
}
