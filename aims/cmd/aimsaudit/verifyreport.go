package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/aimskit/aimskit/aims/auditreport"
)

func init() {
	register(&command{
		name:    "verify-report",
		args:    "REPORT [SIGNATURE] --key PUB",
		summary: "check a report's detached signature (written by report --sign-key; SIGNATURE defaults to REPORT" + signatureSuffix + ") against the published verifier key",
		run:     runVerifyReport,
	})
}

// runVerifyReport exits 0 when the signature verifies over the report's
// exact bytes, 1 when it does not, 2 for usage or I/O errors.
func runVerifyReport(args []string, stdout, stderr io.Writer) int {
	c := commands["verify-report"]
	fs := newFlags(c, stderr)
	var keys multiFlag
	fs.Var(&keys, "key", "public verifier key, or a file holding it")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(pos) < 1 || len(pos) > 2 || len(keys) != 1 {
		fs.Usage()
		return exitUsageErr
	}
	vs, err := loadVerifiers(keys)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit verify-report: %v\n", err)
		return exitUsageErr
	}
	reportPath, sigPath := pos[0], pos[0]+signatureSuffix
	if len(pos) == 2 {
		sigPath = pos[1]
	}
	report, err := os.ReadFile(reportPath)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit verify-report: %v\n", err)
		return exitUsageErr
	}
	sig, err := os.ReadFile(sigPath)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit verify-report: %v\n", err)
		return exitUsageErr
	}
	if err := auditreport.VerifyReport(report, sig, vs[0]); err != nil {
		if errors.Is(err, auditreport.ErrReportSignature) {
			fmt.Fprintf(stdout, "FAILED %s: %v\n", reportPath, err)
			return exitFailed
		}
		fmt.Fprintf(stderr, "aimsaudit verify-report: %v\n", err)
		return exitUsageErr
	}
	fmt.Fprintf(stdout, "OK %s: signed by %s\n", reportPath, vs[0].Name())
	return exitOK
}
