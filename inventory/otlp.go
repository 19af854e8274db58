package inventory

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Inventory is the organisation-wide inventory rebuilt by [FromOTLP]: the
// latest description of every system that registered, its instances and
// last heartbeats, and whether it has been retired. Serve it with
// [Handler]. An Inventory is immutable and safe for concurrent use.
type Inventory struct {
	entries      []Entry
	unregistered []Entry
}

// Entries returns the registered systems, sorted by ID.
func (inv *Inventory) Entries() []Entry { return cloneEntries(inv.entries) }

// Entry returns the system with the given ID.
func (inv *Inventory) Entry(id string) (Entry, bool) {
	for _, e := range inv.entries {
		if e.System.ID == id {
			return cloneEntries([]Entry{e})[0], true
		}
	}
	return Entry{}, false
}

// Unregistered returns systems seen only through heartbeats or retirements,
// without a registration record in the input (for example because the file
// holding it was rotated away). Their System carries only ID and version.
func (inv *Inventory) Unregistered() []Entry { return cloneEntries(inv.unregistered) }

func cloneEntries(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		e.System = e.System.clone()
		e.Versions = append([]string(nil), e.Versions...)
		e.Instances = append([]Instance(nil), e.Instances...)
		out[i] = e
	}
	return out
}

// FromOTLP rebuilds the inventory from OpenTelemetry Collector file-exporter
// output: OTLP/JSON log data (the protobuf JSON mapping of
// ExportLogsServiceRequest), one {"resourceLogs": [...]} object per line.
// It reads the aims.inventory.registration, aims.inventory.heartbeat and
// aims.inventory.retirement events and ignores every other log record.
//
// For each system the entry holds the description of the latest
// registration (by record timestamp, input order breaking ties), every
// version registered, each instance's last heartbeat, and the retirement if
// it came after the latest registration. Identity attributes missing on a
// record are taken from its resource.
//
// To read rotated files, pass them oldest first through io.MultiReader (the
// file exporter ends every line with a newline, so lines do not run together).
//
// Malformed input — a line that is not OTLP/JSON, a timestamp or intValue
// that is not an integer, a registration without a decodable body — is an
// error naming the line and the record.
func FromOTLP(r io.Reader) (*Inventory, error) {
	b := newBuilder()
	br := bufio.NewReader(r)
	for line := 1; ; line++ {
		data, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(data)) > 0 {
			if perr := b.addLine(line, data); perr != nil {
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

// event is one inventory record, with where it was found.
type event struct {
	name     string
	at       time.Time
	seq      int // input order, to break timestamp ties
	id       string
	version  string
	instance string
	reason   string
	sys      *System
}

// builder aggregates the records as they are read, so memory grows with
// the number of systems and instances, not with the number of heartbeats.
type builder struct {
	seq     int
	systems map[string]*sysAcc
}

type sysAcc struct {
	latest       *event           // latest registration
	retired      *event           // latest retirement
	firstOf      map[string]event // earliest registration of each version
	newest       event            // latest record carrying a version
	lastSeen     time.Time
	instances    map[string]*Instance
	instanceLast map[string]event // latest record of each instance
}

func newBuilder() *builder { return &builder{systems: map[string]*sysAcc{}} }

func (b *builder) add(ev event) {
	a := b.systems[ev.id]
	if a == nil {
		a = &sysAcc{firstOf: map[string]event{}, instances: map[string]*Instance{}, instanceLast: map[string]event{}}
		b.systems[ev.id] = a
	}
	switch ev.name {
	case semconv.EventInventoryRegistration:
		if a.latest == nil || later(ev, *a.latest) {
			e := ev
			a.latest = &e
		}
		if first, ok := a.firstOf[ev.version]; !ok || later(first, ev) {
			lite := ev
			lite.sys = nil
			a.firstOf[ev.version] = lite
		}
	case semconv.EventInventoryRetirement:
		if a.retired == nil || later(ev, *a.retired) {
			e := ev
			a.retired = &e
		}
	}
	if ev.version != "" && (a.newest.seq == 0 || later(ev, a.newest)) {
		a.newest = event{at: ev.at, seq: ev.seq, version: ev.version}
	}
	if ev.name == semconv.EventInventoryRetirement {
		return // a retirement is not a sign of life
	}
	if ev.at.After(a.lastSeen) {
		a.lastSeen = ev.at
	}
	if ev.instance == "" {
		return
	}
	in := a.instances[ev.instance]
	if in == nil {
		in = &Instance{ID: ev.instance}
		a.instances[ev.instance] = in
	}
	if last, ok := a.instanceLast[ev.instance]; !ok || later(ev, last) {
		a.instanceLast[ev.instance] = event{at: ev.at, seq: ev.seq}
		if ev.version != "" {
			in.Version = ev.version
		}
	}
	if ev.at.After(in.LastSeen) {
		in.LastSeen = ev.at
	}
	if ev.name == semconv.EventInventoryHeartbeat && ev.at.After(in.LastHeartbeat) {
		in.LastHeartbeat = ev.at
	}
}

func (b *builder) addLine(line int, data []byte) error {
	var req otlpRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return fmt.Errorf("inventory: OTLP input line %d is not OTLP/JSON log data: %w", line, err)
	}
	for ri, rl := range req.ResourceLogs {
		res := attrMap(rl.Resource.Attributes)
		for si, sl := range rl.ScopeLogs {
			for li, lr := range sl.LogRecords {
				if err := b.addRecord(res, lr); err != nil {
					return fmt.Errorf("inventory: OTLP input line %d, resourceLogs[%d].scopeLogs[%d].logRecords[%d]: %w", line, ri, si, li, err)
				}
			}
		}
	}
	return nil
}

func attrMap(kvs []otlpKeyValue) map[string]otlpAnyValue {
	m := make(map[string]otlpAnyValue, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func (b *builder) addRecord(res map[string]otlpAnyValue, lr otlpLogRecord) error {
	attrs := attrMap(lr.Attributes)
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
		sys, err := decodeSystem(attrs, lr.Body)
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
func decodeSystem(attrs map[string]otlpAnyValue, body *otlpAnyValue) (System, error) {
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

func later(a, b event) bool {
	if !a.at.Equal(b.at) {
		return a.at.After(b.at)
	}
	return a.seq > b.seq
}

func (b *builder) build() *Inventory {
	inv := &Inventory{}
	for id, a := range b.systems {
		e := Entry{LastSeen: a.lastSeen}
		firsts := make([]event, 0, len(a.firstOf))
		for _, f := range a.firstOf {
			firsts = append(firsts, f)
		}
		sort.Slice(firsts, func(i, j int) bool { return later(firsts[j], firsts[i]) })
		for _, f := range firsts {
			e.Versions = append(e.Versions, f.version)
		}
		for _, in := range a.instances {
			e.Instances = append(e.Instances, *in)
		}
		sort.Slice(e.Instances, func(i, j int) bool { return e.Instances[i].ID < e.Instances[j].ID })
		if a.latest != nil {
			e.System = a.latest.sys.clone()
			e.RegisteredAt = a.latest.at
		} else {
			e.System = System{ID: id, Version: a.newest.version}
		}
		if a.retired != nil && (a.latest == nil || later(*a.retired, *a.latest)) {
			e.Retired = true
			e.RetiredAt = a.retired.at
			e.RetirementReason = a.retired.reason
			e.System.Lifecycle = StageRetired
		}
		if a.latest != nil {
			inv.entries = append(inv.entries, e)
		} else {
			inv.unregistered = append(inv.unregistered, e)
		}
	}
	sortEntries(inv.entries)
	sortEntries(inv.unregistered)
	return inv
}
