package inventory

import (
	"github.com/aimskit/aimskit/aims"
	"slices"

	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// plain converts an attribute.Value (a log body) into the value
// encoding/json would decode from the same JSON.
func plain(v attribute.Value) any {
	switch v.Type() {
	case attribute.BOOL:
		return v.AsBool()
	case attribute.INT64:
		return float64(v.AsInt64())
	case attribute.FLOAT64:
		return v.AsFloat64()
	case attribute.STRING:
		return v.AsString()
	case attribute.SLICE:
		var out []any
		for _, e := range v.AsSlice() {
			out = append(out, plain(e))
		}
		return out
	case attribute.MAP:
		out := map[string]any{}
		for _, kv := range v.AsMap() {
			out[string(kv.Key)] = plain(kv.Value)
		}
		return out
	}
	return nil
}

func bodySystem(t *testing.T, v attribute.Value) System {
	t.Helper()
	if v.Type() != attribute.MAP {
		t.Fatalf("body is %s, want a map", v.Type())
	}
	b, err := json.Marshal(plain(v))
	if err != nil {
		t.Fatal(err)
	}
	var s System
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRegisterEmitsWholeDescription(t *testing.T) {
	logs := oteltest.NewLogs(t)
	reg := NewRegistry()
	sys := creditSystem()
	r, err := Register(context.Background(), sys, authorised(t, sys), WithLoggerProvider(logs.Provider), WithRegistry(reg),
		WithHeartbeatInterval(0), WithInstance("pod-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())

	recs := logs.Events(semconv.EventInventoryRegistration)
	if len(recs) != 1 {
		t.Fatalf("%d registration records, want 1", len(recs))
	}
	rec := recs[0]
	if got := rec.InstrumentationScope().Name; got != semconv.ScopeInventory {
		t.Errorf("scope %q", got)
	}
	a := oteltest.Attrs(rec)
	want := map[attribute.Key]string{
		semconv.AimsSystemID:                "credit-scoring",
		semconv.AimsSystemVersion:           "2.3.1",
		semconv.AimsSystemInstance:          "pod-1",
		semconv.AimsRiskLevel:               "high",
		semconv.AimsControlID:               ControlRegistration,
		semconv.AimsInventorySchemaVersion:  SchemaVersion,
		semconv.AimsInventorySystemName:     "Consumer credit scoring",
		semconv.AimsInventoryLifecycleStage: "deployed",
	}
	for k, v := range want {
		if got := a[string(k)].AsString(); got != v {
			t.Errorf("attribute %s = %q, want %q", k, got, v)
		}
	}
	// The body is the description, bound to the assessment and the
	// authorisation it was admitted with.
	if got := bodySystem(t, rec.Body()); !reflect.DeepEqual(got, r.Description()) || got.Deployment == nil {
		t.Errorf("body does not round-trip:\n got %+v\nwant %+v", got, sys)
	}
	if got := reg.Systems(); len(got) != 1 || got[0].ID != "credit-scoring" {
		t.Errorf("registry holds %+v", got)
	}
	if r.RiskLevel() != aims.RiskHigh || r.Instance() != "pod-1" {
		t.Errorf("handle: level %q instance %q", r.RiskLevel(), r.Instance())
	}
}

func TestRegisterFillsRiskLevelFromUseCase(t *testing.T) {
	logs := oteltest.NewLogs(t)
	sys := creditSystem()
	sys.RiskLevel = ""
	r, err := Register(context.Background(), sys, authorised(t, sys), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	if r.Description().RiskLevel != aims.RiskHigh {
		t.Errorf("risk level %q, want high from the creditworthiness use case", r.Description().RiskLevel)
	}
	if got := oteltest.Attrs(logs.Events(semconv.EventInventoryRegistration)[0])[string(semconv.AimsRiskLevel)].AsString(); got != "high" {
		t.Errorf("aims.risk.level = %q", got)
	}
}

func TestRegisterRejectsInvalidSystem(t *testing.T) {
	logs := oteltest.NewLogs(t)
	reg := NewRegistry()
	sys := creditSystem()
	sys.RiskLevel = aims.RiskMinimal // the creditworthiness use case is high-risk
	sys.Owner = ""
	_, err := Register(context.Background(), sys, WithLoggerProvider(logs.Provider), WithRegistry(reg))
	if err == nil {
		t.Fatal("invalid system registered")
	}
	for _, want := range []string{"inventory: riskLevel: declared \"minimal\"", "inventory: owner: is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(logs.Records()); n != 0 {
		t.Errorf("%d records emitted for a rejected system", n)
	}
	if n := len(reg.Entries()); n != 0 {
		t.Errorf("rejected system in the registry")
	}

	sys = creditSystem()
	sys.Lifecycle = StageRetired
	if _, err := Register(context.Background(), sys, WithLoggerProvider(logs.Provider)); err == nil || !strings.Contains(err.Error(), "lifecycleStage") {
		t.Errorf("registering a retired system: %v", err)
	}
}

func TestRegistryRejectsDuplicateUntilClosed(t *testing.T) {
	logs := oteltest.NewLogs(t)
	reg := NewRegistry()
	r1, err := reg.Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider)); err == nil || !strings.Contains(err.Error(), `"credit-scoring" is already registered`) {
		t.Fatalf("duplicate: %v", err)
	}
	if got, ok := reg.Lookup("credit-scoring"); !ok || got != r1 {
		t.Fatal("Lookup does not return the registration")
	}
	if err := r1.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r1.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if len(reg.Entries()) != 0 {
		t.Fatal("closed registration still listed")
	}
	r2, err := reg.Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatalf("re-register after Close: %v", err)
	}
	r2.Close(context.Background())
}

func TestHeartbeatStopsOnClose(t *testing.T) {
	// synctest gives a fake clock, and synctest.Test fails if any goroutine
	// started in the bubble is still alive at the end: a leaked heartbeat
	// goroutine is a test failure.
	synctest.Test(t, func(t *testing.T) {
		logs := oteltest.NewLogs(t)
		reg := NewRegistry()
		r, err := reg.Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		time.Sleep(35 * time.Second)
		synctest.Wait()
		beats := logs.Events(semconv.EventInventoryHeartbeat)
		if len(beats) != 3 {
			t.Fatalf("%d heartbeats after 35s at 10s, want 3", len(beats))
		}
		for i, b := range beats {
			if want := start.Add(time.Duration(i+1) * 10 * time.Second); !b.Timestamp().Equal(want) {
				t.Errorf("heartbeat %d at %v, want %v", i, b.Timestamp(), want)
			}
			a := oteltest.Attrs(b)
			if a[string(semconv.AimsSystemID)].AsString() != "credit-scoring" || a[string(semconv.AimsControlID)].AsString() != ControlHeartbeat {
				t.Errorf("heartbeat attributes %v", a)
			}
		}
		if e := reg.Entries()[0]; !e.Instances[0].LastHeartbeat.Equal(start.Add(30 * time.Second)) {
			t.Errorf("registry last heartbeat %v", e.Instances[0].LastHeartbeat)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(logs.Events(semconv.EventInventoryHeartbeat)); n != 3 {
			t.Errorf("%d heartbeats after Close, want still 3", n)
		}
		if err := r.Heartbeat(context.Background()); !errors.Is(err, ErrClosed) {
			t.Errorf("Heartbeat after Close: %v", err)
		}
	})
}

func TestRetire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := oteltest.NewLogs(t)
		reg := NewRegistry()
		r, err := reg.Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Retire(context.Background(), " "); err == nil || !strings.Contains(err.Error(), "reason") {
			t.Errorf("retire without reason: %v", err)
		}
		time.Sleep(1500 * time.Millisecond)
		if err := r.Retire(context.Background(), "replaced by credit-scoring-v3"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if n := len(logs.Events(semconv.EventInventoryHeartbeat)); n != 1 {
			t.Errorf("%d heartbeats, want 1 (none after Retire)", n)
		}
		rets := logs.Events(semconv.EventInventoryRetirement)
		if len(rets) != 1 {
			t.Fatalf("%d retirement records", len(rets))
		}
		a := oteltest.Attrs(rets[0])
		if a[string(semconv.AimsInventoryRetirementReason)].AsString() != "replaced by credit-scoring-v3" ||
			a[string(semconv.AimsSystemID)].AsString() != "credit-scoring" ||
			a[string(semconv.AimsControlID)].AsString() != ControlRetirement {
			t.Errorf("retirement attributes %v", a)
		}
		e := reg.Entries()
		if len(e) != 1 || !e[0].Retired || e[0].RetirementReason != "replaced by credit-scoring-v3" || e[0].System.Lifecycle != StageRetired {
			t.Errorf("registry after Retire: %+v", e)
		}
		if err := r.Retire(context.Background(), "again"); err == nil || !strings.Contains(err.Error(), "already retired") {
			t.Errorf("second Retire: %v", err)
		}
		if err := r.Heartbeat(context.Background()); !errors.Is(err, ErrClosed) {
			t.Errorf("Heartbeat after Retire: %v", err)
		}
		r.Close(context.Background())
		if err := r.Retire(context.Background(), "x"); err == nil {
			t.Error("Retire after Close accepted")
		}
	})
}

func TestResourceAttributes(t *testing.T) {
	logs := oteltest.NewLogs(t)
	r, err := Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0), WithInstance("pod-7"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	got := attribute.NewSet(r.ResourceAttributes()...)
	want := attribute.NewSet(
		semconv.AimsSystemID.String("credit-scoring"),
		semconv.AimsSystemVersion.String("2.3.1"),
		semconv.AimsSystemInstance.String("pod-7"),
		semconv.AimsRiskLevel.String("high"),
	)
	if !got.Equals(&want) {
		t.Errorf("resource attributes %v, want %v", got.Encoded(attribute.DefaultEncoder()), want.Encoded(attribute.DefaultEncoder()))
	}
	// The caller may modify the returned slice without affecting the handle.
	ra := r.ResourceAttributes()
	ra[0] = semconv.AimsSystemID.String("other")
	if r.ResourceAttributes()[0].Value.AsString() != "credit-scoring" {
		t.Error("ResourceAttributes shares its slice")
	}
	// A random instance ID is generated when none is given.
	r2, err := Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close(context.Background())
	if len(r2.Instance()) != 36 {
		t.Errorf("default instance %q is not a UUID", r2.Instance())
	}
}

func TestRegistryConcurrentUse(t *testing.T) {
	logs := oteltest.NewLogs(t)
	reg := NewRegistry()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sys := creditSystem()
			sys.ID = "sys-" + string(rune('a'+i))
			r, err := reg.Register(context.Background(), sys, authorised(t, sys), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(time.Millisecond))
			if err != nil {
				t.Error(err)
				return
			}
			for range 20 {
				_ = reg.Entries()
				_ = r.Description()
				_ = r.Heartbeat(context.Background())
			}
			if i%2 == 0 {
				_ = r.Retire(context.Background(), "test")
			}
			r.Close(context.Background())
		}()
	}
	wg.Wait()
	if n := len(reg.Entries()); n != 0 {
		t.Errorf("%d entries left after all closed", n)
	}
}

