package drift

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// TestAlarmHandlerFollowsVerdicts checks that the handler gets one alarm
// per verdict change, for features and for the dataset, with stable keys,
// and nothing while a verdict holds.
func TestAlarmHandlerFollowsVerdicts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var mu sync.Mutex
	var got []Alarm
	m, err := NewMonitor(testProfiles(t, rng), WithCountWindow(500), WithAlarmHandler(func(ctx context.Context, a Alarm) {
		if ctx.Err() != nil {
			t.Error("handler context cancelled")
		}
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	feed := func(n int, ageShift float64) {
		for range n {
			if err := m.Observe(map[string]float64{"age": 40 + ageShift + 10*rng.NormFloat64(), "income": 50 + 5*rng.NormFloat64()},
				map[string]string{"color": []string{"red", "green", "blue"}[rng.IntN(3)]}); err != nil {
				t.Fatal(err)
			}
			if err := m.ObservePrediction(0.3 + 0.1*rng.NormFloat64()); err != nil {
				t.Fatal(err)
			}
		}
	}
	alarms := func() []Alarm {
		mu.Lock()
		defer mu.Unlock()
		return append([]Alarm(nil), got...)
	}
	ctx := context.Background()
	feed(500, 0)
	if _, err := m.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(alarms()); n != 0 {
		t.Fatalf("%d alarms on a stationary stream", n)
	}
	feed(500, 30) // age drifts strongly
	for range 5 {
		if _, err := m.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a := alarms()
	if len(a) != 1 {
		t.Fatalf("%d alarms after 5 evaluations of one drift, want 1: %+v", len(a), a)
	}
	if a[0].Key != "drift/feature/age" || !a[0].Active || a[0].Feature != "age" || a[0].Severity != "WARN" ||
		a[0].ControlID != "A.6.2.6" || a[0].Method == "" || a[0].Observations != 500 || a[0].AlarmSource() != "drift_alarm" ||
		!strings.Contains(a[0].AlarmSummary(), "feature age drift") {
		t.Errorf("alarm %+v", a[0])
	}
	feed(500, 0)
	if _, err := m.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	a = alarms()
	if len(a) != 2 || a[1].Key != "drift/feature/age" || a[1].Active || a[1].AlarmSeverity() != "INFO" {
		t.Fatalf("after recovery: %+v", a)
	}
	// Three of four features drift: the dataset too (share 0.5).
	for range 500 {
		if err := m.Observe(map[string]float64{"age": 90 + rng.NormFloat64(), "income": 90 + rng.NormFloat64()},
			map[string]string{"color": "purple"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, x := range alarms()[2:] {
		keys[x.Key] = x.Active
	}
	if !keys["drift/dataset"] || !keys["drift/feature/income"] || !keys["drift/feature/color"] {
		t.Fatalf("alarms %v", keys)
	}
	for _, x := range alarms() {
		if x.Key == "drift/dataset" && (x.Share < 0.5 || x.Feature != "" || !strings.HasPrefix(x.Summary, "dataset drift")) {
			t.Errorf("dataset alarm %+v", x)
		}
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestWithAlarmHandlerNil(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := NewMonitor(testProfiles(t, rng), WithAlarmHandler(nil)); err == nil || !strings.Contains(err.Error(), "WithAlarmHandler") {
		t.Fatalf("nil handler: %v", err)
	}
}
