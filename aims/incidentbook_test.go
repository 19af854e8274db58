package aims

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// bookClock is a settable clock.
type bookClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *bookClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *bookClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// bookEnv is a System on a ledger in a temporary directory with an
// in-memory log provider, and a book on it.
type bookEnv struct {
	dir    string
	signer note.Signer
	logs   *oteltest.Logs
	sys    *System
	book   *IncidentBook
	clock  *bookClock
}

func newBookEnv(t testing.TB, risk RiskLevel, opts ...IncidentOption) *bookEnv {
	t.Helper()
	skey, _, err := ledger.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	e := &bookEnv{dir: t.TempDir(), signer: s, logs: oteltest.NewLogs(t), clock: &bookClock{now: t0}}
	e.open(t, risk, opts...)
	return e
}

// open opens the ledger, the system and a new book (again, after close).
func (e *bookEnv) open(t testing.TB, risk RiskLevel, opts ...IncidentOption) {
	t.Helper()
	led, err := ledger.Open(context.Background(), e.dir, "credit-scoring", "pod-1", e.signer)
	if err != nil {
		t.Fatal(err)
	}
	if e.sys, err = NewSystem("credit-scoring", WithRiskLevel(risk), WithLedger(led), WithLoggerProvider(e.logs.Provider)); err != nil {
		t.Fatal(err)
	}
	opts = append([]IncidentOption{WithIncidentClock(e.clock.Now)}, opts...)
	if e.book, err = NewIncidentBook(e.sys, opts...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.book.Close(context.Background())
		_ = e.sys.Close(context.Background())
	})
}

// close closes the book and the system (the ledger's final checkpoint).
func (e *bookEnv) close(t testing.TB) {
	t.Helper()
	if err := e.book.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.sys.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// records returns the incident records in the ledger.
func (e *bookEnv) records(t testing.TB) []ManagementRecord {
	t.Helper()
	var out []ManagementRecord
	err := ledger.Scan(e.dir, func(s ledger.ScannedRecord) error {
		r, err := ParseManagementRecord(s.Record)
		if errors.Is(err, ErrNotManagementRecord) {
			return nil
		}
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// must fails the test on err and returns in, for must(t)(book.Open(…)).
func must(t *testing.T) func(Incident, error) Incident {
	return func(in Incident, err error) Incident {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
}

// wantField checks that err wraps kind and names field.
func wantField(t *testing.T, err, kind error, field string) {
	t.Helper()
	var ie *incidentError
	if !errors.Is(err, kind) || !errors.As(err, &ie) || ie.field != field || !strings.Contains(err.Error(), field) {
		t.Errorf("error %v, want %v naming %q", err, kind, field)
	}
}

func TestIncidentLifeCycle(t *testing.T) {
	e := newBookEnv(t, RiskLimited)
	ctx := context.Background()
	dec := uuid.Must(uuid.NewV7()).String()
	in := must(t)(e.book.Open(ctx, IncidentReport{Title: "applicants over 60 refused more often", Severity: SeverityHigh,
		Source: SourceUserReport, By: "alice", Owner: "risk-team", Decisions: []string{dec}, Description: "three complaints this week"}))
	if u, err := uuid.Parse(in.ID); err != nil || u.Version() != 7 {
		t.Fatalf("incident ID %q is not a UUIDv7", in.ID)
	}
	if in.State != IncidentOpen || in.ReportDeadline != nil || !in.AwareAt.Equal(t0) || in.OpenedBy != "alice" {
		t.Fatalf("opened %+v", in)
	}
	// Skipping, going back and staying are refused, naming "to".
	_, err := e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentCorrectiveAction, By: "bob"})
	wantField(t, err, ErrIncidentState, "to")
	if err != nil && !strings.Contains(err.Error(), `skips "investigating"`) {
		t.Errorf("skip error %v", err)
	}
	_, err = e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentOpen, By: "bob"})
	wantField(t, err, ErrIncidentState, "to")
	_, err = e.book.Update(ctx, in.ID, IncidentUpdate{To: "done", By: "bob"})
	wantField(t, err, ErrInvalidIncident, "to")
	_, err = e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentInvestigating})
	wantField(t, err, ErrInvalidIncident, "by")

	steps := []IncidentUpdate{
		{To: IncidentInvestigating, By: "bob", Note: "looking at the age feature"},
		{By: "bob", RootCause: "age binned wrongly after the 2.3 release"},
		{To: IncidentCorrectiveAction, By: "bob", CorrectiveAction: "fixed the binning; re-scored affected applicants"},
	}
	for _, s := range steps {
		in = must(t)(e.book.Update(ctx, in.ID, s))
	}
	_, err = e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentVerified, By: "carol"})
	wantField(t, err, ErrIncidentState, "verification")
	in = must(t)(e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentVerified, By: "carol", Verification: "selection rates by age within 2% for 30 days"}))
	in = must(t)(e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentClosed, By: "carol"}))
	if in.State != IncidentClosed || in.Transition.From != IncidentVerified || in.Transition.By != "carol" {
		t.Fatalf("closed %+v", in)
	}
	_, err = e.book.Assign(ctx, in.ID, "dave", "carol")
	wantField(t, err, ErrIncidentState, "state")
	if got, ok := e.book.Get(in.ID); !ok || got.State != IncidentClosed {
		t.Fatalf("closed incident not kept: %+v %v", got, ok)
	}

	recs := e.records(t)
	if len(recs) != 6 {
		t.Fatalf("%d records for 6 changes", len(recs))
	}
	states := []string{"open", "investigating", "investigating", "corrective_action", "verified", "closed"}
	for i, r := range recs {
		if r.Type != RecordIncident || r.Subject != in.ID || r.State != states[i] || r.Summary == "" ||
			!slices.Equal(r.Controls, []string{"A.8.4", "A.3.3"}) || !slices.Equal(r.Clauses, []string{"10.2"}) ||
			!slices.Equal(r.Decisions, []string{dec}) {
			t.Errorf("record %d: %+v", i, r)
		}
		var d Incident
		if err := r.DecodeData(&d); err != nil || string(d.State) != states[i] || d.ID != in.ID {
			t.Errorf("record %d data %+v %v", i, d, err)
		}
	}
	if recs[0].Actor != "alice" || recs[5].Actor != "carol" || !strings.Contains(recs[2].Summary, "root cause recorded") {
		t.Errorf("actors/summaries %q %q %q", recs[0].Actor, recs[5].Actor, recs[2].Summary)
	}
	if evs := e.logs.Events(semconv.EventManagementPrefix + "incident"); len(evs) != 6 {
		t.Errorf("%d aims.management.incident log records", len(evs))
	}
}

