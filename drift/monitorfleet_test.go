package drift

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Three replicas export their windows as events; the events, decoded and
// merged, tested with EvaluateProfiles, give the report of one monitor
// whose window held every value (window 3×W against three of W, traffic
// dealt round robin): same statistics, p-values and verdicts, after the
// dataset correction too.
func TestWindowEventsGiveTheFleetVerdict(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	ref := fleetReference(rng, 3000)
	opts := func(w int, tel *telemetry) []MonitorOption {
		return []MonitorOption{WithCountWindow(w), WithMinObservations(50), WithNumericTest(fleetTest),
			WithCorrection(CorrectionBonferroni), WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp)}
	}
	const w = 400
	one, err := NewMonitor(ref, opts(3*w, newTelemetry(t))...)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close(context.Background())
	var reps [3]*Monitor
	var tels [3]*telemetry
	for i := range reps {
		tels[i] = newTelemetry(t)
		if reps[i], err = NewMonitor(ref, append(opts(w, tels[i]), WithWindowExport())...); err != nil {
			t.Fatal(err)
		}
		defer reps[i].Close(context.Background())
	}
	for i := range 3000 {
		v := map[string]float64{"x": rng.NormFloat64(), "y": rng.ExpFloat64()}
		if i >= 1500 {
			v["x"] += 0.4 // x drifts in the second half
		}
		c := map[string]string{"c": strconv.Itoa(rng.IntN(4))}
		if err := one.Observe(v, c); err != nil {
			t.Fatal(err)
		}
		if err := reps[i%3].Observe(v, c); err != nil {
			t.Fatal(err)
		}
	}
	want, err := one.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var parts []Profiles
	for i, r := range reps {
		if _, err := r.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
		evs := eventsNamed(tels[i].logs.Records(), semconv.EventDriftWindow)
		if len(evs) != 3 {
			t.Fatalf("replica %d: %d window events, want one per feature", i, len(evs))
		}
		for _, body := range evs {
			ps, err := ParseWindowEvent(body)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, ps)
		}
	}
	fleet, err := MergeProfiles(parts...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := one.EvaluateProfiles(context.Background(), fleet)
	if err != nil {
		t.Fatal(err)
	}
	// Printed, since a distance's PValue is NaN and NaN != NaN.
	if !want.DatasetEvaluated || fmt.Sprintf("%+v %+v", got.Features, got.Dataset) != fmt.Sprintf("%+v %+v", want.Features, want.Dataset) {
		t.Fatalf("fleet\n %+v\n %+v\nsingle\n %+v\n %+v", got.Features, got.Dataset, want.Features, want.Dataset)
	}
	drifted := map[string]bool{}
	for _, f := range got.Features {
		drifted[f.Feature] = f.Drift
		if f.Observations != 3*w {
			t.Errorf("%s: %d observations, want %d", f.Feature, f.Observations, 3*w)
		}
	}
	if !drifted["x"] || drifted["y"] || drifted["c"] {
		t.Errorf("verdicts %v: want drift on x only", drifted)
	}
	// EvaluateProfiles changed nothing: the monitor's own verdict stands.
	if last := one.Last(); fmt.Sprint(last.Features) != fmt.Sprint(want.Features) {
		t.Error("EvaluateProfiles changed the monitor's last report")
	}
	// A feature without a window is reported, not evaluated.
	part, err := one.EvaluateProfiles(context.Background(), Profiles{Numeric: fleet.Numeric[:1]})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range part.Features {
		if f.Feature != "x" && (f.Evaluated || f.Observations != 0 || f.Error == "") {
			t.Errorf("feature %s without a window: %+v", f.Feature, f)
		}
	}
}

func eventsNamed(recs []sdklog.Record, name string) []string {
	var out []string
	for _, r := range recs {
		if r.EventName() == name {
			out = append(out, r.Body().AsString())
		}
	}
	return out
}

func TestEvaluateProfilesRefusesBadWindows(t *testing.T) {
	px, _ := NewNumericProfile("x", []float64{1, 2, 3, 4})
	pc, _ := NewCategoricalProfile("c", []string{"a", "b"})
	m, err := NewMonitor(Profiles{Numeric: []*NumericProfile{px}, Categorical: []*CategoricalProfile{pc}},
		WithMeterProvider(newTelemetry(t).mp), WithLoggerProvider(newTelemetry(t).lp))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	x, _ := NewNumericProfile("x", []float64{1, 5})
	sk, _ := NewSketchProfile("x", []float64{1, 5}, 0.01)
	unsorted := &NumericProfile{Feature: "x", Kind: ProfileExact, Count: 2, Sorted: []float64{5, 1}}
	for name, ps := range map[string]Profiles{
		"sketch":          {Numeric: []*NumericProfile{sk}},
		"unknown feature": {Numeric: []*NumericProfile{{Feature: "z", Kind: ProfileExact, Count: 1, Sorted: []float64{1}}}},
		"numeric as cat":  {Categorical: []*CategoricalProfile{{Feature: "x", Counts: map[string]int{"a": 1}, Count: 1}}},
		"twice":           {Numeric: []*NumericProfile{x, x}},
		"nil":             {Numeric: []*NumericProfile{nil}},
		"unsorted":        {Numeric: []*NumericProfile{unsorted}},
		"negative count":  {Categorical: []*CategoricalProfile{{Feature: "c", Counts: map[string]int{"a": -1}, Count: -1}}},
		"too many values": {Categorical: []*CategoricalProfile{{Feature: "c", Counts: map[string]int{"a": maxFleetWindow, "b": 1}}}},
		"count too large": {Numeric: []*NumericProfile{{Feature: "x", Kind: ProfileExact, Count: maxFleetWindow + 1}}},
		"nil categorical": {Categorical: []*CategoricalProfile{nil}},
	} {
		if _, err := m.EvaluateProfiles(context.Background(), ps); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for _, body := range []string{"", "{}", `{"numeric":[null]}`, `{"numeric":[{"feature":"x","kind":"ddsketch"}]}`, "[1,2]"} {
		if _, err := ParseWindowEvent(body); err == nil || !strings.Contains(err.Error(), "window event") {
			t.Errorf("ParseWindowEvent(%q): %v", body, err)
		}
	}
}
