package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestExportKeepsDistinctDecisionsWithTheSameID: two instance ledgers
// each hold one decision carrying the same decision ID but differing in
// output and time (a broken ID generator, or hostile input). They are two
// decisions, so export writes both and warns on stderr naming the ID.
// The same decision read twice (here: the same ledger given twice) is
// still written once, without a warning.
func TestExportKeepsDistinctDecisionsWithTheSameID(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	skey, _, err := ledger.GenerateKey("export")
	if err != nil {
		t.Fatal(err)
	}
	const id = "01936a00-0000-7000-8000-000000000001"
	recs := map[string]string{
		"pod-a": `{"schema_version":"aims.decision/v1","id":"` + id + `","time":"2026-11-20T09:00:00Z","system_id":"s","output":"approve"}`,
		"pod-b": `{"schema_version":"aims.decision/v1","id":"` + id + `","time":"2026-11-20T10:00:00Z","system_id":"s","output":"deny","adverse":true}`,
	}
	for name, rec := range recs {
		signer, err := ledger.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ledger.Open(ctx, filepath.Join(root, name), "s", name, signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, []byte(rec)); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCmd(t, "export", root)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 {
		t.Fatalf("export wrote %d decisions of the 2 in the ledgers:\n%s", len(lines), out)
	}
	if !strings.Contains(out, `"output":"approve"`) || !strings.Contains(out, `"output":"deny"`) {
		t.Fatalf("both decisions are exported:\n%s", out)
	}
	if !strings.Contains(errs, "warning") || !strings.Contains(errs, id) {
		t.Fatalf("stderr does not warn about the shared ID: %q", errs)
	}

	// The same ledger read twice: one decision, no warning.
	a := filepath.Join(root, "pod-a")
	code, out, errs = runCmd(t, "export", a, a)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	if n := strings.Count(out, "\n"); n != 1 || errs != "" {
		t.Fatalf("the same decision read twice: %d lines, stderr %q", n, errs)
	}
}

// TestExportMergesRecordsWithoutPersonalReason: the decision log keeps a
// reason a person wrote (here a reviewer's) in the ledger and leaves it
// out of the aims.decision log record the collector receives. Exporting
// the ledger and the collector file together writes the decision once,
// the ledger's copy with its reason, and warns of nothing: the two
// copies are the same decision.
func TestExportMergesRecordsWithoutPersonalReason(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	skey, _, err := ledger.GenerateKey("export")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(ctx, filepath.Join(root, "pod-a"), "s", "pod-a", signer)
	if err != nil {
		t.Fatal(err)
	}
	logs := oteltest.NewLogs(t)
	dl, err := aims.NewDecisionLog(aims.WithLedger(l), aims.WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	d, err := aims.NewDecision(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	d.Output = "deny"
	d.Oversight = &aims.OversightOutcome{Action: aims.ActionOverride, Reviewer: "alice",
		Reason: "income verified by phone", OriginalOutput: "approve"}
	if err := dl.Record(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := dl.Close(ctx); err != nil {
		t.Fatal(err)
	}
	file := collectorDecisions(t, logs)
	code, out, errs := runCmd(t, "export", root, "--otlp", file)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 {
		t.Fatalf("export wrote %d decisions, want the one decision once:\n%s", len(lines), out)
	}
	if !strings.Contains(out, "income verified by phone") {
		t.Fatalf("the exported decision is not the ledger's copy with the reason:\n%s", out)
	}
	if strings.Contains(errs, "warning") {
		t.Fatalf("the ledger's and the collector's copy of one decision were taken for two: %q", errs)
	}
}