func TestIncidentClosingNeedsRootCauseAndCorrectiveAction(t *testing.T) {
	e := newBookEnv(t, RiskMinimal)
	ctx := context.Background()
	in := must(t)(e.book.Open(ctx, IncidentReport{Title: "t", Severity: SeverityLow, By: "a"}))
	for _, to := range []IncidentState{IncidentInvestigating, IncidentCorrectiveAction} {
		must(t)(e.book.Update(ctx, in.ID, IncidentUpdate{To: to, By: "a"}))
	}
	_, err := e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentVerified, By: "a", Verification: "checked"})
	wantField(t, err, ErrIncidentState, "corrective_action")
	must(t)(e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentVerified, By: "a", Verification: "checked", CorrectiveAction: "fixed"}))
	_, err = e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentClosed, By: "a"})
	wantField(t, err, ErrIncidentState, "root_cause")
	must(t)(e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentClosed, By: "a", RootCause: "bug"}))
	// Nothing to record is an error, not an empty record.
	in2 := must(t)(e.book.Open(ctx, IncidentReport{Title: "t2", Severity: SeverityLow, By: "a"}))
	_, err = e.book.Update(ctx, in2.ID, IncidentUpdate{By: "a"})
	wantField(t, err, ErrInvalidIncident, "to")
}

