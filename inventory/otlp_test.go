package inventory

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// batchExporter keeps each Export call's records as one batch, like the
// Collector's file exporter writes one line per batch it receives.
type batchExporter struct {
	mu      sync.Mutex
	batches [][]sdklog.Record
}

func (e *batchExporter) Export(_ context.Context, recs []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := make([]sdklog.Record, len(recs))
	for i, r := range recs {
		b[i] = r.Clone()
	}
	e.batches = append(e.batches, b)
	return nil
}
func (e *batchExporter) Shutdown(context.Context) error   { return nil }
func (e *batchExporter) ForceFlush(context.Context) error { return nil }

// otlpAny encodes a value with the protobuf JSON mapping of
// opentelemetry.proto.common.v1.AnyValue, as the Collector's pdata JSON
// marshaler does: 64-bit integers as decimal strings, bytes as base64,
// arrays and maps wrapped in {"values": [...]}.
func otlpAny(v attribute.Value) map[string]any {
	switch v.Type() {
	case attribute.STRING:
		return map[string]any{"stringValue": v.AsString()}
	case attribute.BOOL:
		return map[string]any{"boolValue": v.AsBool()}
	case attribute.INT64:
		return map[string]any{"intValue": strconv.FormatInt(v.AsInt64(), 10)}
	case attribute.FLOAT64:
		return map[string]any{"doubleValue": v.AsFloat64()}
	case attribute.BYTESLICE:
		return map[string]any{"bytesValue": base64.StdEncoding.EncodeToString(v.AsByteSlice())}
	case attribute.SLICE:
		vals := []any{}
		for _, e := range v.AsSlice() {
			vals = append(vals, otlpAny(e))
		}
		return map[string]any{"arrayValue": map[string]any{"values": vals}}
	case attribute.STRINGSLICE:
		vals := []any{}
		for _, s := range v.AsStringSlice() {
			vals = append(vals, otlpAny(attribute.StringValue(s)))
		}
		return map[string]any{"arrayValue": map[string]any{"values": vals}}
	case attribute.MAP:
		return map[string]any{"kvlistValue": map[string]any{"values": otlpKVs(v.AsMap())}}
	}
	return map[string]any{}
}

func otlpKVs(kvs []attribute.KeyValue) []any {
	out := []any{}
	for _, kv := range kvs {
		out = append(out, map[string]any{"key": string(kv.Key), "value": otlpAny(kv.Value)})
	}
	return out
}

