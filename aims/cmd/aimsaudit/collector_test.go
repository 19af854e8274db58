package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/otelcoltest"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// TestExportFromRealCollector sends the aims.decision records, as OTLP/HTTP
// JSON, through a real OpenTelemetry Collector (the one .ci/collector.sh
// builds; AIMSKIT_OTELCOL names its binary) whose file exporter writes
// them, and checks that export --otlp reads every decision back from the
// collector's own output.
func TestExportFromRealCollector(t *testing.T) {
	col := otelcoltest.Start(t)
	f := newFixture(t)

	body := otlpJSON(t, f.logs)
	url := col.HTTPEndpoint + "/v1/logs"
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
	col.Stop() // flushes the batch processor and the file exporter

	code, exported, errs := runCmd(t, "export", "--otlp", col.File("logs.jsonl"))
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