func TestIncidentInputValidation(t *testing.T) {
	e := newBookEnv(t, RiskHigh)
	ctx := context.Background()
	ok := IncidentReport{Title: "t", Severity: SeverityLow, By: "a"}
	for name, c := range map[string]struct {
		mutate func(*IncidentReport)
		field  string
	}{
		"no title":       {func(r *IncidentReport) { r.Title = "  " }, "title"},
		"long title":     {func(r *IncidentReport) { r.Title = strings.Repeat("x", MaxIncidentTitle+1) }, "title"},
		"control char":   {func(r *IncidentReport) { r.Title = "a\x1b[31m" }, "title"},
		"newline title":  {func(r *IncidentReport) { r.Title = "a\nb" }, "title"},
		"bad utf-8":      {func(r *IncidentReport) { r.Description = "\xff" }, "description"},
		"no by":          {func(r *IncidentReport) { r.By = "" }, "by"},
		"severity":       {func(r *IncidentReport) { r.Severity = "urgent" }, "severity"},
		"serious":        {func(r *IncidentReport) { r.Serious = "bad" }, "serious"},
		"alarm source":   {func(r *IncidentReport) { r.Source = SourceDriftAlarm }, "source"},
		"decision":       {func(r *IncidentReport) { r.Decisions = []string{uuid.NewString(), "42"} }, "decisions[1]"},
		"risk":           {func(r *IncidentReport) { r.Risks = []string{""} }, "risks[0]"},
		"future":         {func(r *IncidentReport) { r.AwareAt = t0.Add(time.Hour) }, "aware_at"},
		"many decisions": {func(r *IncidentReport) { r.Decisions = manyUUIDs(MaxIncidentDecisions + 1) }, "decisions"},
	} {
		r := ok
		c.mutate(&r)
		_, err := e.book.Open(ctx, r)
		var ie *incidentError
		if !errors.Is(err, ErrInvalidIncident) || !errors.As(err, &ie) || ie.field != c.field {
			t.Errorf("%s: %v, want an error naming %q", name, err, c.field)
		}
	}
	if n := len(e.records(t)); n != 0 {
		t.Fatalf("%d records of refused input", n)
	}
	if _, err := e.book.Assign(ctx, uuid.NewString(), "o", "a"); !errors.Is(err, ErrIncidentNotFound) {
		t.Fatalf("unknown incident: %v", err)
	}
}

func manyUUIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = uuid.NewString()
	}
	return out
}

func TestIncidentLinksOwnerAndClassification(t *testing.T) {
	e := newBookEnv(t, RiskHigh)
	ctx := context.Background()
	in := must(t)(e.book.Open(ctx, IncidentReport{Title: "t", Severity: SeverityLow, By: "a"}))
	d1, d2 := uuid.NewString(), uuid.NewString()
	in = must(t)(e.book.LinkDecisions(ctx, in.ID, "a", d1, d2))
	in = must(t)(e.book.LinkDecisions(ctx, in.ID, "a", strings.ToUpper(d1))) // already linked
	in = must(t)(e.book.LinkRisks(ctx, in.ID, "a", "R-7"))
	in = must(t)(e.book.LinkRisks(ctx, in.ID, "a", "R-7"))
	in = must(t)(e.book.Assign(ctx, in.ID, "risk-team", "a"))
	in = must(t)(e.book.Assign(ctx, in.ID, "risk-team", "a"))
	if !slices.Equal(in.Decisions, []string{d1, d2}) || !slices.Equal(in.Risks, []string{"R-7"}) || in.Owner != "risk-team" {
		t.Fatalf("%+v", in)
	}
	// Serious only after investigation: the deadline counts from AwareAt.
	e.clock.Set(t0.Add(24 * time.Hour))
	in = must(t)(e.book.Classify(ctx, in.ID, "a", SeverityCritical, SeriousDeath, "a patient died"))
	if in.ReportDeadline == nil || !in.ReportDeadline.Equal(t0.AddDate(0, 0, 10)) {
		t.Fatalf("deadline %v", in.ReportDeadline)
	}
	recs := e.records(t)
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5 (unchanged links and owners write none)", len(recs))
	}
	last := recs[len(recs)-1]
	if !slices.Equal(last.Clauses, []string{"10.2", "EU AI Act Art. 73"}) || !slices.Equal(last.Decisions, []string{d1, d2}) {
		t.Errorf("last record %+v", last)
	}
}

func TestSeriousIncidentReporting(t *testing.T) {
	e := newBookEnv(t, RiskHigh)
	ctx := context.Background()
	aware := t0.Add(-time.Hour)
	in := must(t)(e.book.Open(ctx, IncidentReport{Title: "wrongful refusals at scale", Severity: SeverityCritical,
		Serious: SeriousOther, By: "a", AwareAt: aware}))
	if in.ReportDeadline == nil || !in.ReportDeadline.Equal(aware.AddDate(0, 0, 15)) {
		t.Fatalf("deadline %v", in.ReportDeadline)
	}
	for _, s := range []IncidentUpdate{{To: IncidentInvestigating, By: "a"}, {To: IncidentCorrectiveAction, By: "a", RootCause: "r", CorrectiveAction: "c"},
		{To: IncidentVerified, By: "a", Verification: "v"}} {
		must(t)(e.book.Update(ctx, in.ID, s))
	}
	_, err := e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentClosed, By: "a"})
	wantField(t, err, ErrIncidentState, "reported_at")
	_, err = e.book.MarkReported(ctx, in.ID, "a", t0.Add(time.Minute), "")
	wantField(t, err, ErrInvalidIncident, "at")
	_, err = e.book.MarkReported(ctx, in.ID, "a", aware.Add(-time.Minute), "")
	wantField(t, err, ErrInvalidIncident, "at")
	in = must(t)(e.book.MarkReported(ctx, in.ID, "a", time.Time{}, "report 2026/113 to the authority"))
	if in.ReportedAt == nil || !in.ReportedAt.Equal(t0) {
		t.Fatalf("reported at %v", in.ReportedAt)
	}
	_, err = e.book.MarkReported(ctx, in.ID, "a", time.Time{}, "")
	wantField(t, err, ErrIncidentState, "reported_at")
	must(t)(e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentClosed, By: "a"}))
	recs := e.records(t)
	if !slices.Contains(recs[0].Clauses, "EU AI Act Art. 73") {
		t.Errorf("clauses %v", recs[0].Clauses)
	}
	// A limited-risk system has no Art. 73 deadline.
	e2 := newBookEnv(t, RiskLimited)
	in2 := must(t)(e2.book.Open(ctx, IncidentReport{Title: "t", Severity: SeverityHigh, Serious: SeriousDeath, By: "a"}))
	if in2.ReportDeadline != nil {
		t.Fatalf("deadline on a limited-risk system: %v", in2.ReportDeadline)
	}
}

