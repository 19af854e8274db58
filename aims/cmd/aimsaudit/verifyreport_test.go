package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/auditreport/reporttest"
)

// TestReportSignAndVerifyReport signs both renderings with --sign-key,
// verifies them with verify-report and the published key, and checks that
// one changed byte of the report, or another key, fails with exit 1.
func TestReportSignAndVerifyReport(t *testing.T) {
	p, _, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(t.TempDir(), "auditor")
	if code, _, errs := runCmd(t, "keygen", "--name", "auditor-reports", "--out", prefix); code != 0 {
		t.Fatalf("keygen: %s", errs)
	}
	dir := t.TempDir()
	out, md := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.md")
	code, stdout, stderr := runCmd(t, "report", "--ledger", p.Ledger, "--otel", p.OTel, "--soa", p.SoA, "--key", p.Key,
		"--out", out, "--markdown", md, "--sign-key", prefix+".key")
	if code != exitOK {
		t.Fatalf("report: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{out, md} {
		if !strings.Contains(stdout, "wrote "+f+".sig") {
			t.Errorf("stdout does not name %s.sig: %s", f, stdout)
		}
		if code, so, se := runCmd(t, "verify-report", f, "--key", prefix+".pub"); code != exitOK || !strings.Contains(so, "OK ") {
			t.Fatalf("verify-report %s: exit %d\n%s\n%s", f, code, so, se)
		}
		// Explicit signature path, key given as the key itself.
		pub, _ := os.ReadFile(prefix + ".pub")
		if code, _, se := runCmd(t, "verify-report", "--key", strings.TrimSpace(string(pub)), f, f+".sig"); code != exitOK {
			t.Fatalf("verify-report with explicit signature: exit %d %s", code, se)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	tampered := filepath.Join(dir, "tampered.html")
	if err := os.WriteFile(tampered, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, so, _ := runCmd(t, "verify-report", tampered, out+".sig", "--key", prefix+".pub"); code != exitFailed || !strings.Contains(so, "FAILED") {
		t.Fatalf("tampered report: exit %d, %s", code, so)
	}
	// The ledger's key is not the one that signed the report.
	if code, _, _ := runCmd(t, "verify-report", out, "--key", p.Key); code != exitFailed {
		t.Fatalf("wrong key: exit %d, want %d", code, exitFailed)
	}
	if code, _, _ := runCmd(t, "verify-report", out, "--key", prefix+".pub", "--nope"); code != exitUsageErr {
		t.Fatalf("bad flag: exit %d", code)
	}
	if code, _, _ := runCmd(t, "report", "--ledger", p.Ledger, "--out", out, "--sign-key", filepath.Join(dir, "missing.key")); code != exitUsageErr {
		t.Fatalf("missing signing key: exit %d", code)
	}
}
