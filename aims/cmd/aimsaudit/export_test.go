package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
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
