package aims_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
)

// A Pseudonymizer not made by NewPseudonymizer has no key. Its
// "pseudonyms" are HMACs under the empty key, which anyone can compute:
// a customer number is recovered by trying them all. Such a Pseudonymizer
// must be refused, not used.
func TestKeylessPseudonymizerIsRefused(t *testing.T) {
	const customer = "1234567"
	m := hmac.New(sha256.New, nil)
	m.Write([]byte(customer))
	unkeyed := "hs256:" + hex.EncodeToString(m.Sum(nil)[:16])

	if got := new(aims.Pseudonymizer).Pseudonym(customer); got == unkeyed {
		t.Errorf("a keyless Pseudonymizer returned %s, the HMAC under the empty key, as a pseudonym", got)
	}

	pol := aims.PrivacyPolicy{Pseudonymizer: &aims.Pseudonymizer{}}
	d, err := aims.NewDecision(context.Background(), "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Subject, d.Output = customer, "approve"
	if err := pol.Clean(&d); err == nil {
		t.Errorf("Clean with a keyless Pseudonymizer succeeded; subject %s (unkeyed: %v)", d.Subject, d.Subject == unkeyed)
	} else if strings.Contains(err.Error(), customer) {
		t.Errorf("the error repeats the raw subject: %v", err)
	}

	if sys, err := aims.NewSystem("credit", aims.WithPseudonymizer(&aims.Pseudonymizer{})); err == nil {
		_ = sys.Close(context.Background())
		t.Error("NewSystem accepted a Pseudonymizer without a key")
	}
	if sys, err := aims.NewSystem("credit", aims.WithPrivacy(pol)); err == nil {
		_ = sys.Close(context.Background())
		t.Error("NewSystem accepted a privacy policy whose Pseudonymizer has no key")
	}
}
