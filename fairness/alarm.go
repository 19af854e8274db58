package fairness

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Alarm is a threshold crossing of a Monitor, handed to the handler of
// WithAlarmHandler: Active is true when a disparity enters violation and
// false when it recovers (past the hysteresis), exactly when the
// aims.fairness.threshold event is emitted. Its methods (AlarmKey,
// AlarmActive, AlarmSummary, AlarmSource, AlarmSeverity) let an incident
// book consume it without this package importing one: with aimskit's aims
// package, fairness.WithAlarmHandler(aims.AlarmHandler[fairness.Alarm](book))
// opens one incident per ongoing violation.
type Alarm struct {
	// Key identifies the threshold, stable across crossings:
	// "fairness/<features>/<disparity>", the monitor's sensitive features
	// joined by commas (a second threshold on the same disparity gets
	// "#2", and so on).
	Key string
	// Active is true on entering violation, false on recovery.
	Active bool
	// Summary is the event's body: the disparity, its value, the limit and
	// the groups at the extremes.
	Summary string
	// Severity is the event's severity text: WARN on violation, INFO on
	// recovery.
	Severity string
	// Disparity is the measure that crossed its threshold.
	Disparity Disparity
	// Value is the disparity's value at the crossing.
	Value float64
	// Limit is the threshold's limit.
	Limit float64
	// Comparison is "below" for a ratio (a violation is below the limit)
	// and "above" for a difference.
	Comparison string
	// MinGroup and MaxGroup name the groups at the extremes.
	MinGroup, MaxGroup string
	// WindowDecisions is the number of decisions in the window.
	WindowDecisions int64
	// ControlID is the Annex A control the threshold is evidence for.
	ControlID string
	// Time is when the crossing was detected (the monitor's clock).
	Time time.Time
}

// AlarmKey returns a.Key.
func (a Alarm) AlarmKey() string { return a.Key }

// AlarmActive returns a.Active.
func (a Alarm) AlarmActive() bool { return a.Active }

// AlarmSummary returns a.Summary.
func (a Alarm) AlarmSummary() string { return a.Summary }

// AlarmSource returns "fairness_alarm", the incident source of fairness
// alarms.
func (a Alarm) AlarmSource() string { return "fairness_alarm" }

// AlarmSeverity returns a.Severity.
func (a Alarm) AlarmSeverity() string { return a.Severity }

// WithAlarmHandler calls f with an Alarm at every threshold crossing
// (WithThreshold), when the monitor's lock is no longer held, in the order
// the crossings happened; also for the crossings Close finds. f runs in the
// goroutine whose Observe, ObserveLabel, ObserveFinal or Close caused the
// crossing (with a time window, a crossing caused only by old decisions
// leaving the window is found by the next of these, Snapshot, Intervals or
// metric collection, and runs in that goroutine), so it should be quick: while it runs, the call that caused a
// later crossing waits for it (without the monitor's lock, so calls that
// cause no crossing are not delayed), and Close waits for it until its
// context ends. f must not call the monitor (that can deadlock). f must
// not be nil.
func WithAlarmHandler(f func(context.Context, Alarm)) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if f == nil {
			c.fail("WithAlarmHandler: nil handler")
			return
		}
		c.onAlarm = f
	})
}

// alarmKeys returns the alarm key of each threshold.
func alarmKeys(features []string, ts []Threshold) []string {
	keys := make([]string, len(ts))
	seen := map[Disparity]int{}
	prefix := "fairness/" + strings.Join(features, ",") + "/"
	for i, t := range ts {
		seen[t.Disparity]++
		keys[i] = prefix + string(t.Disparity)
		if n := seen[t.Disparity]; n > 1 {
			keys[i] += fmt.Sprintf("#%d", n)
		}
	}
	return keys
}

// alarm turns a threshold event into an Alarm.
func (m *Monitor) alarm(ev thresholdEvent) Alarm {
	a := Alarm{Key: m.alarmKeys[ev.idx], Active: ev.state == "violated", Severity: "INFO", Disparity: ev.t.Disparity,
		Value: ev.value, Limit: ev.t.Limit, Comparison: ev.comparison(), MinGroup: ev.min, MaxGroup: ev.max,
		WindowDecisions: ev.window, ControlID: ev.t.ControlID, Time: ev.at}
	if a.Active {
		a.Severity = "WARN"
	}
	a.Summary = ev.summary()
	return a
}
