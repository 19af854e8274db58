package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
)

func init() {
	register(&command{
		name:    "verify",
		args:    "DIR... --key PUB [--allow-pending] [--trusted CHECKPOINT] [--retention DURATION]",
		summary: "recompute every leaf and the Merkle tree, check every checkpoint signature and their consistency; name the first bad record",
		run:     runVerify,
	})
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	c := commands["verify"]
	fs := newFlags(c, stderr)
	var keys, trusted multiFlag
	fs.Var(&keys, "key", "public verifier key, or a file holding it (repeatable)")
	fs.Var(&trusted, "trusted", "signed checkpoint file kept from an earlier audit; the ledger must be consistent with it (repeatable)")
	allowPending := fs.Bool("allow-pending", false, "accept records after the last checkpoint (the ledger of a running service)")
	retention := fs.Duration("retention", ledger.DefaultRetention, "minimum retention the ledger was configured with")
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(dirs) == 0 {
		fs.Usage()
		return exitUsageErr
	}
	verifiers, err := loadVerifiers(keys)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit verify: %v\n", err)
		return exitUsageErr
	}
	opts := ledger.VerifyOptions{AllowPending: *allowPending, Retention: *retention}
	for _, f := range trusted {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "aimsaudit verify: %v\n", err)
			return exitUsageErr
		}
		opts.Trusted = append(opts.Trusted, b)
	}
	status := exitOK
	origins := map[string]string{}
	var total int64
	var count int
	for _, root := range dirs {
		ledgers, err := ledger.FindLedgers(root)
		if err != nil {
			fmt.Fprintf(stderr, "aimsaudit verify: %v\n", err)
			return exitUsageErr
		}
		for _, dir := range ledgers {
			rep, err := ledger.Verify(dir, verifiers, opts)
			var ve *ledger.VerifyError
			switch {
			case errors.As(err, &ve):
				fmt.Fprintf(stdout, "FAIL %v\n", ve)
				if strings.Contains(ve.Problem, "not covered by any signed checkpoint") && !*allowPending {
					fmt.Fprintln(stdout, "     (if this is the ledger of a running service, its next checkpoint is due; --allow-pending accepts the records written since the last one)")
				}
				status = exitFailed
				continue
			case err != nil:
				fmt.Fprintf(stderr, "aimsaudit verify: %v\n", err)
				return exitUsageErr
			}
			if prev, dup := origins[rep.Origin]; dup && rep.Origin != "" {
				fmt.Fprintf(stdout, "FAIL %s: origin %s is also the origin of %s: a copy, or two instances sharing one ledger\n", dir, rep.Origin, prev)
				status = exitFailed
				continue
			}
			origins[rep.Origin] = dir
			total += rep.Records
			count++
			partial := ""
			if rep.Partial {
				partial = ", a line being written skipped"
			}
			fmt.Fprintf(stdout, "OK   %s: %s, %d records (%d pruned, %d pending%s) in %d segments, %d checkpoints, latest size %d root %s signed %s\n",
				dir, rep.Origin, rep.Records, rep.Pruned, rep.Pending, partial, rep.Segments, rep.Checkpoints,
				rep.Latest.Size, base64.StdEncoding.EncodeToString(rep.Latest.Root[:]), rep.Latest.Time.Format(time.RFC3339))
		}
	}
	if status == exitOK && count > 1 {
		fmt.Fprintf(stdout, "OK   %d instance ledgers, %d records in all\n", count, total)
	}
	return status
}
