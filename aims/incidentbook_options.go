package aims

import (
	"errors"
	"fmt"
	"time"
)

// IncidentOption configures NewIncidentBook.
type IncidentOption interface{ applyIncident(*incidentConfig) }

type incidentOptionFunc func(*incidentConfig)

func (f incidentOptionFunc) applyIncident(c *incidentConfig) { f(c) }

type incidentConfig struct {
	maxOpen, maxClosed int
	lead               map[SeriousKind]time.Duration
	interval           time.Duration
	now                func() time.Time
	alarmSeverity      IncidentSeverity
	onError            func(error)
	errs               []error
	// newTicker makes the deadline loop's ticker (tests replace it).
	newTicker func(time.Duration) (<-chan time.Time, func())
	// afterCheck is called after each check of the loop (tests).
	afterCheck func()
}

// WithMaxOpenIncidents bounds the incidents that are not closed (default
// DefaultMaxOpenIncidents; n must be at least 10). People (Open with
// source person or user_report) may fill nine tenths of it; the last tenth
// is kept for the incidents the system opens itself (alarms, halts,
// contests), so that a flood of reports cannot silence an alarm. Beyond the
// bound, opening returns ErrTooManyIncidents.
func WithMaxOpenIncidents(n int) IncidentOption {
	return incidentOptionFunc(func(c *incidentConfig) {
		if n < 10 {
			c.errs = append(c.errs, fmt.Errorf("aims: WithMaxOpenIncidents: %d, need at least 10", n))
			return
		}
		c.maxOpen = n
	})
}

// WithMaxClosedIncidents sets how many closed incidents the book keeps in
// memory for Get and List (default DefaultMaxClosedIncidents; 0 keeps
// none). Older ones are in the ledger only.
func WithMaxClosedIncidents(n int) IncidentOption {
	return incidentOptionFunc(func(c *incidentConfig) {
		if n < 0 {
			c.errs = append(c.errs, fmt.Errorf("aims: WithMaxClosedIncidents: %d is negative", n))
			return
		}
		c.maxClosed = n
	})
}

// WithDeadlineLead sets how long before the Art. 73 deadline of an
// unreported serious incident of kind k the book emits the
// aims.incident.deadline event with state approaching. The defaults are
// 48 hours for the 15-day (SeriousOther) and 10-day (SeriousDeath) periods
// and 12 hours for the 2-day one (SeriousWidespread). lead must be positive
// and shorter than the period.
func WithDeadlineLead(k SeriousKind, lead time.Duration) IncidentOption {
	return incidentOptionFunc(func(c *incidentConfig) {
		p, ok := k.ReportingPeriod()
		switch {
		case !ok:
			c.errs = append(c.errs, fmt.Errorf("aims: WithDeadlineLead: %q is not a serious kind", k))
		case lead <= 0 || lead >= p:
			c.errs = append(c.errs, fmt.Errorf("aims: WithDeadlineLead: lead %v for %s is not in (0, %v)", lead, k, p))
		default:
			c.lead[k] = lead
		}
	})
}

// WithDeadlineCheck runs CheckDeadlines every interval in a goroutine that
// Close stops. Without it the service calls CheckDeadlines itself.
func WithDeadlineCheck(interval time.Duration) IncidentOption {
	return incidentOptionFunc(func(c *incidentConfig) {
		if interval <= 0 {
			c.errs = append(c.errs, fmt.Errorf("aims: WithDeadlineCheck: interval %v must be positive", interval))
			return
		}
		c.interval = interval
	})
}

// WithIncidentClock replaces time.Now for the times the book records and
// for the deadline loop (tests); now must not be nil.
func WithIncidentClock(now func() time.Time) IncidentOption {
	return incidentOptionFunc(func(c *incidentConfig) {
		if now == nil {
			c.errs = append(c.errs, errors.New("aims: WithIncidentClock: nil clock"))
			return
		}
		c.now = now
	})
}

// WithAlarmSeverity sets the severity of incidents opened from alarms whose
// AlarmSeverity is not an IncidentSeverity (default SeverityMedium).
func WithAlarmSeverity(s IncidentSeverity) IncidentOption {
	return incidentOptionFunc(func(c *incidentConfig) {
		if !validSeverity(s) {
			c.errs = append(c.errs, fmt.Errorf("aims: WithAlarmSeverity: %q is not low, medium, high or critical", s))
			return
		}
		c.alarmSeverity = s
	})
}

// WithIncidentErrorHandler sets where the errors of AlarmHandler go (an
// alarm handler has no caller to return them to). The default is
// otel.Handle, OpenTelemetry's global error handler.
func WithIncidentErrorHandler(f func(error)) IncidentOption {
	return incidentOptionFunc(func(c *incidentConfig) {
		if f == nil {
			c.errs = append(c.errs, errors.New("aims: WithIncidentErrorHandler: nil handler"))
			return
		}
		c.onError = f
	})
}
