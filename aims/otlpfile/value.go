package otlpfile

import (
	"fmt"
	"math"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
)

// value converts an OTLP AnyValue to Go: string, bool, int64, float64,
// []byte, []any or map[string]any; nil for an empty value. A
// stringValueStrindex (a reference into a profiles dictionary) is read as
// absent, as the OTLP protocol asks of receivers of other signals.
func value(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	case *commonpb.AnyValue_ArrayValue:
		vals := x.ArrayValue.GetValues()
		out := make([]any, len(vals))
		for i, e := range vals {
			out[i] = value(e)
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		return attrMap(x.KvlistValue.GetValues())
	}
	return nil
}

// attrMap converts attributes to a map; a repeated key keeps its last value.
func attrMap(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = value(kv.GetValue())
	}
	return m
}

// unixNano converts an OTLP timestamp. Zero means unknown in OTLP and
// becomes the zero time.Time; a value past what time.Time holds as Unix
// nanoseconds (the year 2262) is an error, not a wrapped-around date.
func unixNano(field string, ns uint64) (time.Time, error) {
	if ns == 0 {
		return time.Time{}, nil
	}
	if ns > math.MaxInt64 {
		return time.Time{}, fmt.Errorf("%s %d is out of range", field, ns)
	}
	return time.Unix(0, int64(ns)).UTC(), nil
}

// String returns an attribute as a string, or "" when absent or not a string.
func String(attrs map[string]any, key string) string {
	s, _ := attrs[key].(string)
	return s
}

// Float returns a numeric attribute as float64 and whether it was numeric.
// A double written as "NaN" or "Infinity" comes back as that value.
func Float(attrs map[string]any, key string) (float64, bool) {
	switch v := attrs[key].(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	}
	return 0, false
}
