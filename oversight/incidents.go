package oversight

import (
	"context"
	"fmt"
	"slices"

	"github.com/aimskit/aimskit/aims"
)

// WithIncidents opens incidents in book (A.8.4, A.3.3, Clause 10.2) for
// what oversight learns about the book's system:
//
//   - a halt opens an incident with source halt, severity high, opened by
//     the person who pressed the stop button and linked to the halt's
//     record; it is one incident per halted system (alarm key
//     "halt/<system ID>"): halting again while it is open changes nothing,
//     and a resume marks its alarm inactive (the incident stays open until
//     someone handles and closes it);
//   - a contest resolved by changing the decision (an override, or a
//     rejection that annuls it) opens an incident with source contest,
//     severity medium, opened by the reviewer who resolved it and linked to
//     the contested decision, the decision it was made from, if any, and
//     the resolution's record. An upheld decision (approve) opens none.
//
// Halts and contests of other systems open no incident in book. The grounds
// of a contest and a reviewer's reason, including the reason given for a
// halt or a resume, are not copied into the incident (they may hold
// personal data; the decision log has them in the linked records). A halt or a
// resolution takes effect even if opening its incident fails; the error is
// returned, wrapped, as a failed recording is. Without this option (or
// with nil) nothing changes.
func WithIncidents(book *aims.IncidentBook) Option {
	return optionFunc(func(c *config) { c.incidents = book })
}

// incidentsFor returns the book that takes incidents of systemID, if any.
func (g *Gate) incidentsFor(systemID string) *aims.IncidentBook {
	b := g.cfg.incidents
	if b == nil || b.System().ID() != systemID {
		return nil
	}
	return b
}

// haltAlarm is a halt or resume, as an alarm of the incident book.
type haltAlarm struct {
	systemID, by, summary, decisionID string
	halted                            bool
}

func (a haltAlarm) AlarmKey() string         { return "halt/" + a.systemID }
func (a haltAlarm) AlarmActive() bool        { return a.halted }
func (a haltAlarm) AlarmSummary() string     { return a.summary }
func (a haltAlarm) AlarmSource() string      { return string(aims.SourceHalt) }
func (a haltAlarm) AlarmSeverity() string    { return string(aims.SeverityHigh) }
func (a haltAlarm) AlarmBy() string          { return a.by }
func (a haltAlarm) AlarmDecisions() []string { return []string{a.decisionID} }

// haltIncident opens (halt) or updates (resume) the incident of a halt
// recorded as d.
func (g *Gate) haltIncident(ctx context.Context, h Halt, halt bool, d *aims.Decision) error {
	b := g.incidentsFor(h.SystemID)
	if b == nil {
		return nil
	}
	what := "resumed"
	if halt {
		what = "halted"
	}
	// The reason is free text and may name people: it stays in the halt's
	// record, which the incident links, and is not copied (WithIncidents).
	a := haltAlarm{systemID: h.SystemID, by: h.By, halted: halt, decisionID: d.ID,
		summary: fmt.Sprintf("system %s %s by %s (reason in decision record %s)", h.SystemID, what, h.By, d.ID)}
	if _, _, err := b.Raise(ctx, a); err != nil {
		return fmt.Errorf("oversight: %s of %q took effect but its incident was not recorded: %w", what, h.SystemID, err)
	}
	return nil
}

// contestIncident opens the incident of a contest that t's resolution rec
// changed.
func (g *Gate) contestIncident(ctx context.Context, t *Ticket, r Reviewer, action aims.OversightAction, rec *aims.Decision) error {
	if t.Kind != KindContest || (action != aims.ActionOverride && action != aims.ActionReject) {
		return nil
	}
	b := g.incidentsFor(t.Decision.SystemID)
	if b == nil {
		return nil
	}
	ids := []string{t.Decision.ID}
	if o := t.Decision.Oversight; o != nil && o.RelatedDecisionID != "" && !slices.Contains(ids, o.RelatedDecisionID) {
		ids = append(ids, o.RelatedDecisionID)
	}
	if rec.ID != "" && !slices.Contains(ids, rec.ID) {
		ids = append(ids, rec.ID)
	}
	change := fmt.Sprintf("changed from %q to %q", t.Decision.Output, rec.Output)
	if action == aims.ActionReject {
		change = fmt.Sprintf("annulled (%q, was %q)", rec.Output, t.Decision.Output)
	}
	_, err := b.Open(ctx, aims.IncidentReport{
		Title:       "contested decision " + change + " on review",
		Description: fmt.Sprintf("The person affected contested decision %s; on review (contest ticket %s) it was %s.", t.Decision.ID, t.ID, change),
		Severity:    aims.SeverityMedium, Source: aims.SourceContest, By: r.ID, Decisions: ids,
	})
	if err != nil {
		return fmt.Errorf("oversight: contest ticket %s resolved but its incident was not recorded: %w", t.ID, err)
	}
	return nil
}
