package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/semconv"
)

// sourcedDecision is a decision read from a ledger or a collector file,
// with the exact JSON it was stored as.
type sourcedDecision struct {
	aims.Decision
	raw    []byte
	source string // "DIR seg line" or "FILE line"
}

// readLedgerDecisions reads every decision of the ledger in dir.
func readLedgerDecisions(dir string) ([]sourcedDecision, error) {
	var out []sourcedDecision
	err := ledger.Scan(dir, func(r ledger.ScannedRecord) error {
		var d aims.Decision
		if err := json.Unmarshal(r.Record, &d); err != nil {
			return fmt.Errorf("%s %s line %d: not a decision: %v", dir, r.Segment, r.Line, err)
		}
		out = append(out, sourcedDecision{Decision: d, raw: append([]byte(nil), r.Record...),
			source: fmt.Sprintf("%s %s:%d", dir, r.Segment, r.Line)})
		return nil
	})
	return out, err
}

// OTLP JSON, as the OpenTelemetry Collector's file exporter writes it with
// format: json: one ExportLogsServiceRequest per line
// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding).
// Only the fields needed to find decision records are declared.
type otlpLogsLine struct {
	ResourceLogs []struct {
		ScopeLogs []struct {
			LogRecords []otlpLogRecord `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type otlpLogRecord struct {
	EventName  string         `json:"eventName"`
	Body       otlpAnyValue   `json:"body"`
	Attributes []otlpKeyValue `json:"attributes"`
}

type otlpKeyValue struct {
	Key   string       `json:"key"`
	Value otlpAnyValue `json:"value"`
}

type otlpAnyValue struct {
	StringValue *string `json:"stringValue"`
}

// readOTLPDecisions reads the aims.decision records of a collector
// file-exporter output. A record is a decision when its eventName is
// aims.decision (or, from older SDKs, its event.name attribute is); its
// body is the decision JSON. It returns how many such records could not
// be read as decisions, rather than fail on the first.
func readOTLPDecisions(path string) ([]sourcedDecision, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var out []sourcedDecision
	bad := 0
	r := bufio.NewReaderSize(f, 1<<20)
	for lineNo := 1; ; lineNo++ {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var l otlpLogsLine
			if jerr := json.Unmarshal(line, &l); jerr != nil {
				return nil, bad, fmt.Errorf("%s line %d: not OTLP JSON: %v", path, lineNo, jerr)
			}
			for _, rl := range l.ResourceLogs {
				for _, sl := range rl.ScopeLogs {
					for _, lr := range sl.LogRecords {
						if !isDecisionRecord(lr) {
							continue
						}
						if lr.Body.StringValue == nil {
							bad++
							continue
						}
						raw := []byte(*lr.Body.StringValue)
						var d aims.Decision
						if json.Unmarshal(raw, &d) != nil || d.ID == "" {
							bad++
							continue
						}
						out = append(out, sourcedDecision{Decision: d, raw: raw, source: fmt.Sprintf("%s:%d", path, lineNo)})
					}
				}
			}
		}
		if err == io.EOF {
			return out, bad, nil
		}
		if err != nil {
			return nil, bad, err
		}
	}
}

func isDecisionRecord(lr otlpLogRecord) bool {
	if lr.EventName == semconv.EventDecision {
		return true
	}
	for _, kv := range lr.Attributes {
		if kv.Key == "event.name" && kv.Value.StringValue != nil && *kv.Value.StringValue == semconv.EventDecision {
			return true
		}
	}
	return false
}
