package aims_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// driftAlarm stands in for a monitor's alarm (fairness.Alarm and
// drift.Alarm have the same methods).
type driftAlarm struct{ active bool }

func (a driftAlarm) AlarmKey() string      { return "drift/feature/income" }
func (a driftAlarm) AlarmActive() bool     { return a.active }
func (a driftAlarm) AlarmSummary() string  { return "feature income drift: ks score 0.001" }
func (a driftAlarm) AlarmSource() string   { return "drift_alarm" }
func (a driftAlarm) AlarmSeverity() string { return "WARN" }

// An incident book records every change of an incident as a
// management-system record in the system's ledger. People open incidents
// and move them through their life cycle; monitors raise alarms, one
// incident per ongoing alarm.
func ExampleIncidentBook() {
	ctx := context.Background()
	sys, err := aims.NewSystem("credit-scoring", aims.WithRiskLevel(aims.RiskHigh)) // add aims.WithLedger(…) to keep the records
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close(ctx)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	book, err := aims.NewIncidentBook(sys, aims.WithIncidentClock(func() time.Time { return now }))
	if err != nil {
		log.Fatal(err)
	}
	defer book.Close(ctx)
	// In a service: book.Restore(ctx, "") at start-up, and
	// drift.WithAlarmHandler(aims.AlarmHandler[drift.Alarm](book)) on the monitor.

	in, err := book.Open(ctx, aims.IncidentReport{Title: "loan refusals doubled overnight", Severity: aims.SeverityHigh,
		Serious: aims.SeriousOther, By: "alice@bank.example"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.State, "report by", in.ReportDeadline.Format(time.DateOnly))

	_, err = book.Update(ctx, in.ID, aims.IncidentUpdate{To: aims.IncidentVerified, By: "bob"})
	fmt.Println(strings.Replace(err.Error(), in.ID, "<id>", 1))
	for _, u := range []aims.IncidentUpdate{
		{To: aims.IncidentInvestigating, By: "bob"},
		{To: aims.IncidentCorrectiveAction, By: "bob", RootCause: "a feature pipeline sent income in cents", CorrectiveAction: "fixed the unit; re-scored"},
		{To: aims.IncidentVerified, By: "carol", Verification: "refusal rate back to 12% for a week"},
	} {
		if in, err = book.Update(ctx, in.ID, u); err != nil {
			log.Fatal(err)
		}
	}
	_, err = book.Update(ctx, in.ID, aims.IncidentUpdate{To: aims.IncidentClosed, By: "carol"})
	fmt.Println(strings.Replace(err.Error(), in.ID, "<id>", 1))
	if _, err := book.MarkReported(ctx, in.ID, "carol", time.Time{}, "report 2026-117"); err != nil {
		log.Fatal(err)
	}
	in, _ = book.Update(ctx, in.ID, aims.IncidentUpdate{To: aims.IncidentClosed, By: "carol"})
	fmt.Println(in.State)

	// An alarm raised three times and cleared is one incident.
	handle := aims.AlarmHandler[driftAlarm](book)
	handle(ctx, driftAlarm{active: true})
	handle(ctx, driftAlarm{active: true})
	handle(ctx, driftAlarm{active: true})
	handle(ctx, driftAlarm{active: false})
	for _, a := range book.List(aims.IncidentFilter{Source: aims.SourceDriftAlarm}) {
		fmt.Println(a.Title, "| alarm active:", a.AlarmActive, "|", a.State)
	}
	// Output:
	// open report by 2026-12-16
	// aims: incident <id>: to: "verified" skips "investigating"; an incident moves one state at a time (open → investigating → corrective_action → verified → closed)
	// aims: incident <id>: reported_at: missing; a serious incident of a high-risk system is not closed before it is reported to the authority (EU AI Act Art. 73, deadline 2026-12-16T09:00:00Z)
	// closed
	// feature income drift: ks score 0.001 | alarm active: false | open
}
