package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"go.opentelemetry.io/otel/attribute"
)

// systemValue turns the JSON form of a system into a structured log body
// (an OTLP kvlist), so a backend can query single fields and a central
// inventory can decode it again without a second, string-embedded JSON
// encoding. Integers stay integers (intValue) and fractions become doubles.
func systemValue(s System) (attribute.Value, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return attribute.Value{}, fmt.Errorf("inventory: encoding system %q: %w", s.ID, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return attribute.Value{}, fmt.Errorf("inventory: encoding system %q: %w", s.ID, err)
	}
	return jsonValue(v), nil
}

// jsonValue converts a value decoded by encoding/json (with UseNumber) into
// an attribute.Value. Map keys are sorted so the body is deterministic.
func jsonValue(v any) attribute.Value {
	switch x := v.(type) {
	case bool:
		return attribute.BoolValue(x)
	case string:
		return attribute.StringValue(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return attribute.Int64Value(i)
		}
		f, _ := x.Float64() // encoding/json produced it, so it parses
		return attribute.Float64Value(f)
	case []any:
		vs := make([]attribute.Value, len(x))
		for i, e := range x {
			vs[i] = jsonValue(e)
		}
		return attribute.SliceValue(vs...)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		kvs := make([]attribute.KeyValue, len(keys))
		for i, k := range keys {
			kvs[i] = attribute.KeyValue{Key: attribute.Key(k), Value: jsonValue(x[k])}
		}
		return attribute.MapValue(kvs...)
	}
	return attribute.Value{} // JSON null
}
