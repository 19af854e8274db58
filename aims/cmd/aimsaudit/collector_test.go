package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/internal/semconv"
)

// TestExportFromRealCollector sends the aims.decision records, as OTLP/HTTP
// JSON, through a real OpenTelemetry Collector (the one .ci/collector.sh
// builds; AIMSKIT_OTELCOL names its binary) whose file exporter writes
// them, and checks that export --otlp reads every decision back from the
// collector's own output.
func TestExportFromRealCollector(t *testing.T) {
	bin := os.Getenv("AIMSKIT_OTELCOL")
	if bin == "" {
		t.Skip("set AIMSKIT_OTELCOL to a collector binary (bash .ci/collector.sh build) to run this test")
	}
	f := newFixture(t)
	out := t.TempDir()
	cfg, err := filepath.Abs("../../../internal/otelcol/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	grpcPort, httpPort := freeTCPPort(t), freeTCPPort(t)
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Env = append(os.Environ(), "AIMSKIT_OTELCOL_OUT="+out,
		fmt.Sprintf("AIMSKIT_OTELCOL_GRPC_PORT=%d", grpcPort), fmt.Sprintf("AIMSKIT_OTELCOL_HTTP_PORT=%d", httpPort))
	var colLog bytes.Buffer
	cmd.Stdout, cmd.Stderr = &colLog, &colLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("collector output:\n%s", colLog.String())
		}
	})

	body := otlpJSON(t, f.logs)
	url := fmt.Sprintf("http://127.0.0.1:%d/v1/logs", httpPort)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("collector answered %s", resp.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector did not accept OTLP/HTTP: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop() // flushes the batch processor and the file exporter

	code, exported, errs := runCmd(t, "export", "--otlp", filepath.Join(out, "logs.jsonl"))
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	if n := strings.Count(exported, "\n"); n != len(f.ids) {
		t.Fatalf("%d decisions read back from the collector, want %d\n%s", n, len(f.ids), errs)
	}
	for _, id := range f.ids {
		if !strings.Contains(exported, id) {
			t.Fatalf("decision %s missing", id)
		}
	}
}

// otlpJSON encodes the captured decision records as one OTLP/HTTP JSON
// ExportLogsServiceRequest.
func otlpJSON(t *testing.T, logs *oteltest.Logs) []byte {
	var lrs []map[string]any
	for _, r := range logs.Events(semconv.EventDecision) {
		var attrs []map[string]any
		for k, v := range oteltest.Attrs(r) {
			attrs = append(attrs, map[string]any{"key": k, "value": map[string]any{"stringValue": v.String()}})
		}
		lrs = append(lrs, map[string]any{
			"timeUnixNano":   fmt.Sprint(r.Timestamp().UnixNano()),
			"severityNumber": int(r.Severity()),
			"severityText":   r.SeverityText(),
			"eventName":      r.EventName(),
			"body":           map[string]any{"stringValue": r.Body().AsString()},
			"attributes":     attrs,
		})
	}
	b, err := json.Marshal(map[string]any{"resourceLogs": []any{map[string]any{
		"resource":  map[string]any{"attributes": []any{map[string]any{"key": "service.name", "value": map[string]any{"stringValue": "credit"}}}},
		"scopeLogs": []any{map[string]any{"scope": map[string]any{"name": semconv.ScopeAims}, "logRecords": lrs}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func freeTCPPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
