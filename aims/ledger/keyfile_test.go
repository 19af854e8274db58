package ledger

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestCreateKeyFile: the key is written on one line with the mode asked
// for, LoadSigner reads it back, an existing file is never replaced, and
// no temporary file is left behind.
func TestCreateKeyFile(t *testing.T) {
	skey, vkey, err := GenerateKey("keyfile-test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.key")
	if err := CreateKeyFile(path, skey, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != skey+"\n" {
		t.Fatalf("file holds %q (%v), want the key on one line", b, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	s, err := LoadSigner(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.(*CryptoSigner).VerifierKey(); got != vkey {
		t.Fatalf("verifier key %q, want %q", got, vkey)
	}
	other, _, _ := GenerateKey("other")
	if err := CreateKeyFile(path, other, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("replacing an existing key: %v, want fs.ErrExist", err)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Fatal("the existing key was changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries, want only the key file", len(entries))
	}
	if err := CreateKeyFile(filepath.Join(dir, "missing", "x.key"), skey, 0o600); err == nil {
		t.Fatal("a key file in a missing folder was created")
	}
}
