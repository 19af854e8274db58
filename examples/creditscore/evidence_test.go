package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/otelcoltest"
	"github.com/aimskit/aimskit/inventory"
)

// TestSimulationLeavesVerifiableEvidence runs the example the way the
// README does, on embedded defaults, and checks what an auditor would:
// the ledger verifies, every decision in it is in the telemetry exactly
// once with its trace context, the inventory can be rebuilt from the
// telemetry, the monitors reported, and tampering is caught.
func TestSimulationLeavesVerifiableEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole example service")
	}
	dir, keyFile := t.TempDir(), filepath.Join(t.TempDir(), "keys", "ledger.key")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-simulate", "240", "-addr", "127.0.0.1:0", "-data", dir, "-instance", "test-1", "-key", keyFile}, &out))
	t.Log(out.String())
	vkey := checkEvidence(t, dir, filepath.Join(dir, "telemetry"))
	checkKeys(t, dir, keyFile, vkey, out.String())
}

// TestEndToEndWithCollector does the same through a real OpenTelemetry
// Collector (OTLP receiver, batch processor, file exporter) built by
// .ci/collector.sh (AIMSKIT_OTELCOL names its binary; skipped without it).
func TestEndToEndWithCollector(t *testing.T) {
	col := otelcoltest.Start(t)
	dir := t.TempDir()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.HTTPEndpoint)
	// The signing key comes from the environment, as from a secret store.
	skey, _, err := ledger.GenerateKey("creditscore.e2e")
	require.NoError(t, err)
	t.Setenv(ledger.DefaultKeyEnv, skey)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-simulate", "300", "-addr", "127.0.0.1:0", "-data", dir, "-instance", "e2e-1"}, &out))
	t.Log(out.String())
	col.Stop() // the collector flushes its batches and files on shutdown
	otelDir := col.OutDir

	// The key the auditor uses is the one the collector received in the
	// inventory registration.
	pub := checkEvidence(t, dir, otelDir)
	assert.Contains(t, out.String(), "signing key:       environment variable "+ledger.DefaultKeyEnv)

	// The auditor's own command agrees, and catches a tampered copy.
	audit := buildAimsaudit(t)
	ledgerDir := filepath.Join(dir, "ledger")
	res, err := exec.Command(audit, "verify", ledgerDir, "--key", pub).CombinedOutput()
	require.NoError(t, err, "aimsaudit verify: %s", res)
	tampered := tamperedCopy(t, ledgerDir)
	res, err = exec.Command(audit, "verify", tampered, "--key", pub).CombinedOutput()
	require.Error(t, err, "aimsaudit verify must fail on a tampered ledger: %s", res)
	t.Logf("aimsaudit on the tampered copy: %s", strings.TrimSpace(string(res)))

	// The checkpoints that reached the collector vouch for the ledger from
	// outside its host: a rolled-back copy, consistent on its own, fails
	// against them.
	collected := filepath.Join(otelDir, "logs.jsonl")
	res, err = exec.Command(audit, "verify", ledgerDir, "--key", pub, "--checkpoints", collected).CombinedOutput()
	require.NoError(t, err, "aimsaudit verify --checkpoints: %s", res)
	assert.Contains(t, string(res), "consistent with")
	rolled := rolledBackCopy(t, ledgerDir)
	res, err = exec.Command(audit, "verify", rolled, "--key", pub).CombinedOutput()
	require.NoError(t, err, "a rolled-back copy is consistent on its own: %s", res)
	res, err = exec.Command(audit, "verify", rolled, "--key", pub, "--checkpoints", collected).CombinedOutput()
	require.Error(t, err, "the collector's checkpoints must expose the rollback: %s", res)
	assert.Contains(t, string(res), "rollback or truncation")

	// The audit report is built from the ledger, the collector's output and the SoA.
	reportDir := os.Getenv("AIMSKIT_ARTIFACTS")
	if reportDir == "" {
		reportDir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(reportDir, 0o755))
	html, md := filepath.Join(reportDir, "e2e-report.html"), filepath.Join(reportDir, "e2e-report.md")
	res, err = exec.Command(audit, "report", "--ledger", ledgerDir, "--otel", otelDir, "--soa", "soa.yaml",
		"--key", pub, "--out", html, "--markdown", md).CombinedOutput()
	require.NoError(t, err, "aimsaudit report: %s", res)
	page, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, string(page), "<svg", "the report has charts")
	assert.Contains(t, string(page), systemID)
	summary, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(summary), "| PASS |", "the report shows the ledger verified")
	t.Logf("audit report of the end-to-end run: %s", html)
}

