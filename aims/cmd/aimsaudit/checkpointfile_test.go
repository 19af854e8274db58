package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyHugeCheckpointLine: a --checkpoints file of JSON lines with a
// line too long for any checkpoint is a usage error that names the file
// and the line.
func TestVerifyHugeCheckpointLine(t *testing.T) {
	f := newFixture(t)
	bad := filepath.Join(t.TempDir(), "kept.jsonl")
	huge := `{"note":"` + strings.Repeat("A", 2<<20) + `"}` + "\n"
	if err := os.WriteFile(bad, []byte(`{"note":"x"}`+"\n"+huge), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "verify", filepath.Join(f.root, "pod-0"), "--key", f.pub, "--checkpoints", bad)
	if code != exitUsageErr || !strings.Contains(errs, bad) || !strings.Contains(errs, "line 2") {
		t.Fatalf("exit %d, want %d with an error naming %s line 2\nstdout: %s\nstderr: %s", code, exitUsageErr, bad, out, errs)
	}
}
