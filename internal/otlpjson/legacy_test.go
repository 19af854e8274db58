package otlpjson

// The decoder of internal/otlpjson before it moved to protojson, verbatim
// but for its names, to measure the new reader against it in one run.

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

// LegacyEachLog is the hand-written decoder this package replaced, kept
// only to benchmark against; it calls f for every log record in r, one input line at a time, so
// memory is bounded by the largest line rather than the whole file. An
// error from f stops the reading and is returned as it is.
func LegacyEachLog(r io.Reader, f func(LogRecord) error) error {
	return legacyEachLine(r, func(n int, line []byte) error {
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
			res, err := legacyAttrMap(rl.Resource.Attributes)
			if err != nil {
				return fmt.Errorf("otlpjson: line %d: resource: %w", n, err)
			}
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					attrs, err := legacyAttrMap(lr.Attributes)
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

func legacyEachLine(r io.Reader, f func(n int, line []byte) error) error {
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
		return legacyAttrMap(v.KvlistValue.Values)
	}
	return nil, nil
}

func legacyAttrMap(kvs []keyValue) (map[string]any, error) {
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
