// Package otlpjson reads what an OpenTelemetry Collector's file exporter
// writes with format: json — one OTLP/JSON ExportLogsServiceRequest or
// ExportMetricsServiceRequest object per line — into flat Go values, so the
// auditor's tools can work from the collector's output alone.
//
// The encoding follows the OTLP specification's JSON mapping: trace and
// span IDs are hex strings, 64-bit integers are decimal strings, enum
// values are integers, and attribute values are AnyValue objects.
package otlpjson

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// LogRecord is one log record with its resource and scope flattened in.
type LogRecord struct {
	Resource     map[string]any
	Scope        string
	ScopeVersion string
	Time         time.Time
	EventName    string
	Severity     int
	SeverityText string
	Body         any
	Attributes   map[string]any
	TraceID      string
	SpanID       string
	Line         int // line of the input the record came from
}

// Point is one metric data point with its metric, resource and scope
// flattened in. Value holds gauge and sum values; Count, Sum, Bounds and
// BucketCounts hold histograms.
type Point struct {
	Resource     map[string]any
	Scope        string
	Metric       string
	Unit         string
	Kind         string // "gauge", "sum" or "histogram"
	Time         time.Time
	Attributes   map[string]any
	Value        float64
	Count        uint64
	Sum          float64
	Bounds       []float64
	BucketCounts []uint64
	Line         int
}

// ReadLogs reads every log record from r. A line that is not valid OTLP
// JSON is an error naming the line; lines of other signals are skipped.
func ReadLogs(r io.Reader) ([]LogRecord, error) {
	var out []LogRecord
	err := EachLog(r, func(rec LogRecord) error {
		out = append(out, rec)
		return nil
	})
	return out, err
}

