package fairness

import (
	"context"
	"fmt"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// The threshold event's attributes carry the numbers an operator acts on:
// the configured threshold, the disparity the monitor measured at the
// crossing, the groups at both ends and the window's size. The test feeds
// one decision at a time and, when an event appears, compares it with the
// monitor's snapshot of that moment; newTelemetry checks the same records
// against the published table at the end.
func TestMonitorThresholdEventAttributeValues(t *testing.T) {
	tel := newTelemetry(t)
	const limit = 0.8
	m, err := NewMonitor([]string{"sex"}, append(tel.opts(), WithCountWindow(100), WithMinGroupDecisions(10),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: limit}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	id := 0
	// feed observes one decision at a time until a new event appears, and
	// returns it with the snapshot taken right after it.
	feed := func(n int, predF, predM int) (map[string]float64, MonitorSnapshot, bool) {
		t.Helper()
		before := len(tel.logs.Records())
		for range n {
			sex, pred := "F", predF
			if id%2 == 1 {
				sex, pred = "M", predM
			}
			id++
			if err := m.Observe(fmt.Sprint("d", id), []string{sex}, pred); err != nil {
				t.Fatal(err)
			}
			if recs := tel.logs.Records(); len(recs) > before {
				snap := m.Snapshot()
				a := oteltest.Attrs(recs[len(recs)-1])
				out := map[string]float64{}
				for k, v := range a {
					if v.Type().String() == "FLOAT64" {
						out[k] = v.AsFloat64()
					}
				}
				return out, snap, true
			}
		}
		return nil, MonitorSnapshot{}, false
	}
	if _, _, ok := feed(60, 1, 1); ok {
		t.Fatal("event while both groups are selected alike")
	}
	// F stops being selected: the ratio F/M falls below the limit at the
	// 75th decision (F 30 of 38, M 37 of 37: 0.789).
	vals, snap, ok := feed(100, 0, 1)
	if !ok {
		t.Fatal("no violation event")
	}
	recs := tel.logs.Records()
	a := oteltest.Attrs(recs[len(recs)-1])
	windowN := int64(0)
	for _, g := range snap.Groups {
		windowN += g.Decisions
	}
	want := snap.Disparities[DemographicParityRatio]
	if a[string(semconv.AimsFairnessState)].AsString() != "violated" ||
		vals[string(semconv.AimsFairnessThreshold)] != limit ||
		vals[string(semconv.AimsFairnessValue)] != want || !(want < limit) ||
		a[string(semconv.AimsFairnessComparison)].AsString() != "below" ||
		a[string(semconv.AimsFairnessGroupMin)].AsString() != "sex=F" ||
		a[string(semconv.AimsFairnessGroupMax)].AsString() != "sex=M" ||
		a[string(semconv.AimsFairnessWindowDecisions)].AsInt64() != windowN || windowN != 75 {
		t.Errorf("violation event %v; measured ratio %v over %d decisions", a, want, windowN)
	}
	// Both selected alike again: the ratio climbs back over the limit at
	// the 89th decision of the window (0.822).
	vals, snap, ok = feed(200, 1, 1)
	if !ok {
		t.Fatal("no recovery event")
	}
	recs = tel.logs.Records()
	a = oteltest.Attrs(recs[len(recs)-1])
	want = snap.Disparities[DemographicParityRatio]
	windowN = 0
	for _, g := range snap.Groups {
		windowN += g.Decisions
	}
	if a[string(semconv.AimsFairnessState)].AsString() != "recovered" ||
		vals[string(semconv.AimsFairnessThreshold)] != limit ||
		vals[string(semconv.AimsFairnessValue)] != want || !(want >= limit) ||
		a[string(semconv.AimsFairnessWindowDecisions)].AsInt64() != windowN || windowN != 89 {
		t.Errorf("recovery event %v; measured ratio %v", a, want)
	}
}
