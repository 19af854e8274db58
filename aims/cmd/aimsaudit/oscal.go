package main

import (
	"context"
	"fmt"
	"io"

	"github.com/aimskit/aimskit/aims/auditreport"
)

func init() {
	register(&command{
		name: "export-oscal",
		args: "--ledger DIR --otel DIR --soa FILE --key PUB [--out RESULTS.json] [--allow-pending]",
		summary: "write the report's Annex A results as a NIST OSCAL 1.1 assessment-results document (JSON) for GRC tools: " +
			"one observation per control with machine evidence (record counts, record types, sample records, the inputs with their SHA-256) " +
			"and one finding per applicable control (satisfied: machine evidence; not-satisfied: none, only declared evidence, or evidence of failure)",
		run: runExportOSCAL,
	})
}

// runExportOSCAL builds the report from the same inputs as report and
// writes it as OSCAL assessment results, to --out or to stdout. Missing
// inputs are warnings, as for report; the exit status is 1 when the
// ledger failed verification (the document is still written, with
// A.6.2.8 not satisfied), 2 for usage or I/O errors.
func runExportOSCAL(args []string, stdout, stderr io.Writer) int {
	c := commands["export-oscal"]
	fs := newFlags(c, stderr)
	ledgerDir := fs.String("ledger", "", "decision ledger folder (one ledger, or one per instance below it)")
	otelDir := fs.String("otel", "", "folder with the collector file exporter's "+auditreport.LogsFile+" and "+auditreport.MetricsFile)
	soa := fs.String("soa", "", "Statement of Applicability (JSON or YAML)")
	key := fs.String("key", "", "public verifier key of the ledger, or a file holding it")
	out := fs.String("out", "", "write the OSCAL JSON to this file (default: standard output)")
	allowPending := fs.Bool("allow-pending", false, "accept ledger records after the last checkpoint (the ledger of a running service)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsageErr
	}
	in, err := auditreport.Load(context.Background(), auditreport.LoadOptions{
		LedgerDir: *ledgerDir, OTelDir: *otelDir, SoAPath: *soa, Key: *key, AllowPending: *allowPending,
	})
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit export-oscal: %v\n", err)
		return exitUsageErr
	}
	for _, m := range in.Missing {
		fmt.Fprintf(stderr, "aimsaudit export-oscal: warning: %s\n", m)
	}
	r, err := auditreport.Build(in)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit export-oscal: %v\n", err)
		return exitUsageErr
	}
	if *out == "" {
		if err := r.RenderOSCAL(stdout); err != nil {
			fmt.Fprintf(stderr, "aimsaudit export-oscal: %v\n", err)
			return exitUsageErr
		}
	} else {
		if err := writeFileAtomic(*out, r.RenderOSCAL); err != nil {
			fmt.Fprintf(stderr, "aimsaudit export-oscal: %v\n", err)
			return exitUsageErr
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
		fmt.Fprintf(stdout, "ledger: %s\n", r.Summary.VerificationText)
		fmt.Fprintf(stdout, "controls: %d applicable of %d, %d with machine evidence (one observation each)\n",
			r.Summary.Applicable, r.Summary.Controls, r.Summary.WithEvidence)
	}
	if r.Summary.Verification == auditreport.VerdictFail {
		return exitFailed
	}
	return exitOK
}
