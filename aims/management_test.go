package aims

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestManagementRecordsGoToLedgerAndOTel records an incident through a
// System and reads it back from the verified ledger and from the emitted
// log record: same bytes, the controls in aims.control.id(s).
func TestManagementRecordsGoToLedgerAndOTel(t *testing.T) {
	logs := oteltest.NewLogs(t)
	dir := t.TempDir()
	led, verifier := testLedger(t, dir)
	sys, err := NewSystem("credit-scoring", WithRiskLevel(RiskHigh), WithLedger(led), WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	aware := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	deadline, ok := ReportDeadlineFor(RiskHigh, SeriousOther, aware)
	if !ok || !deadline.Equal(aware.AddDate(0, 0, 15)) {
		t.Fatalf("deadline %v %v", deadline, ok)
	}
	inc := Incident{ID: "INC-1", Title: "drift on income", Severity: SeverityHigh, Serious: SeriousOther, State: IncidentOpen,
		Source: SourceDriftAlarm, OpenedBy: "drift monitor", AwareAt: aware, ReportDeadline: &deadline,
		Transition: IncidentTransition{To: IncidentOpen, By: "drift monitor", At: aware}}
	if err := inc.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := sys.NewManagementRecord(RecordIncident, inc.ID, &inc)
	if err != nil {
		t.Fatal(err)
	}
	r.Summary, r.State, r.Actor = "incident opened", string(inc.State), inc.OpenedBy
	r.Controls = []string{"a.8.4", "A.3.3"}
	r.Clauses = []string{"10.2", "EU AI Act Art. 73"}
	if err := sys.RecordManagement(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := sys.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Verify(dir, []note.Verifier{verifier}, ledger.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []ManagementRecord
	if err := ledger.Scan(dir, func(s ledger.ScannedRecord) error {
		mr, err := ParseManagementRecord(s.Record)
		if err == ErrNotManagementRecord {
			return nil
		}
		got = append(got, mr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != r.ID || got[0].Controls[0] != "A.8.4" {
		t.Fatalf("ledger holds %+v", got)
	}
	var back Incident
	if err := got[0].DecodeData(&back); err != nil || back.ReportDeadline == nil || !back.ReportDeadline.Equal(deadline) {
		t.Fatalf("incident data %+v, %v", back, err)
	}
	evs := logs.Events(semconv.EventManagementPrefix + "incident")
	if len(evs) != 1 {
		t.Fatalf("%d aims.management.incident log records", len(evs))
	}
	a := oteltest.Attrs(evs[0])
	if a[string(semconv.AimsControlID)].AsString() != "A.8.4" || len(a[string(semconv.AimsControlIDs)].AsStringSlice()) != 2 ||
		a[string(semconv.AimsRecordSubject)].AsString() != "INC-1" {
		t.Fatalf("attributes %v", a)
	}
}

func TestManagementRecordValidation(t *testing.T) {
	sys, err := NewSystem("credit-scoring")
	if err != nil {
		t.Fatal(err)
	}
	good := func() ManagementRecord {
		r, err := sys.NewManagementRecord(RecordRisk, "R-1", map[string]string{"title": "x"})
		if err != nil {
			t.Fatal(err)
		}
		r.Summary, r.Controls = "risk added", []string{"A.5.2"}
		return r
	}
	if r := good(); r.Validate() != nil {
		t.Fatal(r.Validate())
	}
	for name, c := range map[string]struct {
		mutate func(*ManagementRecord)
		want   string
	}{
		"unknown control": {func(r *ManagementRecord) { r.Controls = []string{"A.99.1"} }, "controls[0]"},
		"no controls":     {func(r *ManagementRecord) { r.Controls = nil }, "controls is empty"},
		"unknown type":    {func(r *ManagementRecord) { r.Type = "memo" }, "type"},
		"no subject":      {func(r *ManagementRecord) { r.Subject = "" }, "subject"},
		"no summary":      {func(r *ManagementRecord) { r.Summary = "" }, "summary"},
		"bad id":          {func(r *ManagementRecord) { r.ID = "7" }, "id"},
		"other system":    {func(r *ManagementRecord) { r.SystemID = "other" }, "belongs to system"},
	} {
		r := good()
		c.mutate(&r)
		err := sys.RecordManagement(context.Background(), r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, c.want)
		}
	}
	closed := Incident{ID: "I", Title: "t", Severity: SeverityLow, State: IncidentClosed, Source: SourcePerson, OpenedBy: "a", AwareAt: time.Now()}
	if err := closed.Validate(); err == nil || !strings.Contains(err.Error(), "corrective_action") {
		t.Fatalf("closed without corrective action: %v", err)
	}
	if _, ok := ReportDeadlineFor(RiskLimited, SeriousDeath, time.Now()); ok {
		t.Fatal("a limited-risk system has no Art. 73 deadline")
	}
	for k, days := range map[SeriousKind]int{SeriousOther: 15, SeriousDeath: 10, SeriousWidespread: 2} {
		if p, _ := k.ReportingPeriod(); p != time.Duration(days)*24*time.Hour {
			t.Errorf("%s: %v", k, p)
		}
	}
}