// TestUnclassifiedSystemGetsArt73Deadline checks that a serious incident
// of a system whose risk level is unspecified (NewSystem's default) gets
// the Art. 73 deadline of a high-risk system, following the package's rule
// (RiskLevel.Rank) that a system nobody classified ranks as high and is
// never treated more leniently than a high-risk one. EU AI Act Art. 73(4):
// in the event of the death of a person the report is due "not later than
// 10 days after" the provider or deployer becomes aware. Without the
// deadline no report would be required before closing and CheckDeadlines
// would never warn. A prohibited practice, to which Art. 73 does not
// apply, still gets none.
func TestUnclassifiedSystemGetsArt73Deadline(t *testing.T) {
	if d, ok := ReportDeadlineFor(RiskUnspecified, SeriousDeath, t0); !ok || !d.Equal(t0.AddDate(0, 0, 10)) {
		t.Errorf("ReportDeadlineFor(unspecified, death) = %v, %v; want the high-risk deadline %v", d, ok, t0.AddDate(0, 0, 10))
	}
	if _, ok := ReportDeadlineFor(RiskProhibited, SeriousDeath, t0); ok {
		t.Errorf("ReportDeadlineFor(prohibited, death): Art. 73 applies to high-risk systems")
	}

	e := newBookEnv(t, RiskUnspecified)
	ctx := context.Background()
	in := must(t)(e.book.Open(ctx, IncidentReport{Title: "patient died after triage error", Severity: SeverityCritical, Serious: SeriousDeath, By: "alice"}))
	if want := t0.AddDate(0, 0, 10); in.ReportDeadline == nil || !in.ReportDeadline.Equal(want) {
		t.Fatalf("death on a system of unspecified risk level: deadline %v, want %v", in.ReportDeadline, want)
	}
	if n := e.book.CheckDeadlines(ctx, t0.AddDate(0, 0, 11)); len(n) != 1 || n[0].IncidentID != in.ID || n[0].State != DeadlinePassed {
		t.Errorf("11 days after a death, unreported: notices %+v, want one passed", n)
	}
	for _, s := range []IncidentUpdate{{To: IncidentInvestigating, By: "a"}, {To: IncidentCorrectiveAction, By: "a", RootCause: "r", CorrectiveAction: "c"},
		{To: IncidentVerified, By: "a", Verification: "v"}} {
		must(t)(e.book.Update(ctx, in.ID, s))
	}
	_, err := e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentClosed, By: "a"})
	wantField(t, err, ErrIncidentState, "reported_at")
	if err == nil || !strings.Contains(err.Error(), "unspecified risk level") {
		t.Errorf("refusal does not say why an unclassified system is held to Art. 73: %v", err)
	}
}

