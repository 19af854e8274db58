package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// sourcedDecision is a decision read from a ledger or a collector file,
// with the exact JSON it was stored as.
type sourcedDecision struct {
	aims.Decision
	raw    []byte
	source string // "DIR seg line" or "FILE line"
	// telemetry says the copy was read from a collector file: the decision
	// log leaves a reason a person wrote out of it (kept in the ledger
	// only; aims.OversightOutcome.PersonalReason).
	telemetry bool
}

// readLedgerDecisions reads every decision of the ledger in dir, skipping
// its other records (management-system records, ledger entries), which
// carry another schema_version or none.
func readLedgerDecisions(dir string) ([]sourcedDecision, error) {
	var out []sourcedDecision
	err := ledger.Scan(dir, func(r ledger.ScannedRecord) error {
		var d aims.Decision
		if err := json.Unmarshal(r.Record, &d); err != nil {
			return fmt.Errorf("%s %s line %d: not a decision: %v", dir, r.Segment, r.Line, err)
		}
		if d.SchemaVersion != aims.DecisionSchemaVersion {
			return nil
		}
		out = append(out, sourcedDecision{Decision: d, raw: append([]byte(nil), r.Record...),
			source: fmt.Sprintf("%s %s:%d", dir, r.Segment, r.Line)})
		return nil
	})
	return out, err
}

// readOTLPDecisions reads the aims.decision records of a collector
// file-exporter output (OTLP/JSON, one request per line). A record is a
// decision when its eventName is aims.decision (or, from older SDKs, its
// event.name attribute is); its body is the decision JSON. It returns how
// many such records could not be read as decisions, rather than fail on the
// first; input that is not OTLP/JSON at all is an error naming the line.
func readOTLPDecisions(path string) ([]sourcedDecision, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var out []sourcedDecision
	bad := 0
	err = otlpfile.EachLog(f, func(r otlpfile.LogRecord) error {
		if r.EventName != semconv.EventDecision && otlpfile.String(r.Attributes, "event.name") != semconv.EventDecision {
			return nil
		}
		body, ok := r.Body.(string)
		if !ok {
			bad++
			return nil
		}
		raw := []byte(body)
		var d aims.Decision
		if json.Unmarshal(raw, &d) != nil || d.ID == "" {
			bad++
			return nil
		}
		out = append(out, sourcedDecision{Decision: d, raw: raw, source: fmt.Sprintf("%s:%d", path, r.Line), telemetry: true})
		return nil
	})
	if err != nil {
		return nil, bad, err // it names the file and the line
	}
	return out, bad, nil
}