// encodeOTLP writes one batch as one line of OTLP/JSON logs, grouped by
// resource and instrumentation scope.
func encodeOTLP(t testing.TB, recs []sdklog.Record) []byte {
	t.Helper()
	type scopeKey struct{ name, version string }
	var resourceLogs []any
	byRes := map[attribute.Distinct]map[scopeKey][]any{}
	resAttrs := map[attribute.Distinct]*resource.Resource{}
	var resOrder []attribute.Distinct
	for _, r := range recs {
		res := r.Resource()
		key := res.Equivalent()
		if _, ok := byRes[key]; !ok {
			byRes[key] = map[scopeKey][]any{}
			resAttrs[key] = res
			resOrder = append(resOrder, key)
		}
		sc := r.InstrumentationScope()
		lr := map[string]any{
			"severityNumber": int(r.Severity()),
			"severityText":   r.SeverityText(),
			"eventName":      r.EventName(),
		}
		// pdata leaves zero timestamps out.
		if ts := r.Timestamp(); !ts.IsZero() {
			lr["timeUnixNano"] = strconv.FormatInt(ts.UnixNano(), 10)
		}
		if ts := r.ObservedTimestamp(); !ts.IsZero() {
			lr["observedTimeUnixNano"] = strconv.FormatInt(ts.UnixNano(), 10)
		}
		if r.Body().Type() != attribute.EMPTY {
			lr["body"] = otlpAny(r.Body())
		}
		var attrs []attribute.KeyValue
		r.WalkAttributes(func(kv attribute.KeyValue) bool { attrs = append(attrs, kv); return true })
		lr["attributes"] = otlpKVs(attrs)
		k := scopeKey{sc.Name, sc.Version}
		byRes[key][k] = append(byRes[key][k], lr)
	}
	for _, key := range resOrder {
		var scopeLogs []any
		for sk, lrs := range byRes[key] {
			scopeLogs = append(scopeLogs, map[string]any{
				"scope":      map[string]any{"name": sk.name, "version": sk.version},
				"logRecords": lrs,
			})
		}
		resourceLogs = append(resourceLogs, map[string]any{
			"resource":  map[string]any{"attributes": otlpKVs(resAttrs[key].Attributes())},
			"scopeLogs": scopeLogs,
			"schemaUrl": resAttrs[key].SchemaURL(),
		})
	}
	b, err := json.Marshal(map[string]any{"resourceLogs": resourceLogs})
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// service is one emitting process with its own resource and exporter.
type service struct {
	exp *batchExporter
	lp  *sdklog.LoggerProvider
}

func newService(t testing.TB, name string) *service {
	t.Helper()
	exp := &batchExporter{}
	res := resource.NewSchemaless(attribute.String("service.name", name))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	t.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	return &service{exp: exp, lp: lp}
}

// flush encodes everything exported so far as one collector batch line.
func (s *service) flush(t testing.TB, sink func([]byte)) {
	t.Helper()
	s.exp.mu.Lock()
	var all []sdklog.Record
	for _, b := range s.exp.batches {
		all = append(all, b...)
	}
	s.exp.batches = nil
	s.exp.mu.Unlock()
	if len(all) > 0 {
		sink(encodeOTLP(t, all))
	}
}

func at(min int) func() time.Time {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return func() time.Time { return t0.Add(time.Duration(min) * time.Minute) }
}

// emitScenario emits, through the SDK, the records of three services and
// hands each collector batch (one OTLP/JSON line) to sink:
//
//   - credit-scoring 2.3.1 on pod-1: registered at minute 0, heartbeats at 1 and 2;
//   - credit-scoring 2.4.0 on pod-2: registered at 3, heartbeat at 4;
//   - faq-bot on web-1: registered at 0, an unrelated application log, retired at 5.
//
// It returns the description of credit-scoring 2.4.0 as registered.
func emitScenario(t *testing.T, sink func(line []byte)) System {
	t.Helper()
	ctx := context.Background()
	svcA := newService(t, "credit-api")
	svcB := newService(t, "credit-api-canary")
	svcC := newService(t, "web")

	v1 := creditSystem()
	r1, err := Register(ctx, v1, authorised(t, v1), WithLoggerProvider(svcA.lp), WithInstance("pod-1"), WithHeartbeatInterval(0), withClock(at(0)))
	if err != nil {
		t.Fatal(err)
	}
	r1.now = at(1)
	_ = r1.Heartbeat(ctx)
	r1.now = at(2)
	_ = r1.Heartbeat(ctx)
	svcA.flush(t, sink)

	v2 := creditSystem()
	v2.Version = "2.4.0"
	v2.Models[0].Version = "8"
	v2.Models[0].Evaluations[0].Value = 0.85
	// An integral evaluation value travels as an OTLP intValue and must
	// come back as the same float64.
	v2.Models[0].Evaluations = append(v2.Models[0].Evaluations, Evaluation{Metric: "false negatives", Value: 12, Dataset: "holdout-2024"})
	r2, err := Register(ctx, v2, authorised(t, v2), WithLoggerProvider(svcB.lp), WithInstance("pod-2"), WithHeartbeatInterval(0), withClock(at(3)))
	if err != nil {
		t.Fatal(err)
	}
	r2.now = at(4)
	_ = r2.Heartbeat(ctx)

	r3, err := Register(ctx, sparseSystem(), WithLoggerProvider(svcC.lp), WithInstance("web-1"), WithHeartbeatInterval(0), withClock(at(0)))
	if err != nil {
		t.Fatal(err)
	}
	var plainLog log.Record
	plainLog.SetBody(attribute.StringValue("GET /faq 200"))
	svcC.lp.Logger("app").Emit(ctx, plainLog)
	r3.now = at(5)
	if err := r3.Retire(ctx, "merged into support-chat"); err != nil {
		t.Fatal(err)
	}
	// Batches arrive interleaved, and not in time order.
	svcC.flush(t, sink)
	svcB.flush(t, sink)
	want := r2.Description()
	for _, r := range []*Registration{r1, r2, r3} {
		r.Close(context.Background())
	}
	return want
}

// checkScenario asserts that inv is the inventory emitScenario describes.
func checkScenario(t *testing.T, inv *Inventory, wantCredit System) {
	t.Helper()
	entries := inv.Entries()
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(entries), entries)
	}
	credit, faq := entries[0], entries[1]

	if !reflect.DeepEqual(credit.System, wantCredit) {
		t.Errorf("latest description not rebuilt exactly:\n got %+v\nwant %+v", credit.System, wantCredit)
	}
	if !reflect.DeepEqual(credit.Versions, []string{"2.3.1", "2.4.0"}) {
		t.Errorf("versions %v", credit.Versions)
	}
	if !credit.RegisteredAt.Equal(at(3)()) || !credit.LastSeen.Equal(at(4)()) || credit.Retired {
		t.Errorf("credit status: registered %v last seen %v retired %v", credit.RegisteredAt, credit.LastSeen, credit.Retired)
	}
	wantInst := []Instance{
		{ID: "pod-1", Version: "2.3.1", LastHeartbeat: at(2)(), LastSeen: at(2)()},
		{ID: "pod-2", Version: "2.4.0", LastHeartbeat: at(4)(), LastSeen: at(4)()},
	}
	if !reflect.DeepEqual(credit.Instances, wantInst) {
		t.Errorf("instances\n got %+v\nwant %+v", credit.Instances, wantInst)
	}

	if !faq.Retired || faq.RetirementReason != "merged into support-chat" || !faq.RetiredAt.Equal(at(5)()) || faq.System.Lifecycle != StageRetired {
		t.Errorf("faq-bot retirement not rebuilt: %+v", faq)
	}
	if faq.System.Purpose != sparseSystem().Purpose {
		t.Errorf("faq-bot description lost: %+v", faq.System)
	}
	if len(inv.Unregistered()) != 0 {
		t.Errorf("unexpected unregistered systems %+v", inv.Unregistered())
	}

	// The rebuilt inventory is servable: its BOM validates.
	bom, err := CycloneDX([]System{credit.System, faq.System})
	if err != nil {
		t.Fatal(err)
	}
	if err := validateBOM(t, cycloneDXSchema(t), bom); err != nil {
		t.Error(err)
	}
	if e, ok := inv.Entry("faq-bot"); !ok || e.System.ID != "faq-bot" {
		t.Error("Entry lookup failed")
	}
}