func TestCheckDeadlines(t *testing.T) {
	e := newBookEnv(t, RiskHigh, WithDeadlineLead(SeriousOther, 72*time.Hour))
	ctx := context.Background()
	wide := must(t)(e.book.Open(ctx, IncidentReport{Title: "grid outage", Severity: SeverityCritical, Serious: SeriousWidespread, By: "a"}))
	other := must(t)(e.book.Open(ctx, IncidentReport{Title: "harm", Severity: SeverityHigh, Serious: SeriousOther, By: "a"}))
	must(t)(e.book.Open(ctx, IncidentReport{Title: "not serious", Severity: SeverityHigh, By: "a"}))
	check := func(at time.Time, want ...string) []DeadlineNotice {
		t.Helper()
		got := e.book.CheckDeadlines(ctx, at)
		var s []string
		for _, n := range got {
			s = append(s, n.IncidentID+" "+n.State)
		}
		if !slices.Equal(s, want) {
			t.Fatalf("at %v: notices %v, want %v", at.Sub(t0), s, want)
		}
		return got
	}
	wideDL := t0.Add(48 * time.Hour)
	check(t0)
	check(wideDL.Add(-12*time.Hour - time.Second))
	n := check(wideDL.Add(-12*time.Hour), wide.ID+" approaching")
	if !n[0].Deadline.Equal(wideDL) || n[0].Serious != SeriousWidespread || n[0].Title != "grid outage" {
		t.Errorf("notice %+v", n[0])
	}
	check(wideDL.Add(-time.Hour))
	check(wideDL, wide.ID+" passed")
	check(wideDL.Add(time.Hour))
	// The 15-day incident: lead 72h (WithDeadlineLead), then passed.
	otherDL := t0.AddDate(0, 0, 15)
	check(otherDL.Add(-72*time.Hour), other.ID+" approaching")
	// Reported: no more notices.
	must(t)(e.book.MarkReported(ctx, other.ID, "a", time.Time{}, ""))
	check(otherDL.Add(time.Hour))

	evs := e.logs.Events(semconv.EventIncidentDeadline)
	if len(evs) != 3 {
		t.Fatalf("%d deadline events, want 3", len(evs))
	}
	a := oteltest.Attrs(evs[1])
	if a[string(semconv.AimsControlID)].AsString() != "A.8.4" || a[string(semconv.AimsIncidentID)].AsString() != wide.ID ||
		a[string(semconv.AimsIncidentDeadlineState)].AsString() != "passed" || a[string(semconv.AimsIncidentSerious)].AsString() != string(SeriousWidespread) ||
		a[string(semconv.AimsIncidentReportDeadline)].AsString() != wideDL.Format(time.RFC3339) || a[string(semconv.AimsSystemID)].AsString() != "credit-scoring" {
		t.Errorf("passed event %v", a)
	}
	if evs[1].SeverityText() != "ERROR" || evs[0].SeverityText() != "WARN" {
		t.Errorf("severities %q %q", evs[0].SeverityText(), evs[1].SeverityText())
	}
	// An incident first checked after its deadline gets only "passed".
	late := must(t)(e.book.Open(ctx, IncidentReport{Title: "late", Severity: SeverityHigh, Serious: SeriousWidespread, By: "a"}))
	check(t0.Add(72*time.Hour), late.ID+" passed")
}

func TestDeadlineOptionsValidated(t *testing.T) {
	sys, err := NewSystem("s")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []IncidentOption{WithDeadlineLead(SeriousNone, time.Hour), WithDeadlineLead(SeriousWidespread, 49*time.Hour),
		WithDeadlineLead(SeriousOther, 0), WithDeadlineCheck(0), WithMaxOpenIncidents(3), WithMaxClosedIncidents(-1),
		WithIncidentClock(nil), WithAlarmSeverity("huge"), WithIncidentErrorHandler(nil)} {
		if _, err := NewIncidentBook(sys, o); err == nil {
			t.Errorf("option accepted")
		}
	}
	if _, err := NewIncidentBook(nil); err == nil {
		t.Error("nil system accepted")
	}
}

// TestDeadlineLoop drives the background check with an injected ticker:
// a tick runs CheckDeadlines at the book's clock, and Close stops the loop.
func TestDeadlineLoop(t *testing.T) {
	ticks := make(chan time.Time)
	checked := make(chan struct{})
	stopped := make(chan struct{})
	e := newBookEnv(t, RiskHigh, WithDeadlineCheck(time.Minute), incidentOptionFunc(func(c *incidentConfig) {
		c.newTicker = func(d time.Duration) (<-chan time.Time, func()) {
			if d != time.Minute {
				t.Errorf("ticker interval %v", d)
			}
			return ticks, func() { close(stopped) }
		}
		c.afterCheck = func() { checked <- struct{}{} }
	}))
	ctx := context.Background()
	in := must(t)(e.book.Open(ctx, IncidentReport{Title: "t", Severity: SeverityHigh, Serious: SeriousWidespread, By: "a"}))
	e.clock.Set(t0.Add(47 * time.Hour))
	ticks <- time.Time{}
	<-checked
	evs := e.logs.Events(semconv.EventIncidentDeadline)
	if len(evs) != 1 || oteltest.Attrs(evs[0])[string(semconv.AimsIncidentID)].AsString() != in.ID {
		t.Fatalf("%d deadline events after a tick", len(evs))
	}
	if err := e.book.Close(ctx); err != nil {
		t.Fatal(err)
	}
	<-stopped // the loop stopped its ticker on the way out
	if err := e.book.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.book.Open(ctx, IncidentReport{Title: "t", Severity: SeverityLow, By: "a"}); !errors.Is(err, ErrIncidentBookClosed) {
		t.Fatalf("open after Close: %v", err)
	}
	if _, ok := e.book.Get(in.ID); !ok {
		t.Fatal("Get after Close")
	}
}

