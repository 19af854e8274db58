package inventory

// The OTLP/JSON decoding of FromOTLP before it moved to the shared reader,
// verbatim but for its names, to measure the new reader against it in one run.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
)

// legacyFromOTLP is FromOTLP with the hand-written decoder it had before
// the shared OTLP/JSON reader, kept only to benchmark against.
func legacyFromOTLP(r io.Reader) (*Inventory, error) {
	b := newBuilder()
	br := bufio.NewReader(r)
	for line := 1; ; line++ {
		data, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(data)) > 0 {
			if perr := b.legacyAddLine(line, data); perr != nil {
				return nil, perr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("inventory: reading OTLP input at line %d: %w", line, err)
		}
	}
	return b.build(), nil
}

// OTLP/JSON structures (opentelemetry-proto, logs/v1 and common/v1). Only
// the fields the inventory needs are declared; unknown fields are ignored,
// as the protobuf JSON mapping requires of readers.
type otlpRequest struct {
	ResourceLogs []otlpResourceLogs `json:"resourceLogs"`
}

type otlpResourceLogs struct {
	Resource struct {
		Attributes []otlpKeyValue `json:"attributes"`
	} `json:"resource"`
	ScopeLogs []otlpScopeLogs `json:"scopeLogs"`
}

type otlpScopeLogs struct {
	LogRecords []otlpLogRecord `json:"logRecords"`
}

type otlpLogRecord struct {
	TimeUnixNano         otlpUint64     `json:"timeUnixNano"`
	ObservedTimeUnixNano otlpUint64     `json:"observedTimeUnixNano"`
	EventName            string         `json:"eventName"`
	Body                 *otlpAnyValue  `json:"body"`
	Attributes           []otlpKeyValue `json:"attributes"`
}

type otlpKeyValue struct {
	Key   string       `json:"key"`
	Value otlpAnyValue `json:"value"`
}

type otlpAnyValue struct {
	StringValue *string     `json:"stringValue"`
	BoolValue   *bool       `json:"boolValue"`
	IntValue    *otlpInt64  `json:"intValue"`
	DoubleValue *otlpDouble `json:"doubleValue"`
	ArrayValue  *struct {
		Values []otlpAnyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []otlpKeyValue `json:"values"`
	} `json:"kvlistValue"`
	BytesValue *string `json:"bytesValue"`
}

// otlpUint64 accepts the protobuf JSON forms of a 64-bit integer: a decimal
// string (what the Collector writes) or a JSON number.
type otlpUint64 uint64

func (u *otlpUint64) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "" {
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not an unsigned 64-bit integer", b)
	}
	*u = otlpUint64(v)
	return nil
}

type otlpInt64 int64

func (i *otlpInt64) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("intValue %s is not a 64-bit integer", b)
	}
	*i = otlpInt64(v)
	return nil
}

// otlpDouble accepts a JSON number or the strings "NaN", "Infinity" and
// "-Infinity" the protobuf JSON mapping uses for non-finite values.
type otlpDouble float64

func (d *otlpDouble) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*d = otlpDouble(math.NaN())
		return nil
	case `"Infinity"`:
		*d = otlpDouble(math.Inf(1))
		return nil
	case `"-Infinity"`:
		*d = otlpDouble(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(string(bytes.Trim(b, `"`)), 64)
	if err != nil {
		return fmt.Errorf("doubleValue %s is not a number", b)
	}
	*d = otlpDouble(v)
	return nil
}

// plain converts an AnyValue to the Go value encoding/json produces and
// consumes (json.Number for integers, so they survive unchanged).
func (v otlpAnyValue) plain() (any, error) {
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BoolValue != nil:
		return *v.BoolValue, nil
	case v.IntValue != nil:
		return json.Number(strconv.FormatInt(int64(*v.IntValue), 10)), nil
	case v.DoubleValue != nil:
		f := float64(*v.DoubleValue)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("doubleValue %v is not finite", f)
		}
		return f, nil
	case v.ArrayValue != nil:
		out := make([]any, len(v.ArrayValue.Values))
		for i, e := range v.ArrayValue.Values {
			p, err := e.plain()
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	case v.KvlistValue != nil:
		out := make(map[string]any, len(v.KvlistValue.Values))
		for _, kv := range v.KvlistValue.Values {
			p, err := kv.Value.plain()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kv.Key, err)
			}
			out[kv.Key] = p
		}
		return out, nil
	case v.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*v.BytesValue)
		if err != nil {
			return nil, fmt.Errorf("bytesValue is not base64: %w", err)
		}
		return b, nil
	}
	return nil, nil
}

func (v otlpAnyValue) str() string {
	if v.StringValue != nil {
		return *v.StringValue
	}
	return ""
}