func TestFromOTLPRoundTrip(t *testing.T) {
	var file bytes.Buffer
	want := emitScenario(t, func(line []byte) { file.Write(line) })

	if lines := strings.Count(file.String(), "\n"); lines != 3 {
		t.Fatalf("%d lines of OTLP/JSON, want 3", lines)
	}
	// The encoding is the collector's: int64 as strings, kvlist bodies.
	for _, want := range []string{`"intValue":"12"`, `"doubleValue":0.85`, `"boolValue":true`, `"kvlistValue":{"values":[`, `"eventName":"aims.inventory.registration"`, `"stringValue":"credit-scoring"`} {
		if !strings.Contains(file.String(), want) {
			t.Errorf("encoded file lacks %s", want)
		}
	}
	inv, err := FromOTLP(&file)
	if err != nil {
		t.Fatal(err)
	}
	checkScenario(t, inv, want)
}

func TestFromOTLPReRegistrationAfterRetirement(t *testing.T) {
	ctx := context.Background()
	var file bytes.Buffer
	svc := newService(t, "web")
	r, err := Register(ctx, sparseSystem(), WithLoggerProvider(svc.lp), WithHeartbeatInterval(0), withClock(at(0)))
	if err != nil {
		t.Fatal(err)
	}
	r.now = at(1)
	_ = r.Retire(ctx, "paused")
	r.Close(context.Background())
	s := sparseSystem()
	s.Version = "0.2.0"
	r, err = Register(ctx, s, WithLoggerProvider(svc.lp), WithHeartbeatInterval(0), withClock(at(2)))
	if err != nil {
		t.Fatal(err)
	}
	r.Close(context.Background())
	svc.flush(t, func(l []byte) { file.Write(l) })
	inv, err := FromOTLP(&file)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := inv.Entry("faq-bot")
	if e.Retired || e.System.Version != "0.2.0" || e.System.Lifecycle != StageDevelopment {
		t.Errorf("system registered again after retirement must be live: %+v", e)
	}
}

