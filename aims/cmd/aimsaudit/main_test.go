package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// fixture generates a key pair with keygen and writes two instance
// ledgers of the same system through aims.DecisionLog, also capturing the
// emitted log records.
type fixture struct {
	root, pub string
	ids       []string
	logs      *oteltest.Logs
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	prefix := filepath.Join(t.TempDir(), "ledger")
	if code, out, errs := runCmd(t, "keygen", "--name", "credit-ledger", "--out", prefix); code != 0 {
		t.Fatalf("keygen: %d %s %s", code, out, errs)
	}
	if code, _, _ := runCmd(t, "keygen", "--name", "credit-ledger", "--out", prefix); code == 0 {
		t.Fatal("keygen overwrote an existing key")
	}
	signer, err := ledger.LoadSigner(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{root: root, pub: prefix + ".pub", logs: oteltest.NewLogs(t)}
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for inst := 0; inst < 2; inst++ {
		l, err := ledger.Open(context.Background(), filepath.Join(root, fmt.Sprintf("pod-%d", inst)), "credit-scoring", fmt.Sprintf("pod-%d", inst), signer,
			ledger.WithSegmentLimits(2000, 0), ledger.WithCheckpointEvery(5, 0))
		if err != nil {
			t.Fatal(err)
		}
		dl, err := aims.NewDecisionLog(aims.WithLedger(l), aims.WithLoggerProvider(f.logs.Provider))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 12; i++ {
			d, err := aims.NewDecision(context.Background(), "credit-scoring")
			if err != nil {
				t.Fatal(err)
			}
			d.Time = base.Add(time.Duration(i*2+inst) * time.Minute)
			d.Output = []string{"approve", "deny", "review"}[i%3]
			d.Score = new(float64)
			*d.Score = float64(i) / 12
			if i%3 == 1 {
				d.Adverse = true
				d.Explanation = &aims.Explanation{ReasonCodes: []aims.ReasonCode{{Rank: 1, Code: "R01", Description: "income"}}}
			}
			if err := dl.Record(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			f.ids = append(f.ids, d.ID)
		}
		if err := dl.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestVerifyCommand(t *testing.T) {
	f := newFixture(t)
	code, out, errs := runCmd(t, "verify", f.root, "--key", f.pub)
	if code != 0 {
		t.Fatalf("verify: %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "aimskit.ledger/credit-scoring/pod-0") || !strings.Contains(out, "aimskit.ledger/credit-scoring/pod-1") ||
		!strings.Contains(out, "2 instance ledgers, 24 records in all") {
		t.Fatalf("verify output:\n%s", out)
	}
	// Tamper with one record of pod-1: verify names it and fails.
	dir := filepath.Join(f.root, "pod-1")
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.jsonl"))
	b, _ := os.ReadFile(segs[0])
	lines := bytes.SplitAfter(b, []byte("\n"))
	lines[2] = bytes.Replace(lines[2], []byte(`"output":"review"`), []byte(`"output":"approve"`), 1)
	os.WriteFile(segs[0], bytes.Join(lines, nil), 0o640)
	code, out, _ = runCmd(t, "verify", f.root, "--key", f.pub)
	want := fmt.Sprintf("FAIL ledger %s: %s line 3 (record seq 2): leaf hash", dir, filepath.Base(segs[0]))
	if code != exitFailed || !strings.Contains(out, want) || !strings.Contains(out, "OK   "+filepath.Join(f.root, "pod-0")) {
		t.Fatalf("tampered verify: %d\n%s\nwant %s", code, out, want)
	}
	// Wrong and malformed keys.
	other := filepath.Join(t.TempDir(), "other")
	runCmd(t, "keygen", "--name", "credit-ledger", "--out", other)
	if code, out, _ := runCmd(t, "verify", filepath.Join(f.root, "pod-0"), "--key", other+".pub"); code != exitFailed || !strings.Contains(out, "not signed by the given key") {
		t.Fatalf("wrong key: %d %s", code, out)
	}
	if code, _, errs := runCmd(t, "verify", f.root, "--key", "not-a-key"); code != exitUsageErr || !strings.Contains(errs, "neither a readable file nor a key") {
		t.Fatalf("malformed key: %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, "verify", f.root, "--key", other+".key"); code != exitUsageErr || !strings.Contains(errs, "private signing key") {
		t.Fatalf("private key as verifier: %d %s", code, errs)
	}
	if code, _, _ := runCmd(t, "verify", f.root); code != exitUsageErr {
		t.Fatal("verify without key")
	}
}

func TestProveAndCheckProofCommands(t *testing.T) {
	f := newFixture(t)
	id := f.ids[15] // in pod-1
	code, proof, errs := runCmd(t, "prove", f.root, id)
	if code != 0 {
		t.Fatalf("prove: %d %s", code, errs)
	}
	pf := filepath.Join(t.TempDir(), "proof.json")
	os.WriteFile(pf, []byte(proof), 0o644)
	code, out, errs := runCmd(t, "check-proof", pf, "--key", f.pub)
	if code != 0 || !strings.Contains(out, "OK   decision "+id+" is record 3 of aimskit.ledger/credit-scoring/pod-1") {
		t.Fatalf("check-proof: %d %s %s", code, out, errs)
	}
	// A proof whose record was altered fails.
	var p ledger.InclusionProof
	json.Unmarshal([]byte(proof), &p)
	p.Record = strings.Replace(p.Record, `"output":"approve"`, `"output":"deny"`, 1)
	b, _ := json.Marshal(p)
	os.WriteFile(pf, b, 0o644)
	if code, out, _ := runCmd(t, "check-proof", pf, "--key", f.pub); code != exitFailed || !strings.Contains(out, "FAIL") {
		t.Fatalf("altered proof: %d %s", code, out)
	}
	if code, _, _ := runCmd(t, "prove", f.root, "01900000-0000-7000-8000-000000000000"); code != exitFailed {
		t.Fatal("proof of a missing decision")
	}
}

func TestExportCommand(t *testing.T) {
	f := newFixture(t)
	code, out, errs := runCmd(t, "export", f.root, "--key", f.pub)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 24 {
		t.Fatalf("%d decisions exported, want 24", len(lines))
	}
	var prev time.Time
	for _, l := range lines {
		var d aims.Decision
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatal(err)
		}
		if d.Time.Before(prev) {
			t.Fatal("instances not merged in time order")
		}
		prev = d.Time
	}
	code, out, _ = runCmd(t, "export", f.root, "--outcome", "deny", "--from", "2026-05-01T12:04:00Z", "--to", "2026-05-01T12:20:00Z", "--format", "csv")
	if code != 0 {
		t.Fatal(code)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// deny at i%3==1: minutes i*2+inst for i in {1,4,7,10} → 2,3,8,9,14,15,20,21; in [4,20): 8,9,14,15.
	if len(recs) != 5 || recs[0][0] != "id" || recs[1][7] != "deny" || recs[1][10] != "true" || recs[1][13] != "R01" {
		t.Fatalf("csv:\n%s", out)
	}
	if code, _, _ := runCmd(t, "export", f.root, "--format", "xml"); code != exitUsageErr {
		t.Fatal("bad format accepted")
	}
	// With --key, a ledger that fails verification is not exported.
	segs, _ := filepath.Glob(filepath.Join(f.root, "pod-0", "seg-*.jsonl"))
	b, _ := os.ReadFile(segs[0])
	os.WriteFile(segs[0], bytes.Replace(b, []byte(`"output":"deny"`), []byte(`"output":"approve"`), 1), 0o640)
	code, out, errs = runCmd(t, "export", f.root, "--key", f.pub)
	if code != exitFailed || out != "" || !strings.Contains(errs, "fails verification") {
		t.Fatalf("export of a tampered ledger: %d %q %s", code, out, errs)
	}
}

// TestExportFromCollectorFile writes the captured aims.decision log
// records in the OTLP JSON form the collector's file exporter writes (one
// ExportLogsServiceRequest per line) and exports them.
func TestExportFromCollectorFile(t *testing.T) {
	f := newFixture(t)
	file := collectorDecisions(t, f.logs)
	code, out, errs := runCmd(t, "export", "--otlp", file, "--system", "credit-scoring")
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	if n := strings.Count(out, "\n"); n != 24 {
		t.Fatalf("%d decisions from the collector file, want 24", n)
	}
	// Ledger and collector together: each decision once.
	code, out, _ = runCmd(t, "export", f.root, "--otlp", file)
	if code != 0 || strings.Count(out, "\n") != 24 {
		t.Fatalf("merged export: %d, %d lines", code, strings.Count(out, "\n"))
	}
}

// collectorDecisions writes the captured aims.decision log records in the
// OTLP JSON form the collector's file exporter writes (one
// ExportLogsServiceRequest per line) and returns the file's path.
func collectorDecisions(t *testing.T, logs *oteltest.Logs) string {
	t.Helper()
	var buf bytes.Buffer
	recs := logs.Events(semconv.EventDecision)
	for i := 0; i < len(recs); i += 5 {
		var lrs []map[string]any
		for _, r := range recs[i:min(i+5, len(recs))] {
			var attrs []map[string]any
			for k, v := range oteltest.Attrs(r) {
				attrs = append(attrs, map[string]any{"key": k, "value": map[string]any{"stringValue": v.String()}})
			}
			lrs = append(lrs, map[string]any{
				"timeUnixNano":         fmt.Sprint(r.Timestamp().UnixNano()),
				"observedTimeUnixNano": fmt.Sprint(r.ObservedTimestamp().UnixNano()),
				"severityNumber":       int(r.Severity()),
				"severityText":         r.SeverityText(),
				"body":                 map[string]any{"stringValue": r.Body().AsString()},
				"attributes":           attrs,
				"traceId":              hex.EncodeToString(make([]byte, 16)),
				"eventName":            r.EventName(),
			})
		}
		// A non-decision record in the same batch is ignored.
		lrs = append(lrs, map[string]any{"eventName": "aims.disclosure", "body": map[string]any{"stringValue": "x"}})
		line := map[string]any{"resourceLogs": []any{map[string]any{
			"resource":  map[string]any{"attributes": []any{map[string]any{"key": "service.name", "value": map[string]any{"stringValue": "credit"}}}},
			"scopeLogs": []any{map[string]any{"scope": map[string]any{"name": semconv.ScopeAims}, "logRecords": lrs}},
		}}}
		b, _ := json.Marshal(line)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	file := filepath.Join(t.TempDir(), "logs.json")
	os.WriteFile(file, buf.Bytes(), 0o644)
	return file
}

func TestUsage(t *testing.T) {
	if code, _, errs := runCmd(t); code != exitUsageErr || !strings.Contains(errs, "check-proof") {
		t.Fatalf("%d %s", code, errs)
	}
	if code, _, _ := runCmd(t, "frobnicate"); code != exitUsageErr {
		t.Fatal(code)
	}
}

// collectorLogs writes the checkpoints of the ledger in dir as the
// collector's file exporter writes the aims.ledger.checkpoint records the
// ledger emitted: OTLP/JSON, one export request per line.
func collectorLogs(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "checkpoints.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var recs []any
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var cl struct {
			Note string `json:"note"`
		}
		if err := json.Unmarshal(line, &cl); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, map[string]any{"eventName": semconv.EventLedgerCheckpoint, "body": map[string]any{"stringValue": cl.Note}})
	}
	out, err := json.Marshal(map[string]any{"resourceLogs": []any{map[string]any{
		"scopeLogs": []any{map[string]any{"scope": map[string]any{"name": semconv.ScopeLedger}, "logRecords": recs}}}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVerifyWithOutsideCheckpoints: given the checkpoints that reached the
// collector, verify passes the genuine ledger and fails an emptied or
// rolled-back one that is consistent on its own.
func TestVerifyWithOutsideCheckpoints(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.root, "pod-1")
	collected := collectorLogs(t, dir)
	code, out, errs := runCmd(t, "verify", dir, "--key", f.pub, "--checkpoints", collected)
	if code != 0 || !strings.Contains(out, "consistent with") {
		t.Fatalf("genuine ledger: %d\n%s%s", code, out, errs)
	}
	// Without outside checkpoints the output says what cannot be known.
	if _, out, _ := runCmd(t, "verify", dir, "--key", f.pub); !strings.Contains(out, "no checkpoints kept outside the host") {
		t.Fatalf("verify without --checkpoints does not say what it cannot detect:\n%s", out)
	}
	// A checkpoints.jsonl copy works as well as the collector's file.
	kept := filepath.Join(t.TempDir(), "kept.jsonl")
	b, _ := os.ReadFile(filepath.Join(dir, "checkpoints.jsonl"))
	os.WriteFile(kept, b, 0o644)

	emptied := t.TempDir()
	code, out, errs = runCmd(t, "verify", emptied, "--key", f.pub, "--checkpoints", collected)
	if code != exitFailed || !strings.Contains(out, "rollback or truncation") {
		t.Fatalf("emptied ledger: %d\n%s%s", code, out, errs)
	}
	// Roll back: drop the records and checkpoints after the first one
	// with records, keeping every file consistent.
	rolled := t.TempDir()
	cps := bytes.SplitAfter(bytes.TrimSpace(b), []byte("\n"))
	var cl struct {
		Note string `json:"note"`
	}
	json.Unmarshal(bytes.TrimSpace(cps[1]), &cl)
	os.WriteFile(filepath.Join(rolled, "checkpoints.jsonl"), append(bytes.TrimSpace(bytes.Join(cps[:2], nil)), '\n'), 0o644)
	os.WriteFile(filepath.Join(rolled, "checkpoint"), []byte(cl.Note), 0o644)
	body, _, _ := strings.Cut(cl.Note, "\n\n")
	cp, err := ledger.ParseCheckpoint(body + "\n")
	if err != nil || cp.Size == 0 {
		t.Fatal(cp, err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.jsonl"))
	seg, _ := os.ReadFile(segs[0])
	os.WriteFile(filepath.Join(rolled, filepath.Base(segs[0])), bytes.Join(bytes.SplitAfter(seg, []byte("\n"))[:cp.Size], nil), 0o644)
	if code, out, _ := runCmd(t, "verify", rolled, "--key", f.pub); code != 0 {
		t.Fatalf("the rolled-back ledger should be consistent on its own: %s", out)
	}
	for _, src := range []string{collected, kept} {
		code, out, errs = runCmd(t, "verify", rolled, "--key", f.pub, "--checkpoints", src)
		if code != exitFailed || !strings.Contains(out, "rollback or truncation") {
			t.Fatalf("rolled-back ledger with %s: %d\n%s%s", src, code, out, errs)
		}
	}
	// Bad --checkpoints input is a usage error naming the file.
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("hello"), 0o644)
	if code, _, errs := runCmd(t, "verify", dir, "--key", f.pub, "--checkpoints", bad); code != exitUsageErr || !strings.Contains(errs, bad) {
		t.Fatalf("bad checkpoints file: %d %s", code, errs)
	}
}

// TestVerifyWithWitnessPolicy: with --witness-policy, a ledger passes only
// when a checkpoint covering it carries the cosignatures the policy asks
// for.
func TestVerifyWithWitnessPolicy(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.root, "pod-0")
	skey, vkey, err := note.GenerateKey(nil, "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	cosigner, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	cvkey, err := fnote.VKeyToCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(t.TempDir(), "policy")
	os.WriteFile(policy, []byte("witness w1 "+cvkey+"\nquorum w1\n"), 0o644)

	if code, out, errs := runCmd(t, "verify", dir, "--key", f.pub, "--witness-policy", policy); code != exitFailed || !strings.Contains(out, "no checkpoint satisfies the witness policy") {
		t.Fatalf("unwitnessed ledger: %d\n%s%s", code, out, errs)
	}
	// Cosign the ledger's latest checkpoint as the witness would.
	latest, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.LoadVerifier(f.pub)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(latest, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, cosigner)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cosigned")
	os.WriteFile(file, cosigned, 0o644)
	code, out, errs := runCmd(t, "verify", dir, "--key", f.pub, "--witness-policy", policy, "--checkpoints", file)
	if code != 0 || !strings.Contains(out, "satisfies the witness policy") {
		t.Fatalf("witnessed ledger: %d\n%s%s", code, out, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad-policy")
	os.WriteFile(bad, []byte("witness w1 not-a-key\n"), 0o644)
	if code, _, errs := runCmd(t, "verify", dir, "--key", f.pub, "--witness-policy", bad); code != exitUsageErr || !strings.Contains(errs, "line 1") {
		t.Fatalf("bad policy: %d %s", code, errs)
	}
}