func TestRegistrationControlsFollowTheDescription(t *testing.T) {
	var bare System
	if got := registrationControls(&bare); !slices.Equal(got, []string{"A.4.2"}) {
		t.Fatalf("bare description: %v", got)
	}
	full := System{
		DataSources:     []DataSource{{Name: "d", Provenance: "collected with consent"}},
		Models:          []Model{{Name: "m", Evaluations: []Evaluation{{Metric: "auc", Value: 0.8}}}},
		ValueChainRoles: []ValueChainRole{RoleProvider},
	}
	if got := registrationControls(&full); !slices.Equal(got, []string{"A.4.2", "A.4.3", "A.7.5", "A.6.2.4", "A.10.2"}) {
		t.Fatalf("full description: %v", got)
	}
	full.DataSources[0].Provenance = ""
	if got := registrationControls(&full); slices.Contains(got, "A.7.5") {
		t.Fatalf("no provenance stated, yet A.7.5: %v", got)
	}
}

// stallExporter stalls the export of heartbeat records, as a collector
// that stopped answering behind a SimpleProcessor would: until release is
// closed, or with honourCtx until the export's context ends (recorded in
// ctxErr). It keeps every record it exported.
type stallExporter struct {
	honourCtx bool
	entered   chan struct{} // closed when the first heartbeat export stalls
	release   chan struct{}

	once   sync.Once
	mu     sync.Mutex
	recs   []sdklog.Record
	ctxErr error
}

