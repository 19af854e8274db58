package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
)

// keyName names the example's checkpoint key in every signature.
const keyName = "creditscore.example"

// ledgerKey is the ledger's checkpoint signer and where it came from.
type ledgerKey struct {
	signer note.Signer
	vkey   string // the public verifier key, published in the inventory and the SoA
	source string // where the private key came from, for the banner
}

// defaultKeyFile is where the private signing key lives when neither -key
// nor AIMS_LEDGER_SIGNING_KEY says otherwise: in a folder beside the data
// folder (creditscore-data → creditscore-keys/ledger.key), so that the
// ledger, the telemetry and the review queue can be copied to an auditor
// without the key, and the key is never inside the ledger folder.
func defaultKeyFile(dataDir string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(dataDir)), "creditscore-keys", "ledger.key")
}

// loadLedgerKey returns the ledger's Ed25519 checkpoint signer.
//
//   - With keyFile set (-key), the private key is read from that file,
//     which is created (mode 0600) with a new key pair on first start.
//   - Otherwise, when AIMS_LEDGER_SIGNING_KEY is set, the key is taken from
//     the environment (ledger.SignerFromEnv): how a secret store hands it
//     to a production service.
//   - Otherwise the key file is defaultKeyFile(dataDir), created on first
//     start.
//
// A key file inside the ledger folder is refused. A service whose key
// stays in a KMS or HSM would use ledger.NewCryptoSigner instead. The
// public half is never written beside the ledger: auditors get it from
// the inventory registration and the Statement of Applicability.
func loadLedgerKey(keyFile, dataDir, ledgerDir string) (ledgerKey, error) {
	var k ledgerKey
	var err error
	if keyFile == "" {
		if _, ok := os.LookupEnv(ledger.DefaultKeyEnv); ok {
			if k.signer, err = ledger.SignerFromEnv(""); err != nil {
				return k, err
			}
			k.source = "environment variable " + ledger.DefaultKeyEnv
			return k, k.setVerifierKey()
		}
		keyFile = defaultKeyFile(dataDir)
		if err := moveOldKey(dataDir, keyFile); err != nil {
			return k, err
		}
	}
	if inside(ledgerDir, keyFile) {
		return k, fmt.Errorf("the signing key %s is inside the ledger folder %s; keep it outside, where a copy of the ledger does not take it along", keyFile, ledgerDir)
	}
	if _, err := os.Stat(keyFile); errors.Is(err, fs.ErrNotExist) {
		if err := createKey(keyFile); err != nil {
			return k, err
		}
	}
	if k.signer, err = ledger.LoadSigner(keyFile); err != nil {
		return k, err
	}
	k.source = keyFile
	return k, k.setVerifierKey()
}

func (k *ledgerKey) setVerifierKey() error {
	s, ok := k.signer.(interface{ VerifierKey() string })
	if !ok {
		return fmt.Errorf("ledger signer %T does not tell its verifier key", k.signer)
	}
	k.vkey = s.VerifierKey()
	return nil
}

// createKey writes a new private signing key to path, readable only by
// this user, in a folder only this user can enter. The file appears whole
// or not at all (ledger.CreateKeyFile), so a first start cut short by a
// crash or a full disk leaves no key file in part that every later start
// would fail to load.
func createKey(path string) error {
	skey, _, err := ledger.GenerateKey(keyName)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := ledger.CreateKeyFile(path, skey, 0o600); err != nil {
		return fmt.Errorf("creating the ledger signing key: %w", err)
	}
	return nil
}

// moveOldKey moves the private key an earlier version of this example kept
// in the data folder (ledger.key, next to ledger.pub) to keyFile, so an
// existing ledger keeps verifying with the same key, and removes the
// public key file there: auditors must not take the key from beside the
// ledger.
func moveOldKey(dataDir, keyFile string) error {
	old := filepath.Join(dataDir, "ledger.key")
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	if _, err := os.Stat(keyFile); err == nil {
		return fmt.Errorf("found both %s (kept there by an earlier version of this example) and %s; remove the one that did not sign the ledger", old, keyFile)
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return err
	}
	if err := os.Rename(old, keyFile); err != nil {
		return fmt.Errorf("moving the signing key out of the data folder: %w", err)
	}
	if err := os.Chmod(keyFile, 0o600); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dataDir, "ledger.pub")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// inside reports whether path is dir or lies below it.
func inside(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// publishKeyInSoA lists the verifier key in the SoA's evidence for A.6.2.8
// (event logs). An SoA that already names ledger keys must name this one:
// the approved statement and the running service may not disagree about
// which key signs the ledger.
func publishKeyInSoA(soa *aims.SoA, vkey string) error {
	if keys := soa.LedgerKeys(); len(keys) > 0 && !slices.Contains(keys, vkey) {
		return fmt.Errorf("the Statement of Applicability publishes ledger keys %q, but the ledger signs with %s", keys, vkey)
	}
	return soa.AddEvidence("A.6.2.8", aims.LedgerKeyEvidence(vkey))
}
