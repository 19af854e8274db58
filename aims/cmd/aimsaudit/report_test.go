package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/auditreport/reporttest"
)

func TestReportWritesHTMLAndMarkdown(t *testing.T) {
	p, want, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.html")
	md := filepath.Join(t.TempDir(), "report.md")
	code, stdout, stderr := runCmd(t, "report", "--ledger", p.Ledger, "--otel", p.OTel, "--soa", p.SoA, "--key", p.Key, "--out", out, "--markdown", md)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("warnings with every input present: %s", stderr)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<!DOCTYPE html>", "<svg ", "PASS", "A.6.2.8"} {
		if !bytes.Contains(html, []byte(s)) {
			t.Errorf("HTML report lacks %q", s)
		}
	}
	mdText, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(mdText, []byte("# AI management system audit report")) {
		t.Errorf("Markdown report starts with %.60q", mdText)
	}
	if !strings.Contains(stdout, "The ledger verified") || !strings.Contains(stdout, "decisions: 60") {
		t.Errorf("summary on stdout: %s", stdout)
	}
	if want.Decisions != 60 {
		t.Fatalf("scenario changed: %d decisions", want.Decisions)
	}
}

func TestReportTamperedLedgerExitsOne(t *testing.T) {
	p, _, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(p.Ledger, "seg-*.jsonl"))
	if len(segs) == 0 {
		t.Fatal("no segments")
	}
	b, _ := os.ReadFile(segs[0])
	if err := os.WriteFile(segs[0], bytes.Replace(b, []byte(`"output":"deny"`), []byte(`"output":"approve"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := runCmd(t, "report", "--ledger", p.Ledger, "--key", p.Key, "--out", out)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitFailed, stdout, stderr)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the report is still written: %v", err)
	}
	if !bytes.Contains(html, []byte("FAILED verification")) {
		t.Error("the report does not show the failed verification")
	}
	if !strings.Contains(stdout, "FAILED") {
		t.Errorf("stdout: %s", stdout)
	}
}

func TestReportMissingInputsAreWarnings(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCmd(t, "report", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"--ledger", "--otel", "--soa"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("no warning naming %s: %s", s, stderr)
		}
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("Missing:")) {
		t.Error("the report does not say what is missing")
	}
}

func TestReportUsageErrors(t *testing.T) {
	if code, _, _ := runCmd(t, "report"); code != exitUsageErr {
		t.Errorf("no output file: exit %d", code)
	}
	if code, _, _ := runCmd(t, "report", "--out", "x.html", "stray"); code != exitUsageErr {
		t.Errorf("positional argument: exit %d", code)
	}
	dir := filepath.Join(t.TempDir(), "no", "such", "dir")
	if code, _, _ := runCmd(t, "report", "--out", filepath.Join(dir, "r.html")); code != exitUsageErr {
		t.Errorf("unwritable output: exit %d", code)
	}
}

// TestReportJSONHoldsTheReportData checks that --json writes the Report
// struct, with the incidents and the coverage's record types.
func TestReportJSONHoldsTheReportData(t *testing.T) {
	p, want, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, stdout := reportJSON(t, "--ledger", p.Ledger, "--otel", p.OTel, "--soa", p.SoA, "--key", p.Key)
	if r.Decisions.Total != want.Decisions || len(r.Incidents.Incidents) != len(want.Incidents) || len(r.Coverage.Rows) != 38 {
		t.Errorf("JSON report: %d decisions, %d incidents, %d controls; want %d, %d, 38", r.Decisions.Total, len(r.Incidents.Incidents), len(r.Coverage.Rows), want.Decisions, len(want.Incidents))
	}
	// Whether INC-1's report is pending or overdue depends on today's date.
	if !strings.Contains(stdout, "incidents: 3 (1 open), ") {
		t.Errorf("summary on stdout: %s", stdout)
	}
}

// TestReportNowJudgesDeadlines: --now fixes the time the report is made
// at, so INC-1's Art. 73 report (deadline T0+2h+15d) is pending on the day
// after it was opened and overdue a month later, whatever today is; a
// malformed --now is a usage error.
func TestReportNowJudgesDeadlines(t *testing.T) {
	p, _, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	status := func(now string) auditreport.ReportStatus {
		t.Helper()
		r, _ := reportJSON(t, "--ledger", p.Ledger, "--otel", p.OTel, "--soa", p.SoA, "--key", p.Key, "--now", now)
		if want, _ := time.Parse(time.RFC3339, now); !r.GeneratedAt.Equal(want) {
			t.Fatalf("report generated at %v, want %v", r.GeneratedAt, want)
		}
		for _, in := range r.Incidents.Incidents {
			if in.ID == "INC-1" {
				return in.Report
			}
		}
		t.Fatal("INC-1 not in the report")
		return ""
	}
	day := 24 * time.Hour
	if got := status(reporttest.T0.Add(day).Format(time.RFC3339)); got != auditreport.ReportPending {
		t.Errorf("a day after: %s, want pending", got)
	}
	if got := status(reporttest.T0.Add(30 * day).Format(time.RFC3339)); got != auditreport.ReportOverdue {
		t.Errorf("a month after: %s, want overdue", got)
	}
	code, _, stderr := runCmd(t, "report", "--ledger", p.Ledger, "--json", filepath.Join(t.TempDir(), "r.json"), "--now", "yesterday")
	if code != exitUsageErr || !strings.Contains(stderr, "RFC 3339") {
		t.Errorf("--now yesterday: exit %d, %s", code, stderr)
	}
}

// reportJSON runs aimsaudit report with args and --json, and returns the
// report's data and the command's standard output.
func reportJSON(t *testing.T, args ...string) (auditreport.Report, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := runCmd(t, append(append([]string{"report"}, args...), "--json", out)...)
	if code != exitOK {
		t.Fatalf("report %v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r auditreport.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r, stdout
}