// EachLog calls f for every log record in r, one input line at a time, so
// memory is bounded by the largest line rather than the whole file. An
// error from f stops the reading and is returned as it is.
func EachLog(r io.Reader, f func(LogRecord) error) error {
	return eachLine(r, func(n int, line []byte) error {
		var req struct {
			ResourceLogs []struct {
				Resource  resource `json:"resource"`
				ScopeLogs []struct {
					Scope      scope `json:"scope"`
					LogRecords []struct {
						TimeUnixNano         jsonUint   `json:"timeUnixNano"`
						ObservedTimeUnixNano jsonUint   `json:"observedTimeUnixNano"`
						SeverityNumber       int        `json:"severityNumber"`
						SeverityText         string     `json:"severityText"`
						Body                 *anyValue  `json:"body"`
						Attributes           []keyValue `json:"attributes"`
						TraceID              string     `json:"traceId"`
						SpanID               string     `json:"spanId"`
						EventName            string     `json:"eventName"`
					} `json:"logRecords"`
				} `json:"scopeLogs"`
			} `json:"resourceLogs"`
		}
		if err := json.Unmarshal(line, &req); err != nil {
			return fmt.Errorf("otlpjson: line %d: %w", n, err)
		}
		for _, rl := range req.ResourceLogs {
			res, err := attrMap(rl.Resource.Attributes)
			if err != nil {
				return fmt.Errorf("otlpjson: line %d: resource: %w", n, err)
			}
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					attrs, err := attrMap(lr.Attributes)
					if err != nil {
						return fmt.Errorf("otlpjson: line %d: log record: %w", n, err)
					}
					var body any
					if lr.Body != nil {
						if body, err = lr.Body.value(); err != nil {
							return fmt.Errorf("otlpjson: line %d: log body: %w", n, err)
						}
					}
					ts := lr.TimeUnixNano
					if ts == 0 {
						ts = lr.ObservedTimeUnixNano
					}
					if err := f(LogRecord{
						Resource: res, Scope: sl.Scope.Name, ScopeVersion: sl.Scope.Version,
						Time: time.Unix(0, int64(ts)).UTC(), EventName: lr.EventName,
						Severity: lr.SeverityNumber, SeverityText: lr.SeverityText,
						Body: body, Attributes: attrs, TraceID: lr.TraceID, SpanID: lr.SpanID, Line: n,
					}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// ReadMetrics reads every gauge, sum and histogram data point from r.
func ReadMetrics(r io.Reader) ([]Point, error) {
	var out []Point
	err := eachLine(r, func(n int, line []byte) error {
		var req struct {
			ResourceMetrics []struct {
				Resource     resource `json:"resource"`
				ScopeMetrics []struct {
					Scope   scope `json:"scope"`
					Metrics []struct {
						Name  string `json:"name"`
						Unit  string `json:"unit"`
						Gauge *struct {
							DataPoints []numberPoint `json:"dataPoints"`
						} `json:"gauge"`
						Sum *struct {
							DataPoints []numberPoint `json:"dataPoints"`
						} `json:"sum"`
						Histogram *struct {
							DataPoints []histogramPoint `json:"dataPoints"`
						} `json:"histogram"`
					} `json:"metrics"`
				} `json:"scopeMetrics"`
			} `json:"resourceMetrics"`
		}
		if err := json.Unmarshal(line, &req); err != nil {
			return fmt.Errorf("otlpjson: line %d: %w", n, err)
		}
		for _, rm := range req.ResourceMetrics {
			res, err := attrMap(rm.Resource.Attributes)
			if err != nil {
				return fmt.Errorf("otlpjson: line %d: resource: %w", n, err)
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					base := Point{Resource: res, Scope: sm.Scope.Name, Metric: m.Name, Unit: m.Unit, Line: n}
					add := func(kind string, dps []numberPoint) error {
						for _, dp := range dps {
							p := base
							p.Kind = kind
							if p.Attributes, err = attrMap(dp.Attributes); err != nil {
								return fmt.Errorf("otlpjson: line %d: metric %s: %w", n, m.Name, err)
							}
							p.Time = time.Unix(0, int64(dp.TimeUnixNano)).UTC()
							if dp.AsDouble != nil {
								p.Value = float64(*dp.AsDouble)
							} else if dp.AsInt != nil {
								p.Value = float64(*dp.AsInt)
							}
							out = append(out, p)
						}
						return nil
					}
					switch {
					case m.Gauge != nil:
						err = add("gauge", m.Gauge.DataPoints)
					case m.Sum != nil:
						err = add("sum", m.Sum.DataPoints)
					case m.Histogram != nil:
						for _, dp := range m.Histogram.DataPoints {
							p := base
							p.Kind = "histogram"
							if p.Attributes, err = attrMap(dp.Attributes); err != nil {
								return fmt.Errorf("otlpjson: line %d: metric %s: %w", n, m.Name, err)
							}
							p.Time = time.Unix(0, int64(dp.TimeUnixNano)).UTC()
							p.Count, p.Sum, p.Bounds = uint64(dp.Count), float64(dp.Sum), dp.ExplicitBounds
							for _, c := range dp.BucketCounts {
								p.BucketCounts = append(p.BucketCounts, uint64(c))
							}
							out = append(out, p)
						}
					}
					if err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return out, err
}

func eachLine(r io.Reader, f func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		if err := f(n, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("otlpjson: reading line %d: %w", n+1, err)
	}
	return nil
}

type resource struct {
	Attributes []keyValue `json:"attributes"`
}

type scope struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type keyValue struct {
	Key   string   `json:"key"`
	Value anyValue `json:"value"`
}

type numberPoint struct {
	Attributes   []keyValue  `json:"attributes"`
	TimeUnixNano jsonUint    `json:"timeUnixNano"`
	AsDouble     *jsonDouble `json:"asDouble"`
	AsInt        *jsonInt    `json:"asInt"`
}

type histogramPoint struct {
	Attributes     []keyValue `json:"attributes"`
	TimeUnixNano   jsonUint   `json:"timeUnixNano"`
	Count          jsonUint   `json:"count"`
	Sum            jsonDouble `json:"sum"`
	BucketCounts   []jsonUint `json:"bucketCounts"`
	ExplicitBounds []float64  `json:"explicitBounds"`
}

// anyValue is the OTLP AnyValue: exactly one member is set.
type anyValue struct {
	StringValue *string  `json:"stringValue"`
	BoolValue   *bool    `json:"boolValue"`
	IntValue    *jsonInt `json:"intValue"`
	DoubleValue *float64 `json:"doubleValue"`
	BytesValue  *string  `json:"bytesValue"`
	ArrayValue  *struct {
		Values []anyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []keyValue `json:"values"`
	} `json:"kvlistValue"`
}

// value converts an AnyValue to Go: string, bool, int64, float64, []byte,
// []any or map[string]any; nil for an empty value.
func (v anyValue) value() (any, error) {
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BoolValue != nil:
		return *v.BoolValue, nil
	case v.IntValue != nil:
		return int64(*v.IntValue), nil
	case v.DoubleValue != nil:
		return float64(*v.DoubleValue), nil
	case v.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*v.BytesValue)
		if err != nil {
			return nil, fmt.Errorf("bytesValue is not base64: %w", err)
		}
		return b, nil
	case v.ArrayValue != nil:
		out := make([]any, 0, len(v.ArrayValue.Values))
		for _, e := range v.ArrayValue.Values {
			x, err := e.value()
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case v.KvlistValue != nil:
		return attrMap(v.KvlistValue.Values)
	}
	return nil, nil
}

func attrMap(kvs []keyValue) (map[string]any, error) {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		v, err := kv.Value.value()
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", kv.Key, err)
		}
		m[kv.Key] = v
	}
	return m, nil
}

// jsonInt accepts an int64 written as a JSON string (the OTLP mapping) or a number.
type jsonInt int64

func (i *jsonInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*i = jsonInt(v)
	return nil
}

// jsonDouble accepts a number, or the strings "NaN", "Infinity" and
// "-Infinity" that the protobuf JSON mapping uses for non-finite doubles
// (a NaN gauge is written that way by the collector).
type jsonDouble float64

func (d *jsonDouble) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*d = jsonDouble(math.NaN())
	case `"Infinity"`:
		*d = jsonDouble(math.Inf(1))
	case `"-Infinity"`:
		*d = jsonDouble(math.Inf(-1))
	default:
		s := string(b)
		if len(s) >= 2 && s[0] == '"' {
			s = s[1 : len(s)-1]
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("not a number: %s", b)
		}
		*d = jsonDouble(v)
	}
	return nil
}

// jsonUint accepts a uint64 written as a JSON string or a number.
type jsonUint uint64

func (i *jsonUint) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an unsigned integer: %s", b)
	}
	*i = jsonUint(v)
	return nil
}

// String returns an attribute as a string, or "" when absent or not a string.
func String(attrs map[string]any, key string) string {
	s, _ := attrs[key].(string)
	return s
}

// Float returns a numeric attribute as float64 and whether it was numeric.
func Float(attrs map[string]any, key string) (float64, bool) {
	switch v := attrs[key].(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	}
	return 0, false
}
