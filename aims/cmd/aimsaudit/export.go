package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
)

func init() {
	register(&command{
		name:    "export",
		args:    "[DIR...] [--otlp FILE]... [--format jsonl|csv] [--from TIME] [--to TIME] [--system ID] [--outcome OUTPUT] [--key PUB]",
		summary: "write the decisions of ledgers and of collector file-exporter output (OTLP JSON) as JSON lines or CSV, merged in time order",
		run:     runExport,
	})
}

func runExport(args []string, stdout, stderr io.Writer) int {
	c := commands["export"]
	fs := newFlags(c, stderr)
	var otlpFiles, keys multiFlag
	fs.Var(&otlpFiles, "otlp", "OpenTelemetry Collector file-exporter output (OTLP JSON lines) to read decisions from (repeatable)")
	fs.Var(&keys, "key", "verify every ledger with this public key before exporting (repeatable)")
	format := fs.String("format", "jsonl", "output format: jsonl (the stored decision JSON) or csv")
	from := fs.String("from", "", "only decisions at or after this RFC 3339 time")
	to := fs.String("to", "", "only decisions before this RFC 3339 time")
	system := fs.String("system", "", "only decisions of this AI system ID")
	outcome := fs.String("outcome", "", "only decisions with this output")
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(dirs) == 0 && len(otlpFiles) == 0 {
		fs.Usage()
		return exitUsageErr
	}
	if *format != "jsonl" && *format != "csv" {
		fmt.Fprintf(stderr, "aimsaudit export: unknown format %q (jsonl or csv)\n", *format)
		return exitUsageErr
	}
	var fromT, toT time.Time
	for _, tf := range []struct {
		s string
		t *time.Time
	}{{*from, &fromT}, {*to, &toT}} {
		if tf.s == "" {
			continue
		}
		if *tf.t, err = time.Parse(time.RFC3339Nano, tf.s); err != nil {
			fmt.Fprintf(stderr, "aimsaudit export: time %q is not RFC 3339: %v\n", tf.s, err)
			return exitUsageErr
		}
	}

	var all []sourcedDecision
	for _, root := range dirs {
		ledgers, err := ledger.FindLedgers(root)
		if err != nil {
			fmt.Fprintf(stderr, "aimsaudit export: %v\n", err)
			return exitUsageErr
		}
		for _, dir := range ledgers {
			if len(keys) > 0 {
				verifiers, err := loadVerifiers(keys)
				if err != nil {
					fmt.Fprintf(stderr, "aimsaudit export: %v\n", err)
					return exitUsageErr
				}
				if _, err := ledger.Verify(dir, verifiers, ledger.VerifyOptions{AllowPending: true}); err != nil {
					var ve *ledger.VerifyError
					if errors.As(err, &ve) {
						fmt.Fprintf(stderr, "aimsaudit export: not exporting a ledger that fails verification: %v\n", ve)
						return exitFailed
					}
					fmt.Fprintf(stderr, "aimsaudit export: %v\n", err)
					return exitUsageErr
				}
			}
			ds, err := readLedgerDecisions(dir)
			if err != nil {
				fmt.Fprintf(stderr, "aimsaudit export: %v\n", err)
				return exitFailed
			}
			all = append(all, ds...)
		}
	}
	for _, f := range otlpFiles {
		ds, bad, err := readOTLPDecisions(f)
		if err != nil {
			fmt.Fprintf(stderr, "aimsaudit export: %v\n", err)
			return exitUsageErr
		}
		if bad > 0 {
			fmt.Fprintf(stderr, "aimsaudit export: %s: %d aims.decision records without a decision JSON body were skipped\n", f, bad)
		}
		all = append(all, ds...)
	}

	// Merge instances and sources in time order; a decision that reached
	// both the ledger and the collector is written once. Records are the
	// same decision only when they are identical: two different decisions
	// that carry the same ID (a broken ID generator, a ledger copied and
	// changed, hostile input) are both written, with a warning.
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].Time.Equal(all[j].Time) {
			return all[i].Time.Before(all[j].Time)
		}
		return all[i].ID < all[j].ID
	})
	seen := map[string][]sourcedDecision{}
	warned := map[string]bool{}
	var out []sourcedDecision
	for _, d := range all {
		if same, other := sameAsSeen(seen[d.ID], d); same {
			continue
		} else if other != nil && !warned[d.ID] {
			warned[d.ID] = true
			fmt.Fprintf(stderr, "aimsaudit export: warning: decision ID %s is used by different decisions (%s and %s); both are exported\n", d.ID, other.source, d.source)
		}
		seen[d.ID] = append(seen[d.ID], d)
		if !fromT.IsZero() && d.Time.Before(fromT) || !toT.IsZero() && !d.Time.Before(toT) ||
			*system != "" && d.SystemID != *system || *outcome != "" && d.Output != *outcome {
			continue
		}
		out = append(out, d)
	}
	if *format == "jsonl" {
		for _, d := range out {
			if _, err := fmt.Fprintf(stdout, "%s\n", d.raw); err != nil {
				fmt.Fprintf(stderr, "aimsaudit export: %v\n", err)
				return exitUsageErr
			}
		}
		return exitOK
	}
	if err := writeCSV(stdout, out); err != nil {
		fmt.Fprintf(stderr, "aimsaudit export: %v\n", err)
		return exitUsageErr
	}
	return exitOK
}

