package aims_test

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
)

// The pseudonymisation key must not reach a log by way of a Pseudonymizer
// (or a policy holding one) printed with fmt or slog.
func TestPseudonymizerDoesNotPrintItsKey(t *testing.T) {
	const key = "secret-pseudonym-key-0123456789"
	p, err := aims.NewPseudonymizer([]byte(key), "k1")
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&sb, f+"\n", p)
		fmt.Fprintf(&sb, f+"\n", *p)
	}
	slog.New(slog.NewTextHandler(&sb, nil)).Info("config", "pseudonymizer", p)
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("config", "pseudonymizer", p)
	out := sb.String()
	for _, leak := range []string{key, hex.EncodeToString([]byte(key)), fmt.Sprint([]byte(key))} {
		if strings.Contains(out, leak) {
			t.Fatalf("the key is printed:\n%s", out)
		}
	}
	if !strings.Contains(out, "k1") {
		t.Errorf("the key ID, which is not secret, is not printed:\n%s", out)
	}
}