func TestOpenIncidentsBounded(t *testing.T) {
	e := newBookEnv(t, RiskMinimal, WithMaxOpenIncidents(10), WithMaxClosedIncidents(2))
	ctx := context.Background()
	var ids []string
	for i := range 9 {
		in := must(t)(e.book.Open(ctx, IncidentReport{Title: fmt.Sprint("report ", i), Severity: SeverityLow, By: "mallory"}))
		ids = append(ids, in.ID)
	}
	if _, err := e.book.Open(ctx, IncidentReport{Title: "one more", Severity: SeverityLow, By: "mallory"}); !errors.Is(err, ErrTooManyIncidents) {
		t.Fatalf("10th report: %v", err)
	}
	// The reserve is for the system's own incidents.
	if _, changed, err := e.book.Raise(ctx, testAlarm{key: "drift/feature/age", active: true}); err != nil || !changed {
		t.Fatalf("alarm with a full book of reports: %v", err)
	}
	if _, _, err := e.book.Raise(ctx, testAlarm{key: "drift/feature/income", active: true}); !errors.Is(err, ErrTooManyIncidents) {
		t.Fatalf("11th incident: %v", err)
	}
	// Closing frees room; closed ones beyond WithMaxClosedIncidents are
	// forgotten by the book (not by the ledger).
	for _, id := range ids[:3] {
		closeIncident(t, e.book, id)
	}
	if _, ok := e.book.Get(ids[0]); ok {
		t.Error("the oldest closed incident is still in memory")
	}
	if _, ok := e.book.Get(ids[2]); !ok {
		t.Error("a recent closed incident is not in memory")
	}
	if n := len(e.book.List(IncidentFilter{})); n != 9 {
		t.Errorf("List: %d incidents, want 7 not closed + 2 closed", n)
	}
	must(t)(e.book.Open(ctx, IncidentReport{Title: "room again", Severity: SeverityLow, By: "mallory"}))
}

// closeIncident takes id through its whole life cycle.
func closeIncident(t *testing.T, b *IncidentBook, id string) {
	t.Helper()
	for _, s := range []IncidentUpdate{{To: IncidentInvestigating, By: "a"}, {To: IncidentCorrectiveAction, By: "a", RootCause: "r", CorrectiveAction: "c"},
		{To: IncidentVerified, By: "a", Verification: "v"}, {To: IncidentClosed, By: "a"}} {
		must(t)(b.Update(context.Background(), id, s))
	}
}

// testAlarm is an Alarm for tests.
type testAlarm struct {
	key, source, severity, summary string
	active                         bool
	decisions                      []string
}

func (a testAlarm) AlarmKey() string     { return a.key }
func (a testAlarm) AlarmActive() bool    { return a.active }
func (a testAlarm) AlarmSummary() string { return a.summary }
func (a testAlarm) AlarmSource() string {
	if a.source == "" {
		return string(SourceDriftAlarm)
	}
	return a.source
}
func (a testAlarm) AlarmSeverity() string    { return a.severity }
func (a testAlarm) AlarmDecisions() []string { return a.decisions }