func TestFromOTLPHeartbeatWithoutRegistration(t *testing.T) {
	// Identity on the resource only (attributes taken from the resource).
	line := `{"resourceLogs":[{"resource":{"attributes":[{"key":"aims.system.id","value":{"stringValue":"ghost"}},{"key":"aims.system.version","value":{"stringValue":"9"}},{"key":"aims.system.instance","value":{"stringValue":"i-1"}}]},"scopeLogs":[{"scope":{"name":"x"},"logRecords":[{"timeUnixNano":1700000000000000000,"eventName":"aims.inventory.heartbeat"}]}]}]}`
	inv, err := FromOTLP(strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Entries()) != 0 {
		t.Errorf("entries %+v", inv.Entries())
	}
	u := inv.Unregistered()
	if len(u) != 1 || u[0].System.ID != "ghost" || u[0].System.Version != "9" || u[0].Instances[0].ID != "i-1" ||
		!u[0].Instances[0].LastHeartbeat.Equal(time.Unix(0, 1700000000000000000)) {
		t.Errorf("unregistered %+v", u)
	}
}

func TestFromOTLPAcceptsStringBodyAndLegacyEventName(t *testing.T) {
	sys, _ := json.Marshal(sparseSystem())
	body, _ := json.Marshal(string(sys))
	line := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"observedTimeUnixNano":"1700000000000000000","body":{"stringValue":` + string(body) + `},"attributes":[{"key":"event.name","value":{"stringValue":"aims.inventory.registration"}},{"key":"aims.system.id","value":{"stringValue":"faq-bot"}}]}]}]}]}` + "\n\n"
	inv, err := FromOTLP(strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := inv.Entry("faq-bot")
	if !ok || !reflect.DeepEqual(e.System, sparseSystem()) || !e.RegisteredAt.Equal(time.Unix(0, 1700000000000000000)) {
		t.Errorf("entry %+v", e)
	}
}

// validCollectorLine is one collector line, emitted through the SDK,
// holding the registration of credit-scoring 2.3.1 at minute 0.
func validCollectorLine(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	var line bytes.Buffer
	svc := newService(t, "credit-api")
	r, err := Register(ctx, creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(svc.lp), WithInstance("pod-1"), WithHeartbeatInterval(0), withClock(at(0)))
	if err != nil {
		t.Fatal(err)
	}
	r.Close(ctx)
	svc.flush(t, func(l []byte) { line.Write(l) })
	return line.Bytes()
}

// A record FromOTLP cannot decode is one service's fault: it is refused
// and reported with where it was found and why, and the inventory of every
// other system is still built — including from the records that share the
// faulty record's collector line (the collector batches records of many
// services into one line).
func TestFromOTLPMalformed(t *testing.T) {
	valid := validCollectorLine(t)
	// line builds collector line 2: the faulty record (logRecords[0]),
	// then a heartbeat of credit-scoring on pod-9 at minute 1.
	line := func(record string) string {
		return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[` + record + `,{"timeUnixNano":"1795424460000000000","eventName":"aims.inventory.heartbeat","attributes":[{"key":"aims.system.id","value":{"stringValue":"credit-scoring"}},{"key":"aims.system.instance","value":{"stringValue":"pod-9"}}]}]}]}]}` + "\n"
	}
	reg := func(body, attrs string) string {
		return `{"timeUnixNano":"1","eventName":"aims.inventory.registration"` + body + `,"attributes":[{"key":"aims.system.id","value":{"stringValue":"faq-bot"}}` + attrs + `]}`
	}
	cases := []struct {
		name, record, wantID, want string
	}{
		{"heartbeat without system id", `{"eventName":"aims.inventory.heartbeat"}`, "", "aims.inventory.heartbeat record has no aims.system.id attribute"},
		{"retirement without system id", `{"eventName":"aims.inventory.retirement"}`, "", "aims.inventory.retirement record has no aims.system.id attribute"},
		{"registration without body", reg("", ""), "faq-bot", "registration record has no body"},
		{"registration body of wrong type", reg(`,"body":{"intValue":"3"}`, ""), "faq-bot", "neither a kvlistValue nor a JSON string"},
		{"registration body not a system", reg(`,"body":{"kvlistValue":{"values":[{"key":"id","value":{"intValue":"3"}}]}}`, ""), "faq-bot", "not a system description"},
		{"registration body without id", reg(`,"body":{"kvlistValue":{"values":[{"key":"name","value":{"stringValue":"x"}}]}}`, ""), "faq-bot", "lacks the system id"},
		{"registration body without version", reg(`,"body":{"stringValue":"{\"id\":\"faq-bot\"}"}`, ""), "faq-bot", "or version"},
		{"registration of another system", reg(`,"body":{"stringValue":"{\"id\":\"other\",\"version\":\"1\"}"}`, ""), "faq-bot", `describes system "other"`},
		{"registration under a valid system's id", `{"timeUnixNano":"1795425000000000000","eventName":"aims.inventory.registration","body":{"stringValue":"{\"id\":\"other\",\"version\":\"9\"}"},"attributes":[{"key":"aims.system.id","value":{"stringValue":"credit-scoring"}}]}`, "credit-scoring", `describes system "other"`},
		{"unknown schema version", reg(`,"body":{"stringValue":"{}"}`, `,{"key":"aims.inventory.schema_version","value":{"stringValue":"99"}}`), "faq-bot", `schema version "99"`},
		{"non-finite double", reg(`,"body":{"kvlistValue":{"values":[{"key":"v","value":{"doubleValue":"NaN"}}]}}`, ""), "faq-bot", "not finite"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			input := string(valid) + line(tc.record)
			inv, err := FromOTLP(strings.NewReader(input))
			if err != nil {
				t.Fatalf("one faulty record failed the whole inventory: %v", err)
			}
			e, ok := inv.Entry("credit-scoring")
			if !ok || e.System.Version != "2.3.1" || len(inv.Entries()) != 1 {
				t.Fatalf("entries %+v, want credit-scoring 2.3.1 alone", inv.Entries())
			}
			// The heartbeat after the faulty record on the same line is read.
			if len(e.Instances) != 2 || e.Instances[1].ID != "pod-9" || !e.Instances[1].LastHeartbeat.Equal(at(1)()) {
				t.Errorf("instances %+v, want pod-1 and pod-9 (heartbeat at minute 1)", e.Instances)
			}
			if u := inv.Unregistered(); len(u) != 0 {
				t.Errorf("a refused record entered the inventory: unregistered %+v", u)
			}
			refused := inv.Refused()
			if len(refused) != 1 {
				t.Fatalf("refused %+v, want the faulty record", refused)
			}
			rr := refused[0]
			if rr.SystemID != tc.wantID || rr.Count != 1 || rr.Err == nil || !strings.Contains(rr.Err.Error(), tc.want) ||
				!strings.Contains(rr.Where, "line 2, resourceLogs[0].scopeLogs[0].logRecords[0]") {
				t.Errorf("refused %+v (err %v), want system %q refused at line 2 logRecords[0] because %q", rr, rr.Err, tc.wantID, tc.want)
			}
		})
	}
}

