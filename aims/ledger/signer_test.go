package ledger_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

// remoteSigner stands for a KMS, HSM or Vault transit key: the private key
// is behind the crypto.Signer interface and every signature is a call.
type remoteSigner struct {
	key   ed25519.PrivateKey
	calls atomic.Int64
	err   error // returned by Sign when set
	wrong ed25519.PrivateKey
}

func (r *remoteSigner) Public() crypto.PublicKey { return r.key.Public() }

func (r *remoteSigner) Sign(rnd io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	r.calls.Add(1)
	if r.err != nil {
		return nil, r.err
	}
	if opts.HashFunc() != crypto.Hash(0) {
		return nil, fmt.Errorf("remote: Ed25519 signs the whole message, got hash %v", opts.HashFunc())
	}
	if r.wrong != nil {
		return r.wrong.Sign(rnd, msg, opts)
	}
	return r.key.Sign(rnd, msg, opts)
}

func newRemote(t *testing.T) *remoteSigner {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &remoteSigner{key: priv}
}

func TestCryptoSignerSignsNotesTheVerifierKeyOpens(t *testing.T) {
	remote := newRemote(t)
	s, err := ledger.NewCryptoSigner("kms.example/ledger-1", remote)
	if err != nil {
		t.Fatal(err)
	}
	var _ note.Signer = s
	vkey := s.VerifierKey()
	if !strings.HasPrefix(vkey, "kms.example/ledger-1+") {
		t.Errorf("verifier key %q does not start with the name", vkey)
	}
	want, err := note.NewEd25519VerifierKey("kms.example/ledger-1", remote.key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	if vkey != want {
		t.Errorf("verifier key %q, want %q", vkey, want)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("note.NewVerifier(%q): %v", vkey, err)
	}
	if v.KeyHash() != s.KeyHash() || v.Name() != s.Name() {
		t.Errorf("verifier %s/%08x, signer %s/%08x", v.Name(), v.KeyHash(), s.Name(), s.KeyHash())
	}

	cp := ledger.Checkpoint{Origin: "aimskit.ledger/credit-scoring/pod-1", Size: 3, Time: time.Unix(1700000000, 0)}
	msg, err := ledger.SignCheckpoint(cp, s)
	if err != nil {
		t.Fatal(err)
	}
	if n := remote.calls.Load(); n != 1 {
		t.Errorf("%d calls to the remote signer, want 1", n)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open: %v", err)
	}
	if n.Text != cp.Text() {
		t.Errorf("note text %q, want %q", n.Text, cp.Text())
	}
	got, err := ledger.OpenCheckpoint(msg, v)
	if err != nil || got.Size != 3 {
		t.Fatalf("OpenCheckpoint: %+v, %v", got, err)
	}
	if pk := s.PublicKey(); !pk.Equal(remote.key.Public()) {
		t.Error("PublicKey is not the remote key")
	}
}

func TestCryptoSignerRefuses(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.NewCryptoSigner("ecdsa", ec); err == nil || !strings.Contains(err.Error(), "Ed25519") || !strings.Contains(err.Error(), "ecdsa.PublicKey") {
		t.Errorf("ECDSA key: %v", err)
	}
	if _, err := ledger.NewCryptoSigner("nil", nil); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil signer: %v", err)
	}
	remote := newRemote(t)
	for _, name := range []string{"", "with space", "with+plus", "tab\tname", "bad\xffutf8"} {
		if _, err := ledger.NewCryptoSigner(name, remote); err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("name %q: %v", name, err)
		}
	}
}

