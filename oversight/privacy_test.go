package oversight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// TestRawDataReachesNoComponent is the ground truth of the front door
// across every component at once: a decision with a raw subject, an input
// outside the allow-list and attributions of that input, submitted by hand
// through a review gate on a System with a real ledger, and reviewed,
// leaves neither value in the ledger's files, in any OpenTelemetry log
// record, span or metric, or in the reviewer console's pages and API.
func TestRawDataReachesNoComponent(t *testing.T) {
	ctx := context.Background()
	logs, traces, metrics := oteltest.NewLogs(t), oteltest.NewTraces(t), oteltest.NewMetrics(t)
	dir := t.TempDir()
	skey, _, err := ledger.GenerateKey("privacy-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, dir, "credit", "pod-1", signer)
	if err != nil {
		t.Fatal(err)
	}
	pseud, err := aims.NewPseudonymizer([]byte("privacy test key of 32 bytes !!!"), "pt")
	if err != nil {
		t.Fatal(err)
	}
	sys, err := aims.NewSystem("credit", aims.WithLedger(led), aims.WithPseudonymizer(pseud),
		aims.WithAllowList(aims.NewAllowList("income")), aims.WithRiskLevel(aims.RiskHigh),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}),
		aims.WithLoggerProvider(logs.Provider), aims.WithTracerProvider(traces.Provider), aims.WithMeterProvider(metrics.Provider))
	if err != nil {
		t.Fatal(err)
	}
	g, err := oversight.New(ctx, sys, oversight.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	d, err := aims.NewDecision(ctx, "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Subject, d.Output, d.Adverse = storetest.RawSubject, "deny", true
	d.Inputs = map[string]any{"income": 41000.0, storetest.RawInput: storetest.RawAge}
	d.Explanation = &aims.Explanation{Method: "linear", Attributions: []aims.Attribution{
		{Feature: "income", Contribution: -0.5}, {Feature: storetest.RawInput, Contribution: storetest.RawAge}}}
	out, err := g.Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Pending() {
		t.Fatalf("a high-risk adverse decision was not held: %v", out.Action)
	}

	reviewer := oversight.Reviewer{ID: "alice", Roles: []string{"reviewer"}}
	console, err := oversight.NewConsole(g, oversight.AuthenticatorFunc(func(*http.Request) (oversight.Reviewer, error) { return reviewer, nil }))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console)
	defer srv.Close()
	var pages bytes.Buffer
	for _, path := range []string{"/", "/tickets/" + out.Ticket.ID, "/api/tickets", "/api/tickets/" + out.Ticket.ID} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		pages.Write(b)
	}
	if !bytes.Contains(pages.Bytes(), []byte(pseud.Pseudonym(storetest.RawSubject))) {
		t.Fatal("the console shows no pseudonym; the search below would prove nothing")
	}
	requireClean(t, "the reviewer console", pages.Bytes())

	for _, r := range []oversight.Reviewer{reviewer, {ID: "bob", Roles: []string{"reviewer"}}} {
		if _, err := g.Override(ctx, out.Ticket.ID, r, "approve", "income verified by phone"); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sys.Close(ctx); err != nil {
		t.Fatal(err)
	}

	var telemetry bytes.Buffer
	for _, r := range logs.Records() {
		telemetry.WriteString(r.Body().String())
		for k, v := range oteltest.Attrs(r) {
			telemetry.WriteString(" " + k + "=" + v.String())
		}
		telemetry.WriteString("\n")
	}
	for _, s := range traces.Recorder.Ended() {
		for _, a := range s.Attributes() {
			telemetry.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
		}
	}
	rm, err := json.Marshal(metrics.Collect(t))
	if err != nil {
		t.Fatal(err)
	}
	telemetry.Write(rm)
	if !bytes.Contains(telemetry.Bytes(), []byte("hs256:pt:")) {
		t.Fatal("no pseudonym in the telemetry; the search below would prove nothing")
	}
	requireClean(t, "OpenTelemetry", telemetry.Bytes())

	files := 0
	if err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		requireClean(t, path, b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("the ledger wrote no files")
	}
}

func requireClean(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, raw := range storetest.RawValues {
		if bytes.Contains(b, []byte(raw)) {
			t.Errorf("%s contains %s", where, raw)
		}
	}
}
