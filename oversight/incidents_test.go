package oversight_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// incidentGate is a Gate on an aims.System with an incident book.
func incidentGate(t *testing.T, opts ...oversight.Option) (*oversight.Gate, *aims.System, *aims.IncidentBook) {
	t.Helper()
	ctx := context.Background()
	sys, err := aims.NewSystem("credit", aims.WithRiskLevel(aims.RiskLimited),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}, aims.Outcome{Value: "referred"}))
	if err != nil {
		t.Fatal(err)
	}
	book, err := aims.NewIncidentBook(sys)
	if err != nil {
		t.Fatal(err)
	}
	g, err := oversight.New(ctx, sys, append([]oversight.Option{oversight.WithPolicy(oversight.AdverseOutcome()),
		oversight.WithSweepInterval(0), oversight.WithIncidents(book)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = g.Close(ctx)
		_ = book.Close(ctx)
		_ = sys.Close(ctx)
	})
	return g, sys, book
}

func TestHaltOpensOneIncident(t *testing.T) {
	g, _, book := incidentGate(t)
	ctx := context.Background()
	op := oversight.Reviewer{ID: "ops.lee", Roles: []string{"supervisor"}}
	if err := g.Halt(ctx, "credit", op, "refusing everyone since 09:00"); err != nil {
		t.Fatal(err)
	}
	list := book.List(aims.IncidentFilter{})
	if len(list) != 1 {
		t.Fatalf("%d incidents after a halt", len(list))
	}
	in := list[0]
	if in.Source != aims.SourceHalt || in.AlarmKey != "halt/credit" || !in.AlarmActive || in.OpenedBy != "ops.lee" ||
		in.Severity != aims.SeverityHigh || len(in.Decisions) != 1 || !strings.Contains(in.Title, "halted by ops.lee") {
		t.Fatalf("halt incident %+v", in)
	}
	// Halting again while it is open is the same incident; a resume
	// clears its alarm and links the resume's record.
	if err := g.Halt(ctx, "credit", op, "still refusing"); err != nil {
		t.Fatal(err)
	}
	if err := g.Resume(ctx, "credit", op, "model rolled back"); err != nil {
		t.Fatal(err)
	}
	list = book.List(aims.IncidentFilter{})
	if len(list) != 1 || list[0].AlarmActive || len(list[0].Decisions) != 3 || list[0].State != aims.IncidentOpen {
		t.Fatalf("after halt, halt, resume: %+v", list)
	}
	// Another system's halt is not this book's incident (the System, as
	// the Recorder, refuses to record it; that is its own business).
	if err := g.Halt(ctx, "fraud", op, "x", oversight.Force()); err != nil && strings.Contains(err.Error(), "incident") {
		t.Fatal(err)
	}
	if n := len(book.List(aims.IncidentFilter{})); n != 1 {
		t.Fatalf("%d incidents after halting another system", n)
	}
}

func TestChangedContestOpensIncident(t *testing.T) {
	g, sys, book := incidentGate(t)
	ctx := context.Background()
	lee := oversight.Reviewer{ID: "r.lee", Roles: []string{"reviewer"}}
	kim := oversight.Reviewer{ID: "r.kim", Roles: []string{"reviewer"}}
	submit := func() aims.Decision {
		t.Helper()
		d, err := sys.NewDecision(ctx, aims.Draft{Output: "deny"})
		if err != nil {
			t.Fatal(err)
		}
		out, err := g.Submit(ctx, d)
		if err != nil || !out.Pending() {
			t.Fatalf("submit: %v %v", out.Action, err)
		}
		res, err := g.Reject(ctx, out.Ticket.ID, lee, "income too low")
		if err != nil {
			t.Fatal(err)
		}
		return res.Decision
	}
	// Upheld: no incident.
	upheld := submit()
	ct, err := g.Contest(ctx, upheld.ID, "please look again")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Approve(ctx, ct.ID, kim, "the rejection stands"); err != nil {
		t.Fatal(err)
	}
	if n := len(book.List(aims.IncidentFilter{})); n != 0 {
		t.Fatalf("%d incidents after a contest that upheld the decision (and a normal review)", n)
	}
	// Changed on review: one incident linked to the decisions.
	changed := submit()
	ct, err = g.Contest(ctx, changed.ID, "my second job was not counted")
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Override(ctx, ct.ID, kim, "approve", "second income verified")
	if err != nil {
		t.Fatal(err)
	}
	list := book.List(aims.IncidentFilter{})
	if len(list) != 1 {
		t.Fatalf("%d incidents after a changed contest", len(list))
	}
	in := list[0]
	if in.Source != aims.SourceContest || in.OpenedBy != "r.kim" || in.Severity != aims.SeverityMedium ||
		!slices.Contains(in.Decisions, changed.ID) || !slices.Contains(in.Decisions, res.Decision.ID) ||
		!strings.Contains(in.Title, `"referred" to "approve"`) {
		t.Fatalf("contest incident %+v", in)
	}
	if strings.Contains(in.Description, "second job") || strings.Contains(in.Title, "second income") {
		t.Fatalf("the grounds or the reason leaked into the incident: %+v", in)
	}
}

