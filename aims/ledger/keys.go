package ledger

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/internal/notecodec"
)

// DefaultKeyEnv is the environment variable SignerFromEnv reads by default.
const DefaultKeyEnv = "AIMS_LEDGER_SIGNING_KEY"

// GenerateKey returns a new Ed25519 key pair in the signed-note key
// encoding: skey ("PRIVATE+KEY+name+hash+base64") signs checkpoints and
// must be kept secret; vkey ("name+hash+base64") is the public verifier
// key given to auditors. name identifies the key in every signature; it
// must be printable ASCII without '+' or spaces.
func GenerateKey(name string) (skey, vkey string, err error) {
	if name == "" {
		return "", "", errors.New("ledger: key name is empty")
	}
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("ledger: generating key %q: %w", name, err)
	}
	return skey, vkey, nil
}

// NewSigner parses a private signing key as made by GenerateKey. The
// signer it returns is a *CryptoSigner over the in-process key, so
// s.(*CryptoSigner).VerifierKey() (or [VerifierKeyOf] of the key) gives
// the public verifier key to publish; the same holds for LoadSigner and
// SignerFromEnv.
func NewSigner(skey string) (note.Signer, error) {
	s, err := newLocalSigner(skey)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// LoadSigner reads a private signing key from a file. The file should be
// readable only by the service (mode 0600).
func LoadSigner(path string) (note.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ledger: reading signing key: %w", err)
	}
	s, err := NewSigner(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return s, nil
}

// SignerFromEnv reads a private signing key from the environment variable
// name, or DefaultKeyEnv when name is empty.
func SignerFromEnv(name string) (note.Signer, error) {
	if name == "" {
		name = DefaultKeyEnv
	}
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil, fmt.Errorf("ledger: environment variable %s with the signing key is not set", name)
	}
	s, err := NewSigner(v)
	if err != nil {
		return nil, fmt.Errorf("%w (environment variable %s)", err, name)
	}
	return s, nil
}

// NewVerifier parses a public verifier key as made by GenerateKey.
func NewVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	if vkey == "" {
		return nil, errors.New("ledger: verifier key is empty")
	}
	if strings.HasPrefix(vkey, "PRIVATE+KEY+") {
		return nil, errors.New("ledger: this is a private signing key; verification takes the public verifier key")
	}
	v, err := note.NewVerifier(vkey)
	if err == nil {
		err = notecodec.CheckKeyEncoding(vkey)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: verifier key is malformed: %v", err)
	}
	return v, nil
}

// LoadVerifier returns the verifier for keyOrPath: the public verifier key
// itself, or the name of a file that holds it.
func LoadVerifier(keyOrPath string) (note.Verifier, error) {
	if b, err := os.ReadFile(keyOrPath); err == nil {
		v, err := NewVerifier(string(b))
		if err != nil {
			return nil, fmt.Errorf("%w (file %s)", err, keyOrPath)
		}
		return v, nil
	}
	if strings.Count(keyOrPath, "+") >= 2 {
		return NewVerifier(keyOrPath)
	}
	return nil, fmt.Errorf("ledger: verifier key %q is neither a readable file nor a key", keyOrPath)
}