// checkEvidence checks the evidence as an auditor would, with the ledger
// key published in the inventory registration that reached the telemetry,
// and returns that key.
func checkEvidence(t *testing.T, dataDir, otelDir string) string {
	t.Helper()
	checkNoRawPersonalData(t, dataDir, otelDir)
	ledgerDir := filepath.Join(dataDir, "ledger")
	vkey := publishedKey(t, otelDir)
	verifier, err := ledger.NewVerifier(vkey)
	require.NoError(t, err)

	// 1. The ledger verifies.
	rep, err := ledger.Verify(ledgerDir, []note.Verifier{verifier}, ledger.VerifyOptions{})
	require.NoError(t, err)
	require.Positive(t, rep.Records)

	// 2. Every ledger decision is in the telemetry (as one record, however often delivered), with its trace context.
	// The ledger also holds the management-system records.
	var decisions []aims.Decision
	var management []aims.RecordType
	require.NoError(t, ledger.Scan(ledgerDir, func(r ledger.ScannedRecord) error {
		if m, err := aims.ParseManagementRecord(r.Record); err == nil {
			management = append(management, m.Type)
			return nil
		} else if !errors.Is(err, aims.ErrNotManagementRecord) {
			return fmt.Errorf("%s:%d: %w", r.Segment, r.Line, err)
		}
		var d aims.Decision
		if err := json.Unmarshal(r.Record, &d); err != nil {
			return fmt.Errorf("%s:%d: %w", r.Segment, r.Line, err)
		}
		decisions = append(decisions, d)
		return nil
	}))
	// Registration writes the assessment, the authorisation and the change
	// it was admitted with, start-up the risk register; every later
	// management record is an incident (the run's drift episode and halt).
	require.GreaterOrEqual(t, len(management), 6)
	require.Equal(t, []aims.RecordType{aims.RecordImpactAssessment, aims.RecordDeploymentAuthorisation, aims.RecordChange,
		aims.RecordRisk, aims.RecordRisk, aims.RecordRisk}, management[:6])
	for _, m := range management[6:] {
		require.Equal(t, aims.RecordIncident, m)
	}
	require.Len(t, decisions, int(rep.Records)-len(management))
	logs := readLogs(t, otelDir)
	// OTLP delivery is at least once: an export that timed out after the
	// sink wrote it is sent again (seen under load). A decision may then
	// appear more than once, but only as the very same record.
	seen := map[string]int{}
	traceOf := map[string]string{}
	bodyOf := map[string]any{}
	for _, r := range logs {
		if r.EventName != semconv.EventDecision {
			continue
		}
		id := otlpfile.String(r.Attributes, string(semconv.AimsDecisionID))
		if seen[id] > 0 {
			assert.Equal(t, bodyOf[id], r.Body, "decision %s appears twice in the telemetry with different records", id)
			assert.Equal(t, traceOf[id], r.TraceID, "decision %s appears twice in the telemetry with different traces", id)
		}
		seen[id]++
		traceOf[id], bodyOf[id] = r.TraceID, r.Body
	}
	withTrace := 0
	for _, d := range decisions {
		assert.GreaterOrEqual(t, seen[d.ID], 1, "decision %s is missing from the telemetry", d.ID)
		if d.TraceID != "" {
			withTrace++
			assert.Equal(t, d.TraceID, traceOf[d.ID], "decision %s lost its trace context", d.ID)
		}
	}
	assert.Len(t, seen, len(decisions), "telemetry has decisions the ledger does not")
	assert.Greater(t, withTrace, len(decisions)/2, "request decisions carry the request's trace")

	// Oversight did real work: reviews, overrides and contests are recorded.
	actions := map[aims.OversightAction]int{}
	for _, d := range decisions {
		if d.Oversight != nil {
			actions[d.Oversight.Action]++
		}
	}
	t.Logf("oversight actions in the ledger: %v", actions)
	for _, a := range []aims.OversightAction{aims.ActionApply, aims.ActionReview, aims.ActionApprove, aims.ActionOverride, aims.ActionContest, aims.ActionHalt, aims.ActionResume} {
		assert.Positive(t, actions[a], "no %s record in the ledger", a)
	}
	explained := 0
	for _, d := range decisions {
		if d.Adverse && d.Explanation != nil && len(d.Explanation.ReasonCodes) > 0 {
			explained++
		}
	}
	assert.Positive(t, explained, "adverse decisions carry reason codes")

	// 3. The inventory is rebuilt from the telemetry alone.
	f, err := os.Open(filepath.Join(otelDir, "logs.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	inv, err := inventory.FromOTLP(f)
	require.NoError(t, err)
	entries := inv.Entries()
	require.Len(t, entries, 1)
	assert.Equal(t, systemID, entries[0].System.ID)
	assert.Equal(t, aims.RiskHigh, entries[0].System.RiskLevel)
	require.NotEmpty(t, entries[0].Instances)
	assert.True(t, entries[0].LastSeen.After(entries[0].RegisteredAt), "heartbeats arrived after the registration")

	// 4. Fairness and drift reported: gauges in the metrics, a drift event in the logs.
	metrics := readMetrics(t, otelDir)
	names := map[string]bool{}
	for _, p := range metrics {
		names[p.Metric] = true
	}
	for _, m := range []string{semconv.MetricFairnessSelectionRate, semconv.MetricFairnessDisparity, semconv.MetricDriftScore, semconv.MetricDecisions, semconv.MetricDisclosures} {
		assert.True(t, names[m], "metric %s missing from the telemetry", m)
	}
	events := map[string]int{}
	for _, r := range logs {
		events[r.EventName]++
	}
	t.Logf("events: %v", events)
	assert.Positive(t, events[semconv.EventDriftFeature]+events[semconv.EventDriftDataset], "the income shift raised a drift event")
	assert.Positive(t, events[semconv.EventDisclosure])
	assert.Positive(t, events[semconv.EventInventoryHeartbeat])

	// 5. A tampered copy fails verification.
	_, err = ledger.Verify(tamperedCopy(t, ledgerDir), []note.Verifier{verifier}, ledger.VerifyOptions{})
	require.Error(t, err)
	return vkey
}

// publishedKey is the ledger key of the inventory registration, rebuilt
// from the telemetry alone.
func publishedKey(t *testing.T, otelDir string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(otelDir, "logs.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	inv, err := inventory.FromOTLP(f)
	require.NoError(t, err)
	e, ok := inv.Entry(systemID)
	require.True(t, ok, "no registration of %s in the telemetry", systemID)
	require.Len(t, e.System.LedgerKeys, 1, "the registration publishes the ledger key")
	return e.System.LedgerKeys[0]
}

// checkKeys checks where the keys are: the private key in its own file
// (mode 0600) outside the data folder, no key file at all in the data
// folder or the ledger, and the banner's audit command with the published
// key.
func checkKeys(t *testing.T, dataDir, keyFile, vkey, banner string) {
	t.Helper()
	st, err := os.Stat(keyFile)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the signing key is readable by others")
	}
	got, err := ledger.LoadSigner(keyFile)
	require.NoError(t, err)
	assert.Equal(t, vkey, got.(*ledger.CryptoSigner).VerifierKey(), "the published key belongs to the signing key")
	skey, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	secret := strings.TrimSpace(string(skey))
	require.NoError(t, filepath.WalkDir(dataDir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		assert.NotContains(t, []string{"ledger.key", "ledger.pub"}, e.Name(), "%s: a key file in the data folder", path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		assert.False(t, bytes.Contains(b, []byte(secret)), "%s holds the private signing key", path)
		return nil
	}))
	abs, err := filepath.Abs(filepath.Join(dataDir, "ledger"))
	require.NoError(t, err)
	assert.Contains(t, banner, "aimsaudit verify -key '"+vkey+"' -checkpoints "+shellQuote(filepath.Join(filepath.Dir(abs), "telemetry", "logs.jsonl"))+" "+shellQuote(abs))
	assert.Contains(t, banner, "ledgerVerifierKeys")
}

// tamperedCopy copies a ledger and changes one decision's output in it.
func tamperedCopy(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "tampered")
	require.NoError(t, os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	edited := false
	for _, e := range entries {
		if e.IsDir() || e.Name() == ".lock" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		if !edited && strings.HasPrefix(e.Name(), "seg-") && bytes.Contains(b, []byte(`"output":"deny"`)) {
			b = bytes.Replace(b, []byte(`"output":"deny"`), []byte(`"output":"approve"`), 1)
			edited = true
		}
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600))
	}
	require.True(t, edited, "found no refusal to tamper with")
	return dst
}

