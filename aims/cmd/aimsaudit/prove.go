package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aimskit/aimskit/aims/ledger"
)

func init() {
	register(&command{
		name:    "prove",
		args:    "DIR DECISION_ID > proof.json",
		summary: "write an inclusion proof of one decision against the latest signed checkpoint, checkable offline with check-proof",
		run:     runProve,
	})
}

func runProve(args []string, stdout, stderr io.Writer) int {
	c := commands["prove"]
	fs := newFlags(c, stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(pos) != 2 {
		fs.Usage()
		return exitUsageErr
	}
	dirs, err := ledger.FindLedgers(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit prove: %v\n", err)
		return exitUsageErr
	}
	var errs []string
	for _, dir := range dirs {
		p, err := ledger.Prove(dir, pos[1])
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			fmt.Fprintf(stderr, "aimsaudit prove: %v\n", err)
			return exitUsageErr
		}
		return exitOK
	}
	fmt.Fprintf(stderr, "aimsaudit prove: decision %s not found:\n  %s\n", pos[1], strings.Join(errs, "\n  "))
	return exitFailed
}
