package aims

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

const rawEmail = "person@example.com"

func testPseudonymizer(t testing.TB) *Pseudonymizer {
	t.Helper()
	p, err := NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"), "k1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// creditDraft is a decision with a raw subject, an input outside the
// allow-list ("age") and explanation values of that input.
func creditDraft() Draft {
	return Draft{
		Subject: rawEmail,
		Inputs:  map[string]any{"income": 41000, "age": 37, "debt": 1200.5},
		Output:  "deny",
		Score:   new(0.31),
		Explanation: &Explanation{
			Method: "linear", BaseValue: 0.5, Prediction: 0.31,
			Attributions: []Attribution{{Feature: "income", Contribution: -0.12}, {Feature: "age", Contribution: -0.0731}},
			ReasonCodes: []ReasonCode{
				{Rank: 1, Code: "R02", Feature: "income", Description: "Income too low", Direction: "adverse", Contribution: -0.12},
				{Rank: 2, Code: "R01", Feature: "age", Description: "Age of applicant", Direction: "adverse", Contribution: -0.0731},
			},
			Counterfactuals: []Counterfactual{{
				Summary: "approved if income ≥ 52,000",
				Changes: []FeatureChange{{Feature: "income", From: 41000, To: 52000}, {Feature: "age", From: 37, To: 37}},
				Outcome: "approve",
			}},
		},
	}
}

func creditSystem(t testing.TB, opts ...SystemOption) *System {
	t.Helper()
	base := []SystemOption{
		WithVersion("1.0.0"), WithRiskLevel(RiskHigh), WithModel("logistic", "1.0.0"),
		WithOutcomes(Outcome{Value: "approve"}, Outcome{Value: "deny", Adverse: true}),
		WithPseudonymizer(testPseudonymizer(t)),
		WithAllowList(NewAllowList("income", "debt")),
	}
	s, err := NewSystem("credit-scoring", append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func TestSystemNewDecisionIsClean(t *testing.T) {
	s := creditSystem(t)
	draft := creditDraft()
	d, err := s.NewDecision(context.Background(), draft)
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != testPseudonymizer(t).Pseudonym(rawEmail) {
		t.Errorf("subject %q, want the pseudonym of the raw subject", d.Subject)
	}
	if _, ok := d.Inputs["age"]; ok || len(d.Inputs) != 2 || d.Inputs["income"] != 41000.0 || d.Inputs["debt"] != 1200.5 {
		t.Errorf("inputs %v, want income and debt only, as float64", d.Inputs)
	}
	if !d.Adverse || d.SystemVersion != "1.0.0" || d.Model != (ModelRef{Name: "logistic", Version: "1.0.0"}) {
		t.Errorf("adverse %v version %q model %v", d.Adverse, d.SystemVersion, d.Model)
	}
	e := d.Explanation
	if len(e.Attributions) != 1 || e.Attributions[0].Feature != "income" {
		t.Errorf("attributions %v, want income only", e.Attributions)
	}
	if len(e.ReasonCodes) != 2 || e.ReasonCodes[1].Contribution != 0 || e.ReasonCodes[1].Description != "Age of applicant" || e.ReasonCodes[0].Contribution != -0.12 {
		t.Errorf("reason codes %+v: the age reason keeps its text and loses its value", e.ReasonCodes)
	}
	if ch := e.Counterfactuals[0].Changes; len(ch) != 1 || ch[0].Feature != "income" {
		t.Errorf("counterfactual changes %v, want income only", ch)
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}

	// The caller's draft is untouched, and changing it later does not
	// reach the record.
	if draft.Inputs["age"] != 37 || len(draft.Explanation.Attributions) != 2 || draft.Explanation.ReasonCodes[1].Contribution != -0.0731 {
		t.Error("NewDecision modified the caller's draft")
	}
	draft.Inputs["income"] = 1.0
	if d.Inputs["income"] != 41000.0 {
		t.Error("the record shares the caller's input map")
	}

	// Cleaning a clean decision changes nothing.
	again := d
	if err := s.Clean(&again); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(d)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Errorf("Clean is not idempotent:\n%s\n%s", a, b)
	}
}

func TestSystemAttributionPolicies(t *testing.T) {
	all := creditSystem(t, WithAttributionPolicy(AttributionsAll))
	d, err := all.NewDecision(context.Background(), creditDraft())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Explanation.Attributions) != 2 || d.Explanation.ReasonCodes[1].Contribution != -0.0731 {
		t.Errorf("AttributionsAll dropped values: %+v", d.Explanation)
	}
	none := creditSystem(t, WithAttributionPolicy(AttributionsNone))
	d, err = none.NewDecision(context.Background(), creditDraft())
	if err != nil {
		t.Fatal(err)
	}
	e := d.Explanation
	if len(e.Attributions) != 0 || e.ReasonCodes[0].Contribution != 0 || len(e.Counterfactuals[0].Changes) != 0 {
		t.Errorf("AttributionsNone kept values: %+v", e)
	}
	if e.ReasonCodes[0].Code != "R02" || e.Counterfactuals[0].Summary == "" || e.Method != "linear" {
		t.Errorf("AttributionsNone dropped what the person is told: %+v", e)
	}
}

func TestSystemRefusals(t *testing.T) {
	ctx := context.Background()
	s := creditSystem(t)
	bad := creditDraft()
	bad.Output = "banana"
	if _, err := s.NewDecision(ctx, bad); err == nil || !strings.Contains(err.Error(), `"banana"`) || !strings.Contains(err.Error(), `"approve"`) {
		t.Errorf("undeclared outcome: %v", err)
	}
	bad = creditDraft()
	bad.Output, bad.Adverse = "approve", true
	if _, err := s.NewDecision(ctx, bad); err == nil {
		t.Error("a draft that calls a declared favourable outcome adverse was accepted")
	}
	bad = creditDraft()
	bad.Inputs["income"] = struct{}{}
	if _, err := s.NewDecision(ctx, bad); err == nil {
		t.Error("an allowed input of an unsupported type was accepted")
	}

	noPseud, err := NewSystem("chat", WithAllowList(NewAllowList("q")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = noPseud.NewDecision(ctx, Draft{Subject: rawEmail, Output: "answer"})
	if err == nil || strings.Contains(err.Error(), rawEmail) {
		t.Errorf("raw subject without a pseudonymiser: %v (must be refused without repeating the value)", err)
	}

	for name, opts := range map[string][]SystemOption{
		"bad risk":          {WithRiskLevel("extreme")},
		"empty outcome":     {WithOutcomes(Outcome{Value: " "})},
		"duplicate outcome": {WithOutcomes(Outcome{Value: "a"}, Outcome{Value: "a"})},
	} {
		if _, err := NewSystem("x", opts...); err == nil {
			t.Errorf("%s: NewSystem accepted it", name)
		}
	}
	if _, err := NewSystem(" "); err == nil {
		t.Error("NewSystem accepted an empty ID")
	}

	other, err := NewDecision(ctx, "another-system")
	if err != nil {
		t.Fatal(err)
	}
	other.Output = "approve"
	if err := s.Record(ctx, other); err == nil {
		t.Error("a System recorded another system's decision")
	}
	if err := s.Clean(&other); err == nil {
		t.Error("a System cleaned another system's decision")
	}
}

// TestSystemRecordLeavesNoRawData is the ground truth for the privacy
// promise at the log's end: a decision assembled by hand with raw data and
// recorded through the System leaves no raw value in OpenTelemetry or in
// any file of the ledger.
func TestSystemRecordLeavesNoRawData(t *testing.T) {
	logs := oteltest.NewLogs(t)
	dir := t.TempDir()
	l, _ := testLedger(t, dir)
	s := creditSystem(t, WithLedger(l), WithLoggerProvider(logs.Provider))
	if s.Instance() != "pod-1" {
		t.Errorf("instance %q, want the ledger's pod-1", s.Instance())
	}
	ctx := context.Background()
	d, err := NewDecision(ctx, s.ID())
	if err != nil {
		t.Fatal(err)
	}
	dr := creditDraft()
	d.Subject, d.Inputs, d.Output, d.Explanation = dr.Subject, dr.Inputs, dr.Output, dr.Explanation
	d.Inputs["age"] = 73.25 // a value that appears nowhere else
	if err := s.Record(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	evs := logs.Events(semconv.EventDecision)
	if len(evs) != 1 {
		t.Fatalf("%d decision events, want 1", len(evs))
	}
	var otel bytes.Buffer
	for k, v := range oteltest.Attrs(evs[0]) {
		otel.WriteString(k + "=" + v.String() + "\n")
	}
	otel.WriteString(evs[0].Body().String())
	checkNoRaw(t, "OpenTelemetry record", otel.Bytes())
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checkNoRaw(t, path, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func checkNoRaw(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, raw := range []string{rawEmail, "73.25", "-0.0731", "aims.input.age"} {
		if bytes.Contains(b, []byte(raw)) {
			t.Errorf("%s contains %s", where, raw)
		}
	}
}
