package aims

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// The states of a DeadlineNotice.
const (
	// DeadlineApproaching: the Art. 73 deadline is within the lead time
	// (WithDeadlineLead).
	DeadlineApproaching = "approaching"
	// DeadlinePassed: the deadline has passed and the incident is still
	// not reported.
	DeadlinePassed = "passed"
)

// DeadlineNotice is one aims.incident.deadline event: an unreported
// serious incident whose Art. 73 reporting deadline approaches or has
// passed.
type DeadlineNotice struct {
	// IncidentID is the incident's ID.
	IncidentID string
	// Title is the incident's title.
	Title string
	// Serious is the incident's Art. 73 kind.
	Serious SeriousKind
	// Deadline is the reporting deadline.
	Deadline time.Time
	// State is DeadlineApproaching or DeadlinePassed.
	State string
}

// CheckDeadlines looks at every unreported serious incident that is not
// closed and has an Art. 73 deadline, as of now, and emits an
// aims.incident.deadline log record (aims.control.id A.8.4) once when its
// deadline comes within the lead time (state approaching, severity WARN)
// and once when it passes (state passed, severity ERROR; an incident first
// checked after its deadline gets only this one). It returns the notices
// it emitted, oldest deadline first. Which notices were emitted is kept in
// memory only: after a restart (Restore) they are emitted again, once.
// WithDeadlineCheck calls it periodically.
func (b *IncidentBook) CheckDeadlines(ctx context.Context, now time.Time) []DeadlineNotice {
	var out []DeadlineNotice
	b.mu.Lock()
	for _, e := range b.open {
		in := &e.inc
		if in.ReportDeadline == nil || in.ReportedAt != nil {
			continue
		}
		dl := *in.ReportDeadline
		if !e.deadlineNotified.Equal(dl) {
			e.warned, e.overdue, e.deadlineNotified = false, false, dl
		}
		state := ""
		switch {
		case !now.Before(dl):
			if !e.overdue {
				e.overdue, e.warned, state = true, true, DeadlinePassed
			}
		case !now.Before(dl.Add(-b.cfg.lead[in.Serious])):
			if !e.warned {
				e.warned, state = true, DeadlineApproaching
			}
		}
		if state != "" {
			out = append(out, DeadlineNotice{IncidentID: in.ID, Title: in.Title, Serious: in.Serious, Deadline: dl, State: state})
		}
	}
	b.mu.Unlock()
	slices.SortFunc(out, func(x, y DeadlineNotice) int {
		if c := x.Deadline.Compare(y.Deadline); c != 0 {
			return c
		}
		return strings.Compare(x.IncidentID, y.IncidentID)
	})
	for _, n := range out {
		b.emitDeadline(ctx, now, n)
	}
	return out
}

func (b *IncidentBook) emitDeadline(ctx context.Context, now time.Time, n DeadlineNotice) {
	if !b.logger.Enabled(ctx, log.EnabledParameters{Severity: log.SeverityWarn, EventName: semconv.EventIncidentDeadline}) {
		return
	}
	var r log.Record
	r.SetEventName(semconv.EventIncidentDeadline)
	r.SetTimestamp(now)
	left := n.Deadline.Sub(now).Round(time.Minute)
	if n.State == DeadlinePassed {
		r.SetSeverity(log.SeverityError)
		r.SetSeverityText("ERROR")
		r.SetBody(attribute.StringValue(fmt.Sprintf("serious incident %s (%s) is not reported and its EU AI Act Art. 73 deadline %s passed %v ago: %s",
			n.IncidentID, n.Serious, n.Deadline.Format(time.RFC3339), -left, n.Title)))
	} else {
		r.SetSeverity(log.SeverityWarn)
		r.SetSeverityText("WARN")
		r.SetBody(attribute.StringValue(fmt.Sprintf("serious incident %s (%s) must be reported within %v, by %s (EU AI Act Art. 73): %s",
			n.IncidentID, n.Serious, left, n.Deadline.Format(time.RFC3339), n.Title)))
	}
	r.AddAttributes(
		semconv.AimsControlID.String(semconv.ControlIncidentCommunication),
		semconv.AimsSystemID.String(b.sys.ID()),
		semconv.AimsIncidentID.String(n.IncidentID),
		semconv.AimsRecordSubject.String(n.IncidentID),
		semconv.AimsIncidentSerious.String(string(n.Serious)),
		semconv.AimsIncidentReportDeadline.String(n.Deadline.Format(time.RFC3339)),
		semconv.AimsIncidentDeadlineState.String(n.State),
	)
	b.logger.Emit(ctx, r)
}

// loop runs CheckDeadlines every interval until ctx (cancelled by Close)
// ends.
func (b *IncidentBook) loop(ctx context.Context) {
	defer close(b.done)
	tick, stop := b.cfg.newTicker(b.cfg.interval)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			b.CheckDeadlines(ctx, b.now())
			if b.cfg.afterCheck != nil {
				b.cfg.afterCheck()
			}
		}
	}
}