func (b *builder) legacyAddLine(line int, data []byte) error {
	var req otlpRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return fmt.Errorf("inventory: OTLP input line %d is not OTLP/JSON log data: %w", line, err)
	}
	for ri, rl := range req.ResourceLogs {
		res := legacyAttrMap(rl.Resource.Attributes)
		for si, sl := range rl.ScopeLogs {
			for li, lr := range sl.LogRecords {
				if err := b.legacyAddRecord(res, lr); err != nil {
					return fmt.Errorf("inventory: OTLP input line %d, resourceLogs[%d].scopeLogs[%d].logRecords[%d]: %w", line, ri, si, li, err)
				}
			}
		}
	}
	return nil
}

func legacyAttrMap(kvs []otlpKeyValue) map[string]otlpAnyValue {
	m := make(map[string]otlpAnyValue, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func (b *builder) legacyAddRecord(res map[string]otlpAnyValue, lr otlpLogRecord) error {
	attrs := legacyAttrMap(lr.Attributes)
	name := lr.EventName
	if name == "" {
		// Before the eventName field existed, SDKs sent it as an attribute.
		name = attrs["event.name"].str()
	}
	switch name {
	case semconv.EventInventoryRegistration, semconv.EventInventoryHeartbeat, semconv.EventInventoryRetirement:
	default:
		return nil
	}
	get := func(k string) string {
		if v, ok := attrs[k]; ok && v.str() != "" {
			return v.str()
		}
		return res[k].str()
	}
	ts := lr.TimeUnixNano
	if ts == 0 {
		ts = lr.ObservedTimeUnixNano
	}
	if ts > math.MaxInt64 {
		return fmt.Errorf("timestamp %d is out of range", ts)
	}
	b.seq++
	ev := event{
		name: name, seq: b.seq,
		id:       get(string(semconv.AimsSystemID)),
		version:  get(string(semconv.AimsSystemVersion)),
		instance: get(string(semconv.AimsSystemInstance)),
		reason:   get(string(semconv.AimsInventoryRetirementReason)),
	}
	if ts != 0 {
		ev.at = time.Unix(0, int64(ts)).UTC()
	}
	if ev.id == "" {
		return fmt.Errorf("%s record has no %s attribute", name, semconv.AimsSystemID)
	}
	if name == semconv.EventInventoryRegistration {
		sys, err := legacyDecodeSystem(attrs, lr.Body)
		if err != nil {
			return err
		}
		if sys.ID != ev.id {
			return fmt.Errorf("registration body describes system %q but %s is %q", sys.ID, semconv.AimsSystemID, ev.id)
		}
		ev.version = sys.Version
		ev.sys = &sys
	}
	b.add(ev)
	return nil
}

// decodeSystem reads the description from a registration body: a kvlist as
// Register emits it, or a string holding the same JSON.
func legacyDecodeSystem(attrs map[string]otlpAnyValue, body *otlpAnyValue) (System, error) {
	if v, ok := attrs[string(semconv.AimsInventorySchemaVersion)]; ok && v.str() != SchemaVersion {
		return System{}, fmt.Errorf("registration uses description schema version %q; this reader understands %q", v.str(), SchemaVersion)
	}
	if body == nil {
		return System{}, errors.New("registration record has no body")
	}
	var raw []byte
	if body.StringValue != nil {
		raw = []byte(*body.StringValue)
	} else {
		if body.KvlistValue == nil {
			return System{}, errors.New("registration body is neither a kvlistValue nor a JSON string")
		}
		p, err := body.plain()
		if err != nil {
			return System{}, fmt.Errorf("registration body: %w", err)
		}
		if raw, err = json.Marshal(p); err != nil {
			return System{}, fmt.Errorf("registration body: %w", err)
		}
	}
	var sys System
	if err := json.Unmarshal(raw, &sys); err != nil {
		return System{}, fmt.Errorf("registration body is not a system description: %w", err)
	}
	if sys.ID == "" || sys.Version == "" {
		return System{}, errors.New("registration body lacks the system id or version")
	}
	return sys, nil
}

// BenchmarkFromOTLPImpl is BenchmarkFromOTLP for both decoders side by side.
func BenchmarkFromOTLPImpl(b *testing.B) {
	var file bytes.Buffer
	svc := newService(b, "credit-api")
	ctx := context.Background()
	for range 10 {
		r, err := Register(ctx, creditSystem(), WithLoggerProvider(svc.lp), WithHeartbeatInterval(0))
		if err != nil {
			b.Fatal(err)
		}
		for range 1000 {
			_ = r.Heartbeat(ctx)
		}
		r.Close()
		svc.flush(b, func(l []byte) { file.Write(l) })
	}
	data := file.Bytes()
	for _, impl := range []struct {
		name string
		from func(io.Reader) (*Inventory, error)
	}{{"impl=protojson", FromOTLP}, {"impl=handwritten", legacyFromOTLP}} {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				inv, err := impl.from(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				if e, _ := inv.Entry("credit-scoring"); len(e.Instances) != 10 {
					b.Fatalf("%d instances, want 10", len(e.Instances))
				}
			}
		})
	}
}