// rolledBackCopy copies the ledger in src as it was at an earlier
// checkpoint: the history cut after its middle entry, the latest file
// pointing there, the records after it removed. Every file agrees with
// every other, as after a restore from an old backup.
func rolledBackCopy(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "rolled-back")
	require.NoError(t, os.MkdirAll(dst, 0o755))
	b, err := os.ReadFile(filepath.Join(src, "checkpoints.jsonl"))
	require.NoError(t, err)
	lines := bytes.SplitAfter(bytes.TrimSpace(b), []byte{'\n'})
	require.Greater(t, len(lines), 2, "need a few checkpoints")
	var keep ledger.Checkpoint
	var note string
	for k := len(lines) / 2; k > 0; k-- {
		var cl struct {
			Note string `json:"note"`
		}
		require.NoError(t, json.Unmarshal(bytes.TrimSpace(lines[k-1]), &cl))
		body, _, _ := strings.Cut(cl.Note, "\n\n")
		cp, err := ledger.ParseCheckpoint(body + "\n")
		require.NoError(t, err)
		if cp.Size > 0 {
			keep, note = cp, cl.Note
			lines = lines[:k]
			break
		}
	}
	require.NotEmpty(t, note, "no checkpoint with records in the first half of the history")
	hist := bytes.Join(lines, nil)
	hist = append(bytes.TrimRight(hist, "\n"), '\n')
	require.NoError(t, os.WriteFile(filepath.Join(dst, "checkpoints.jsonl"), hist, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dst, "checkpoint"), []byte(note), 0o600))
	segs, err := filepath.Glob(filepath.Join(src, "seg-*.jsonl"))
	require.NoError(t, err)
	var seq int64
	for _, seg := range segs {
		b, err := os.ReadFile(seg)
		require.NoError(t, err)
		var out []byte
		for _, ln := range bytes.SplitAfter(b, []byte{'\n'}) {
			if len(ln) == 0 || seq >= keep.Size {
				continue
			}
			out = append(out, ln...)
			seq++
		}
		if len(out) > 0 {
			require.NoError(t, os.WriteFile(filepath.Join(dst, filepath.Base(seg)), out, 0o600))
		}
	}
	require.Equal(t, keep.Size, seq)
	return dst
}

