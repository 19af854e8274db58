package inventory

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// hostileRegistration is one collector line holding a registration that
// carries an id and a version but is not a valid description: it names no
// purpose, intended use, owner, value-chain role, lifecycle stage or risk
// level.
func hostileRegistration(id, version, timeUnixNano string) string {
	return `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"rogue"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"` + timeUnixNano + `","eventName":"aims.inventory.registration","body":{"kvlistValue":{"values":[{"key":"id","value":{"stringValue":"` + id + `"}},{"key":"version","value":{"stringValue":"` + version + `"}},{"key":"name","value":{"stringValue":"Rogue"}}]}},"attributes":[{"key":"aims.system.id","value":{"stringValue":"` + id + `"}},{"key":"aims.system.instance","value":{"stringValue":"rogue-1"}},{"key":"aims.inventory.schema_version","value":{"stringValue":"1"}}]}]}]}]}` + "\n"
}

// One service's invalid registration must not take the organisation-wide
// inventory down for the others: it is refused when read and reported,
// and every route keeps serving the valid systems.
func TestFromOTLPRefusesInvalidRegistration(t *testing.T) {
	ctx := context.Background()
	var file bytes.Buffer
	svc := newService(t, "credit-api")
	r, err := Register(ctx, creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(svc.lp), WithHeartbeatInterval(0), withClock(at(0)))
	if err != nil {
		t.Fatal(err)
	}
	want := r.Description()
	r.Close(ctx)
	svc.flush(t, func(l []byte) { file.Write(l) })
	// A new system that is invalid, and an invalid later registration
	// under the valid system's ID (minute 10), which must not replace it.
	file.WriteString(hostileRegistration("rogue", "1", "1795424400000000000"))
	file.WriteString(hostileRegistration("credit-scoring", "9.9.9", "1795425000000000000"))

	inv, err := FromOTLP(&file)
	if err != nil {
		t.Fatal(err)
	}
	entries := inv.Entries()
	if len(entries) != 1 || entries[0].System.ID != "credit-scoring" || entries[0].System.Version != want.Version {
		t.Errorf("entries %+v, want only credit-scoring %s", entries, want.Version)
	}
	refused := inv.Refused()
	if len(refused) != 2 {
		t.Fatalf("refused %+v, want the two invalid registrations", refused)
	}
	for i, w := range []struct{ id, version, line string }{{"credit-scoring", "9.9.9", "line 3,"}, {"rogue", "1", "line 2,"}} { // sorted by ID
		rr, wantID := refused[i], w.id
		if rr.SystemID != wantID || rr.Version != w.version || rr.Count != 1 || rr.Err == nil || !strings.Contains(rr.Err.Error(), "purpose: is required") || !strings.Contains(rr.Where, w.line) {
			t.Errorf("refused[%d] = %+v (err %v), want %s refused for its missing purpose, with its line", i, rr, rr.Err, wantID)
		}
	}

	h := Handler(inv)
	for _, path := range []string{"/", "/systems", "/systems/credit-scoring", "/systems/credit-scoring/modelcard", "/systems/credit-scoring/modelcard.json",
		"/systems/credit-scoring/techdoc", "/systems/credit-scoring/techdoc.json", "/systems/credit-scoring/cyclonedx", "/cyclonedx"} {
		rec := httpGet(h, path)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "credit") || strings.Contains(rec.Body.String(), "rogue") || strings.Contains(rec.Body.String(), "9.9.9") {
			t.Errorf("%s: %d %.300s", path, rec.Code, rec.Body.String())
		}
	}
	bom := httpGet(h, "/cyclonedx").Body.Bytes()
	if err := validateBOM(t, cycloneDXSchema(t), bom); err != nil {
		t.Error(err)
	}
	if rec := httpGet(h, "/systems/rogue"); rec.Code != 404 {
		t.Errorf("/systems/rogue: %d, want 404", rec.Code)
	}
}
