// Package childtest runs a test of the current test binary as a child
// process and kills it mid-stream, for crash tests: the child prints a
// line for every step it acknowledged, and the parent kills it with
// SIGKILL at a moment of its choosing and then checks what survived.
// Only _test.go files import it.
package childtest

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Run starts the test binary with -test.run=^name$ and env added to the
// environment, passes each line the child writes to stdout to onLine,
// and kills the child (SIGKILL) the first time onLine returns true. Lines
// the child wrote before the kill took effect still reach onLine: they
// are acknowledgements too. It returns when the child has exited, with
// what the child wrote to stderr, for the caller's failure messages.
func Run(t testing.TB, name string, env []string, onLine func(line string) (kill bool)) (stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if onLine(sc.Text()) && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	_ = cmd.Wait()
	return errOut.String()
}
