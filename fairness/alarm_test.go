package fairness

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// alarmLog keeps the alarms a handler received.
type alarmLog struct {
	mu     sync.Mutex
	alarms []Alarm
}

func (l *alarmLog) handle(_ context.Context, a Alarm) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.alarms = append(l.alarms, a)
}

func (l *alarmLog) all() []Alarm {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Alarm(nil), l.alarms...)
}

// observeRates feeds n decisions alternating between groups F and M whose
// predictions hit the rates pF and pM exactly (error diffusion).
type rateFeeder struct {
	m   *Monitor
	id  int
	acc map[string]float64
}

func (f *rateFeeder) observe(t *testing.T, n int, pF, pM float64) {
	t.Helper()
	for range n {
		sex, p := "F", pF
		if f.id%2 == 1 {
			sex, p = "M", pM
		}
		pred := 0
		if f.acc[sex] += p; f.acc[sex] >= 1 {
			pred = 1
			f.acc[sex]--
		}
		f.id++
		if err := f.m.Observe(fmt.Sprint("d", f.id), []string{sex, "A"}, pred); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAlarmHandlerCalledAtCrossings checks that the handler gets one alarm
// per crossing, active on violation and inactive on recovery, with the
// values of the event, a stable key and the methods an incident book uses.
func TestAlarmHandlerCalledAtCrossings(t *testing.T) {
	tel := newTelemetry(t)
	var got alarmLog
	m, err := NewMonitor([]string{"sex", "race"}, append(tel.opts(), WithCountWindow(200), WithMinGroupDecisions(20),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.8}),
		WithThreshold(Threshold{Disparity: DemographicParityRatio, Limit: 0.5}),
		WithAlarmHandler(got.handle))...)
	if err != nil {
		t.Fatal(err)
	}
	f := &rateFeeder{m: m, acc: map[string]float64{}}
	f.observe(t, 200, 0.5, 0.5)
	if n := len(got.all()); n != 0 {
		t.Fatalf("%d alarms while fair", n)
	}
	f.observe(t, 200, 0.7, 1) // ratio 0.7: the 0.8 threshold only
	f.observe(t, 400, 0.5, 0.5)
	alarms := got.all()
	if len(alarms) != 2 {
		t.Fatalf("%d alarms, want a violation and a recovery: %+v", len(alarms), alarms)
	}
	v, r := alarms[0], alarms[1]
	if v.Key != "fairness/sex,race/demographic_parity_ratio" || r.Key != v.Key {
		t.Errorf("keys %q %q", v.Key, r.Key)
	}
	if !v.Active || v.AlarmSeverity() != "WARN" || v.Disparity != DemographicParityRatio || !(v.Value < 0.8) || v.Limit != 0.8 ||
		v.Comparison != "below" || v.MinGroup != "sex=F,race=A" || v.ControlID != DefaultControlID || v.WindowDecisions == 0 {
		t.Errorf("violation %+v", v)
	}
	if !strings.Contains(v.AlarmSummary(), "demographic_parity_ratio violated") || v.AlarmSource() != "fairness_alarm" || !v.AlarmActive() {
		t.Errorf("summary %q source %q", v.AlarmSummary(), v.AlarmSource())
	}
	if r.Active || r.AlarmActive() || r.Severity != "INFO" || !strings.Contains(r.Summary, "recovered") {
		t.Errorf("recovery %+v", r)
	}
	// The events and the alarms are the same crossings.
	if n := len(tel.logs.Records()); n != 2 {
		t.Errorf("%d events for 2 alarms", n)
	}
	// A second threshold on the same disparity has a key of its own.
	f.observe(t, 200, 0.3, 1) // ratio 0.3: both thresholds
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, a := range got.all()[2:] {
		keys[a.Key] = a.Active
	}
	if len(keys) != 2 || !keys["fairness/sex,race/demographic_parity_ratio"] || !keys["fairness/sex,race/demographic_parity_ratio#2"] {
		t.Errorf("alarms after the second violation: %v", keys)
	}
}

// TestAlarmHandlerOrderUnderConcurrency drives a monitor from several
// goroutines across many crossings and checks that the handler saw the
// crossings strictly alternating (violation, recovery, …), as the monitor
// made them: a recovery never overtakes its violation.
func TestAlarmHandlerOrderUnderConcurrency(t *testing.T) {
	var got alarmLog
	m, err := NewMonitor([]string{"g"}, WithCountWindow(40), WithMinGroupDecisions(5), WithFinalIntervals(0),
		WithThreshold(Threshold{Disparity: DemographicParityDifference, Limit: 0.3, Hysteresis: -1}),
		WithAlarmHandler(got.handle))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3000 {
				g, pred := "a", 0
				if i%2 == 1 {
					g = "b"
					// b flips between all-positive and all-negative
					// phases, so the difference crosses often.
					if (i/100)%2 == 0 {
						pred = 1
					}
				}
				_ = m.Observe(fmt.Sprintf("w%d-%d", w, i), []string{g}, pred)
			}
		}()
	}
	wg.Wait()
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	alarms := got.all()
	if len(alarms) < 4 {
		t.Fatalf("only %d crossings; the test needs several", len(alarms))
	}
	for i, a := range alarms {
		if a.Active != (i%2 == 0) {
			t.Fatalf("alarm %d active=%v: the handler saw crossings out of order", i, a.Active)
		}
	}
}

func TestWithAlarmHandlerNil(t *testing.T) {
	if _, err := NewMonitor([]string{"g"}, WithAlarmHandler(nil)); err == nil || !strings.Contains(err.Error(), "WithAlarmHandler") {
		t.Fatalf("nil handler: %v", err)
	}
}
