// Package model holds a Promela model of the oversight ticket state
// machine (ticket.pml) and the test that checks it with Spin.
package model

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// runSpin generates, compiles and runs the verifier for ticket.pml with
// the given Promela defines, and returns pan's output.
func runSpin(t *testing.T, defines ...string) string {
	t.Helper()
	for _, tool := range []string{"spin", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("AIMSKIT_REQUIRE_SPIN") != "" {
				t.Fatalf("%s is not on PATH but AIMSKIT_REQUIRE_SPIN is set (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not on PATH (apt-get install -y spin gcc)", tool)
		}
	}
	src, err := os.ReadFile("ticket.pml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ticket.pml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil && name != "./pan" {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	run("spin", append(append([]string{}, defines...), "-a", "ticket.pml")...)
	run("gcc", "-O2", "-DSAFETY", "-DMEMLIM=2048", "-DCOLLAPSE", "-w", "-o", "pan", "pan.c")
	return run("./pan", "-m100000")
}

var errorsRE = regexp.MustCompile(`errors: (\d+)`)

// TestTicketModel checks the model: no resolution without the required
// distinct agreeing reviewers, no ticket closed twice, no vote after its
// deadline (but for an overdue ticket under the hold fail-safe), contest
// reviewers never among the decision's earlier reviewers, and at most one
// open contest. Three reviewers by default; AIMSKIT_SPIN_FULL=1 checks
// four (about 20 s and 650 MB).
func TestTicketModel(t *testing.T) {
	nr := "-DNR=3"
	if os.Getenv("AIMSKIT_SPIN_FULL") != "" {
		nr = "-DNR=4"
	}
	out := runSpin(t, nr)
	m := errorsRE.FindStringSubmatch(out)
	if m == nil || m[1] != "0" || regexp.MustCompile(`out of memory|max search depth too small`).MatchString(out) {
		t.Fatalf("spin found a violation or did not finish:\n%s", out)
	}
}

// TestTicketModelCatchesTheBypass: the model of the code before the fix
// (one rejection resolved a ticket that needed two agreeing reviewers)
// violates the properties, so the check has teeth.
func TestTicketModelCatchesTheBypass(t *testing.T) {
	out := runSpin(t, "-DNR=3", "-DBYPASS")
	m := errorsRE.FindStringSubmatch(out)
	if m == nil || m[1] == "0" {
		t.Fatalf("spin found no violation in the bypass model:\n%s", out)
	}
}
