package inventory

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// Every event name and attribute key the package emits is documented in the
// semconv catalog, and every control ID it cites exists in Annex A.
func TestEmittedNamesAreInTheCatalog(t *testing.T) {
	known := map[string]semconv.Kind{}
	for _, e := range semconv.Catalog() {
		known[e.Name] = e.Kind
	}
	logs := oteltest.NewLogs(t)
	r, err := Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Heartbeat(context.Background())
	_ = r.Retire(context.Background(), "test")
	r.Close(context.Background())
	// The registration's management records (impact assessment and
	// deployment authorisation) come from the System, in scope aims.
	var recs []sdklog.Record
	for _, rec := range logs.Records() {
		if rec.InstrumentationScope().Name == semconv.ScopeAims && strings.HasPrefix(rec.EventName(), semconv.EventManagementPrefix) {
			continue
		}
		recs = append(recs, rec)
	}
	if len(recs) != 3 || len(logs.Records()) != 5 {
		t.Fatalf("%d inventory records of %d", len(recs), len(logs.Records()))
	}
	for _, rec := range recs {
		if known[rec.EventName()] != semconv.KindEvent {
			t.Errorf("event %q is not in the semconv catalog", rec.EventName())
		}
		if rec.InstrumentationScope().Name != semconv.ScopeInventory || rec.InstrumentationScope().Version != semconv.Version {
			t.Errorf("scope %+v", rec.InstrumentationScope())
		}
		rec.WalkAttributes(func(kv attribute.KeyValue) bool {
			if known[string(kv.Key)] != semconv.KindAttribute {
				t.Errorf("%s: attribute %q is not in the semconv catalog", rec.EventName(), kv.Key)
			}
			return true
		})
		if c := oteltest.Attrs(rec)[string(semconv.AimsControlID)].AsString(); c == "" {
			t.Errorf("%s carries no aims.control.id", rec.EventName())
		}
	}
	for _, c := range []string{ControlRegistration, ControlHeartbeat, ControlRetirement} {
		if _, ok := aims.LookupControl(c); !ok {
			t.Errorf("control %s is not in the Annex A catalog", c)
		}
	}
}
