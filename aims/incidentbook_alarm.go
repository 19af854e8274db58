package aims

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel"
)

// Alarm is what a monitor raises when it detects a problem and clears when
// the problem is gone: fairness.Alarm and drift.Alarm implement it by their
// methods (those packages do not import aims), and so can any other alarm.
// The book opens one incident per ongoing alarm key (see Raise).
//
// An alarm may also have the methods AlarmDecisions() []string (the IDs of
// the decisions it concerns, linked to the incident) and AlarmBy() string
// (who raised it, for OpenedBy; default "<source> monitor").
type Alarm interface {
	// AlarmKey identifies the condition the alarm is about, stable across
	// raises and clears ("drift/feature/income", "fairness/sex/demographic_parity_ratio").
	AlarmKey() string
	// AlarmActive is true when the alarm is raised, false when it clears.
	AlarmActive() bool
	// AlarmSummary is one human-readable line: what was detected.
	AlarmSummary() string
	// AlarmSource is the incident source: "fairness_alarm",
	// "drift_alarm" or "halt".
	AlarmSource() string
	// AlarmSeverity is the alarm's severity; when it is an
	// IncidentSeverity (low, medium, high, critical) it grades the
	// incident, otherwise WithAlarmSeverity does.
	AlarmSeverity() string
}

// maxAlarmKey bounds an alarm key.
const maxAlarmKey = 256

// Raise turns an alarm into incident records, one open incident per alarm
// key:
//
//   - raised, no incident of the key open: a new incident is opened
//     (AlarmActive true, source from AlarmSource);
//   - raised while the key's incident is open and its alarm active:
//     nothing is recorded (an ongoing alarm is one incident however often
//     it is re-evaluated);
//   - raised again after it had cleared: the incident is updated
//     (AlarmActive true) with one record;
//   - cleared while the key's incident is open: the incident is updated
//     (AlarmActive false) with one record; a cleared alarm never opens one.
//
// Once the key's incident is closed, the next raise opens a new incident.
// Raise reports whether it wrote a record. It is what AlarmHandler calls.
func (b *IncidentBook) Raise(ctx context.Context, a Alarm) (Incident, bool, error) {
	if a == nil {
		return Incident{}, false, invalid("", "alarm", "nil")
	}
	if b.isClosed.Load() {
		return Incident{}, false, ErrIncidentBookClosed
	}
	key, err := oneLine("", "alarm_key", a.AlarmKey(), maxAlarmKey, true)
	if err != nil {
		return Incident{}, false, err
	}
	src := IncidentSource(a.AlarmSource())
	switch src {
	case SourceFairnessAlarm, SourceDriftAlarm, SourceHalt:
	default:
		return Incident{}, false, invalid("", "alarm_source", "%q of alarm %q; an alarm's source is fairness_alarm, drift_alarm or halt", src, key)
	}
	summary := clip(a.AlarmSummary(), MaxIncidentNote)
	if summary == "" {
		summary = "alarm " + key
	}
	active := a.AlarmActive()
	by := alarmBy(a, src)
	var decisions []string
	if d, ok := a.(interface{ AlarmDecisions() []string }); ok {
		if decisions, err = addDecisions("", nil, d.AlarmDecisions()); err != nil {
			return Incident{}, false, err
		}
	}

	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	b.mu.RLock()
	id, has := b.byKey[key]
	b.mu.RUnlock()
	if has {
		return b.changeLocked(ctx, id, by, func(in *Incident) (string, error) {
			n := len(in.Decisions)
			var err error
			if in.Decisions, err = addDecisions(in.ID, in.Decisions, decisions); err != nil {
				return "", err
			}
			if in.AlarmActive == active {
				if n == len(in.Decisions) {
					return "", nil
				}
				return fmt.Sprintf("alarm %s linked %d decision(s)", key, len(in.Decisions)-n), nil
			}
			in.AlarmActive = active
			in.Transition.Note = summary
			if active {
				return "alarm raised again: " + summary, nil
			}
			return "alarm cleared: " + summary, nil
		})
	}
	if !active {
		return Incident{}, false, nil
	}
	sev := IncidentSeverity(strings.ToLower(a.AlarmSeverity()))
	if !validSeverity(sev) {
		sev = b.cfg.alarmSeverity
	}
	in := Incident{Title: clip(summary, MaxIncidentTitle), Description: summary, Severity: sev, State: IncidentOpen,
		Source: src, AlarmKey: key, AlarmActive: true, OpenedBy: by, AwareAt: b.now(), Decisions: decisions}
	inc, err := b.openLocked(ctx, in, false, fmt.Sprintf("incident opened (%s) by alarm %s: %s", sev, key, summary))
	return inc, err == nil, err
}

// alarmBy is who raised a: its AlarmBy, or the monitor of its source.
func alarmBy(a Alarm, src IncidentSource) string {
	if by, ok := a.(interface{ AlarmBy() string }); ok {
		if s, err := oneLine("", "by", by.AlarmBy(), MaxIncidentName, true); err == nil {
			return s
		}
	}
	switch src {
	case SourceFairnessAlarm:
		return "fairness monitor"
	case SourceDriftAlarm:
		return "drift monitor"
	}
	return string(src)
}

// AlarmHandler returns an alarm handler that hands every alarm to b.Raise,
// for the monitors' WithAlarmHandler options:
//
//	fm, err := fairness.NewMonitor(features, fairness.WithAlarmHandler(aims.AlarmHandler[fairness.Alarm](book)))
//	dm, err := drift.NewMonitor(profiles, drift.WithAlarmHandler(aims.AlarmHandler[drift.Alarm](book)))
//
// A handler has nobody to return an error to: errors go to the book's
// WithIncidentErrorHandler (default otel.Handle).
func AlarmHandler[A Alarm](b *IncidentBook) func(context.Context, A) {
	return func(ctx context.Context, a A) {
		if b == nil {
			otel.Handle(errors.New("aims: AlarmHandler: nil IncidentBook"))
			return
		}
		if _, _, err := b.Raise(ctx, a); err != nil {
			b.cfg.onError(err)
		}
	}
}
