package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/ledger/witness"
)

func init() {
	register(&command{
		name:    "verify",
		args:    "DIR... --key PUB [--checkpoints FILE] [--witness-policy FILE] [--allow-pending] [--retention DURATION]",
		summary: "recompute every leaf and the Merkle tree, check every checkpoint signature, adoption and checkpoint kept outside the host; name the first bad record",
		run:     runVerify,
	})
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	c := commands["verify"]
	fs := newFlags(c, stderr)
	var keys, outside multiFlag
	fs.Var(&keys, "key", "public verifier key as published (inventory record, SoA), or a file holding it (repeatable); never the key file beside the ledger")
	fs.Var(&outside, "checkpoints", "checkpoints kept outside the host: the Collector's OTLP/JSON log output, a checkpoints.jsonl copy or a checkpoint file from an earlier audit; detects rollback, truncation and rebuilt ledgers, and below a DIR searched for instance ledgers, one removed or emptied (repeatable)")
	fs.Var(&outside, "trusted", "same as --checkpoints")
	policyFile := fs.String("witness-policy", "", "witness policy file (lines: witness NAME VKEY [URL], group NAME K|any|all MEMBER..., quorum NAME): require checkpoints cosigned by k of n witnesses, from --checkpoints or the ledger's cosigned.jsonl")
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
	if *policyFile != "" {
		b, err := os.ReadFile(*policyFile)
		if err != nil {
			fmt.Fprintf(stderr, "aimsaudit verify: %v\n", err)
			return exitUsageErr
		}
		p, err := witness.ParsePolicy(b)
		if err != nil {
			fmt.Fprintf(stderr, "aimsaudit verify: %s: %v\n", *policyFile, err)
			return exitUsageErr
		}
		opts.Witnesses = p
	}
	for _, f := range outside {
		notes, err := readCheckpointFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "aimsaudit verify: %v\n", err)
			return exitUsageErr
		}
		opts.External = append(opts.External, notes...)
	}
	status := exitOK
	origins := map[string]string{}
	claimed := map[string]bool{} // origins of the ledgers that failed
	var searched []string        // DIRs searched for the instance ledgers below them
	var total int64
	var count int
	for _, root := range dirs {
		ledgers, err := ledger.FindLedgers(root)
		if err == nil && (len(ledgers) != 1 || filepath.Clean(ledgers[0]) != filepath.Clean(root)) {
			searched = append(searched, root)
		}
		if err != nil {
			st, serr := os.Stat(root)
			if len(opts.External) == 0 || serr != nil || !st.IsDir() {
				fmt.Fprintf(stderr, "aimsaudit verify: %v\n", err)
				return exitUsageErr
			}
			// No ledger here, but checkpoints from outside may say one
			// was: verify the folder as an (emptied) ledger.
			ledgers = []string{root}
		}
		for _, dir := range ledgers {
			rep, err := ledger.Verify(dir, verifiers, opts)
			var ve *ledger.VerifyError
			switch {
			case errors.As(err, &ve):
				fmt.Fprintf(stdout, "FAIL %v\n", ve)
				claimed[claimedOrigin(dir)] = true
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
				partial = ", a line being written or cut short by a crash skipped"
			}
			fmt.Fprintf(stdout, "OK   %s: %s, %d records (%d pruned, %d pending%s) in %d segments, %d checkpoints, latest size %d root %s signed %s\n",
				dir, rep.Origin, rep.Records, rep.Pruned, rep.Pending, partial, rep.Segments, rep.Checkpoints,
				rep.Latest.Size, base64.StdEncoding.EncodeToString(rep.Latest.Root[:]), rep.Latest.Time.Format(time.RFC3339))
			printVerifyNotes(stdout, rep, len(outside) > 0)
		}
	}
	if len(searched) > 0 && len(opts.External) > 0 {
		if removedLedgers(stdout, opts.External, verifiers, origins, claimed, searched) {
			status = exitFailed
		}
	}
	if status == exitOK && count > 1 {
		fmt.Fprintf(stdout, "OK   %d instance ledgers, %d records in all\n", count, total)
	}
	return status
}

