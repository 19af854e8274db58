package aims_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/drift"
	"github.com/aimskit/aimskit/fairness"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// countingHandler passes alarms on to next and counts the changes of
// each key's Active state, which is what should be recorded.
type countingHandler[A aims.Alarm] struct {
	mu      sync.Mutex
	next    func(context.Context, A)
	alarms  int
	changes int
	last    map[string]bool
}

func (h *countingHandler[A]) handle(ctx context.Context, a A) {
	h.mu.Lock()
	h.alarms++
	if h.last == nil {
		h.last = map[string]bool{}
	}
	if h.last[a.AlarmKey()] != a.AlarmActive() {
		h.changes++
		h.last[a.AlarmKey()] = a.AlarmActive()
	}
	h.mu.Unlock()
	h.next(ctx, a)
}

func newAlarmBook(t *testing.T) (*aims.IncidentBook, *oteltest.Logs) {
	t.Helper()
	logs := oteltest.NewLogs(t)
	sys, err := aims.NewSystem("credit-scoring", aims.WithRiskLevel(aims.RiskHigh), aims.WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	book, err := aims.NewIncidentBook(sys, aims.WithIncidentErrorHandler(func(err error) { errs = append(errs, err) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if len(errs) > 0 {
			t.Errorf("alarm handler errors: %v", errs)
		}
		_ = book.Close(context.Background())
		_ = sys.Close(context.Background())
	})
	return book, logs
}

// TestDriftEpisodeOpensOneIncident drives a real drift.Monitor through 100
// evaluations while its income feature drifts (one of three: the dataset
// does not): exactly one incident, with one record; the recovery and a
// second episode while it is open update it; after it is closed the next
// episode opens a new one.
func TestDriftEpisodeOpensOneIncident(t *testing.T) {
	book, logs := newAlarmBook(t)
	rng := rand.New(rand.NewPCG(7, 7))
	normals := func(n int, mean, sd float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = mean + sd*rng.NormFloat64()
		}
		return out
	}
	var profiles drift.Profiles
	for _, f := range []struct {
		name     string
		mean, sd float64
	}{{"age", 40, 10}, {"income", 50, 5}, {"tenure", 6, 2}} {
		p, err := drift.NewNumericProfile(f.name, normals(2000, f.mean, f.sd))
		if err != nil {
			t.Fatal(err)
		}
		profiles.Numeric = append(profiles.Numeric, p)
	}
	h := &countingHandler[drift.Alarm]{next: aims.AlarmHandler[drift.Alarm](book)}
	m, err := drift.NewMonitor(profiles, drift.WithCountWindow(1000), drift.WithMinObservations(1000), drift.WithAlarmHandler(h.handle))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	episode := func(evaluations int, incomeShift float64) {
		t.Helper()
		for range evaluations {
			for range 50 {
				if err := m.Observe(map[string]float64{"age": 40 + 10*rng.NormFloat64(), "income": 50 + incomeShift + 5*rng.NormFloat64(),
					"tenure": 6 + 2*rng.NormFloat64()}, nil); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := m.Evaluate(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	records := func() int { return len(logs.Events(semconv.EventManagementPrefix + "incident")) }

	episode(20, 0) // the window fills with reference-like data
	if n := len(book.List(aims.IncidentFilter{})); n != 0 || h.alarms != 0 {
		t.Fatalf("%d incidents, %d alarms before drift", n, h.alarms)
	}
	episode(100, 15) // income drifts by three standard deviations
	list := book.List(aims.IncidentFilter{})
	if len(list) != 1 {
		t.Fatalf("%d incidents after a 100-evaluation drift episode, want 1", len(list))
	}
	in := list[0]
	if in.AlarmKey != "drift/feature/income" || !in.AlarmActive || in.Source != aims.SourceDriftAlarm || in.State != aims.IncidentOpen {
		t.Fatalf("incident %+v", in)
	}
	if records() != h.changes || h.changes != 1 {
		t.Fatalf("%d incident records for %d alarm changes (%d alarms); want 1", records(), h.changes, h.alarms)
	}
	episode(40, 0) // recovers: one record
	episode(40, 15)
	if got, _ := book.Get(in.ID); !got.AlarmActive || len(book.List(aims.IncidentFilter{})) != 1 {
		t.Fatalf("second episode while the incident is open: %+v", book.List(aims.IncidentFilter{}))
	}
	if records() != h.changes || h.changes < 3 {
		t.Fatalf("%d records for %d alarm changes", records(), h.changes)
	}
	// Handled and closed; the next episode opens a new incident.
	episode(40, 0)
	for _, u := range []aims.IncidentUpdate{{To: aims.IncidentInvestigating, By: "ops"},
		{To: aims.IncidentCorrectiveAction, By: "ops", RootCause: "upstream unit change", CorrectiveAction: "converted at ingestion"},
		{To: aims.IncidentVerified, By: "ops", Verification: "no drift for 40 evaluations"}, {To: aims.IncidentClosed, By: "ops"}} {
		if _, err := book.Update(ctx, in.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	episode(40, 15)
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if open := book.List(aims.IncidentFilter{States: []aims.IncidentState{aims.IncidentOpen}}); len(open) != 1 || open[0].ID == in.ID {
		t.Fatalf("after closing the first incident, a new episode: %+v", open)
	}
}

// TestFairnessEpisodeOpensOneIncident drives a real fairness.Monitor
// through a violation that lasts 2000 decisions, with the disparity
// hovering at the limit (inside the hysteresis) for part of it: exactly
// one incident and one record.
func TestFairnessEpisodeOpensOneIncident(t *testing.T) {
	book, logs := newAlarmBook(t)
	h := &countingHandler[fairness.Alarm]{next: aims.AlarmHandler[fairness.Alarm](book)}
	m, err := fairness.NewMonitor([]string{"sex"}, fairness.WithCountWindow(400), fairness.WithMinGroupDecisions(20), fairness.WithFinalIntervals(0),
		fairness.WithThreshold(fairness.Threshold{Disparity: fairness.DemographicParityRatio, Limit: 0.8}),
		fairness.WithAlarmHandler(h.handle))
	if err != nil {
		t.Fatal(err)
	}
	id := 0
	acc := map[string]float64{}
	observe := func(n int, pF, pM float64) {
		t.Helper()
		for range n {
			sex, p := "F", pF
			if id%2 == 1 {
				sex, p = "M", pM
			}
			pred := 0
			if acc[sex] += p; acc[sex] >= 1 {
				pred = 1
				acc[sex]--
			}
			id++
			if err := m.Observe(fmt.Sprint("d", id), []string{sex}, pred); err != nil {
				t.Fatal(err)
			}
		}
	}
	observe(400, 0.5, 0.5)
	observe(1000, 0.3, 0.6)   // ratio 0.5: violated
	observe(1000, 0.485, 0.6) // ratio ≈ 0.81: above the limit, inside the hysteresis
	list := book.List(aims.IncidentFilter{})
	if len(list) != 1 || list[0].AlarmKey != "fairness/sex/demographic_parity_ratio" || list[0].Source != aims.SourceFairnessAlarm || !list[0].AlarmActive {
		t.Fatalf("incidents %+v", list)
	}
	if n := len(logs.Events(semconv.EventManagementPrefix + "incident")); n != 1 || h.alarms != 1 {
		t.Fatalf("%d incident records, %d alarms; want 1 and 1", n, h.alarms)
	}
	observe(800, 0.5, 0.5) // recovered
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := book.Get(list[0].ID); got.AlarmActive || len(book.List(aims.IncidentFilter{})) != 1 {
		t.Fatalf("after recovery %+v", got)
	}
}
