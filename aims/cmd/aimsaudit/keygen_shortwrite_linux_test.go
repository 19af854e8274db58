package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/childtest"
)

const keygenFsizeEnv = "AIMS_KEYGEN_FSIZE_PREFIX"

// TestKeygenShortWriteChild is the child of
// TestKeygenAfterShortWrite: it runs keygen under a file size limit
// (RLIMIT_FSIZE, which makes the kernel cut a write short exactly as a
// full disk does), small enough that the private key is written in part.
func TestKeygenShortWriteChild(t *testing.T) {
	prefix := os.Getenv(keygenFsizeEnv)
	if prefix == "" {
		t.Skip("only run as the child of TestKeygenAfterShortWrite")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = 20
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "keygen", "--name", "credit-ledger", "--out", prefix)
	if code == 0 {
		t.Fatalf("keygen succeeded under the size limit: %s", out)
	}
	os.Stdout.WriteString("failed: " + strings.TrimSpace(errs) + "\n")
}

// TestKeygenAfterShortWrite: keygen that fails because the disk is full
// must not leave a private key file cut short in place, which no signer
// loads and which keygen then refuses to replace: run again once there is
// room, it makes a key pair that works.
func TestKeygenAfterShortWrite(t *testing.T) {
	if os.Getenv(keygenFsizeEnv) != "" {
		t.Skip("child")
	}
	prefix := filepath.Join(t.TempDir(), "ledger")
	var failed string
	stderr := childtest.Run(t, "TestKeygenShortWriteChild", []string{keygenFsizeEnv + "=" + prefix}, func(line string) bool {
		if s, ok := strings.CutPrefix(line, "failed: "); ok {
			failed = s
		}
		return false
	})
	if failed == "" {
		t.Fatalf("the child's keygen did not fail: %s", stderr)
	}
	t.Logf("keygen under the size limit: %s", failed)
	if code, out, errs := runCmd(t, "keygen", "--name", "credit-ledger", "--out", prefix); code != 0 {
		t.Fatalf("keygen run again with room on the disk: %d %s %s", code, out, errs)
	}
	signer, err := ledger.LoadSigner(prefix + ".key")
	if err != nil {
		t.Fatalf("the private key does not load: %v", err)
	}
	if _, err := ledger.LoadVerifier(prefix + ".pub"); err != nil {
		t.Fatalf("the public key does not load: %v", err)
	}
	pub, _ := os.ReadFile(prefix + ".pub")
	if got := signer.(*ledger.CryptoSigner).VerifierKey(); strings.TrimSpace(string(pub)) != got {
		t.Fatalf("the public key %q does not belong to the private key (%q)", pub, got)
	}
}