func newStallExporter(honourCtx bool) *stallExporter {
	return &stallExporter{honourCtx: honourCtx, entered: make(chan struct{}), release: make(chan struct{})}
}

func (e *stallExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	for _, r := range recs {
		if r.EventName() == semconv.EventInventoryHeartbeat {
			e.once.Do(func() { close(e.entered) })
			if e.honourCtx {
				<-ctx.Done()
				e.mu.Lock()
				e.ctxErr = ctx.Err()
				e.mu.Unlock()
				return ctx.Err()
			}
			<-e.release
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range recs {
		e.recs = append(e.recs, r.Clone())
	}
	return nil
}

func (e *stallExporter) Shutdown(context.Context) error   { return nil }
func (e *stallExporter) ForceFlush(context.Context) error { return nil }

// events counts the exported records named name.
func (e *stallExporter) events(name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.recs {
		if r.EventName() == name {
			n++
		}
	}
	return n
}

// registerStalled registers creditSystem with a heartbeat every
// millisecond through exp, and waits until the heartbeat goroutine is
// stuck in its first export.
func registerStalled(t *testing.T, exp *stallExporter) (*Registration, *Registry) {
	t.Helper()
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	reg := NewRegistry()
	r, err := reg.Register(context.Background(), creditSystem(), authorised(t, creditSystem()),
		WithLoggerProvider(lp), WithHeartbeatInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	<-exp.entered
	return r, reg
}

// await returns what ch delivers, failing the test if nothing comes
// within a minute: a hang detector, not a timing assertion.
func await(t *testing.T, what string, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s still blocked after a minute", what)
		return nil
	}
}

// TestCloseGivesUpOnStalledHeartbeatExport covers a log exporter that
// stalls inside the heartbeat's Emit and ignores its context: Close must
// return ctx.Err() when its context ends, with the registration closed
// and out of the registry, and the heartbeat goroutine must end on its
// own, with no further heartbeat, once the export returns. Close once
// waited for the goroutine unconditionally and hung with the exporter.
func TestCloseGivesUpOnStalledHeartbeatExport(t *testing.T) {
	exp := newStallExporter(false)
	r, reg := registerStalled(t, exp)
	released := false
	defer func() {
		if !released {
			close(exp.release)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	closed := make(chan error, 1)
	go func() { closed <- r.Close(ctx) }()
	cancel()
	if err := await(t, "Close with a cancelled context", closed); !errors.Is(err, context.Canceled) {
		t.Errorf("Close ended by its context: %v, want context.Canceled", err)
	}
	if n := len(reg.Entries()); n != 0 {
		t.Errorf("%d registry entries after Close gave up, want 0", n)
	}
	if err := r.Heartbeat(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Heartbeat after Close: %v", err)
	}

	released = true
	close(exp.release)
	closed2 := make(chan error, 1)
	go func() { closed2 <- r.Close(context.Background()) }()
	if err := await(t, "a second Close after the export returned", closed2); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n := exp.events(semconv.EventInventoryHeartbeat); n != 1 {
		t.Errorf("%d heartbeats exported, want only the stalled one", n)
	}
}

// TestRetireGivesUpOnStalledHeartbeatExport covers the same stalled
// exporter at Retire: when its context ends before the heartbeat stops,
// Retire must return an error wrapping ctx.Err() and retire nothing (no
// record, not marked retired), so that a later Retire, once the export
// has returned, retires the system. Retire once hung with the exporter.
func TestRetireGivesUpOnStalledHeartbeatExport(t *testing.T) {
	exp := newStallExporter(false)
	r, reg := registerStalled(t, exp)
	released := false
	defer func() {
		if !released {
			close(exp.release)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	retired := make(chan error, 1)
	go func() { retired <- r.Retire(ctx, "replaced by credit-scoring-v3") }()
	cancel()
	if err := await(t, "Retire with a cancelled context", retired); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not retired") {
		t.Errorf("Retire ended by its context: %v, want context.Canceled and \"not retired\"", err)
	}
	if e := reg.Entries(); len(e) != 1 || e[0].Retired || r.Description().Lifecycle == StageRetired {
		t.Errorf("marked retired although Retire gave up: %+v", e)
	}

	released = true
	close(exp.release)
	go func() { retired <- r.Retire(context.Background(), "replaced by credit-scoring-v3") }()
	if err := await(t, "Retire after the export returned", retired); err != nil {
		t.Fatalf("second Retire: %v", err)
	}
	if e := reg.Entries(); len(e) != 1 || !e[0].Retired {
		t.Errorf("registry after Retire: %+v", e)
	}
	if n, h := exp.events(semconv.EventInventoryRetirement), exp.events(semconv.EventInventoryHeartbeat); n != 1 || h != 1 {
		t.Errorf("%d retirement records and %d heartbeats exported, want 1 and the stalled one", n, h)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestHeartbeatExportContextCancelledOnClose covers a stalled exporter
// that honours its context: Close cancels the context of the heartbeat's
// Emit, so the export gives up and Close, even with no deadline, returns
// once the goroutine has ended. The heartbeat once emitted with
// context.Background, which nothing could cancel.
func TestHeartbeatExportContextCancelledOnClose(t *testing.T) {
	exp := newStallExporter(true)
	r, _ := registerStalled(t, exp)
	closed := make(chan error, 1)
	go func() { closed <- r.Close(context.Background()) }()
	if err := await(t, "Close with a heartbeat export waiting for its context", closed); err != nil {
		t.Errorf("Close: %v", err)
	}
	exp.mu.Lock()
	defer exp.mu.Unlock()
	if !errors.Is(exp.ctxErr, context.Canceled) {
		t.Errorf("the stalled export's context ended with %v, want context.Canceled", exp.ctxErr)
	}
}
