package inventory

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/internal/otelcoltest"
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
	col := otelcoltest.Start(t)
	url := col.HTTPEndpoint + "/v1/logs"
	out := col.File("logs.jsonl")

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
	col.Stop()

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("collector wrote no file: %v", err)
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
