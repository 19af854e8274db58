package aims_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
)

const pseudoHex = "00000000000000000000000000000000"

// A subject is taken as already pseudonymised only when it has exactly
// the form a Pseudonymizer produces: a key ID NewPseudonymizer would
// accept. A raw identifier dressed up as "hs256:<identifier>:<hex>" must
// not pass through Clean unchanged into the ledger and telemetry.
func TestIsPseudonymRequiresAValidKeyID(t *testing.T) {
	for s, want := range map[string]bool{
		"hs256:" + pseudoHex:                          true,
		"hs256:k1:" + pseudoHex:                       true,
		"hs256:2026-q4_B:" + pseudoHex:                true,
		"hs256:alice@example.com:" + pseudoHex:        false,
		"hs256:+49.170.1234567:" + pseudoHex:          false,
		"hs256:DE89370400440532013000/x:" + pseudoHex: false,
		"hs256:" + strings.Repeat("a", aims.MaxPseudonymKeyIDLen+1) + ":" + pseudoHex: false,
		"hs256:" + strings.Repeat("a", aims.MaxPseudonymKeyIDLen) + ":" + pseudoHex:   true,
	} {
		if got := aims.IsPseudonym(s); got != want {
			t.Errorf("IsPseudonym(%q) = %v, want %v", s, got, want)
		}
	}
}

// Every key ID NewPseudonymizer accepts yields pseudonyms IsPseudonym
// accepts, and every key ID it refuses is one IsPseudonym refuses: the two
// rules are the same rule.
func TestKeyIDRuleMatchesIsPseudonym(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, id := range []string{
		"", "k1", "2026q4", "A-b_9", strings.Repeat("z", aims.MaxPseudonymKeyIDLen),
		"a:b", "a b", "alice@example.com", "a.b", "a/b", "ü", "a\x00", strings.Repeat("z", aims.MaxPseudonymKeyIDLen+1),
	} {
		p, err := aims.NewPseudonymizer(key, id)
		form := aims.IsPseudonym("hs256:" + id + ":" + pseudoHex)
		if id == "" {
			form = aims.IsPseudonym("hs256:" + pseudoHex)
		}
		if (err == nil) != form {
			t.Errorf("key ID %q: NewPseudonymizer error %v, but IsPseudonym of its form = %v", id, err, form)
		}
		if err == nil && !aims.IsPseudonym(p.Pseudonym("alice")) {
			t.Errorf("key ID %q: pseudonym %q is not IsPseudonym", id, p.Pseudonym("alice"))
		}
	}
}

func TestCleanPseudonymisesSubjectDisguisedAsPseudonym(t *testing.T) {
	raw := "hs256:alice@example.com:" + pseudoHex
	d, err := aims.NewDecision(context.Background(), "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Subject, d.Output = raw, "approve"

	// Without a Pseudonymizer, it is refused like any raw subject.
	var strict aims.PrivacyPolicy
	dd := d
	if err := strict.Clean(&dd); err == nil {
		t.Errorf("Clean without a Pseudonymizer kept subject %q", dd.Subject)
	} else if strings.Contains(err.Error(), "alice") {
		t.Errorf("the error repeats the raw subject: %v", err)
	}

	// With one, it is pseudonymised.
	p, err := aims.NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"), "k2")
	if err != nil {
		t.Fatal(err)
	}
	pol := aims.PrivacyPolicy{Pseudonymizer: p}
	dd = d
	if err := pol.Clean(&dd); err != nil {
		t.Fatal(err)
	}
	if dd.Subject != p.Pseudonym(raw) {
		t.Errorf("subject %q, want the pseudonym of the raw subject %q", dd.Subject, p.Pseudonym(raw))
	}
	// And cleaning again changes nothing.
	again := dd
	if err := pol.Clean(&again); err != nil || again.Subject != dd.Subject {
		t.Errorf("Clean is not idempotent: %q then %q (%v)", dd.Subject, again.Subject, err)
	}
}

// After a key rotation, decisions made under the old key (found again for
// a contest, say) carry pseudonyms under the old key ID. They must pass
// through unchanged: hashing them again under the new key would cut the
// link to the person's earlier records, and refusing them would make old
// decisions uncontestable.
func TestCleanKeepsPseudonymOfRotatedKey(t *testing.T) {
	old, err := aims.NewPseudonymizer([]byte("old key 0123456789abcdef01234567"), "2026q3")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := aims.NewPseudonymizer([]byte("new key 0123456789abcdef01234567"), "2026q4")
	if err != nil {
		t.Fatal(err)
	}
	d, err := aims.NewDecision(context.Background(), "credit")
	if err != nil {
		t.Fatal(err)
	}
	d.Subject, d.Output = old.Pseudonym("customer-4711"), "approve"
	pol := aims.PrivacyPolicy{Pseudonymizer: cur}
	if err := pol.Clean(&d); err != nil {
		t.Fatal(err)
	}
	if d.Subject != old.Pseudonym("customer-4711") {
		t.Errorf("subject %q, want the old-key pseudonym kept", d.Subject)
	}
}
