package aims

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
)

// TestPseudonymPooledMatchesFresh: the pooled HMACs give the pseudonym a
// fresh HMAC gives, with and without a key ID, from concurrent callers.
func TestPseudonymPooledMatchesFresh(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, keyID := range []string{"", "k2026"} {
		p, err := NewPseudonymizer(key, keyID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 200 {
					id := fmt.Sprintf("customer-%d-%d", g, i)
					if got, want := p.Pseudonym(id), p.slowPseudonym(id); got != want || !IsPseudonym(got) {
						t.Errorf("Pseudonym(%q) = %q, want %q", id, got, want)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

// BenchmarkPseudonym is the pooled HMAC of every decision with a subject.
func BenchmarkPseudonym(b *testing.B) {
	benchPseudonym(b, (*Pseudonymizer).Pseudonym)
}

// BenchmarkPseudonymFresh is Pseudonym as it was, a new HMAC per call.
func BenchmarkPseudonymFresh(b *testing.B) {
	benchPseudonym(b, (*Pseudonymizer).slowPseudonym)
}

func benchPseudonym(b *testing.B, pseudonym func(*Pseudonymizer, string) string) {
	p, err := NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"), "k1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = pseudonym(p, "customer-12345")
	}
}

// slowPseudonym is Pseudonym without the pooled HMACs: a fresh HMAC per
// call, the reference the pooled one is checked against.
func (p *Pseudonymizer) slowPseudonym(id string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(id))
	prefix := "hs256:"
	if p.keyID != "" {
		prefix += p.keyID + ":"
	}
	return prefix + hex.EncodeToString(m.Sum(nil)[:16])
}
