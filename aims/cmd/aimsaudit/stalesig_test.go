package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aimskit/aimskit/aims/auditreport/reporttest"
)

// TestReportLeavesNoStaleSignature: a report written again without
// --sign-key must not keep the signature of the earlier report next to
// it; verify-report would then say a genuine report was tampered with.
// The new report has no signature, which verify-report reports as such.
func TestReportLeavesNoStaleSignature(t *testing.T) {
	p, _, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(t.TempDir(), "auditor")
	if code, _, errs := runCmd(t, "keygen", "--name", "auditor-reports", "--out", prefix); code != 0 {
		t.Fatalf("keygen: %s", errs)
	}
	dir := t.TempDir()
	out, md, js := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.md"), filepath.Join(dir, "report.json")
	args := []string{"report", "--ledger", p.Ledger, "--otel", p.OTel, "--soa", p.SoA, "--key", p.Key, "--out", out, "--markdown", md, "--json", js}
	if code, so, se := runCmd(t, append(args, "--sign-key", prefix+".key")...); code != exitOK {
		t.Fatalf("signed report: exit %d\n%s\n%s", code, so, se)
	}
	// Another report over the same files, made at another time,
	// so that its bytes differ, unsigned.
	if code, so, se := runCmd(t, append(args, "--now", "2030-01-01T00:00:00Z")...); code != exitOK {
		t.Fatalf("unsigned report: exit %d\n%s\n%s", code, so, se)
	}
	for _, f := range []string{out, md, js} {
		if _, err := os.Stat(f + ".sig"); !os.IsNotExist(err) {
			t.Errorf("%s.sig of the earlier report is still next to the new one (stat: %v)", f, err)
		}
	}
}