// printVerifyNotes prints what a passing ledger's report says beyond "OK":
// adopted ranges, checkpoints from outside, a lagging latest file.
func printVerifyNotes(stdout io.Writer, rep *ledger.Report, outside bool) {
	for _, a := range rep.Adoptions {
		how := "after a crash"
		if a.Explicit {
			how = "explicitly, by an operator"
		}
		fmt.Fprintf(stdout, "WARN     records %d to %d were adopted at restart %s (adoption entry at record %d, %s), not signed while written: %s\n",
			a.First, a.Last, how, a.Seq, a.Time.Format(time.RFC3339), a.Reason)
	}
	if rep.LatestBehind {
		fmt.Fprintln(stdout, "NOTE     the checkpoint file is one checkpoint behind checkpoints.jsonl, as a crash between the two writes leaves it")
	}
	if rep.PruneInterrupted {
		fmt.Fprintln(stdout, "NOTE     a Prune was interrupted while it saved a segment's leaf hashes: the segment still holds its records, which were verified; the partial hashes were skipped")
	}
	switch {
	case rep.External > 0:
		fmt.Fprintf(stdout, "OK       consistent with %d checkpoints kept outside the host\n", rep.External)
		if rep.Witnessed > 0 {
			fmt.Fprintf(stdout, "OK       witnessed: a checkpoint of %d records satisfies the witness policy\n", rep.Witnessed)
		}
	case outside:
		fmt.Fprintln(stdout, "WARN     none of the checkpoints given (--checkpoints) is of this ledger: nothing outside the host vouches for it")
	default:
		fmt.Fprintln(stdout, "NOTE     no checkpoints kept outside the host were given (--checkpoints): a rollback, an emptied ledger or a rebuild by someone holding the key cannot be detected from the ledger alone")
	}
}

// removedLedgers reports the ledgers that checkpoints kept outside the
// host name, signed with the auditor's keys, but that no directory holds:
// asked to verify every instance ledger below a directory, one that was
// removed or emptied there is missing evidence, not a ledger to skip. ok
// are the origins that verified, failed those of the ledgers that failed
// (already reported). It returns whether it reported any.
func removedLedgers(stdout io.Writer, external [][]byte, verifiers []note.Verifier, ok map[string]string, failed map[string]bool, searched []string) bool {
	type named struct {
		n      int
		latest ledger.Checkpoint
	}
	missing := map[string]*named{}
	for _, msg := range external {
		cp, err := ledger.OpenCheckpoint(msg, verifiers...)
		if err != nil || cp.Origin == "" {
			continue // another system's checkpoint, or none at all
		}
		if _, found := ok[cp.Origin]; found || failed[cp.Origin] {
			continue
		}
		m := missing[cp.Origin]
		if m == nil {
			m = &named{}
			missing[cp.Origin] = m
		}
		m.n++
		if cp.Size >= m.latest.Size {
			m.latest = cp
		}
	}
	names := make([]string, 0, len(missing))
	for o := range missing {
		names = append(names, o)
	}
	sort.Strings(names)
	for _, o := range names {
		m := missing[o]
		fmt.Fprintf(stdout, "FAIL %s: %d checkpoints kept outside the host name this ledger, the largest covering %d records (signed %s), but no ledger below %s holds it: the instance's ledger was removed or emptied (verify an instance's own directory to check only that ledger)\n",
			o, m.n, m.latest.Size, m.latest.Time.Format(time.RFC3339), strings.Join(searched, ", "))
	}
	return len(names) > 0
}

// claimedOrigin returns the origin that the latest-checkpoint file of the
// ledger in dir names, unverified, or "" when it has none: the ledger
// failed verification and is reported as such, so checkpoints of its
// origin are not reported again as those of a removed ledger.
func claimedOrigin(dir string) string {
	f, err := os.Open(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	origin, _, _ := strings.Cut(string(b), "\n")
	return origin
}
