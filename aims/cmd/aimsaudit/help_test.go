package main

import (
	"sort"
	"strings"
	"testing"
)

// TestCommandHelpExitsZero checks that "aimsaudit COMMAND -h" (and
// --help) prints the command's usage and exits 0 for every registered
// command, like the top-level -h.
func TestCommandHelpExitsZero(t *testing.T) {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 6 {
		t.Fatalf("only %d commands registered: %v", len(names), names)
	}
	for _, n := range names {
		for _, h := range []string{"-h", "--help", "-help"} {
			code, _, errs := runCmd(t, n, h)
			if code != exitOK {
				t.Errorf("aimsaudit %s %s exited %d, want 0 (stderr %q)", n, h, code, errs)
			}
			if !strings.Contains(errs, "usage: aimsaudit "+n) {
				t.Errorf("aimsaudit %s %s printed no usage: %q", n, h, errs)
			}
		}
	}
}