func TestRaiseDeduplicates(t *testing.T) {
	e := newBookEnv(t, RiskHigh, WithAlarmSeverity(SeverityHigh))
	ctx := context.Background()
	raise := func(active bool, wantChanged bool) Incident {
		t.Helper()
		in, changed, err := e.book.Raise(ctx, testAlarm{key: "drift/feature/age", active: active, summary: fmt.Sprint("age active=", active), severity: "WARN"})
		if err != nil || changed != wantChanged {
			t.Fatalf("raise(%v): changed %v, err %v; want changed %v", active, changed, err, wantChanged)
		}
		return in
	}
	first := raise(true, true)
	if first.Source != SourceDriftAlarm || first.AlarmKey != "drift/feature/age" || !first.AlarmActive || first.Severity != SeverityHigh ||
		first.OpenedBy != "drift monitor" || first.Title != "age active=true" {
		t.Fatalf("opened %+v", first)
	}
	for range 5 {
		raise(true, false)
	}
	cleared := raise(false, true)
	raise(false, false)
	again := raise(true, true)
	if cleared.ID != first.ID || again.ID != first.ID || cleared.AlarmActive || !again.AlarmActive {
		t.Fatalf("cleared %+v again %+v", cleared, again)
	}
	recs := e.records(t)
	if len(recs) != 3 || !strings.HasPrefix(recs[1].Summary, "alarm cleared") || !strings.HasPrefix(recs[2].Summary, "alarm raised again") {
		t.Fatalf("records %d: %v", len(recs), summaries(recs))
	}
	if !slices.Equal(recs[0].Controls, []string{"A.8.4", "A.6.2.6"}) || recs[0].Actor != "drift monitor" {
		t.Errorf("controls %v actor %q", recs[0].Controls, recs[0].Actor)
	}
	// A cleared alarm with no incident opens nothing; after the incident
	// is closed, the next raise opens a new one.
	if _, changed, err := e.book.Raise(ctx, testAlarm{key: "drift/dataset"}); err != nil || changed {
		t.Fatalf("clear without incident: %v %v", changed, err)
	}
	closeIncident(t, e.book, first.ID)
	next := raise(true, true)
	if next.ID == first.ID {
		t.Fatal("a closed incident was reopened")
	}
	// Decisions an alarm names are linked; a halt is evidence for A.9.2.
	d := uuid.NewString()
	halt, _, err := e.book.Raise(ctx, testAlarm{key: "halt/credit-scoring", source: "halt", active: true, decisions: []string{d}, severity: "critical"})
	if err != nil || !slices.Equal(halt.Decisions, []string{d}) || halt.Severity != SeverityCritical || halt.Source != SourceHalt {
		t.Fatalf("halt %+v %v", halt, err)
	}
	recs = e.records(t)
	if last := recs[len(recs)-1]; !slices.Equal(last.Controls, []string{"A.8.4", "A.9.2"}) {
		t.Errorf("halt controls %v", last.Controls)
	}
	for name, a := range map[string]testAlarm{
		"no key":     {active: true},
		"bad source": {key: "k", source: "person", active: true},
		"bad dec":    {key: "k2", active: true, decisions: []string{"x"}},
	} {
		if _, _, err := e.book.Raise(ctx, a); !errors.Is(err, ErrInvalidIncident) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := e.book.Raise(ctx, nil); !errors.Is(err, ErrInvalidIncident) {
		t.Errorf("nil alarm: %v", err)
	}
}

func summaries(recs []ManagementRecord) []string {
	var s []string
	for _, r := range recs {
		s = append(s, r.Summary)
	}
	return s
}

// TestRaiseConcurrent raises and clears one key from many goroutines
// while people open and move other incidents: one incident for the key,
// and its records alternate (an unchanged raise writes nothing).
func TestRaiseConcurrent(t *testing.T) {
	e := newBookEnv(t, RiskLimited)
	ctx := context.Background()
	var errs []error
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	handler := AlarmHandler[testAlarm](e.book)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				handler(ctx, testAlarm{key: "fairness/sex/demographic_parity_ratio", source: "fairness_alarm", active: (i/5)%2 == 0})
				if i%10 == 0 {
					in, err := e.book.Open(ctx, IncidentReport{Title: fmt.Sprint("w", w), Severity: SeverityLow, By: "a"})
					if err != nil {
						fail(err)
						continue
					}
					if _, err := e.book.Update(ctx, in.ID, IncidentUpdate{To: IncidentInvestigating, By: "a"}); err != nil {
						fail(err)
					}
					_ = e.book.List(IncidentFilter{States: []IncidentState{IncidentInvestigating}})
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	alarmed := e.book.List(IncidentFilter{AlarmKey: "fairness/sex/demographic_parity_ratio"})
	if len(alarmed) != 1 {
		t.Fatalf("%d incidents for one alarm key", len(alarmed))
	}
	var active []bool
	for _, r := range e.records(t) {
		if r.Subject == alarmed[0].ID {
			var in Incident
			if err := r.DecodeData(&in); err != nil {
				t.Fatal(err)
			}
			active = append(active, in.AlarmActive)
		}
	}
	for i, a := range active {
		if a != (i%2 == 0) {
			t.Fatalf("alarm records %v do not alternate: an unchanged raise wrote a record", active)
		}
	}
	if n := len(e.book.List(IncidentFilter{Source: SourcePerson})); n != 32 {
		t.Errorf("%d person incidents, want 32", n)
	}
}

func TestAlarmHandlerReportsErrors(t *testing.T) {
	var mu sync.Mutex
	var got []error
	e := newBookEnv(t, RiskLimited, WithIncidentErrorHandler(func(err error) {
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
	}))
	AlarmHandler[testAlarm](e.book)(context.Background(), testAlarm{key: "k", source: "nope", active: true})
	if len(got) != 1 || !errors.Is(got[0], ErrInvalidIncident) {
		t.Fatalf("errors %v", got)
	}
	AlarmHandler[testAlarm](nil)(context.Background(), testAlarm{}) // reported to otel.Handle, no panic
}

// TestRestoreContinues opens incidents, restarts (ledger, system and book
// reopened) and continues: the open incident's next transition works, and
// its alarm key still deduplicates.
func TestRestoreContinues(t *testing.T) {
	e := newBookEnv(t, RiskHigh)
	ctx := context.Background()
	person := must(t)(e.book.Open(ctx, IncidentReport{Title: "t", Severity: SeverityHigh, Serious: SeriousOther, By: "a"}))
	must(t)(e.book.Update(ctx, person.ID, IncidentUpdate{To: IncidentInvestigating, By: "a"}))
	alarm, _, err := e.book.Raise(ctx, testAlarm{key: "drift/dataset", active: true})
	if err != nil {
		t.Fatal(err)
	}
	done := must(t)(e.book.Open(ctx, IncidentReport{Title: "done", Severity: SeverityLow, By: "a"}))
	closeIncident(t, e.book, done.ID)
	// A decision in the ledger is skipped by Restore.
	d, err := e.sys.NewDecision(ctx, Draft{Output: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sys.Log().Record(ctx, d); err != nil {
		t.Fatal(err)
	}
	before := len(e.records(t))
	e.close(t)

	e.open(t, RiskHigh)
	if _, ok := e.book.Get(person.ID); ok {
		t.Fatal("a new book knows incidents before Restore")
	}
	n, err := e.book.Restore(ctx, "")
	if err != nil || n != 2 {
		t.Fatalf("Restore: %d, %v; want the 2 incidents that are not closed", n, err)
	}
	got, ok := e.book.Get(person.ID)
	if !ok || got.State != IncidentInvestigating || got.ReportDeadline == nil {
		t.Fatalf("restored %+v", got)
	}
	if got, ok := e.book.Get(done.ID); !ok || got.State != IncidentClosed {
		t.Fatalf("closed incident not restored: %+v", got)
	}
	must(t)(e.book.Update(ctx, person.ID, IncidentUpdate{To: IncidentCorrectiveAction, By: "b"}))
	if _, changed, err := e.book.Raise(ctx, testAlarm{key: "drift/dataset", active: true}); err != nil || changed {
		t.Fatalf("raise of a restored alarm key: changed %v, %v", changed, err)
	}
	if in, changed, err := e.book.Raise(ctx, testAlarm{key: "drift/dataset"}); err != nil || !changed || in.ID != alarm.ID {
		t.Fatalf("clear of a restored alarm key: %+v %v %v", in, changed, err)
	}
	// Deadline events are emitted again after a restart, once.
	if ns := e.book.CheckDeadlines(ctx, t0.AddDate(0, 0, 14)); len(ns) != 1 {
		t.Fatalf("notices after restore %v", ns)
	}
	// Restoring again adds nothing.
	if n, err := e.book.Restore(ctx, e.dir); err != nil || n != 0 {
		t.Fatalf("second Restore: %d %v", n, err)
	}
	if after := len(e.records(t)); after != before+2 {
		t.Fatalf("records %d → %d, want 2 more", before, after)
	}
	// A book too small for the ledger's open incidents refuses to restore.
	small, err := NewIncidentBook(e.sys, WithMaxOpenIncidents(10))
	if err != nil {
		t.Fatal(err)
	}
	for range 9 {
		if _, err := small.Open(ctx, IncidentReport{Title: "t", Severity: SeverityLow, By: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := small.Restore(ctx, e.dir); !errors.Is(err, ErrTooManyIncidents) {
		t.Fatalf("restore beyond the bound: %v", err)
	}
	// Without a ledger there is nothing to restore from.
	bare, _ := NewSystem("bare")
	bb, _ := NewIncidentBook(bare)
	if _, err := bb.Restore(ctx, ""); err == nil {
		t.Fatal("restore without a ledger")
	}
}
