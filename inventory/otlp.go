package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Inventory is the organisation-wide inventory rebuilt by [FromOTLP]: the
// latest description of every system that registered, its instances and
// last heartbeats, and whether it has been retired. Serve it with
// [Handler]. An Inventory is immutable and safe for concurrent use.
type Inventory struct {
	entries      []Entry
	unregistered []Entry
	refused      []RefusedRecord
}

// RefusedRecord reports the inventory records of one system that
// [FromOTLP] read but refused: registrations, heartbeats and retirements it
// could not decode (no body or a body of the wrong type, no system id or
// version, a body describing another system than the record's
// aims.system.id, an unknown description schema version, a number that is
// not finite, a timestamp past the year 2262) and registrations whose
// description does not pass
// [System.Validate]. A refused record is not entered into the inventory:
// it neither adds nor replaces a description, a version, an instance or a
// retirement, so one faulty or hostile service (or one on a newer schema
// version) cannot stop the inventory from being built, make its documents
// (the ML-BOM of every system above all) unservable for the others, nor
// overwrite a valid description of the same system.
//
// Records are grouped by the aims.system.id they carry, so that memory
// grows with the number of systems, not of records; the records that carry
// none are counted together in the one RefusedRecord whose SystemID is "".
type RefusedRecord struct {
	// SystemID is the aims.system.id of the refused records (taken from
	// the resource when the record lacks it), "" for those without one.
	SystemID string
	// Version is the version the latest refused record claims: that of
	// its description, or its aims.system.version when the description
	// could not be decoded; "" when it claims none.
	Version string
	// At is the timestamp of the latest refused record.
	At time.Time
	// Where names the input, the line and the record of the latest
	// refused record, as FromOTLP's errors do.
	Where string
	// Err is why the latest one was refused: why it could not be decoded,
	// or the errors of [System.Validate], each a *[FieldError], joined
	// with errors.Join.
	Err error
	// Count is how many records of the system were refused.
	Count int
}