func readLogs(t *testing.T, dir string) []otlpfile.LogRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "logs.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := otlpfile.ReadLogs(f)
	require.NoError(t, err)
	return recs
}

func readMetrics(t *testing.T, dir string) []otlpfile.Point {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	pts, err := otlpfile.ReadMetrics(f)
	require.NoError(t, err)
	return pts
}

func buildAimsaudit(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "aimsaudit")
	res, err := exec.Command("go", "build", "-o", out, "github.com/aimskit/aimskit/aims/cmd/aimsaudit").CombinedOutput()
	require.NoError(t, err, "building aimsaudit: %s", res)
	return out
}

// checkNoRawPersonalData searches every file the run left behind (ledger,
// review queue, telemetry) for the simulation's raw customer IDs and for
// the age input, which is not on the allow-list: the records are clean
// from the start, so neither may appear anywhere.
func checkNoRawPersonalData(t *testing.T, dirs ...string) {
	t.Helper()
	files := 0
	for _, dir := range dirs {
		require.NoError(t, filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			for _, raw := range []string{`cust-`, `"age":`, `aims.input.age`, `"feature":"age","contribution"`, `"feature":"age","from"`} {
				assert.False(t, bytes.Contains(b, []byte(raw)), "%s contains %s", path, raw)
			}
			return nil
		}))
	}
	require.Positive(t, files)
}
