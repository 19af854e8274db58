package otlpfile

import (
	"fmt"
	"io"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
)

// LogRecord is one log record with its resource and scope flattened in.
type LogRecord struct {
	// Resource holds the attributes of the resource that emitted the
	// record; records of one resource on one line share the map, so
	// treat it as read-only.
	Resource     map[string]any
	Scope        string // instrumentation scope name
	ScopeVersion string // instrumentation scope version
	// Time is the record's timestamp, or its observed timestamp when it
	// has none; the zero time when it has neither.
	Time         time.Time
	EventName    string         // the event name, e.g. aims.decision; "" for a plain log
	Severity     int            // OTLP SeverityNumber, 0 when unspecified
	SeverityText string         // severity as the emitter spelled it, e.g. "INFO"
	Body         any            // as the attribute values; nil when absent
	Attributes   map[string]any // the record's own attributes, as the attribute values above
	TraceID      string         // lowercase hex, "" when absent
	SpanID       string         // lowercase hex, "" when absent
	Line         int            // line of the input the record came from
	// Err is, when reading [WithBadLogRecords], what is wrong with a
	// record holding a value the OTLP data model does not allow; its
	// Time, TraceID and SpanID are then zero. Nil otherwise. Without that
	// option such a record fails its line instead.
	Err error

	res, scope, item int // indexes within the line's request, for Where
}

// Where locates the record in its input: the line and the record's path
// in the request on that line.
func (r LogRecord) Where() string {
	return fmt.Sprintf("line %d, resourceLogs[%d].scopeLogs[%d].logRecords[%d]", r.Line, r.res, r.scope, r.item)
}

// ReadLogs reads every log record from r. A line that is not valid OTLP
// JSON is a *LineError naming the line; lines of other signals are skipped.
func ReadLogs(r io.Reader, opts ...Option) ([]LogRecord, error) {
	var out []LogRecord
	err := EachLog(r, func(rec LogRecord) error {
		out = append(out, rec)
		return nil
	}, opts...)
	return out, err
}

// EachLog calls f for every log record in r, in input order, reading a line
// at a time so that memory is bounded by a few lines rather than the whole
// file. An error from f stops the reading and is returned as it is.
func EachLog(r io.Reader, f func(LogRecord) error, opts ...Option) error {
	return eachRecord(r, opts, decodeLogs, f)
}

func decodeLogs(line []byte, n int, terminated, keepBad bool) ([]LogRecord, error) {
	var req collogspb.ExportLogsServiceRequest
	if err := unmarshalLine(line, terminated, "logs", &req); err != nil {
		return nil, err
	}
	var out []LogRecord
	for ri, rl := range req.GetResourceLogs() {
		res := attrMap(rl.GetResource().GetAttributes())
		for si, sl := range rl.GetScopeLogs() {
			for li, lr := range sl.GetLogRecords() {
				rec := LogRecord{
					Resource: res, Scope: sl.GetScope().GetName(), ScopeVersion: sl.GetScope().GetVersion(),
					EventName: lr.GetEventName(), Severity: int(lr.GetSeverityNumber()), SeverityText: lr.GetSeverityText(),
					Body: value(lr.GetBody()), Attributes: attrMap(lr.GetAttributes()),
					Line: n, res: ri, scope: si, item: li,
				}
				if err := rec.decodeTimeAndIDs(lr.GetTimeUnixNano(), lr.GetObservedTimeUnixNano(), lr.GetTraceId(), lr.GetSpanId()); err != nil {
					if !keepBad {
						return nil, &recordError{path: fmt.Sprintf("resourceLogs[%d].scopeLogs[%d].logRecords[%d]", ri, si, li), err: err}
					}
					rec.Time, rec.TraceID, rec.SpanID, rec.Err = time.Time{}, "", "", err
				}
				out = append(out, rec)
			}
		}
	}
	return out, nil
}

func (r *LogRecord) decodeTimeAndIDs(ts, observed uint64, traceID, spanID []byte) error {
	var err error
	if ts == 0 {
		r.Time, err = unixNano("observedTimeUnixNano", observed)
	} else {
		r.Time, err = unixNano("timeUnixNano", ts)
	}
	if err != nil {
		return err
	}
	if r.TraceID, err = hexID("traceId", traceID, traceIDSize); err != nil {
		return err
	}
	r.SpanID, err = hexID("spanId", spanID, spanIDSize)
	return err
}