// sameAsSeen reports whether d is one of the decisions seen with its ID
// (the same decision read twice, e.g. from a ledger and from the
// collector), compared as decisions so that the two copies' JSON may
// differ in layout; otherwise it returns a seen decision that differs,
// or nil when none was seen. A collector's copy without a reason is the
// same decision as a ledger's copy whose reason a person wrote: the
// decision log leaves such a reason out of telemetry. (Ledgers are read
// first, so the ledger's copy, the one with the reason, is the one kept.)
func sameAsSeen(seen []sourcedDecision, d sourcedDecision) (bool, *sourcedDecision) {
	if len(seen) == 0 {
		return false, nil
	}
	canon, err := json.Marshal(d.Decision)
	for i := range seen {
		c, err2 := json.Marshal(withheldAs(seen[i].Decision, d))
		if err == nil && err2 == nil && bytes.Equal(c, canon) {
			return true, nil
		}
	}
	return false, &seen[0]
}

// withheldAs returns s as the collector would have received it when d is
// a collector's copy without a reason and s's reason is one a person
// wrote; otherwise s as it is.
func withheldAs(s aims.Decision, d sourcedDecision) aims.Decision {
	if !d.telemetry || d.Oversight == nil || d.Oversight.Reason != "" || !s.Oversight.PersonalReason() {
		return s
	}
	o := *s.Oversight
	o.Reason = ""
	s.Oversight = &o
	return s
}

var csvHeader = []string{"id", "time", "system_id", "system_version", "model_name", "model_version", "subject", "output",
	"score", "threshold", "adverse", "oversight_action", "oversight_reviewer", "reason_codes", "trace_id", "span_id"}

func writeCSV(w io.Writer, ds []sourcedDecision) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	fl := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	for _, d := range ds {
		var action, reviewer, codes string
		if d.Oversight != nil {
			action, reviewer = string(d.Oversight.Action), d.Oversight.Reviewer
		}
		if d.Explanation != nil {
			for i, rc := range d.Explanation.ReasonCodes {
				if i > 0 {
					codes += " "
				}
				codes += rc.Code
			}
		}
		rec := []string{d.ID, d.Time.UTC().Format(time.RFC3339Nano), d.SystemID, d.SystemVersion, d.Model.Name, d.Model.Version,
			d.Subject, d.Output, fl(d.Score), fl(d.Threshold), strconv.FormatBool(d.Adverse), action, reviewer, codes, d.TraceID, d.SpanID}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
