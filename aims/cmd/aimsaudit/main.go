// Command aimsaudit is the auditor's tool for aimskit decision ledgers
// (ISO/IEC 42001 Annex A.6.2.8 event logs):
//
//	aimsaudit verify DIR... --key PUB        check a ledger (or every instance ledger below DIR)
//	aimsaudit prove DIR DECISION_ID          inclusion proof of one decision, as JSON on stdout
//	aimsaudit check-proof PROOF.json --key PUB
//	aimsaudit export DIR... [--otlp FILE]    decisions as JSON lines or CSV, filtered
//	aimsaudit keygen --name NAME --out PREFIX
//	aimsaudit report --ledger DIR --otel DIR --soa FILE --key PUB --out report.html [--markdown report.md] [--json report.json] [--sign-key KEY]
//	aimsaudit export-oscal --ledger DIR --otel DIR --soa FILE --key PUB --out results.json   OSCAL assessment results for GRC tools
//	aimsaudit verify-report REPORT [SIGNATURE] --key PUB   check a report's detached signature
//
// It needs only the public verifier key: it never holds the key that signs
// checkpoints. Exit status: 0 success, 1 verification failed (tampering or
// a bad proof), 2 usage or I/O error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsageErr = 2
)

// command is one subcommand. Each lives in its own file and registers
// itself in init, so adding one (e.g. report) touches no other file.
type command struct {
	name    string
	args    string // synopsis of the arguments
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsageErr
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "aimsaudit: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsageErr
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: aimsaudit COMMAND [arguments]\n\ncommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %-12s %s\n  %-12s   %s\n", n, c.args, "", c.summary)
	}
	fmt.Fprintln(w, "\nRun aimsaudit COMMAND -h for the flags of a command.")
}

// newFlags returns a flag set for a subcommand that reports errors to stderr.
func newFlags(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("aimsaudit "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: aimsaudit %s %s\n  %s\n", c.name, c.args, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments ("verify DIR --key PUB"), which flag.Parse alone
// does not allow, and returns the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagErrExit is the exit status for a flag parsing error: success for
// -h (the usage was asked for and printed), a usage error otherwise.
func flagErrExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsageErr
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// loadVerifiers parses the --key values (keys or files holding them).
func loadVerifiers(keys []string) ([]note.Verifier, error) {
	if len(keys) == 0 {
		return nil, errors.New("the public verifier key is required (--key FILE or --key NAME+HASH+KEY)")
	}
	var vs []note.Verifier
	for _, k := range keys {
		v, err := ledger.LoadVerifier(k)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}
