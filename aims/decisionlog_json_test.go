package aims

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// jsonCorpus exercises every field, omitempty/omitzero, map ordering,
// escaping and float formatting.
func jsonCorpus() []Decision {
	base := Decision{
		SchemaVersion: DecisionSchemaVersion,
		ID:            "01936f8e-1b2c-7d3e-8f40-123456789abc",
		Time:          time.Date(2026, 11, 23, 17, 4, 5, 123456789, time.UTC),
		SystemID:      "credit-scoring",
		Output:        "approve",
	}
	full := base
	full.SystemVersion = "2.3.1"
	full.Model = ModelRef{Name: "gbm", Version: "7"}
	full.Subject = "hs256:k1:0123456789abcdef0123456789abcdef"
	full.Inputs = map[string]any{"income": 52000.0, "region": "north <&> \"quoted\"", "student": false, "tiny": 1e-9, "huge": 1e22, "neg": -0.5}
	full.Score = ptr(0.731)
	full.Threshold = ptr(0.5)
	full.Adverse = true
	full.Explanation = &Explanation{
		Method: "tree", BaseValue: 0.2, Prediction: 0.731,
		Attributions: []Attribution{{Feature: "income", Contribution: 0.4}, {Feature: "age", Contribution: -1.5e-7}},
		ReasonCodes:  []ReasonCode{{Rank: 1, Code: "R01", Feature: "income", Description: "Income too low\nsee notice", Direction: "adverse", Contribution: 0.4}, {Rank: 2, Code: "R02", Description: "x"}},
		Counterfactuals: []Counterfactual{
			{Summary: "approved if income ≥ 52,000", Changes: []FeatureChange{{Feature: "income", From: 40000, To: 52000}}, Outcome: "approve"},
			{Summary: "bare"},
		},
	}
	full.Oversight = &OversightOutcome{Action: ActionOverride, Reviewer: "alice", Reason: "manual\tcheck", Policy: "p1",
		Time: time.Date(2026, 11, 23, 17, 5, 0, 0, time.FixedZone("CET", 3600)), TicketID: "t-1", OriginalOutput: "deny",
		ReviewLatency: 1500 * time.Millisecond, RelatedDecisionID: "x"}
	full.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	full.SpanID = "00f067aa0ba902b7"
	full.Attributes = map[string]string{"b": "2", "a": "1", "\u2028odd\x01": "bad \xff utf8 \u2029"}

	onlyVersion := base
	onlyVersion.Model = ModelRef{Version: "v"}
	emptyMaps := base
	emptyMaps.Inputs = map[string]any{}
	emptyMaps.Attributes = map[string]string{}
	emptyMaps.Explanation = &Explanation{}
	emptyMaps.Oversight = &OversightOutcome{Action: ActionApply}
	zeroScore := base
	zeroScore.Score = ptr(0.0)
	zeroScore.Threshold = ptr(math.Copysign(0, -1))
	return []Decision{base, full, onlyVersion, emptyMaps, zeroScore}
}

func TestAppendDecisionJSONMatchesEncodingJSON(t *testing.T) {
	for i, d := range jsonCorpus() {
		checkJSON(t, i, d)
	}
}

func checkJSON(t *testing.T, i int, d Decision) {
	t.Helper()
	var keys []string
	got, err := appendDecisionJSON(nil, &d, &keys)
	want, werr := json.Marshal(d)
	if (err != nil) != (werr != nil) {
		t.Fatalf("case %d: error %v, encoding/json error %v", i, err, werr)
	}
	if err != nil {
		return
	}
	if string(got) != string(want) {
		t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
	}
	var back Decision
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("case %d: decoding: %v", i, err)
	}
	again, _ := json.Marshal(back)
	// Invalid UTF-8 is replaced by U+FFFD on encoding, so only valid
	// strings can round-trip byte for byte.
	if !strings.Contains(string(want), `\ufffd`) && string(again) != string(want) {
		t.Fatalf("case %d: does not round-trip:\n got %s\nwant %s", i, again, want)
	}
}

func TestAppendDecisionJSONErrors(t *testing.T) {
	d := jsonCorpus()[0]
	bad := []func(d *Decision){
		func(d *Decision) { d.Score = ptr(math.NaN()) },
		func(d *Decision) { d.Explanation = &Explanation{BaseValue: math.Inf(1)} },
		func(d *Decision) { d.Inputs = map[string]any{"x": 1} },
		func(d *Decision) { d.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for i, f := range bad {
		c := d
		f(&c)
		var keys []string
		if _, err := appendDecisionJSON(nil, &c, &keys); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}

func FuzzAppendDecisionJSON(f *testing.F) {
	f.Add("credit", "approve", "hs256:0123456789abcdef0123456789abcdef", "k", "v", 0.5, int64(0), true)
	f.Add("s\x00<>&", "\u2028\xff", "", "\"", "\\", 1e-7, int64(1)<<50, false)
	f.Fuzz(func(t *testing.T, system, output, subject, key, val string, score float64, nanos int64, adverse bool) {
		d := jsonCorpus()[1]
		d.SystemID, d.Output, d.Subject, d.Adverse = system, output, subject, adverse
		d.Inputs = map[string]any{key: val, key + "n": score}
		d.Attributes = map[string]string{key: val}
		d.Score = ptr(score)
		d.Time = time.Unix(0, nanos).UTC()
		d.Explanation.ReasonCodes[0].Description = val
		if strings.ContainsRune(key, 0) {
			d.Model.Name = key
		}
		checkJSON(t, 0, d)
	})
}
