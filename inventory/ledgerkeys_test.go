package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func TestValidateLedgerKeys(t *testing.T) {
	skey, vkey, err := ledger.GenerateKey("other.example")
	if err != nil {
		t.Fatal(err)
	}
	sys := creditSystem()
	sys.LedgerKeys = []string{testLedgerKey, vkey}
	if err := sys.Validate(); err != nil {
		t.Fatalf("two keys (rotation): %v", err)
	}

	cases := map[string]struct {
		key, field, problem string
	}{
		"private":    {skey, "ledgerVerifierKeys[1]", "private signing key"},
		"malformed":  {"not-a-key", "ledgerVerifierKeys[1]", "not a signed-note verifier key"},
		"empty":      {"", "ledgerVerifierKeys[1]", "not a signed-note verifier key"},
		"bad hash":   {strings.Replace(testLedgerKey, "77a24529", "77a2452a", 1), "ledgerVerifierKeys[1]", "not a signed-note verifier key"},
		"white":      {" " + vkey, "ledgerVerifierKeys[1]", "white space"},
		"duplicated": {testLedgerKey, "ledgerVerifierKeys[1]", "duplicate"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			sys := creditSystem()
			sys.LedgerKeys = []string{testLedgerKey, c.key}
			err := sys.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Problem, c.problem) {
				t.Fatalf("got %v, want %s: %s", err, c.field, c.problem)
			}
			if name == "private" && strings.Contains(err.Error(), skey[len("PRIVATE+KEY+"):]) {
				t.Error("the error repeats the private key")
			}
		})
	}
}

// The published key reaches the registration record, the registry's
// handler, the model card, the Annex IV skeleton and the ML-BOM, and a
// central inventory reads it back from the telemetry.
func TestLedgerKeysArePublished(t *testing.T) {
	logs := oteltest.NewLogs(t)
	reg := NewRegistry()
	r, err := Register(context.Background(), creditSystem(), authorised(t, creditSystem()), WithLoggerProvider(logs.Provider), WithRegistry(reg), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())

	recs := logs.Events(semconv.EventInventoryRegistration)
	if len(recs) != 1 {
		t.Fatalf("%d registration records", len(recs))
	}
	if got := bodySystem(t, recs[0].Body()).LedgerKeys; len(got) != 1 || got[0] != testLedgerKey {
		t.Errorf("registration body carries keys %q", got)
	}
	if got := r.Description().LedgerKeys; len(got) != 1 || got[0] != testLedgerKey {
		t.Errorf("Description().LedgerKeys = %q", got)
	}

	h := Handler(reg)
	rec := httpGet(h, "/systems/credit-scoring")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /systems/credit-scoring: %d", rec.Code)
	}
	var e struct {
		System struct {
			Keys []string `json:"ledgerVerifierKeys"`
		} `json:"system"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e.System.Keys) != 1 || e.System.Keys[0] != testLedgerKey {
		t.Errorf("handler: %v %s", err, rec.Body)
	}
	for path, want := range map[string]string{
		"/systems/credit-scoring/modelcard":      "- `" + testLedgerKey + "`",
		"/systems/credit-scoring/modelcard.json": `"ledgerVerifierKeys": [`,
		"/systems/credit-scoring/techdoc":        "signed checkpoints verify with the public key " + testLedgerKey,
		"/systems/credit-scoring/cyclonedx":      `"value": "` + testLedgerKey + `"`,
	} {
		rec := httpGet(h, path)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %d, lacks %q:\n%s", path, rec.Code, want, rec.Body)
		}
	}
	if md := NewModelCard(sparseSystem()).Markdown(); strings.Contains(md, "Decision log verification") {
		t.Error("a system without ledger keys gets a verification section")
	}
}
