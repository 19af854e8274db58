package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyRootNamesARemovedInstanceLedger: verifying every instance
// ledger below a directory against checkpoints kept outside the host, an
// instance ledger those checkpoints name that is no longer there (its
// directory emptied or removed) fails: its records were deleted.
func TestVerifyRootNamesARemovedInstanceLedger(t *testing.T) {
	f := newFixture(t)
	pod0, pod1 := filepath.Join(f.root, "pod-0"), filepath.Join(f.root, "pod-1")
	kept0, kept1 := collectorLogs(t, pod0), collectorLogs(t, pod1)
	if code, out, errs := runCmd(t, "verify", f.root, "--key", f.pub, "--checkpoints", kept0, "--checkpoints", kept1); code != exitOK {
		t.Fatalf("genuine ledgers: %d\n%s%s", code, out, errs)
	}
	for _, how := range []string{"emptied", "removed"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t)
			pod0, pod1 := filepath.Join(f.root, "pod-0"), filepath.Join(f.root, "pod-1")
			kept0, kept1 := collectorLogs(t, pod0), collectorLogs(t, pod1)
			if err := os.RemoveAll(pod1); err != nil {
				t.Fatal(err)
			}
			if how == "emptied" {
				if err := os.Mkdir(pod1, 0o750); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errs := runCmd(t, "verify", f.root, "--key", f.pub, "--checkpoints", kept0, "--checkpoints", kept1)
			if code != exitFailed || !strings.Contains(out, "FAIL") || !strings.Contains(out, "aimskit.ledger/credit-scoring/pod-1") {
				t.Fatalf("instance ledger pod-1 %s below %s, its checkpoints given: exit %d, want %d and a FAIL naming it\n%s%s", how, f.root, code, exitFailed, out, errs)
			}
			// Verifying the one remaining ledger by its own directory
			// checks that ledger only.
			if code, out, errs := runCmd(t, "verify", pod0, "--key", f.pub, "--checkpoints", kept0, "--checkpoints", kept1); code != exitOK {
				t.Fatalf("pod-0 alone: %d\n%s%s", code, out, errs)
			}
		})
	}
}
