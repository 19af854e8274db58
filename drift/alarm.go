package drift

import (
	"context"
	"fmt"
	"time"
)

// Alarm is a change of a drift verdict found by [Monitor.Evaluate], handed
// to the handler of [WithAlarmHandler]: Active is true when a feature or
// the dataset starts drifting and false when it stops, exactly when the
// aims.drift.feature and aims.drift.dataset events are emitted. Its methods
// (AlarmKey, AlarmActive, AlarmSummary, AlarmSource, AlarmSeverity) let an
// incident book consume it without this package importing one: with
// aimskit's aims package,
// drift.WithAlarmHandler(aims.AlarmHandler[drift.Alarm](book)) opens one
// incident per drift episode.
type Alarm struct {
	// Key identifies what drifted, stable across evaluations:
	// "drift/feature/<name>" or "drift/dataset".
	Key string
	// Active is true when drifting starts, false when it stops.
	Active bool
	// Summary is the event's body: the method, score, threshold and window
	// (a feature), or the share of drifted features (the dataset).
	Summary string
	// Severity is the event's severity text: WARN when drifting starts,
	// INFO when it stops.
	Severity string
	// Feature names the feature; empty for the dataset.
	Feature string
	// Method is the feature's test; empty for the dataset.
	Method Method
	// Score, PValue (when HasPValue) and Statistic are the feature's test
	// result; Threshold is the test's threshold, or the dataset's share
	// threshold.
	Score, PValue, Statistic, Threshold float64
	// HasPValue says whether PValue is set.
	HasPValue bool
	// Observations is the number of values the feature's test used.
	Observations int
	// Share is the share of drifted features (the dataset).
	Share float64
	// ControlID is the Annex A control the verdict is evidence for
	// (A.6.2.6 unless WithControlID says otherwise).
	ControlID string
	// Time is when the evaluation ran (the monitor's clock).
	Time time.Time
}

// AlarmKey returns a.Key.
func (a Alarm) AlarmKey() string { return a.Key }

// AlarmActive returns a.Active.
func (a Alarm) AlarmActive() bool { return a.Active }

// AlarmSummary returns a.Summary.
func (a Alarm) AlarmSummary() string { return a.Summary }

// AlarmSource returns "drift_alarm", the incident source of drift alarms.
func (a Alarm) AlarmSource() string { return "drift_alarm" }

// AlarmSeverity returns a.Severity.
func (a Alarm) AlarmSeverity() string { return a.Severity }

// WithAlarmHandler calls f with an [Alarm] whenever an evaluation finds that
// a feature or the dataset started or stopped drifting (also in the final
// evaluation of Close), after the monitor's lock is released and in the
// order the evaluations ran: evaluations are serialised, so one waits for
// f to return (Evaluate and Close only until their context ends). f runs in the goroutine that evaluates (the caller of
// Evaluate or Close, or the WithInterval loop) with that context, minus its
// cancellation. Observing from f is fine; calling Evaluate or Close from f
// deadlocks. f must not be nil.
func WithAlarmHandler(f func(context.Context, Alarm)) MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) {
		if f == nil {
			c.fail("WithAlarmHandler: nil handler")
			return
		}
		c.onAlarm = f
	})
}

func (m *Monitor) featureAlarm(now time.Time, f FeatureReport) Alarm {
	st, _, sev := state(f.Drift)
	return Alarm{Key: "drift/feature/" + f.Feature, Active: f.Drift, Severity: sev, Feature: f.Feature,
		Summary: featureSummary(st, f),
		Method:  f.Result.Method, Score: f.Result.Score, PValue: f.Result.PValue, HasPValue: f.Result.HasPValue,
		Statistic: f.Result.Statistic, Threshold: f.Result.Threshold, Observations: f.Observations,
		ControlID: m.cfg.controlID, Time: now}
}

func (m *Monitor) datasetAlarm(now time.Time, ds DatasetResult) Alarm {
	st, _, sev := state(ds.Drift)
	return Alarm{Key: "drift/dataset", Active: ds.Drift, Severity: sev,
		Summary: datasetSummary(st, ds), Threshold: ds.ShareThreshold, Share: ds.Share,
		ControlID: m.cfg.controlID, Time: now}
}

func featureSummary(st string, f FeatureReport) string {
	return fmt.Sprintf("feature %s %s: %s score %.6g (threshold %g, %d observations)",
		f.Feature, st, f.Result.Method, f.Result.Score, f.Result.Threshold, f.Observations)
}

func datasetSummary(st string, ds DatasetResult) string {
	return fmt.Sprintf("dataset %s: %d of %d features drifted (share %.3f, threshold %g, correction %s)",
		st, ds.Drifted, len(ds.Features), ds.Share, ds.ShareThreshold, ds.Correction)
}
