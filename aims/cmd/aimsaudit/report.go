package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/ledger"
)

func init() {
	register(&command{
		name:    "report",
		args:    "--ledger DIR --otel DIR --soa FILE --key PUB --out REPORT.html [--markdown REPORT.md] [--json REPORT.json] [--allow-pending] [--sign-key KEY]",
		summary: "build the audit report (one self-contained HTML file with charts, Markdown, and the report's data as JSON) from a ledger, the collector's logs.jsonl/metrics.jsonl and the Statement of Applicability",
		run:     runReportCommand,
	})
}

// runReportCommand builds the report. A missing input is a warning on
// stderr and a statement in the report, not an error, so an auditor always
// gets a report that says what it could not see. The exit status is 1 when
// the ledger failed verification (the report is still written, showing the
// first problem), 2 for usage or I/O errors.
func runReportCommand(args []string, stdout, stderr io.Writer) int {
	c := commands["report"]
	fs := newFlags(c, stderr)
	ledgerDir := fs.String("ledger", "", "decision ledger folder (one ledger, or one per instance below it)")
	otelDir := fs.String("otel", "", "folder with the collector file exporter's "+auditreport.LogsFile+" and "+auditreport.MetricsFile)
	soa := fs.String("soa", "", "Statement of Applicability (JSON or YAML)")
	key := fs.String("key", "", "public verifier key of the ledger, or a file holding it")
	out := fs.String("out", "", "write the HTML report to this file")
	mdOut := fs.String("markdown", "", "also write the report as Markdown to this file")
	jsonOut := fs.String("json", "", "also write the report's data (every section, count and finding) as JSON to this file")
	allowPending := fs.Bool("allow-pending", false, "accept ledger records after the last checkpoint (the ledger of a running service)")
	now := fs.String("now", "", "the time the report is made at, RFC 3339 (default: now); Art. 73 deadlines are judged pending or overdue against it, so a report can be reproduced")
	signKey := fs.String("sign-key", "", "private signing key file (as made by keygen): write a detached signature FILE"+signatureSuffix+" next to each report written; check it with verify-report")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(pos) != 0 || (*out == "" && *mdOut == "" && *jsonOut == "") {
		fs.Usage()
		return exitUsageErr
	}

	var at time.Time
	if *now != "" {
		if at, err = time.Parse(time.RFC3339, *now); err != nil {
			fmt.Fprintf(stderr, "aimsaudit report: --now %q is not an RFC 3339 time (e.g. 2026-12-07T12:00:00Z)\n", *now)
			return exitUsageErr
		}
	}
	var signer note.Signer
	if *signKey != "" {
		if signer, err = ledger.LoadSigner(*signKey); err != nil {
			fmt.Fprintf(stderr, "aimsaudit report: %v\n", err)
			return exitUsageErr
		}
	}

	in, err := auditreport.Load(context.Background(), auditreport.LoadOptions{
		LedgerDir: *ledgerDir, OTelDir: *otelDir, SoAPath: *soa, Key: *key, AllowPending: *allowPending, Now: at,
	})
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit report: %v\n", err)
		return exitUsageErr
	}
	for _, m := range in.Missing {
		fmt.Fprintf(stderr, "aimsaudit report: warning: %s\n", m)
	}
	r, err := auditreport.Build(in)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit report: %v\n", err)
		return exitUsageErr
	}
	if *out != "" {
		if !writeReport(*out, r.RenderHTML, signer, stdout, stderr) {
			return exitUsageErr
		}
	}
	if *mdOut != "" {
		if !writeReport(*mdOut, r.RenderMarkdown, signer, stdout, stderr) {
			return exitUsageErr
		}
	}
	if *jsonOut != "" {
		if !writeReport(*jsonOut, r.RenderJSON, signer, stdout, stderr) {
			return exitUsageErr
		}
	}
	s := r.Summary
	fmt.Fprintf(stdout, "ledger: %s\n", s.VerificationText)
	fmt.Fprintf(stdout, "decisions: %d (%d oversight follow-ups); controls: %d applicable of %d, %d with machine evidence, %d with declared evidence only; fairness: %d groups failing four-fifths, %d threshold violations (%d distinct alerts); drift alerts: %d\n",
		s.Decisions, s.Followups, s.Applicable, s.Controls, s.WithEvidence, s.DeclaredOnly, s.FailingGroups, s.FairnessViolations, s.FairnessAlerts, s.DriftAlerts)
	fmt.Fprintf(stdout, "incidents: %d (%d open), %d with an EU AI Act Art. 73 report overdue or late\n", s.Incidents, s.OpenIncidents, s.OverdueReports)
	if s.Verification == auditreport.VerdictFail {
		return exitFailed
	}
	return exitOK
}

// signatureSuffix is appended to a report's file name to name its
// detached signature.
const signatureSuffix = ".sig"

// writeReport writes one rendering of the report to path and, with a
// signer, its detached signature next to it. It reports success. A
// signature left by an earlier report at that path is removed first: it
// would make verify-report call the new, genuine report tampered with (a
// run without --sign-key, or a crash between the two writes, left the
// old one in place). Without its signature the report reads as unsigned.
func writeReport(path string, render func(io.Writer) error, signer note.Signer, stdout, stderr io.Writer) bool {
	if err := os.Remove(path + signatureSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "aimsaudit report: removing the earlier report's signature: %v\n", err)
		return false
	}
	if err := writeFileAtomic(path, render); err != nil {
		fmt.Fprintf(stderr, "aimsaudit report: %v\n", err)
		return false
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return signer == nil || signFile(path, signer, stdout, stderr)
}

// signFile writes the detached signature of the file at path (the exact
// bytes just written) to path+signatureSuffix. It reports success.
func signFile(path string, signer note.Signer, stdout, stderr io.Writer) bool {
	b, err := os.ReadFile(path)
	if err == nil {
		var sig []byte
		if sig, err = auditreport.SignReport(b, signer); err == nil {
			err = writeFileAtomic(path+signatureSuffix, func(w io.Writer) error { _, err := w.Write(sig); return err })
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit report: signing %s: %v\n", path, err)
		return false
	}
	fmt.Fprintf(stdout, "wrote %s\n", path+signatureSuffix)
	return true
}

// writeFileAtomic renders into a temporary file next to path and renames
// it into place, so a failed run never leaves a half-written report.
func writeFileAtomic(path string, render func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := render(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
