package aims

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
)

// MinPseudonymKeyLen is the shortest HMAC key a Pseudonymizer accepts. A
// short key could be brute-forced together with the small space of real
// identifiers (customer numbers, e-mail addresses), undoing the pseudonym.
const MinPseudonymKeyLen = 16

// MaxPseudonymKeyIDLen is the longest key ID a Pseudonymizer accepts (a
// UUID fits). Key IDs are ASCII letters, digits, '-' and '_' only.
const MaxPseudonymKeyIDLen = 40

// Pseudonymizer turns identifiers of people into stable pseudonyms with a
// keyed hash (HMAC-SHA-256), so records about the same person can be linked
// by whoever holds the key, and by nobody else (GDPR Art. 4(5)
// pseudonymisation). It is safe for concurrent use.
type Pseudonymizer struct {
	key    []byte
	keyID  string
	prefix string // "hs256:" and, with a key ID, the ID and ':'
	// macs holds HMACs keyed with key: every decision with a subject is
	// pseudonymised on the request path, and a fresh hmac.New hashes the
	// key into both pads and allocates each time, where Reset does not.
	macs *sync.Pool
}

// NewPseudonymizer returns a Pseudonymizer for key. keyID names the key in
// every pseudonym (so keys can be rotated and old records still be linked
// by the old key); it may be empty, and otherwise has at most
// MaxPseudonymKeyIDLen ASCII letters, digits, '-' and '_'. The key must be
// at least MinPseudonymKeyLen bytes.
//
// The key ID is written in clear into every pseudonym, so it is limited to
// a charset in which no e-mail address, phone number or other identifier
// can be written out, and IsPseudonym applies the same rule: a raw
// identifier made to look like a pseudonym ("hs256:jane@example.com:…")
// is not one.
func NewPseudonymizer(key []byte, keyID string) (*Pseudonymizer, error) {
	if len(key) == 0 {
		return nil, errors.New("aims: pseudonymisation key is empty")
	}
	if len(key) < MinPseudonymKeyLen {
		return nil, fmt.Errorf("aims: pseudonymisation key has %d bytes, need at least %d", len(key), MinPseudonymKeyLen)
	}
	if !validKeyID(keyID) {
		return nil, fmt.Errorf("aims: pseudonymisation key ID %q must be at most %d ASCII letters, digits, '-' or '_'", keyID, MaxPseudonymKeyIDLen)
	}
	p := &Pseudonymizer{key: append([]byte(nil), key...), keyID: keyID, prefix: "hs256:"}
	if keyID != "" {
		p.prefix += keyID + ":"
	}
	p.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, p.key) }}
	return p, nil
}

// Pseudonym returns the pseudonym of id: "hs256:" (then the key ID and ':'
// when one is set), then the first 128 bits of HMAC-SHA-256(key, id) in hex.
// 128 bits keep collisions out of reach for any realistic population.
//
// A Pseudonymizer not made by NewPseudonymizer (the zero value) has no
// key, and an HMAC under no key is a plain hash that anyone can compute
// for every customer number: it returns "", which is no pseudonym, and a
// PrivacyPolicy or System refuses it.
func (p *Pseudonymizer) Pseudonym(id string) string {
	if p.checkKey() != nil {
		return ""
	}
	m := p.macs.Get().(hash.Hash)
	m.Reset()
	_, _ = m.Write([]byte(id))
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	p.macs.Put(m)
	var out [64 + 2*16]byte
	b := append(out[:0], p.prefix...)
	b = hex.AppendEncode(b, sum[:16])
	return string(b)
}

// errNoPseudonymKey is the error of a Pseudonymizer without a key.
var errNoPseudonymKey = errors.New("the Pseudonymizer has no key (make it with NewPseudonymizer)")

// checkKey reports a Pseudonymizer that was not made by NewPseudonymizer
// and so has no key (or not a long enough one) to pseudonymise with.
func (p *Pseudonymizer) checkKey() error {
	if p == nil || p.macs == nil || len(p.key) < MinPseudonymKeyLen {
		return errNoPseudonymKey
	}
	return nil
}

// String describes p without its key: the key ID and whether it has a
// key, never the key, so that a Pseudonymizer printed into a log (alone
// or inside a configuration) does not give the key away.
func (p Pseudonymizer) String() string {
	state := "keyed"
	if p.checkKey() != nil {
		state = "no key"
	}
	return fmt.Sprintf("aims.Pseudonymizer{keyID: %q, %s}", p.keyID, state)
}

// Format prints String for every verb (%v, %+v, %#v, %x …), so that no
// verb prints the key's bytes.
func (p Pseudonymizer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// IsPseudonym reports whether s has the form of a pseudonym made by a
// Pseudonymizer: "hs256:", optionally a key ID that NewPseudonymizer
// accepts and ':', then 32 lower-case hex digits. Any other string, even
// one starting with "hs256:", is a raw identifier to PrivacyPolicy.Clean.
func IsPseudonym(s string) bool {
	rest, ok := strings.CutPrefix(s, "hs256:")
	if !ok {
		return false
	}
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		keyID := rest[:i]
		if keyID == "" || !validKeyID(keyID) {
			return false
		}
		rest = rest[i+1:]
	}
	if len(rest) != 32 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validKeyID reports whether id may name a pseudonymisation key: at most
// MaxPseudonymKeyIDLen bytes of [A-Za-z0-9_-]. The empty ID (no key ID)
// is valid.
func validKeyID(id string) bool {
	if len(id) > MaxPseudonymKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
