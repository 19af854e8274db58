package inventory

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCollectorFileExporterRoundTrip sends the scenario's records to a real
// OpenTelemetry Collector (OTLP/HTTP with JSON payloads) whose file exporter
// writes them out, and rebuilds the inventory from that file. It checks the
// reader against the Collector's own OTLP/JSON marshaler rather than against
// the test encoder. It runs only when AIMSKIT_OTELCOL names a collector
// binary with the otlp receiver and the file exporter (.ci/collector.sh
// builds one; verified with Collector v0.165.0, otlpreceiver and the contrib
// fileexporter).
func TestCollectorFileExporterRoundTrip(t *testing.T) {
	bin := os.Getenv("AIMSKIT_OTELCOL")
	if bin == "" {
		t.Skip("AIMSKIT_OTELCOL is not set; export AIMSKIT_OTELCOL=\"$(bash .ci/collector.sh build)\" to run against a real Collector")
	}
	dir := t.TempDir()
	port := freePort(t)
	out := filepath.Join(dir, "logs.jsonl")
	config := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  file:
    path: %s
    format: json
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [file]
`, port, out)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)

	url := fmt.Sprintf("http://127.0.0.1:%d/v1/logs", port)
	// Wait for the receiver to listen (start-up, not a timing assertion).
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector did not start listening: %v\n%s", err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	var sent int
	want := emitScenario(t, func(line []byte) {
		resp, err := http.Post(url, "application/json", bytes.NewReader(line))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("collector answered %s to an OTLP/JSON export", resp.Status)
		}
		sent += strings.Count(string(line), `"eventName":"aims.inventory.`)
	})
	// Shutting the collector down flushes the file exporter.
	stop()

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("collector wrote no file: %v\n%s", err, stderr.String())
	}
	if got := strings.Count(string(data), `"eventName":"aims.inventory.`); got != sent {
		t.Fatalf("collector file holds %d inventory records, %d were sent:\n%s", got, sent, data)
	}
	inv, err := FromOTLP(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	checkScenario(t, inv, want)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
