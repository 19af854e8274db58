package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

// ledgerSigner loads the ledger's Ed25519 signing key from dir, creating a
// key pair on first start. A production service takes the key from its
// secret store (ledger.SignerFromEnv); the public key is what auditors get.
func ledgerSigner(dir string) (note.Signer, string, error) {
	skPath, pkPath := filepath.Join(dir, "ledger.key"), filepath.Join(dir, "ledger.pub")
	sk, err := os.ReadFile(skPath)
	if errors.Is(err, fs.ErrNotExist) {
		skey, vkey, err := ledger.GenerateKey("creditscore.example")
		if err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(skPath, []byte(skey+"\n"), 0o600); err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(pkPath, []byte(vkey+"\n"), 0o644); err != nil {
			return nil, "", err
		}
		sk = []byte(skey)
	} else if err != nil {
		return nil, "", err
	}
	signer, err := ledger.NewSigner(strings.TrimSpace(string(sk)))
	if err != nil {
		return nil, "", fmt.Errorf("ledger key %s: %w", skPath, err)
	}
	return signer, pkPath, nil
}
