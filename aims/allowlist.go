package aims

import (
	"fmt"
	"math"
	"sort"
)

// AllowList names the input features that may be recorded with a decision.
// Raw inputs often contain personal data, so nothing is recorded unless it
// is listed (DESIGN.md: personal data never goes into records by default).
// The zero value allows nothing. An AllowList is immutable and safe for
// concurrent use.
type AllowList struct {
	names map[string]struct{}
}

// NewAllowList returns an allow-list of the given feature names.
func NewAllowList(names ...string) AllowList {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return AllowList{names: m}
}

// Allows reports whether the named input may be recorded.
func (a AllowList) Allows(name string) bool {
	_, ok := a.names[name]
	return ok
}

// Names returns the allowed names, sorted.
func (a AllowList) Names() []string {
	out := make([]string, 0, len(a.names))
	for n := range a.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Filter returns the allowed inputs, normalised to the types a Decision
// carries: integers and float32 become float64, other numbers stay float64,
// strings and bools are kept. It returns nil when nothing is allowed, and an
// error for an allowed input of another type or a non-finite number.
func (a AllowList) Filter(inputs map[string]any) (map[string]any, error) {
	var out map[string]any
	for k, v := range inputs {
		if !a.Allows(k) {
			continue
		}
		nv, err := normaliseInput(k, v)
		if err != nil {
			return nil, fmt.Errorf("aims: %w", err)
		}
		if out == nil {
			out = make(map[string]any, len(a.names))
		}
		out[k] = nv
	}
	return out, nil
}

func normaliseInput(name string, v any) (any, error) {
	var f float64
	switch x := v.(type) {
	case string, bool:
		return x, nil
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int8:
		f = float64(x)
	case int16:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case uint:
		f = float64(x)
	case uint8:
		f = float64(x)
	case uint16:
		f = float64(x)
	case uint32:
		f = float64(x)
	case uint64:
		f = float64(x)
	default:
		return nil, fmt.Errorf("input %q has type %T; inputs are strings, numbers or bools", name, v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("input %q is %v, not a finite number", name, f)
	}
	return f, nil
}
