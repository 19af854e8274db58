package aims

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// appendDecisionJSON appends the JSON encoding of d to dst. It produces
// byte for byte what encoding/json.Marshal produces for a Decision (field
// order, omitempty/omitzero, sorted map keys, HTML-safe string escaping,
// float formatting), without reflection and without allocating, because
// it runs on the request path of every decision (DESIGN.md performance
// budget). decisionlog_json_test.go checks the equality on a corpus and
// by fuzzing.
func appendDecisionJSON(dst []byte, d *Decision, keys *[]string) ([]byte, error) {
	var err error
	dst = append(dst, `{"schema_version":`...)
	dst = appendJSONString(dst, d.SchemaVersion)
	dst = append(dst, `,"id":`...)
	dst = appendJSONString(dst, d.ID)
	dst = append(dst, `,"time":`...)
	if dst, err = appendJSONTime(dst, d.Time, "time"); err != nil {
		return dst, err
	}
	dst = append(dst, `,"system_id":`...)
	dst = appendJSONString(dst, d.SystemID)
	if d.SystemVersion != "" {
		dst = append(dst, `,"system_version":`...)
		dst = appendJSONString(dst, d.SystemVersion)
	}
	if d.Model != (ModelRef{}) {
		dst = append(dst, `,"model":{`...)
		comma := false
		if d.Model.Name != "" {
			dst = append(dst, `"name":`...)
			dst = appendJSONString(dst, d.Model.Name)
			comma = true
		}
		if d.Model.Version != "" {
			if comma {
				dst = append(dst, ',')
			}
			dst = append(dst, `"version":`...)
			dst = appendJSONString(dst, d.Model.Version)
		}
		dst = append(dst, '}')
	}
	if d.Subject != "" {
		dst = append(dst, `,"subject":`...)
		dst = appendJSONString(dst, d.Subject)
	}
	if len(d.Inputs) > 0 {
		dst = append(dst, `,"inputs":{`...)
		ks := sortedKeys(keys, d.Inputs)
		for i, k := range ks {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			switch v := d.Inputs[k].(type) {
			case string:
				dst = appendJSONString(dst, v)
			case bool:
				dst = strconv.AppendBool(dst, v)
			case float64:
				if dst, err = appendJSONFloat(dst, v, k); err != nil {
					return dst, err
				}
			default:
				return dst, fmt.Errorf("aims: input %q has type %T; inputs are string, float64 or bool", k, v)
			}
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"output":`...)
	dst = appendJSONString(dst, d.Output)
	if d.Score != nil {
		dst = append(dst, `,"score":`...)
		if dst, err = appendJSONFloat(dst, *d.Score, "score"); err != nil {
			return dst, err
		}
	}
	if d.Threshold != nil {
		dst = append(dst, `,"threshold":`...)
		if dst, err = appendJSONFloat(dst, *d.Threshold, "threshold"); err != nil {
			return dst, err
		}
	}
	if d.Adverse {
		dst = append(dst, `,"adverse":true`...)
	}
	if d.Explanation != nil {
		dst = append(dst, `,"explanation":`...)
		if dst, err = appendExplanationJSON(dst, d.Explanation); err != nil {
			return dst, err
		}
	}
	if d.Oversight != nil {
		dst = append(dst, `,"oversight":`...)
		if dst, err = appendOversightJSON(dst, d.Oversight); err != nil {
			return dst, err
		}
	}
	if d.TraceID != "" {
		dst = append(dst, `,"trace_id":`...)
		dst = appendJSONString(dst, d.TraceID)
	}
	if d.SpanID != "" {
		dst = append(dst, `,"span_id":`...)
		dst = appendJSONString(dst, d.SpanID)
	}
	if len(d.Attributes) > 0 {
		dst = append(dst, `,"attributes":{`...)
		ks := sortedKeys(keys, d.Attributes)
		for i, k := range ks {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, d.Attributes[k])
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

func sortedKeys[V any](keys *[]string, m map[string]V) []string {
	ks := (*keys)[:0]
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	*keys = ks
	return ks
}

func appendExplanationJSON(dst []byte, e *Explanation) ([]byte, error) {
	var err error
	dst = append(dst, '{')
	if e.Method != "" {
		dst = append(dst, `"method":`...)
		dst = appendJSONString(dst, e.Method)
		dst = append(dst, ',')
	}
	dst = append(dst, `"base_value":`...)
	if dst, err = appendJSONFloat(dst, e.BaseValue, "explanation.base_value"); err != nil {
		return dst, err
	}
	dst = append(dst, `,"prediction":`...)
	if dst, err = appendJSONFloat(dst, e.Prediction, "explanation.prediction"); err != nil {
		return dst, err
	}
	if len(e.Attributions) > 0 {
		dst = append(dst, `,"attributions":[`...)
		for i, a := range e.Attributions {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"feature":`...)
			dst = appendJSONString(dst, a.Feature)
			dst = append(dst, `,"contribution":`...)
			if dst, err = appendJSONFloat(dst, a.Contribution, "attribution", a.Feature); err != nil {
				return dst, err
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(e.ReasonCodes) > 0 {
		dst = append(dst, `,"reason_codes":[`...)
		for i, r := range e.ReasonCodes {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"rank":`...)
			dst = strconv.AppendInt(dst, int64(r.Rank), 10)
			dst = append(dst, `,"code":`...)
			dst = appendJSONString(dst, r.Code)
			if r.Feature != "" {
				dst = append(dst, `,"feature":`...)
				dst = appendJSONString(dst, r.Feature)
			}
			dst = append(dst, `,"description":`...)
			dst = appendJSONString(dst, r.Description)
			if r.Direction != "" {
				dst = append(dst, `,"direction":`...)
				dst = appendJSONString(dst, r.Direction)
			}
			dst = append(dst, `,"contribution":`...)
			if dst, err = appendJSONFloat(dst, r.Contribution, "reason code", r.Code); err != nil {
				return dst, err
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(e.Counterfactuals) > 0 {
		dst = append(dst, `,"counterfactuals":[`...)
		for i, c := range e.Counterfactuals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"summary":`...)
			dst = appendJSONString(dst, c.Summary)
			if len(c.Changes) > 0 {
				dst = append(dst, `,"changes":[`...)
				for j, ch := range c.Changes {
					if j > 0 {
						dst = append(dst, ',')
					}
					dst = append(dst, `{"feature":`...)
					dst = appendJSONString(dst, ch.Feature)
					dst = append(dst, `,"from":`...)
					if dst, err = appendJSONFloat(dst, ch.From, "counterfactual", ch.Feature); err != nil {
						return dst, err
					}
					dst = append(dst, `,"to":`...)
					if dst, err = appendJSONFloat(dst, ch.To, "counterfactual", ch.Feature); err != nil {
						return dst, err
					}
					dst = append(dst, '}')
				}
				dst = append(dst, ']')
			}
			if c.Outcome != "" {
				dst = append(dst, `,"outcome":`...)
				dst = appendJSONString(dst, c.Outcome)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

func appendOversightJSON(dst []byte, o *OversightOutcome) ([]byte, error) {
	var err error
	dst = append(dst, `{"action":`...)
	dst = appendJSONString(dst, string(o.Action))
	if o.Reviewer != "" {
		dst = append(dst, `,"reviewer":`...)
		dst = appendJSONString(dst, o.Reviewer)
	}
	if o.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = appendJSONString(dst, o.Reason)
	}
	if o.Policy != "" {
		dst = append(dst, `,"policy":`...)
		dst = appendJSONString(dst, o.Policy)
	}
	if !o.Time.IsZero() {
		dst = append(dst, `,"time":`...)
		if dst, err = appendJSONTime(dst, o.Time, "oversight.time"); err != nil {
			return dst, err
		}
	}
	if o.TicketID != "" {
		dst = append(dst, `,"ticket_id":`...)
		dst = appendJSONString(dst, o.TicketID)
	}
	if o.OriginalOutput != "" {
		dst = append(dst, `,"original_output":`...)
		dst = appendJSONString(dst, o.OriginalOutput)
	}
	if o.ReviewLatency != 0 {
		dst = append(dst, `,"review_latency_ns":`...)
		dst = strconv.AppendInt(dst, int64(o.ReviewLatency), 10)
	}
	if o.RelatedDecisionID != "" {
		dst = append(dst, `,"related_decision_id":`...)
		dst = appendJSONString(dst, o.RelatedDecisionID)
	}
	return append(dst, '}'), nil
}

// appendJSONTime appends t as time.Time.MarshalJSON does: a quoted RFC 3339
// time with nanoseconds, for years 0 to 9999 and whole-minute zone offsets.
func appendJSONTime(dst []byte, t time.Time, field string) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, fmt.Errorf("aims: %s: year %d outside the range 0 to 9999 that RFC 3339 can express", field, y)
	}
	if _, off := t.Zone(); off%60 != 0 {
		return dst, fmt.Errorf("aims: %s: zone offset of %d seconds is not a whole minute", field, off)
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

// appendJSONFloat appends f as encoding/json does: the shortest
// representation that round-trips, in exponent form below 1e-6 and from
// 1e21 on. NaN and infinities are not JSON and are an error.
func appendJSONFloat(dst []byte, f float64, field string, name ...string) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if len(name) > 0 {
			field += " " + name[0]
		}
		return dst, fmt.Errorf("aims: %s is %v, not a finite number", field, f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes that appear unescaped in a JSON string
// written by encoding/json with HTML escaping on: printable ASCII except
// '"', '\\', '<', '>' and '&'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it: short escapes for \b \f \n \r \t, \u00XX for other control
// bytes and <, >, &, \ufffd for invalid UTF-8, and \u2028, \u2029.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonBufPool holds encoding buffers and key-sorting scratch space for
// Record, so that encoding a decision does not allocate.
var jsonBufPool = sync.Pool{New: func() any { return &jsonScratch{buf: make([]byte, 0, 1024)} }}

type jsonScratch struct {
	buf  []byte
	keys []string
}

// release returns s to the pool, unless an unusually large decision grew
// its buffer (the pool would keep that memory alive), and drops the
// references to the caller's map keys.
func (s *jsonScratch) release() {
	if cap(s.buf) > 64<<10 {
		return
	}
	clear(s.keys)
	s.keys = s.keys[:0]
	jsonBufPool.Put(s)
}