func TestCryptoSignerErrorsReachTheCaller(t *testing.T) {
	remote := newRemote(t)
	s, err := ledger.NewCryptoSigner("kms", remote)
	if err != nil {
		t.Fatal(err)
	}
	errKMS := errors.New("kms: permission denied")
	remote.err = errKMS
	_, err = ledger.SignCheckpoint(ledger.Checkpoint{Origin: "o", Size: 1}, s)
	if !errors.Is(err, errKMS) || !strings.Contains(err.Error(), "kms") {
		t.Errorf("SignCheckpoint error %v does not wrap the signer's error", err)
	}

	// Through the ledger: the checkpoint fails with the signer's error.
	remote.err = nil
	l, err := ledger.Open(context.Background(), t.TempDir(), "credit-scoring", "pod-1", s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Append(ctx, []byte(`{"id":"d0"}`)); err != nil {
		t.Fatal(err)
	}
	remote.err = errKMS
	if err := l.Checkpoint(ctx); !errors.Is(err, errKMS) {
		t.Errorf("Checkpoint error %v does not wrap the signer's error", err)
	}
	if err := l.Close(ctx); !errors.Is(err, errKMS) {
		t.Errorf("Close error %v does not wrap the signer's error", err)
	}

	// A signer that answers with another key's signature is caught.
	remote.err = nil
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	remote.wrong = other
	if _, err := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "o", Size: 1}, s); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("signature by another key: %v", err)
	}
}

func TestCryptoSignerLedgerEndToEnd(t *testing.T) {
	remote := newRemote(t)
	s, err := ledger.NewCryptoSigner("vault-transit.example", remote)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	l, err := ledger.Open(ctx, dir, "credit-scoring", "pod-1", s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := l.Append(ctx, fmt.Appendf(nil, `{"id":"d%d"}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, []byte(`{"id":"d10"}`)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := remote.calls.Load(); n != 3 {
		t.Errorf("%d remote signatures, want 3 (the empty first checkpoint, one explicit, one at Close)", n)
	}
	v, err := ledger.NewVerifier(s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ledger.Verify(dir, []note.Verifier{v}, ledger.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 11 {
		t.Errorf("%d records verified, want 11", rep.Records)
	}

	// Another key does not verify it.
	_, vkey, _ := ledger.GenerateKey("vault-transit.example")
	other, _ := ledger.NewVerifier(vkey)
	if _, err := ledger.Verify(dir, []note.Verifier{other}, ledger.VerifyOptions{}); err == nil {
		t.Error("ledger verified with a key that did not sign it")
	}
}

// The signers of NewSigner, LoadSigner and SignerFromEnv tell their
// verifier key, and so does VerifierKeyOf.
func TestLocalSignersExposeTheirVerifierKey(t *testing.T) {
	skey, vkey, err := ledger.GenerateKey("local.example")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ledger.VerifierKeyOf(skey + "\n")
	if err != nil || got != vkey {
		t.Fatalf("VerifierKeyOf: %q, %v; want %q", got, err, vkey)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	cs, ok := s.(*ledger.CryptoSigner)
	if !ok || cs.VerifierKey() != vkey {
		t.Fatalf("NewSigner returned %T", s)
	}
	// Signatures are the same as note's own signer's (Ed25519 is deterministic).
	ns, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	a, errA := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "o", Size: 1}, s)
	b, errB := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "o", Size: 1}, ns)
	if errA != nil || errB != nil || string(a) != string(b) {
		t.Errorf("signatures differ: %q (%v) vs %q (%v)", a, errA, b, errB)
	}
	t.Setenv("TEST_LEDGER_KEY", skey)
	es, err := ledger.SignerFromEnv("TEST_LEDGER_KEY")
	if err != nil {
		t.Fatal(err)
	}
	if es.(*ledger.CryptoSigner).VerifierKey() != vkey {
		t.Error("SignerFromEnv's signer has another verifier key")
	}
	for _, bad := range []string{"", vkey, "PRIVATE+KEY+x+00000000+AAAA"} {
		if _, err := ledger.VerifierKeyOf(bad); err == nil {
			t.Errorf("VerifierKeyOf(%q) accepted", bad)
		}
	}
	// A key whose hash does not match its name is refused, as before.
	tampered := strings.Replace(skey, "local.example", "other.example", 1)
	if _, err := ledger.NewSigner(tampered); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("renamed key: %v", err)
	}
}