// TestNoIncidentsWithoutOption: the default Gate opens none and needs no
// book.
func TestNoIncidentsWithoutOption(t *testing.T) {
	g, _, book := incidentGate(t, oversight.WithIncidents(nil))
	if err := g.Halt(context.Background(), "credit", oversight.Reviewer{ID: "ops"}, "x"); err != nil {
		t.Fatal(err)
	}
	if n := len(book.List(aims.IncidentFilter{})); n != 0 {
		t.Fatalf("%d incidents without WithIncidents", n)
	}
}

// TestHaltTakesEffectWhenIncidentFails: a halt is never held back by its
// incident; the failure is returned.
func TestHaltTakesEffectWhenIncidentFails(t *testing.T) {
	g, _, book := incidentGate(t)
	ctx := context.Background()
	if err := book.Close(ctx); err != nil {
		t.Fatal(err)
	}
	err := g.Halt(ctx, "credit", oversight.Reviewer{ID: "ops"}, "stop")
	if !errors.Is(err, aims.ErrIncidentBookClosed) || !g.Halted("credit") {
		t.Fatalf("halt with a closed book: %v, halted %v", err, g.Halted("credit"))
	}
}

// TestHaltReasonNotCopiedIntoIncident: WithIncidents promises that a
// reviewer's reason is not copied into the incident (free text may name
// people; the halt's record in the decision log keeps it, and the incident
// links that record). That holds for the reason of a halt and of a resume.
func TestHaltReasonNotCopiedIntoIncident(t *testing.T) {
	g, _, book := incidentGate(t)
	ctx := context.Background()
	op := oversight.Reviewer{ID: "ops.lee", Roles: []string{"supervisor"}}
	const haltWhy, resumeWhy = "Jane Roe (jane@example.com) was refused", "checked with John Doe +49 170 1234567"
	if err := g.Halt(ctx, "credit", op, haltWhy); err != nil {
		t.Fatal(err)
	}
	if err := g.Resume(ctx, "credit", op, resumeWhy); err != nil {
		t.Fatal(err)
	}
	list := book.List(aims.IncidentFilter{})
	if len(list) != 1 {
		t.Fatalf("%d incidents after a halt", len(list))
	}
	in := list[0]
	for _, s := range []string{in.Title, in.Description, in.Transition.Note} {
		for _, why := range []string{"Jane Roe", "jane@example.com", "John Doe", "1234567"} {
			if strings.Contains(s, why) {
				t.Errorf("the halt or resume reason was copied into the incident: %q", s)
			}
		}
	}
	// The incident still says what happened, by whom, and links the
	// halt's and the resume's records, which hold the reasons.
	if !strings.Contains(in.Title, "credit") || !strings.Contains(in.Title, "halted") || !strings.Contains(in.Title, "ops.lee") ||
		len(in.Decisions) != 2 {
		t.Errorf("halt incident %+v", in)
	}
}