// Refused returns, for every system with at least one refused record, the
// latest one refused and why, sorted by system ID (the records without a
// system ID first, under ""). A system with a valid registration as well
// appears in [Inventory.Entries] with its latest valid description.
func (inv *Inventory) Refused() []RefusedRecord { return append([]RefusedRecord(nil), inv.refused...) }

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
// output: OTLP/JSON log data (ExportLogsServiceRequest in the OTLP JSON
// encoding), one {"resourceLogs": [...]} object per line, read one line at
// a time.
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
// A record that is about one system but cannot be entered is refused: a
// registration without a decodable description (no body, a body of
// another type, no id or version, a description of another system than
// the record's aims.system.id, an unknown description schema version, a
// number that is not finite), a description that does not pass
// [System.Validate], an inventory record without aims.system.id, or one
// with a timestamp past the year 2262 or a malformed trace or span ID
// (which a Collector passes on as it came). It is left out of the
// inventory and reported by [Inventory.Refused], with where it was found
// and why, while every other record, on the same line or not, is read:
// one faulty or hostile service, or one sending a newer schema version,
// cannot keep the inventory of the others from being built.
//
// The call fails, with an error naming the line (and the file, when r has
// a Name method, as *os.File does), only when the input itself cannot be
// read as Collector output, so that which records it holds is unknown:
// reading r fails, a line is longer than [otlpfile.DefaultMaxLineBytes], a
// line is not OTLP/JSON log data (not JSON, not an ExportLogsServiceRequest,
// a timestamp or intValue that is not an integer, a bytesValue that is not
// base64 — the Collector's encoder writes none of these, so such a line
// means the input is not, or no longer, what a Collector wrote), or the
// last line is cut short by a write still in progress
// ([otlpfile.ErrTornLine]; read again later).
func FromOTLP(r io.Reader) (*Inventory, error) {
	b := newBuilder()
	input := "OTLP input"
	if n, ok := r.(interface{ Name() string }); ok {
		input = n.Name() // a file: name it, as the reader's own errors do
	}
	b.input = input
	// A record the OTLP data model does not allow (a timestamp past 2262)
	// is one sender's fault: it is delivered with its error, not allowed
	// to fail its line.
	err := otlpfile.EachLog(r, func(lr otlpfile.LogRecord) error {
		b.addRecord(lr)
		return nil
	}, otlpfile.WithBadLogRecords())
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return b.build(), nil
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
	input   string
	seq     int
	systems map[string]*sysAcc
	refused map[string]*RefusedRecord // latest refused record by system ID, "" for those without one
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

func newBuilder() *builder {
	return &builder{systems: map[string]*sysAcc{}, refused: map[string]*RefusedRecord{}}
}

// refuse reports a record that is not entered into the inventory, keeping
// only the latest one of each system ID (all records without one under
// "") so that memory grows with the number of systems, not of records.
func (b *builder) refuse(lr otlpfile.LogRecord, ev event, err error) {
	rr := b.refused[ev.id]
	if rr == nil {
		rr = &RefusedRecord{SystemID: ev.id}
		b.refused[ev.id] = rr
	}
	rr.Count++
	if rr.Count == 1 || !ev.at.Before(rr.At) {
		rr.Version, rr.At, rr.Where, rr.Err = ev.version, ev.at, b.input+" "+lr.Where(), err
	}
}

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

// addRecord enters one record into the inventory, or refuses it when it
// cannot be entered: every failure found here is about that record alone.
func (b *builder) addRecord(lr otlpfile.LogRecord) {
	name := lr.EventName
	if name == "" {
		// Before the eventName field existed, SDKs sent it as an attribute.
		name = otlpfile.String(lr.Attributes, "event.name")
	}
	switch name {
	case semconv.EventInventoryRegistration, semconv.EventInventoryHeartbeat, semconv.EventInventoryRetirement:
	default:
		return
	}
	get := func(k string) string {
		if v := otlpfile.String(lr.Attributes, k); v != "" {
			return v
		}
		return otlpfile.String(lr.Resource, k)
	}
	b.seq++
	ev := event{
		name: name, seq: b.seq, at: lr.Time,
		id:       get(string(semconv.AimsSystemID)),
		version:  get(string(semconv.AimsSystemVersion)),
		instance: get(string(semconv.AimsSystemInstance)),
		reason:   get(string(semconv.AimsInventoryRetirementReason)),
	}
	if ev.id == "" {
		b.refuse(lr, ev, fmt.Errorf("%s record has no %s attribute", name, semconv.AimsSystemID))
		return
	}
	if lr.Err != nil {
		b.refuse(lr, ev, lr.Err)
		return
	}
	if name == semconv.EventInventoryRegistration {
		sys, err := decodeSystem(lr.Attributes, lr.Body)
		if err == nil && sys.ID != ev.id {
			err = fmt.Errorf("registration body describes system %q but %s is %q", sys.ID, semconv.AimsSystemID, ev.id)
		}
		if err != nil {
			b.refuse(lr, ev, err)
			return
		}
		ev.version = sys.Version
		if err := sys.Validate(); err != nil {
			b.refuse(lr, ev, err)
			return
		}
		ev.sys = &sys
	}
	b.add(ev)
}

// decodeSystem reads the description from a registration body: a kvlist as
// Register emits it, or a string holding the same JSON.
func decodeSystem(attrs map[string]any, body any) (System, error) {
	if v, ok := attrs[string(semconv.AimsInventorySchemaVersion)]; ok && v != SchemaVersion {
		return System{}, fmt.Errorf("registration uses description schema version %q; this reader understands %q", fmt.Sprint(v), SchemaVersion)
	}
	var raw []byte
	switch x := body.(type) {
	case nil:
		return System{}, errors.New("registration record has no body")
	case string:
		raw = []byte(x)
	case map[string]any:
		if err := finite(x); err != nil {
			return System{}, fmt.Errorf("registration body: %w", err)
		}
		var err error
		if raw, err = json.Marshal(x); err != nil {
			return System{}, fmt.Errorf("registration body: %w", err)
		}
	default:
		return System{}, errors.New("registration body is neither a kvlistValue nor a JSON string")
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

// finite reports a NaN or infinite double in a decoded body, which a
// system description cannot hold (JSON has no such numbers).
func finite(v any) error {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("doubleValue %v is not finite", x)
		}
	case []any:
		for _, e := range x {
			if err := finite(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := finite(e); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return nil
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
	for _, rr := range b.refused {
		inv.refused = append(inv.refused, *rr)
	}
	sort.Slice(inv.refused, func(i, j int) bool { return inv.refused[i].SystemID < inv.refused[j].SystemID })
	return inv
}