// Records without a system ID cannot be keyed by system: however many
// there are, they are counted in one refusal, so memory does not grow with
// them.
func TestFromOTLPUnidentifiedRecordsBounded(t *testing.T) {
	var file bytes.Buffer
	file.Write(validCollectorLine(t))
	const n = 500
	for i := range n {
		fmt.Fprintf(&file, `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"%d","eventName":"aims.inventory.heartbeat"}]}]}]}`+"\n", 1795424400000000000+int64(i))
	}
	inv, err := FromOTLP(&file)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inv.Entry("credit-scoring"); !ok {
		t.Errorf("entries %+v", inv.Entries())
	}
	refused := inv.Refused()
	if len(refused) != 1 || refused[0].SystemID != "" || refused[0].Count != n || !strings.Contains(refused[0].Where, fmt.Sprintf("line %d,", n+1)) {
		t.Errorf("refused %+v, want one unidentified refusal counting %d records, the latest on line %d", refused, n, n+1)
	}
}

// What is not about one record still fails the whole call: input that is
// not what a Collector writes (a line that is not OTLP/JSON logs, which
// the Collector's encoder cannot produce, so the records it held are not
// known), a last line cut short, and input that cannot be read.
func TestFromOTLPUnreadable(t *testing.T) {
	valid := string(validCollectorLine(t))
	cases := []struct {
		name, input, want string
	}{
		{"not JSON", valid + "not json\n", "line 2 is not OTLP/JSON"},
		{"array instead of object", valid + "[1,2]\n", "line 2 is not OTLP/JSON"},
		{"resourceLogs not a list", valid + `{"resourceLogs":{}}` + "\n", "line 2 is not OTLP/JSON"},
		{"bad timestamp", valid + `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"yesterday","eventName":"aims.inventory.heartbeat"}]}]}]}` + "\n", "timeUnixNano"},
		{"bad intValue", valid + `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"aims.inventory.registration","body":{"kvlistValue":{"values":[{"key":"x","value":{"intValue":"1.5"}}]}}}]}]}]}` + "\n", "intValue"},
		{"bad base64", valid + `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"aims.inventory.registration","body":{"kvlistValue":{"values":[{"key":"v","value":{"bytesValue":"!!"}}]}}}]}]}]}` + "\n", "bytesValue"},
		{"torn last line", valid + `{"resourceLogs":[{"scopeLogs":[{"logRec`, "is torn"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromOTLP(strings.NewReader(tc.input))
			if err == nil {
				t.Fatal("unreadable input accepted")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "inventory: ") {
				t.Errorf("error %q, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		_, err := FromOTLP(io.MultiReader(strings.NewReader(valid), iotest.ErrReader(errors.New("disk gone"))))
		if err == nil || !strings.Contains(err.Error(), "disk gone") || !strings.HasPrefix(err.Error(), "inventory: ") {
			t.Errorf("error %v, want the read error", err)
		}
	})
}

func TestFromOTLPEmptyInput(t *testing.T) {
	inv, err := FromOTLP(strings.NewReader(""))
	if err != nil || len(inv.Entries()) != 0 {
		t.Errorf("empty input: %v %v", inv, err)
	}
}

func TestHandlerServesRebuiltInventory(t *testing.T) {
	ctx := context.Background()
	var file bytes.Buffer
	svc := newService(t, "credit-api")
	r, err := Register(ctx, creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(svc.lp), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	r.Close(context.Background())
	svc.flush(t, func(l []byte) { file.Write(l) })
	inv, err := FromOTLP(&file)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(inv)
	for _, path := range []string{"/systems", "/systems/credit-scoring", "/systems/credit-scoring/modelcard", "/cyclonedx"} {
		rec := httpGet(h, path)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "credit") {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}

// A Collector accepts any 64-bit timestamp and writes it as it came (checked
// with Collector v0.165.0: a record sent with timeUnixNano 2^64-1 is written
// unchanged), so one service sending a timestamp past what the reader can
// represent must have that record refused, not the inventory of everyone
// whose records share its line or its file.
func TestFromOTLPRecordOutOfRangeRefused(t *testing.T) {
	input := string(validCollectorLine(t)) +
		`{"resourceLogs":[{"resource":{},"scopeLogs":[{"scope":{},"logRecords":[` +
		`{"timeUnixNano":"1795424460000000000","body":{},"attributes":[{"key":"aims.system.id","value":{"stringValue":"credit-scoring"}},{"key":"aims.system.instance","value":{"stringValue":"pod-9"}}],"eventName":"aims.inventory.heartbeat"},` +
		`{"timeUnixNano":"18446744073709551615","body":{},"attributes":[{"key":"aims.system.id","value":{"stringValue":"evil"}},{"key":"aims.system.instance","value":{"stringValue":"e-1"}}],"eventName":"aims.inventory.heartbeat"},` +
		`{"timeUnixNano":"18446744073709551615","body":{"stringValue":"GET / 200"}}` +
		`]}]}]}` + "\n"
	inv, err := FromOTLP(strings.NewReader(input))
	if err != nil {
		t.Fatalf("one record with an out-of-range timestamp failed the whole inventory: %v", err)
	}
	e, ok := inv.Entry("credit-scoring")
	if !ok || len(e.Instances) != 2 || e.Instances[1].ID != "pod-9" {
		t.Errorf("entry %+v, want credit-scoring with pod-1 and pod-9", e)
	}
	if u := inv.Unregistered(); len(u) != 0 {
		t.Errorf("the bad record entered the inventory: %+v", u)
	}
	// The application log with a bad timestamp is not an inventory record:
	// it is not the inventory's to refuse.
	refused := inv.Refused()
	if len(refused) != 1 || refused[0].SystemID != "evil" || refused[0].Count != 1 || refused[0].Err == nil ||
		!strings.Contains(refused[0].Err.Error(), "timeUnixNano 18446744073709551615 is out of range") ||
		!strings.Contains(refused[0].Where, "line 2, resourceLogs[0].scopeLogs[0].logRecords[1]") {
		t.Errorf("refused %+v, want evil's heartbeat refused for its timestamp, at line 2 logRecords[1]", refused)
	}
}
