package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
)

func init() {
	register(&command{
		name:    "check-proof",
		args:    "PROOF.json --key PUB",
		summary: "check an inclusion proof offline: checkpoint signature, leaf hash of the record, audit path to the signed root",
		run:     runCheckProof,
	})
}

func runCheckProof(args []string, stdout, stderr io.Writer) int {
	c := commands["check-proof"]
	fs := newFlags(c, stderr)
	var keys multiFlag
	fs.Var(&keys, "key", "public verifier key, or a file holding it (repeatable)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsageErr
	}
	verifiers, err := loadVerifiers(keys)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit check-proof: %v\n", err)
		return exitUsageErr
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit check-proof: %v\n", err)
		return exitUsageErr
	}
	var p ledger.InclusionProof
	if err := json.Unmarshal(b, &p); err != nil {
		fmt.Fprintf(stdout, "FAIL %s is not an inclusion proof: %v\n", pos[0], err)
		return exitFailed
	}
	cp, err := ledger.CheckProof(&p, verifiers...)
	if err != nil {
		fmt.Fprintf(stdout, "FAIL %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "OK   decision %s is record %d of %s, unaltered, proven against the checkpoint of %d records signed %s\n",
		p.RecordID, p.Seq, cp.Origin, cp.Size, cp.Time.Format(time.RFC3339))
	return exitOK
}
