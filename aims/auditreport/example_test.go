package auditreport_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/auditreport/reporttest"
)

// Example builds the audit report of a small scenario — a signed ledger,
// the collector's logs and metrics, and a Statement of Applicability — and
// prints its summary.
func Example() {
	dir, err := os.MkdirTemp("", "auditreport-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	p, _, err := reporttest.Write(dir)
	if err != nil {
		log.Fatal(err)
	}

	in, err := auditreport.Load(context.Background(), auditreport.LoadOptions{
		LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: p.SoA, Key: p.Key,
		Now: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := auditreport.Build(in)
	if err != nil {
		log.Fatal(err)
	}
	var html, md bytes.Buffer
	if err := r.RenderHTML(&html); err != nil {
		log.Fatal(err)
	}
	if err := r.RenderMarkdown(&md); err != nil {
		log.Fatal(err)
	}
	for _, f := range r.Summary.Findings {
		fmt.Printf("[%s] %s\n", f.Verdict, f.Text)
	}
	fmt.Println("charts:", strings.Count(html.String(), "<svg "))
	// Output:
	// [pass] The ledger verified: 95 records, all covered by signed checkpoints.
	// [warning] 36 of 38 Annex A controls are applicable, 2 excluded, 0 not addressed. Of the 36 applicable controls, 12 have machine evidence (log records, metric points or ledger records), 14 only have evidence declared in the SoA (records or documents named there, to be checked by hand) and 10 have neither (the SoA declares evidence for 26 of the 36).
	// [pass] 60 decisions recorded (20 adverse) and 16 oversight follow-up records.
	// [warning] 12 decisions held for human review, 6 blocked; 4 approved, 3 rejected, 3 overridden, 1 expired, 1 still open (1 waiting for another reviewer's vote); 3 votes did not resolve a ticket; reviewers agreed with the model in 40% of resolved reviews.
	// [info] Rubber-stamping indicator: median time to review 6.0 min, agreement 40% over 10 resolved reviews; no warning (warning when the median time to review is below 30.0 s and agreement above 95%, over at least 5 resolved reviews).
	// [info] Incidents: 3 incidents in 10 records; by latest state investigating 1, closed 2; by source drift alarm 1, fairness alarm 1, person 1.
	// [warning] Incident INC-1 (credit-scoring): the EU AI Act Art. 73 report is due 2026-12-05 11:00:00 UTC and has not been reported yet.
	// [warning] Incident INC-1 (credit-scoring) of high severity is still open (state investigating, last change 2026-11-20 12:00:00 UTC).
	// [fail] Incident INC-2 (credit-scoring): the EU AI Act Art. 73 report was due 2026-11-19 09:00:00 UTC and has not been reported (overdue at the report's generation time).
	// [fail] Incident INC-3 (credit-scoring): its records break the incident life cycle (open → investigating → corrective action → verified → closed): skipped investigating: went from open to corrective action (record 01936a00-0000-7000-8000-000000001009 at 2026-11-20 12:30:00 UTC); skipped verified: went from corrective action to closed (record 01936a00-0000-7000-8000-000000001010 at 2026-11-20 13:30:00 UTC); closed without a corrective action (record 01936a00-0000-7000-8000-000000001010 at 2026-11-20 13:30:00 UTC); closed without a root cause (record 01936a00-0000-7000-8000-000000001010 at 2026-11-20 13:30:00 UTC).
	// [info] Management-system records: impact assessments: 1 subject in 2 records; deployment authorisations: 1 subject in 1 record; changes: 1 subject in 2 records; risk register: 1 subject in 2 records.
	// [fail] Fairness: 1 group fails the four-fifths rule; the monitor reported 1 threshold violation (1 of them about a failing group's selection rate: the same disparity, not a further alert); 1 distinct fairness alert.
	// [warning] Drift: 1 drift alert (and 1 recovery); 3 monitored series.
	// charts: 6
}

// ExampleLoad_missingInputs shows that a report is built whatever the
// inputs: with none given, Load still succeeds, Input.Missing says what
// could not be seen, and Build marks the sections unavailable instead of
// failing.
func ExampleLoad_missingInputs() {
	in, err := auditreport.Load(context.Background(), auditreport.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range in.Missing {
		fmt.Println("missing:", m)
	}
	r, err := auditreport.Build(in)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ledger:", r.Ledger.Verdict, "/ decisions available:", r.Decisions.Available)
	fmt.Println("Annex A controls listed:", len(r.Coverage.Rows))
	fmt.Println(r.Summary.Findings[0].Text)
	// Output:
	// missing: decision ledger: no ledger folder was given (--ledger)
	// missing: collector output: no folder was given (--otel), so there are no log records, metric points or inventory
	// missing: Statement of Applicability: no file was given (--soa), so applicability of the Annex A controls is unknown
	// ledger: not assessed / decisions available: false
	// Annex A controls listed: 38
	// The ledger was not verified.
}
