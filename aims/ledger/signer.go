package ledger

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/internal/notecodec"
)

// algEd25519 is the signed-note algorithm byte of Ed25519 keys.
const algEd25519 = 1

// CryptoSigner signs checkpoints through a [crypto.Signer] that holds an
// Ed25519 key, so the private key can stay in a KMS, an HSM, Vault's
// transit engine or an agent and never enter the service's memory or
// disk. It implements [note.Signer] and is passed to [Open] like the
// signer of [NewSigner]; [CryptoSigner.VerifierKey] is the public key
// auditors verify the checkpoints with. It is safe for concurrent use
// when the wrapped crypto.Signer is.
type CryptoSigner struct {
	name  string
	hash  uint32
	pub   ed25519.PublicKey
	vkey  string
	s     crypto.Signer
	local bool // an in-process key: its signatures need no check
}

var _ note.Signer = (*CryptoSigner)(nil)

// NewCryptoSigner returns a checkpoint signer that signs through s, whose
// public key must be an Ed25519 key (ed25519.PublicKey). name identifies
// the key in every signature and in the verifier key; it must be
// non-empty, without spaces or '+'. The key hash is computed from name and
// the public key as the C2SP signed-note format defines it, so signatures
// verify with [CryptoSigner.VerifierKey] in any signed-note verifier
// (golang.org/x/mod/sumdb/note, aimsaudit verify).
//
// s.Sign is called with the whole message and crypto.Hash(0), as
// crypto/ed25519 expects for pure Ed25519; each signature is checked
// against the public key before it is used, so a remote signer that
// answers with another key's signature is caught at once instead of at
// the next audit.
func NewCryptoSigner(name string, s crypto.Signer) (*CryptoSigner, error) {
	if !validKeyName(name) {
		return nil, fmt.Errorf("ledger: key name %q is invalid: it must be non-empty, valid UTF-8, without spaces or '+'", name)
	}
	if s == nil {
		return nil, errors.New("ledger: crypto signer is nil")
	}
	pub, ok := s.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("ledger: checkpoints are signed with Ed25519, but the crypto signer holds a %T key", s.Public())
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("ledger: the crypto signer's Ed25519 public key has %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	pub = append(ed25519.PublicKey(nil), pub...)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, fmt.Errorf("ledger: encoding the verifier key: %w", err)
	}
	return &CryptoSigner{name: name, hash: keyHash(name, pub), pub: pub, vkey: vkey, s: s}, nil
}

// Name returns the key name, as note.Signer requires.
func (c *CryptoSigner) Name() string {
	if c == nil {
		return ""
	}
	return c.name
}

// KeyHash returns the key hash of the signed-note format: the first four
// bytes, big-endian, of SHA-256(name || "\n" || 0x01 || public key).
func (c *CryptoSigner) KeyHash() uint32 {
	if c == nil {
		return 0
	}
	return c.hash
}

// Sign signs msg through the wrapped crypto.Signer. Its errors are
// wrapped, so errors.Is and errors.As reach the signer's own error.
func (c *CryptoSigner) Sign(msg []byte) ([]byte, error) {
	if c == nil || c.s == nil {
		return nil, errors.New("ledger: crypto signer is nil")
	}
	sig, err := c.s.Sign(rand.Reader, msg, crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("ledger: signing with key %s: %w", c.name, err)
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("ledger: signing with key %s: the signer returned %d bytes, not an Ed25519 signature (%d bytes)", c.name, len(sig), ed25519.SignatureSize)
	}
	if !c.local && !ed25519.Verify(c.pub, msg, sig) {
		return nil, fmt.Errorf("ledger: signing with key %s: the signature does not verify with the signer's public key (was the remote key replaced or rotated?)", c.name)
	}
	return sig, nil
}

// VerifierKey returns the public verifier key ("name+hash+base64") that
// checkpoints signed by c verify with: what auditors pass to aimsaudit
// verify --key and what the inventory publishes (inventory.System's
// LedgerKeys). It holds nothing secret.
func (c *CryptoSigner) VerifierKey() string {
	if c == nil {
		return ""
	}
	return c.vkey
}

// PublicKey returns the Ed25519 public key.
func (c *CryptoSigner) PublicKey() ed25519.PublicKey {
	if c == nil {
		return nil
	}
	return append(ed25519.PublicKey(nil), c.pub...)
}

// VerifierKeyOf returns the public verifier key that belongs to a private
// signing key as made by GenerateKey (the key LoadSigner and
// SignerFromEnv read), so a service can publish it without keeping a
// second file. The signers NewSigner, LoadSigner and SignerFromEnv return
// are *CryptoSigner values, whose VerifierKey method gives the same.
func VerifierKeyOf(skey string) (string, error) {
	s, err := newLocalSigner(skey)
	if err != nil {
		return "", err
	}
	return s.VerifierKey(), nil
}

// newLocalSigner parses a private signing key as made by GenerateKey into
// a CryptoSigner over the in-process Ed25519 key.
func newLocalSigner(skey string) (*CryptoSigner, error) {
	skey = strings.TrimSpace(skey)
	if skey == "" {
		return nil, errors.New("ledger: signing key is empty")
	}
	if !strings.HasPrefix(skey, "PRIVATE+KEY+") {
		return nil, errors.New("ledger: signing key is malformed: it does not start with PRIVATE+KEY+ (is it the public verifier key?)")
	}
	// note.NewSigner checks the encoding and that the key hash matches.
	if _, err := note.NewSigner(skey); err != nil {
		return nil, fmt.Errorf("ledger: signing key is malformed: %v", err)
	}
	name, rest, _ := strings.Cut(strings.TrimPrefix(skey, "PRIVATE+KEY+"), "+")
	_, key64, _ := strings.Cut(rest, "+")
	key, err := notecodec.DecodeBase64(key64)
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != algEd25519 {
		return nil, errors.New("ledger: signing key is malformed: it is not an Ed25519 key")
	}
	s, err := NewCryptoSigner(name, ed25519.NewKeyFromSeed(key[1:]))
	if err != nil {
		return nil, err
	}
	s.local = true
	return s, nil
}

// keyHash is the signed-note key hash of an Ed25519 public key.
func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write([]byte{algEd25519})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validKeyName is the signed-note rule for key names.
func validKeyName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}
